/* views.h - JSON views of the entities, keys in the order of behaviour.md §1.
 *
 * Builders return a new reference (the caller's, usually stolen into a
 * response) or NULL on OOM.
 */
#ifndef FIN_VIEWS_H
#define FIN_VIEWS_H

#include <jansson.h>
#include <stdbool.h>

#include "../domain/model.h"
#include "app_errors.h"
#include "container.h"

/* ISO string as a JSON value. */
json_t *fin_json_iso(fin_ms ms);
json_t *fin_json_money(double v); /* json_real; printed JS-style by the writer */

json_t *fin_json_user(const struct fin_user *u);         /* POST /v1/users user */
json_t *fin_json_card_summary(const struct fin_card *c); /* CardSummary */
json_t *fin_json_card_detail(const struct fin_card *c);  /* CardDetail */
json_t *fin_json_txn(const struct fin_txn *t);           /* Transaction */
/* The same two views written into w: the bytes fin_json_dump writes for the
 * trees above (test_views_text), without building them (a purchase's answer). */
struct fin_jw;
void fin_text_card_summary(struct fin_jw *w, const struct fin_card *c);
void fin_text_txn(struct fin_jw *w, const struct fin_txn *t);
/* What a purchase's idempotency record stores: {"success":true,
 * "transactionId","cardId","newBalance","newAvailableCredit","message":
 * "Purchase completed"}, the text fin_json_dump writes for json_pack's tree of
 * it; NULL where json_pack fails (a NULL or non-UTF-8 string, a non-finite
 * real) or on OOM. A new string (free()). */
/* The transaction.purchase event's payload {"transactionId","cardId",
 * "ecosystemId","amount","merchant","newBalance","newAvailableCredit",
 * "idempotencyKey"}: the tree json_pack("{s:s,s:s,s:s,s:f,s:s,s:f,s:f,s:s}")
 * builds, without reading a format; NULL where json_pack fails (a NULL or
 * non-UTF-8 string, a non-finite real) or on OOM. */
json_t *fin_json_purchase_event(const char *transaction_id, const char *card_id, const char *eco,
                                double amount, const char *merchant, double balance,
                                double available, const char *key);
char *fin_text_purchase_summary(const char *transaction_id, const char *card_id, double balance,
                                double available);
/* {"requestId","status","scoreAtRequest"[,"decision"][,"card"]}; status_override
 * NULL = the request's own status; card may be NULL. */
json_t *fin_json_request(const struct fin_card_request *r, const char *status_override,
                         const struct fin_card *card);
/* AdminCardRequest (behaviour.md §1, §4.10). owner may be NULL (email fallback given).
 * attention_strict: daysPending > 7 (decision responses) instead of >= 7. */
json_t *fin_json_admin_request(const struct fin_card_request *r, const struct fin_user *owner,
                               fin_ms now, bool attention_strict, const char *email_fallback);
/* An item of the admin list (§1.15): AdminCardRequest (email fallback
 * "Unknown"); a decided request also carries its decision {outcome, source,
 * [adminId], [approvedLimit], [reason], decidedAt} as the last key, counts
 * daysPending up to the decision, and has requiresAttention false. */
json_t *fin_json_admin_list_item(const struct fin_card_request *r, const struct fin_user *owner,
                                 fin_ms now);
/* {"user":{ecosystemId,email,currentScore,tier},"history":[<=10 newest]};
 * reads the score history: NULL with e set when that read fails. */
json_t *fin_json_score_view(struct fin_container *c, const struct fin_user *u,
                            struct fin_app_error *e);

#endif
