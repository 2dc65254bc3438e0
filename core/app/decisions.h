/* decisions.h - admin decisions on pending card requests (approvals.c),
 * shared by the HTTP admin routes and the WhatsApp webhook. */
#ifndef FIN_DECISIONS_H
#define FIN_DECISIONS_H

#include <jansson.h>

#include "app_errors.h"
#include "container.h"

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
 * On success *body_out (may be NULL) gets the HTTP body of behaviour.md §1.16 / §1.17
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
