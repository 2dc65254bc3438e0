/* ent_cond.c - store.h's condition errors (see ent_cond.h). */
#include "ent_cond.h"

#include "../../core/domain/model.h"

static enum fin_status card_version(const struct fin_write *x, int64_t actual, struct fin_err *e) {
  if (e != NULL) {
    fin_strlcpy(e->card_id, x->u.balance.card_id, sizeof e->card_id);
    e->expected_version = x->u.balance.expected_version;
    e->actual_version = actual;
  }
  return fin_err_set(e, FIN_VERSION_CONFLICT,
                     "Concurrent modification detected for card %s. Expected version %lld, "
                     "got %lld",
                     x->u.balance.card_id, (long long)x->u.balance.expected_version,
                     (long long)actual);
}

enum fin_status ent_cond_fail(const struct fin_write *x, int wi, const struct ent_cond_found *found,
                              struct fin_err *e) {
  if (e != NULL) e->failed_write = wi;
  switch (x->kind) {
  case FIN_W_USER_CREATE:
    return fin_err_set(e, FIN_EXISTS, "User already exists: %s", x->u.user->ecosystem_id);
  case FIN_W_USER_SCORE:
    return fin_err_set(e, FIN_NOT_FOUND, "User not found: %s", x->u.score.ecosystem_id);
  case FIN_W_USER_SUMMARY:
    return fin_err_set(e, FIN_NOT_FOUND, "User not found: %s", x->u.summary.ecosystem_id);
  case FIN_W_USER_CARD_SLOT:
    if (!found->exists)
      return fin_err_set(e, FIN_NOT_FOUND, "User not found: %s", x->u.slot.ecosystem_id);
    return fin_err_set(e, FIN_VERSION_CONFLICT,
                       "Concurrent card change for user %s: expected revision %lld, got %lld",
                       x->u.slot.ecosystem_id, (long long)x->u.slot.expected_rev,
                       (long long)found->number);
  case FIN_W_CARD_CREATE:
    return fin_err_set(e, FIN_EXISTS, "Card already exists: %s", x->u.card->card_id);
  case FIN_W_CARD_BALANCE:
    return card_version(x, found->number, e);
  case FIN_W_REQUEST_CREATE:
    return fin_err_set(e, FIN_EXISTS, "Card request already exists: %s", x->u.request->request_id);
  case FIN_W_REQUEST_DECIDE:
    if (!found->exists)
      return fin_err_set(e, FIN_NOT_FOUND, "Card request not found: %s", x->u.decide.request_id);
    return fin_err_set(e, FIN_PRECONDITION, "Card request %s is not pending (status: %s)",
                       x->u.decide.request_id, found->status ? found->status : "?");
  case FIN_W_EVENT_APPEND:
    return fin_err_set(e, FIN_EXISTS, "Event already exists: %s", x->u.event->event_id);
  case FIN_W_IDEM_PUT:
    return fin_err_set(e, FIN_EXISTS, "Idempotency key already used");
  default: /* TXN_PUT, AUDIT_APPEND: no condition to fail */
    return fin_err_set(e, FIN_INTERNAL, "write %d failed its condition", wi);
  }
}

enum fin_status ent_cond_repeat(int wi, struct fin_err *e) {
  if (e != NULL) e->failed_write = wi;
  return fin_err_set(e, FIN_EXISTS, "write %d repeats a create", wi);
}
