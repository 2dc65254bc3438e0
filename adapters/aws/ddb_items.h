/* ddb_items.h - each stored entity as a DynamoDB item, with the table names,
 * key attributes and encodings of docs/aws.md, "Tables and items" (dates as ISO
 * strings, composite keys "a#b", idempotency TTL in epoch seconds).
 *
 * *_item() returns a new item (caller decrefs) or NULL on OOM. *_from()
 * fills a zeroed struct that the caller owns (release with the model's
 * *_clear()); it returns 0, or -1 on OOM or when a key attribute is missing.
 */
#ifndef FIN_DDB_ITEMS_H
#define FIN_DDB_ITEMS_H

#include <jansson.h>

#include "../../core/domain/model.h"

/* Table name suffixes; the full name is prefix + suffix ("acme-" + "users"). */
#define DDB_T_USERS "users"
#define DDB_T_SCORES "scores"
#define DDB_T_CARDS "cards"
#define DDB_T_REQUESTS "card-requests"
#define DDB_T_TXNS "transactions"
#define DDB_T_IDEM "idempotency"
#define DDB_T_OUTBOX "outbox"
#define DDB_T_SEQ "outbox-sequences"
#define DDB_T_AUDIT "audit-logs"
#define DDB_T_WA_NOTIF "whatsapp-notifications"
#define DDB_T_WA_INBOUND "whatsapp-inbound"
#define DDB_T_APPROVALS "pending-approvals"

json_t *ddb_user_item(const struct fin_user *u);
int ddb_user_from(const json_t *item, struct fin_user *u);
/* cardSummary as an M value. */
json_t *ddb_summary_av(const struct fin_card_summary *s);

json_t *ddb_score_item(const struct fin_score *s);
int ddb_score_from(const json_t *item, struct fin_score *s);

json_t *ddb_card_item(const struct fin_card *c);
int ddb_card_from(const json_t *item, struct fin_card *c);

json_t *ddb_request_item(const struct fin_card_request *r);
int ddb_request_from(const json_t *item, struct fin_card_request *r);
/* decision as an M value (NULL when !present or OOM). */
json_t *ddb_decision_av(const struct fin_decision *d);

json_t *ddb_txn_item(const struct fin_txn *t);
int ddb_txn_from(const json_t *item, struct fin_txn *t);

json_t *ddb_idem_item(const struct fin_idem *i);
int ddb_idem_from(const json_t *item, struct fin_idem *i);

json_t *ddb_event_item(const struct fin_event *e, fin_ms updated_at);
int ddb_event_from(const json_t *item, struct fin_event *e);
/* "<ecosystemId>:<entityType>:<entityId>" (malloc'd or NULL). */
char *ddb_entity_key(const struct fin_event *e);

json_t *ddb_audit_item(const struct fin_audit *a);
int ddb_audit_from(const json_t *item, struct fin_audit *a);

json_t *ddb_wa_notification_item(const struct fin_wa_notification *n, fin_ms updated_at);
int ddb_wa_notification_from(const json_t *item, struct fin_wa_notification *n);

json_t *ddb_wa_inbound_item(const struct fin_wa_inbound *m);
int ddb_wa_inbound_from(const json_t *item, struct fin_wa_inbound *m);

json_t *ddb_approval_item(const struct fin_pending_approval *p);
int ddb_approval_from(const json_t *item, struct fin_pending_approval *p);

/* "a#b" into a new string (NULL on OOM). */
char *ddb_join(const char *a, const char *b);

#endif
