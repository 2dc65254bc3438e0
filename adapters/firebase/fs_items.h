/* fs_items.h - each stored entity as a Firestore document, with the
 * collection layout and field names of the original (docs/firebase.md, dates as
 * timestampValue, money as doubleValue, counts as integerValue).
 *
 * Documents live under ".../documents/": users/{eco}, users/{eco}/scores/{id},
 * users/{eco}/cards/{id}, users/{eco}/cards/{card}/transactions/{id},
 * users/{eco}/cardRequests/{id}, users/{eco}/idempotencyKeys/{hash},
 * outbox/{id}, outboxSequences/{sha256hex(entityKey)}, auditLogs/{id},
 * whatsapp_notifications/{id}, whatsapp_inbound/{id}, pending_approvals/{id}.
 *
 * Ids come from the document name, as in the original; two fixes
 * (docs/deviations.md, "Firebase mode"): score documents also store `scoreId`, and
 * card-request documents also store `requestId` and `ecosystemId` so an
 * admin can find a request by id with one collection-group query.
 *
 * *_fields() returns a new `fields` object (name -> Value; caller decrefs)
 * or NULL on OOM. *_from() takes a whole document ({"name": ..., "fields":
 * ...}, as GET, batchGet and runQuery return it) and fills a zeroed struct
 * that the caller owns (release with the model's *_clear()); it returns 0,
 * or -1 on OOM or when the name does not have the expected shape.
 */
#ifndef FIN_FS_ITEMS_H
#define FIN_FS_ITEMS_H

#include <jansson.h>
#include <stddef.h>

#include "../../core/domain/model.h"

/* Collection ids. */
#define FS_C_USERS "users"
#define FS_C_SCORES "scores"
#define FS_C_CARDS "cards"
#define FS_C_TXNS "transactions"
#define FS_C_REQUESTS "cardRequests"
#define FS_C_IDEM "idempotencyKeys"
#define FS_C_OUTBOX "outbox"
#define FS_C_SEQ "outboxSequences"
#define FS_C_AUDIT "auditLogs"
#define FS_C_WA_NOTIF "whatsapp_notifications"
#define FS_C_WA_INBOUND "whatsapp_inbound"
#define FS_C_APPROVALS "pending_approvals"

/* Segment i of a document's path below ".../documents/" (users/u1/cards/c1:
 * 0 "users", 1 "u1", 2 "cards", 3 "c1") copied into dst; 0, or -1 when the
 * document has no such segment or it does not fit. */
int fs_doc_seg(const json_t *doc, int i, char *dst, size_t size);
/* The `fields` of a document (borrowed; an empty document gives NULL). */
const json_t *fs_doc_fields(const json_t *doc);

json_t *fs_user_fields(const struct fin_user *u);
int fs_user_from(const json_t *doc, struct fin_user *u);
/* cardSummary as a mapValue Value. */
json_t *fs_summary_value(const struct fin_card_summary *s);

json_t *fs_score_fields(const struct fin_score *s);
int fs_score_from(const json_t *doc, struct fin_score *s);

json_t *fs_card_fields(const struct fin_card *c);
int fs_card_from(const json_t *doc, struct fin_card *c);

json_t *fs_request_fields(const struct fin_card_request *r);
int fs_request_from(const json_t *doc, struct fin_card_request *r);
/* decision as a mapValue Value (NULL when !present or OOM). */
json_t *fs_decision_value(const struct fin_decision *d);

json_t *fs_txn_fields(const struct fin_txn *t);
int fs_txn_from(const json_t *doc, struct fin_txn *t);

/* `response` is stored as the exact response text (a string); a map written
 * by the original is read back as its compact JSON. */
json_t *fs_idem_fields(const struct fin_idem *i);
int fs_idem_from(const json_t *doc, struct fin_idem *i);

json_t *fs_event_fields(const struct fin_event *e);
int fs_event_from(const json_t *doc, struct fin_event *e);

json_t *fs_audit_fields(const struct fin_audit *a);
int fs_audit_from(const json_t *doc, struct fin_audit *a);

json_t *fs_wa_notification_fields(const struct fin_wa_notification *n, fin_ms updated_at);
int fs_wa_notification_from(const json_t *doc, struct fin_wa_notification *n);

json_t *fs_wa_inbound_fields(const struct fin_wa_inbound *m);
int fs_wa_inbound_from(const json_t *doc, struct fin_wa_inbound *m);

json_t *fs_approval_fields(const struct fin_pending_approval *p);
int fs_approval_from(const json_t *doc, struct fin_pending_approval *p);

#endif
