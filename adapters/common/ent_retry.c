/* ent_retry.c - the remote stores' conflict-retry loop (see ent_retry.h). */
#include "ent_retry.h"

#include <stdbool.h>

enum fin_status ent_retry_commit(const struct ent_retry *policy, const struct fin_write *w,
                                 size_t n, ent_attempt_fn attempt, void *ctx, struct fin_err *e) {
  bool balance = false;
  for (size_t i = 0; i < n; i++)
    balance |= w[i].kind == FIN_W_CARD_BALANCE;
  enum fin_status st = FIN_OK;
  for (int a = 0;; a++) {
    if (attempt(ctx, &st, e) == ENT_TRY_DONE) return st;
    if (a + 1 >= policy->max_attempts)
      /* still contended: for a card the caller re-reads and retries */
      return fin_err_set(e, balance ? FIN_VERSION_CONFLICT : FIN_UNAVAILABLE,
                         "%s after %d attempts", policy->gave_up, policy->max_attempts);
    policy->pause(a);
  }
}
