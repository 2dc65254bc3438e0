/* admin_keys.h - admin idempotency keys scoped by operation and target
 * (deviation from the original, which replayed across operations:
 * deviations.md, 7). */
#ifndef FIN_ADMIN_KEYS_H
#define FIN_ADMIN_KEYS_H

#include "../http/http.h"
#include "container.h"

#define OP_ADMIN "admin-operation"

/* hash = SHA-256("<operation>\n<target>\n<raw key>") in lower-case hex. */
void fin_admin_key_hash(const char *operation, const char *target, const char *key, char out[65]);
/* Looks the key up in the admin's space. true when r was answered (a
 * replay, FIN_E_IDEM_KEY_REUSED when the key was first used with another
 * request (fingerprint fp), or an error), false when the operation should run. */
bool fin_admin_replay(struct fin_container *c, const char *admin, const char *hash, const char *fp,
                      struct fin_resp *r);

#endif
