/* ent_retry.h - the conflict-retry loop of the remote stores' commits
 * (DynamoDB, Firestore).
 *
 * An attempt that lost to a concurrent transaction (or, on DynamoDB, guessed
 * an outbox counter wrong) is tried again after a pause, at most
 * max_attempts times in all. When it still loses, a commit that moves a card
 * balance is FIN_VERSION_CONFLICT, because the app answers that by reading
 * the card again and retrying, as for a stale version; any other commit is
 * FIN_UNAVAILABLE. The pause is the store's own (each backend has its own
 * contention pattern).
 */
#ifndef FIN_ENT_RETRY_H
#define FIN_ENT_RETRY_H

#include <stddef.h>

#include "../../core/ports/errors.h"
#include "../../core/ports/store.h"

enum ent_try {
  ENT_TRY_DONE,  /* the attempt's status is the commit's result */
  ENT_TRY_AGAIN, /* lost to a concurrent change: try again */
};

/* One attempt: sets *st (and e) and says whether it is final. */
typedef enum ent_try (*ent_attempt_fn)(void *ctx, enum fin_status *st, struct fin_err *e);

struct ent_retry {
  int max_attempts;           /* attempts in all, >= 1 */
  void (*pause)(int attempt); /* after failed attempt number `attempt` (from 0) */
  const char *gave_up;        /* message prefix, e.g. "firestore commit: still contended" */
};

/* Runs attempt(ctx, ...) as `policy` says for the commit of writes w[0..n)
 * (read only, to see whether it moves a card balance). Returns the final
 * attempt's status, or the give-up error "<gave_up> after <max> attempts". */
enum fin_status ent_retry_commit(const struct ent_retry *policy, const struct fin_write *w,
                                 size_t n, ent_attempt_fn attempt, void *ctx, struct fin_err *e);

#endif
