/* ent_cond.h - the errors of store.h's write conditions, worded once for
 * every store (memory, DynamoDB, Firestore), so that a client gets the same
 * code and message whichever store refused its commit.
 *
 * Each store decides in its own way that write `wi` of a commit failed its
 * condition (a check under a lock, a cancelled TransactWriteItems, a
 * document read in a transaction), and says what it found where the
 * condition looked; these functions turn that into the error.
 */
#ifndef FIN_ENT_COND_H
#define FIN_ENT_COND_H

#include <stdbool.h>
#include <stdint.h>

#include "../../core/ports/errors.h"
#include "../../core/ports/store.h"

/* What a store found where a failed write's condition looked. */
struct ent_cond_found {
  bool exists;        /* USER_CARD_SLOT, REQUEST_DECIDE: the user / request is there */
  int64_t number;     /* CARD_BALANCE: the stored version (-1: no card);
                         USER_CARD_SLOT: the stored card revision (absent = 0) */
  const char *status; /* REQUEST_DECIDE: the stored status (borrowed; NULL: unknown) */
};

/* Sets e (may be NULL) for write x, index wi, whose condition failed:
 * code, message, e->failed_write, and for a card version the conflict
 * detail (card_id, expected_version, actual_version). Returns the code
 * (FIN_EXISTS, FIN_NOT_FOUND, FIN_VERSION_CONFLICT or FIN_PRECONDITION;
 * FIN_INTERNAL for a kind that has no condition). */
enum fin_status ent_cond_fail(const struct fin_write *x, int wi, const struct ent_cond_found *found,
                              struct fin_err *e);

/* Write wi creates a key an earlier write of the same commit creates:
 * FIN_EXISTS, e->failed_write = wi. */
enum fin_status ent_cond_repeat(int wi, struct fin_err *e);

#endif
