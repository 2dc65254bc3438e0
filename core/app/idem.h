/* idem.h - idempotency keys of the money and card routes (behaviour.md §5).
 *
 * A request with an Idempotency-Key stores its answer (or a summary of it)
 * under (scope, SHA-256 of the key) in the same commit as its writes; a
 * repeat finds the record and replays it. A key reused with another request
 * is refused (fingerprints, idem_fp.c).
 */
#ifndef FIN_IDEM_H
#define FIN_IDEM_H

#include <stdbool.h>

#include "../domain/model.h"
#include "../http/http.h"
#include "../ports/errors.h"
#include "container.h"

/* Lower-case hex SHA-256 of the raw header value. */
void fin_idem_hash(const char *key, char out[65]);
/* Looks up (scope, hash). FIN_OK with *out filled (the caller clears it),
 * FIN_NOT_FOUND, or another status with pe set. */
enum fin_status fin_idem_lookup(struct fin_container *c, const char *scope, const char *hash,
                                struct fin_idem *out, struct fin_err *pe);
/* fin_idem_lookup for a handler: FIN_OK with *out filled (replay it, then
 * clear it), FIN_NOT_FOUND, or another status with r already answered
 * (503 when the store is down). */
enum fin_status fin_idem_find(struct fin_container *c, const char *scope, const char *hash,
                              struct fin_idem *out, struct fin_resp *r);
/* Fills a record for an IDEM_PUT write; takes ownership of response_text,
 * even on failure (NULL, a failed dump, counts as no memory). fingerprint
 * (fin_idem_fingerprint) may be NULL: none stored. FIN_OK, or FIN_NOMEM with
 * *rec zeroed: nothing may be committed without the record (records.h). */
enum fin_status fin_idem_fill(struct fin_idem *rec, const char *scope, const char *hash,
                              const char *fingerprint, const char *operation, char *response_text,
                              int status, fin_ms now, const struct fin_rules *rules)
    __attribute__((warn_unused_result));
/* Concurrent first uses of one key inside this process queue up (a striped
 * lock by scope and hash): the later ones find the record and replay rather
 * than send a commit bound to fail. Other processes still meet the store's
 * conditional write. Take it before the lookup, never while holding a card
 * lock (money.h), and release it with fin_idem_unlock. */
void fin_idem_lock(const char *scope, const char *hash);
void fin_idem_unlock(const char *scope, const char *hash);

/* idem_fp.c ------------------------------------------------------------- */
/* Hex SHA-256 of the operation, the path parameters and the canonical body
 * (keys sorted, numbers as doubles) of q. FIN_OK, or FIN_NOMEM. */
enum fin_status fin_idem_fingerprint(const char *operation, const struct fin_req *q, char out[65])
    __attribute__((warn_unused_result));
/* True when a stored record may be replayed for the request with this
 * fingerprint: equal, or either side has none (records of older versions). */
bool fin_idem_same_request(const struct fin_idem *rec, const char *fingerprint);
/* Answers FIN_E_IDEM_KEY_REUSED: the key was first used with another request. */
void fin_idem_refuse_reuse(struct fin_resp *r);

#endif
