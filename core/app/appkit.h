/* appkit.h - helpers shared by the application handlers: error mapping,
 * JSON views of the entities, idempotency, events and audit records.
 *
 * JSON builders return a new reference (caller owns, usually stolen into a
 * response) or NULL on OOM. Key order follows baseline §1.
 */
#ifndef FIN_APPKIT_H
#define FIN_APPKIT_H

#include <jansson.h>

#include "../domain/rules.h"
#include "../http/errmap.h"
#include "../http/http.h"

/* An error from a service, answered by fin_app_fail(). Zeroed it is
 * FIN_E_INTERNAL with the table's message. */
struct fin_app_error {
  enum fin_api_err err;
  char msg[512];   /* "" = the table's default message */
  json_t *details; /* owned, optional */
};
/* Names the error, with the table's message (set) or one of its own (setf). */
void fin_app_error_set(struct fin_app_error *e, enum fin_api_err err);
void fin_app_error_setf(struct fin_app_error *e, enum fin_api_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The message the client will read (e->msg, or the table's). */
const char *fin_app_error_message(const struct fin_app_error *e);
/* Maps a port status to an app error: UNAVAILABLE -> FIN_E_DEPENDENCY_UNAVAILABLE,
 * VERSION_CONFLICT -> FIN_E_VERSION_CONFLICT with details, others ->
 * FIN_E_INTERNAL. `what` names the operation for the log and the message. */
void fin_app_error_from_port(struct fin_app_error *e, enum fin_status st, const struct fin_err *pe,
                             const char *what);
/* Moves the error into the response (details stolen). */
void fin_app_fail(struct fin_resp *r, struct fin_app_error *e);
void fin_app_error_clear(struct fin_app_error *e);

/* Now, from the wired clock. */
fin_ms fin_app_now(struct fin_container *c);

/* ISO string as a JSON value. */
json_t *fin_json_iso(fin_ms ms);
json_t *fin_json_money(double v); /* json_real; printed JS-style by the writer */

/* Entity views. */
json_t *fin_json_user(const struct fin_user *u);         /* POST /v1/users user */
json_t *fin_json_card_summary(const struct fin_card *c); /* CardSummary */
json_t *fin_json_card_detail(const struct fin_card *c);  /* CardDetail */
json_t *fin_json_txn(const struct fin_txn *t);           /* Transaction */
/* {"requestId","status","scoreAtRequest"[,"decision"][,"card"]}; status_override
 * NULL = the request's own status; card may be NULL. */
json_t *fin_json_request(const struct fin_card_request *r, const char *status_override,
                         const struct fin_card *card);
/* AdminCardRequest (§1.15). owner may be NULL (email fallback given).
 * attention_strict: daysPending > 7 (decision responses) instead of >= 7. */
json_t *fin_json_admin_request(const struct fin_card_request *r, const struct fin_user *owner,
                               fin_ms now, bool attention_strict, const char *email_fallback);
/* {"user":{ecosystemId,email,currentScore,tier},"history":[<=10 newest]} */
json_t *fin_json_score_view(struct fin_container *c, const struct fin_user *u,
                            struct fin_app_error *e);

/* Idempotency ---------------------------------------------------------- */
/* Lower-case hex SHA-256 of the raw header value. */
void fin_idem_hash(const char *key, char out[65]);
/* Looks up (scope, hash). FIN_OK with *out filled, FIN_NOT_FOUND, or error. */
enum fin_status fin_idem_lookup(struct fin_container *c, const char *scope, const char *hash,
                                struct fin_idem *out, struct fin_err *pe);
/* fin_idem_lookup for a handler: FIN_OK with *out filled (replay it, then
 * clear it), FIN_NOT_FOUND, or another status with r already answered
 * (503 when the store is down). */
enum fin_status fin_idem_find(struct fin_container *c, const char *scope, const char *hash,
                              struct fin_idem *out, struct fin_resp *r);
/* Fills a record for an IDEM_PUT write; takes ownership of response_text.
 * fingerprint (fin_idem_fingerprint) may be NULL: none stored. */
int fin_idem_fill(struct fin_idem *rec, const char *scope, const char *hash,
                  const char *fingerprint, const char *operation, char *response_text, int status,
                  fin_ms now, const struct fin_rules *rules);
/* Hex SHA-256 of the operation, the path parameters and the canonical body
 * (keys sorted, numbers as doubles) of q. 0, or -1 on OOM. */
int fin_idem_fingerprint(const char *operation, const struct fin_req *q, char out[65])
    __attribute__((warn_unused_result));
/* True when a stored record may be replayed for the request with this
 * fingerprint: equal, or either side has none (records of older versions). */
bool fin_idem_same_request(const struct fin_idem *rec, const char *fingerprint);
/* 422 IDEMPOTENCY_KEY_REUSED: the key was first used with another request. */
void fin_idem_refuse_reuse(struct fin_resp *r);
/* Concurrent first uses of one key inside this process queue up (a striped
 * lock by scope and hash): the later ones find the record and replay rather
 * than send a commit bound to fail. Other processes still meet the store's
 * conditional write. Take it before the lookup, never while holding a card
 * lock (money.h), and release it with fin_idem_unlock. */
void fin_idem_lock(const char *scope, const char *hash);
void fin_idem_unlock(const char *scope, const char *hash);

/* Events and audit ----------------------------------------------------- */
/* Fills an outbox event (sequence 0 = store allocates); steals payload. */
int fin_event_fill(struct fin_event *ev, const char *type, const char *entity_type,
                   const char *entity_id, const char *eco, json_t *payload, fin_ms now);
/* Fills an audit record; steals prev/next JSON. */
int fin_audit_fill(struct fin_audit *a, const char *admin_id, const char *admin_email,
                   const char *action, const char *target_type, const char *target_id,
                   const char *target_eco, json_t *prev, json_t *next, const char *reason,
                   const char *request_id, fin_ms now);

/* Commit with retry-free error mapping: FIN_OK or fills e. */
enum fin_status fin_app_commit(struct fin_container *c, struct fin_write *w, size_t n,
                               struct fin_err *pe);

/* Reads the user's cards and refreshes the denormalised summary write. */
void fin_summary_of(const struct fin_card *cards, size_t n, struct fin_card_summary *s);

/* Admin decisions (approvals.c), shared by HTTP routes and WhatsApp. ------ */
struct fin_decision_input {
  const char *admin_id;
  const char *admin_email;
  const char *request_id;
  double limit;             /* approve only */
  const char *reason;       /* reject: required; approve: optional (WhatsApp) */
  const char *audit_reason; /* audit log reason; NULL = default */
  const char *source_phone; /* WhatsApp: event adminId is the phone; NULL for HTTP */
  /* Admin idempotency (HTTP only; NULL scope = none): the response body is
   * stored under (scope, hash) in the same commit. */
  const char *idem_scope;
  const char *idem_hash;
  const char *idem_fingerprint;
  const char *idem_operation;
};
/* What a decision service did. */
enum fin_decide_result {
  FIN_DECIDED = 0,      /* committed; *body_out set when asked for */
  FIN_DECIDE_FAILED,    /* nothing committed, or the outcome is unknown: e says which */
  FIN_DECIDE_IDEM_RACE, /* a concurrent request stored the key first: replay its record */
};
/* Approves a pending request: policy checks, card creation, decision,
 * summary, audit, card.approved event (+ idempotency record), in one commit.
 * On success *body_out (may be NULL) gets the HTTP body of §1.16 / §1.17
 * (a new reference, the caller's). Errors in e: FIN_E_CARD_REQUEST_NOT_FOUND,
 * FIN_E_REQUEST_NOT_PENDING, FIN_E_USER_NOT_FOUND, FIN_E_VALIDATION,
 * FIN_E_LIMIT_EXCEEDS_POLICY, or a port failure (fin_app_error_from_port). */
enum fin_decide_result fin_approve_request(struct fin_container *c,
                                           const struct fin_decision_input *in, json_t **body_out,
                                           struct fin_app_error *e)
    __attribute__((warn_unused_result));
/* Rejects a pending request (decision, audit, card.rejected event, +
 * idempotency record, one commit); the same results and errors, less the
 * limit checks. */
enum fin_decide_result fin_reject_request(struct fin_container *c,
                                          const struct fin_decision_input *in, json_t **body_out,
                                          struct fin_app_error *e)
    __attribute__((warn_unused_result));

#endif
