/* stripes.h - striped mutexes: work on one key (a card, an idempotency key,
 * a document) queues up inside the process while other keys run.
 *
 * Each set is its own table, so holding a lock of one set never blocks on
 * another set's table; a caller that takes locks of two sets always takes
 * them in enum order (IDEM before CARD), and several stripes of one set in
 * ascending index order (fin_stripes_lock_many does).
 */
#ifndef FIN_STRIPES_H
#define FIN_STRIPES_H

#include <stdbool.h>
#include <stddef.h>

enum fin_stripe_set {
  FIN_STRIPES_IDEM, /* first uses of an idempotency key (core/app) */
  FIN_STRIPES_CARD, /* money moves on one card (core/app/money.c) */
  FIN_STRIPES_DOC,  /* commits reading one Firestore document (adapters/firebase) */
  FIN_STRIPES_SLOT, /* DynamoDB commits moving one user's card slot (adapters/aws) */
  FIN_STRIPE_SETS
};

/* The stripe of key `a` (and `b`, may be NULL). */
unsigned fin_stripe_of(const char *a, const char *b);
void fin_stripe_lock(enum fin_stripe_set set, const char *a, const char *b);
void fin_stripe_unlock(enum fin_stripe_set set, const char *a, const char *b);
/* Locks (or unlocks) the stripes of n keys, each stripe once, in order. */
void fin_stripes_many(enum fin_stripe_set set, char *const *keys, size_t n, bool lock);

#endif
