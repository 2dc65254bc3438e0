/* store.h - the atomic write port (unit of work).
 *
 * Every business write goes through commit(): a list of typed writes that the
 * store applies all-or-nothing, after checking every write's condition. The
 * memory adapter does it under one lock; DynamoDB maps it to one
 * TransactWriteItems; Firestore to one commit with preconditions.
 *
 * Conditions (checked before anything is applied; the first failing write
 * decides the result, its index goes to err->failed_write):
 *  USER_CREATE       user must not exist                 -> FIN_EXISTS
 *  USER_SCORE        user must exist                     -> FIN_NOT_FOUND
 *                    (sets score, tier, updated_at and appends `score`)
 *  USER_SUMMARY      user must exist                     -> FIN_NOT_FOUND
 *  CARD_CREATE       card id must not exist              -> FIN_EXISTS
 *  CARD_BALANCE      stored version == expected_version  -> FIN_VERSION_CONFLICT
 *                    (missing card: actual_version -1);  sets balance,
 *                    available_credit, minimum_payment, version+1, updated_at
 *  REQUEST_CREATE    request id must not exist           -> FIN_EXISTS
 *  REQUEST_DECIDE    request must exist and be pending   -> FIN_NOT_FOUND /
 *                    FIN_PRECONDITION; sets status, decision, resulting card,
 *                    updated_at
 *  TXN_PUT           none (new transaction row)
 *  EVENT_APPEND      none; if event.sequence == 0 the store allocates the next
 *                    number of key "<ecosystemId>:<entityType>:<entityId>"
 *                    (1, 2, 3 ... with no gaps and no duplicates, even under
 *                    concurrent commits) and writes it back into the caller's
 *                    struct on success
 *  IDEM_PUT          no unexpired record for (ecosystem, key_hash) at `now`
 *                    -> FIN_EXISTS (a concurrent request won; replay it)
 *  AUDIT_APPEND      none
 *  USER_CARD_SLOT    user must exist                     -> FIN_NOT_FOUND;
 *                    expected_rev >= 0: stored card_rev  -> FIN_VERSION_CONFLICT
 *                    (absent = 0) must equal it; sets card_rev = stored + 1.
 *                    Every write that opens a card or a request, or decides
 *                    one, carries it, so an eligibility check made on a read
 *                    user (card_rev r) and the issuance commit are one atomic
 *                    decision: a concurrent change of the user's cards or
 *                    requests fails the commit instead of issuing twice.
 *                    Score changes carry it too: a payment checks it (its
 *                    new score is computed from the score it read), an
 *                    admin's change bumps it.
 *
 * Pointers in a write are borrowed for the duration of commit(). On success
 * the store keeps its own copies.
 */
#ifndef FIN_STORE_H
#define FIN_STORE_H

#include "../domain/model.h"
#include "errors.h"

enum fin_write_kind {
  FIN_W_USER_CREATE = 1,
  FIN_W_USER_SCORE,
  FIN_W_USER_SUMMARY,
  FIN_W_CARD_CREATE,
  FIN_W_CARD_BALANCE,
  FIN_W_REQUEST_CREATE,
  FIN_W_REQUEST_DECIDE,
  FIN_W_TXN_PUT,
  FIN_W_EVENT_APPEND,
  FIN_W_IDEM_PUT,
  FIN_W_AUDIT_APPEND,
  FIN_W_USER_CARD_SLOT,
};

struct fin_write {
  enum fin_write_kind kind;
  union {
    const struct fin_user *user; /* USER_CREATE */
    struct {
      const char *ecosystem_id;
      int score;
      const char *tier;
      fin_ms updated_at;
      const struct fin_score *entry;
    } score; /* USER_SCORE */
    struct {
      const char *ecosystem_id;
      struct fin_card_summary summary;
      fin_ms updated_at;
    } summary;                   /* USER_SUMMARY */
    const struct fin_card *card; /* CARD_CREATE */
    struct {
      const char *ecosystem_id;
      const char *card_id;
      int64_t expected_version;
      double balance, available_credit, minimum_payment;
      fin_ms updated_at;
    } balance;                              /* CARD_BALANCE */
    const struct fin_card_request *request; /* REQUEST_CREATE */
    struct {
      const char *ecosystem_id;
      const char *request_id;
      const char *status;
      const struct fin_decision *decision;
      const char *resulting_card_id; /* NULL or "" = none */
      fin_ms updated_at;
    } decide;                  /* REQUEST_DECIDE */
    const struct fin_txn *txn; /* TXN_PUT */
    struct fin_event *event;   /* EVENT_APPEND (sequence written back) */
    struct {
      const struct fin_idem *rec;
      fin_ms now;
    } idem;                        /* IDEM_PUT */
    const struct fin_audit *audit; /* AUDIT_APPEND */
    struct {
      const char *ecosystem_id;
      int64_t expected_rev; /* -1 = no check, only the bump */
    } slot;                 /* USER_CARD_SLOT */
  } u;
};

#define FIN_MAX_WRITES 16

struct fin_store_ops {
  enum fin_status (*commit)(void *self, struct fin_write *writes, size_t n, struct fin_err *e);
  /* Dependency check for readiness: FIN_OK when reachable. */
  enum fin_status (*ping)(void *self, struct fin_err *e);
  void (*destroy)(void *self);
};
struct fin_store {
  const struct fin_store_ops *ops;
  void *self;
};

#endif
