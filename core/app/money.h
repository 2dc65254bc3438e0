/* money.h - shared steps of purchases and payments (behaviour.md §1.10, §1.11). */
#ifndef FIN_MONEY_H
#define FIN_MONEY_H

#include <jansson.h>

#include "../domain/model.h"
#include "../http/http.h"
#include "container.h"

/* Attempts of a purchase/payment whose card changed between read and
 * commit. Within a process they queue on the card lock and rarely conflict;
 * instances sharing a store meet here, and the one that keeps losing a
 * race for a busy card backs off (fin_conflict_pause) until it wins. */
#define FIN_MONEY_RETRIES 16

/* Money moves on one card queue up inside this process (a striped lock by
 * card id), so concurrent purchases do not fail each other's version checks
 * against a remote store; other processes still meet the version check and
 * retry. Hold it around the whole read-compute-commit loop. */
void fin_card_lock(const char *card_id);
void fin_card_unlock(const char *card_id);
/* A jittered pause before retry `attempt` (1, 2, ...) after a version
 * conflict with another process: up to 2^attempt ms (at most 64 ms), so
 * that two instances racing for one card stop colliding. */
void fin_conflict_pause(int attempt);

/* Stores a failed transaction (no event, no idempotency record). */
enum fin_status fin_store_failed_txn(struct fin_container *c, const char *eco, const char *card_id,
                                     const char *type, double amount, const char *key,
                                     const char *reason, struct fin_err *pe);

/* Answers {"transaction":..., "card":...[, "scoreImpact": extra]} by re-reading
 * both (steals extra). Missing transaction -> 500 "Transaction not found after
 * creation"; missing card -> 404 "Card not found: <id>". */
void fin_answer_txn(struct fin_container *c, const char *eco, const char *card_id,
                    const char *txn_id, int http, json_t *extra, struct fin_resp *r);

/* Fills a transaction row that owns copies of its strings (fin_txn_clear).
 * FIN_OK, or with pe set and *t zeroed: FIN_UNAVAILABLE when no id could be
 * made (ids.h), FIN_NOMEM. */
enum fin_status fin_txn_prepare(struct fin_txn *t, const char *eco, const char *card_id,
                                const char *type, double amount, const char *key, fin_ms now,
                                struct fin_err *pe) __attribute__((warn_unused_result));

#endif
