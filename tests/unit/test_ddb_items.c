/* test_ddb_items.c - entities as DynamoDB items (docs/aws.md, "Tables and items").
 *
 * Each entity, with every optional field and with none: the item's layout
 * (names and AttributeValue types, as written before the shared field codec
 * existed), then item -> *_from -> every field equal. Then the encodings
 * that are DynamoDB's own: composite keys, index keys that leave "" out,
 * TTL seconds, status mirrors, and items written by other implementations. */
/* cmocka.h needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../adapters/aws/ddb_av.h"
#include "../../adapters/aws/ddb_items.h"
#include "items_fixtures.h"

static const char *ddb_type(const json_t *av, const json_t **nested) {
  const char *t = json_object_iter_key(json_object_iter((json_t *)av));
  if (strcmp(t, "M") == 0) *nested = json_object_get(av, "M");
  return t;
}

/* x -> item (layout `shape`) -> a zeroed T -> every field equal to x. */
#define ROUND_TRIP(T, x, item_expr, from, eq, clear, shape)                                        \
  do {                                                                                             \
    json_t *it_ = (item_expr);                                                                     \
    fx_shape_is(it_, ddb_type, shape);                                                             \
    FX_DECODES_TO(T, it_, from, eq, clear, x);                                                     \
  } while (0)

static json_t *load(const char *text) {
  json_t *j = json_loads(text, 0, NULL);
  assert_non_null(j);
  return j;
}

static void users(void **state) {
  (void)state;
  struct fin_user u;
  fx_user(&u, true);
  ROUND_TRIP(struct fin_user, &u, ddb_user_item(&u), ddb_user_from, eq_user, fin_user_clear,
             "cardSummary:M{activeCards:N totalBalance:N totalLimit:N} createdAt:S currentScore:N "
             "ecosystemId:S email:S firebaseUid:S lastLoginAt:S role:S status:S tier:S "
             "updatedAt:S");
  fx_user(&u, false);
  ROUND_TRIP(struct fin_user, &u, ddb_user_item(&u), ddb_user_from, eq_user, fin_user_clear,
             "cardSummary:M{activeCards:N totalBalance:N totalLimit:N} createdAt:S currentScore:N "
             "ecosystemId:S status:S tier:S");
  /* money as JavaScript prints it; an empty index key is left out */
  fx_user(&u, true);
  u.firebase_uid = "";
  json_t *it = ddb_user_item(&u);
  json_t *m = json_object_get(json_object_get(it, "cardSummary"), "M");
  assert_string_equal(json_string_value(json_object_get(json_object_get(m, "totalBalance"), "N")),
                      "0.30000000000000004");
  assert_null(json_object_get(it, "firebaseUid"));
  assert_string_equal(ddb_get_s(it, "createdAt"), "2026-01-07T12:00:00.123Z");
  json_object_del(it, "ecosystemId");
  struct fin_user back = {0};
  assert_int_equal(ddb_user_from(it, &back), -1);
  fin_user_clear(&back);
  json_decref(it);
}

static void scores(void **state) {
  (void)state;
  struct fin_score s;
  fx_score(&s, true);
  ROUND_TRIP(struct fin_score, &s, ddb_score_item(&s), ddb_score_from, eq_score, fin_score_clear,
             "createdAt:S delta:N ecosystemId:S previousValue:N reason:S relatedEntityId:S "
             "relatedEntityType:S scoreId:S source:S sourceId:S timestampScoreId:S value:N");
  fx_score(&s, false);
  ROUND_TRIP(struct fin_score, &s, ddb_score_item(&s), ddb_score_from, eq_score, fin_score_clear,
             "createdAt:S delta:N ecosystemId:S previousValue:N scoreId:S source:S "
             "timestampScoreId:S value:N");
  /* the time is read from the sort key, createdAt only when that is bad */
  json_t *it = ddb_score_item(&s);
  assert_string_equal(ddb_get_s(it, "timestampScoreId"), "2026-01-07T12:00:00.123Z#s-1");
  json_object_set_new(it, "createdAt", ddb_iso(T1 + 1000));
  struct fin_score back = {0};
  assert_int_equal(ddb_score_from(it, &back), 0);
  assert_int_equal(back.timestamp, T1);
  fin_score_clear(&back);
  json_object_set_new(it, "timestampScoreId", ddb_s("bad#s-1"));
  assert_int_equal(ddb_score_from(it, &back), 0);
  assert_int_equal(back.timestamp, T1 + 1000);
  fin_score_clear(&back);
  json_object_del(it, "timestampScoreId");
  assert_int_equal(ddb_score_from(it, &back), -1);
  fin_score_clear(&back);
  json_decref(it);
}

static void cards(void **state) {
  (void)state;
  struct fin_card c;
  fx_card(&c, true);
  ROUND_TRIP(struct fin_card, &c, ddb_card_item(&c), ddb_card_from, eq_card, fin_card_clear,
             "activatedAt:S approvedBy:S availableCredit:N balance:N cardId:S createdAt:S "
             "ecosystemId:S limit:N minimumPayment:N nextDueDate:S productId:S scoreAtApproval:N "
             "status:S type:S updatedAt:S version:N");
  fx_card(&c, false);
  ROUND_TRIP(struct fin_card, &c, ddb_card_item(&c), ddb_card_from, eq_card, fin_card_clear,
             "approvedBy:S availableCredit:N balance:N cardId:S createdAt:S ecosystemId:S limit:N "
             "minimumPayment:N scoreAtApproval:N status:S type:S version:N");
  fx_card(&c, true);
  c.status[0] = '\0'; /* keys the status index */
  json_t *it = ddb_card_item(&c);
  assert_null(json_object_get(it, "status"));
  assert_string_equal(ddb_get_s(it, "type"), "credit-card");
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(it, "minimumPayment"), "N")), "1e-7");
  json_decref(it);
}

static void card_requests(void **state) {
  (void)state;
  struct fin_card_request r;
  fx_request(&r, true);
  ROUND_TRIP(struct fin_card_request, &r, ddb_request_item(&r), ddb_request_from, eq_request,
             fin_card_request_clear,
             "createdAt:S decision:M{adminId:S approvedLimit:N decidedAt:S outcome:S reason:S "
             "source:S} ecosystemId:S expiresAt:S idempotencyKey:S productId:S requestId:S "
             "resultingCardId:S scoreAtRequest:N status:S tierAtRequest:S updatedAt:S");
  /* an automatic rejection: no admin, no reason, no limit */
  strcpy(r.decision.outcome, "rejected");
  strcpy(r.decision.source, "auto");
  r.decision.admin_id = r.decision.reason = NULL;
  r.decision.has_approved_limit = false;
  r.decision.approved_limit = 0;
  ROUND_TRIP(struct fin_card_request, &r, ddb_request_item(&r), ddb_request_from, eq_request,
             fin_card_request_clear,
             "createdAt:S decision:M{decidedAt:S outcome:S source:S} ecosystemId:S expiresAt:S "
             "idempotencyKey:S productId:S requestId:S resultingCardId:S scoreAtRequest:N status:S "
             "tierAtRequest:S updatedAt:S");
  fx_request(&r, false);
  ROUND_TRIP(struct fin_card_request, &r, ddb_request_item(&r), ddb_request_from, eq_request,
             fin_card_request_clear,
             "createdAt:S ecosystemId:S requestId:S scoreAtRequest:N status:S tierAtRequest:S");
  assert_null(ddb_decision_av(&r.decision));
  fx_request(&r, true);
  json_t *av = ddb_decision_av(&r.decision);
  fx_shape_is(json_object_get(av, "M"), ddb_type,
              "adminId:S approvedLimit:N decidedAt:S outcome:S reason:S source:S");
  json_decref(av);
}

static void transactions(void **state) {
  (void)state;
  struct fin_txn t;
  fx_txn(&t, true);
  ROUND_TRIP(struct fin_txn, &t, ddb_txn_item(&t), ddb_txn_from, eq_txn, fin_txn_clear,
             "amount:N daysOverdue:N ecosystemIdCardId:S failureReason:S idempotencyKey:S "
             "merchant:S paymentStatus:S processedAt:S scoreImpact:N status:S timestamp:S "
             "transactionId:S type:S");
  fx_txn(&t, false);
  ROUND_TRIP(struct fin_txn, &t, ddb_txn_item(&t), ddb_txn_from, eq_txn, fin_txn_clear,
             "amount:N ecosystemIdCardId:S status:S timestamp:S transactionId:S type:S");
  /* a zero score impact is still an impact */
  t.has_score_impact = true;
  ROUND_TRIP(struct fin_txn, &t, ddb_txn_item(&t), ddb_txn_from, eq_txn, fin_txn_clear,
             "amount:N ecosystemIdCardId:S scoreImpact:N status:S timestamp:S transactionId:S "
             "type:S");
  json_t *it = ddb_txn_item(&t);
  assert_string_equal(ddb_get_s(it, "ecosystemIdCardId"), "eco-1#c-1");
  json_object_set_new(it, "ecosystemIdCardId", ddb_s("no-hash"));
  struct fin_txn back = {0};
  assert_int_equal(ddb_txn_from(it, &back), -1);
  fin_txn_clear(&back);
  json_decref(it);
}

static void idempotency(void **state) {
  (void)state;
  struct fin_idem i;
  fx_idem(&i);
  ROUND_TRIP(struct fin_idem, &i, ddb_idem_item(&i), ddb_idem_from, eq_idem, fin_idem_clear,
             "createdAt:S ecosystemId:S expiresAt:N expiresAtDate:S fingerprint:S keyHash:S "
             "operation:S response:S statusCode:N");
  json_t *it = ddb_idem_item(&i);
  assert_int_equal(ddb_get_int(it, "expiresAt", 0), (T1 + 86400000) / 1000); /* TTL seconds */
  assert_string_equal(ddb_get_s(it, "expiresAtDate"), "2026-01-08T12:00:00.123Z");
  assert_string_equal(ddb_get_s(it, "response"), i.response);
  json_decref(it);
  /* another implementation's item: response as a map, TTL seconds only */
  it = load("{\"ecosystemId\":{\"S\":\"e\"},\"keyHash\":{\"S\":\"h\"},"
            "\"response\":{\"M\":{\"a\":{\"N\":\"1\"},\"b\":{\"S\":\"x\"}}},"
            "\"expiresAt\":{\"N\":\"100\"}}");
  struct fin_idem back = {0};
  assert_int_equal(ddb_idem_from(it, &back), 0);
  assert_string_equal(back.response, "{\"a\":1,\"b\":\"x\"}");
  assert_int_equal(back.expires_at, 100000);
  assert_int_equal(back.status_code, 200);
  assert_string_equal(back.fingerprint, ""); /* none: an older record replays */
  fin_idem_clear(&back);
  json_object_del(it, "response");
  assert_int_equal(ddb_idem_from(it, &back), -1);
  fin_idem_clear(&back);
  json_decref(it);
}

static void outbox_events(void **state) {
  (void)state;
  struct fin_event e;
  fx_event(&e, true);
  ROUND_TRIP(struct fin_event, &e, ddb_event_item(&e, T1 + 9), ddb_event_from, eq_event,
             fin_event_clear,
             "createdAt:S ecosystemId:S entityId:S entityType:S eventId:S eventType:S lastError:S "
             "nextRetryAt:S payload:M{l:L n:N o:M{k:S} x:N} retryCount:N sentAt:S "
             "sequenceNumber:N status:S updatedAt:S");
  json_decref(e.payload);
  fx_event(&e, false);
  ROUND_TRIP(struct fin_event, &e, ddb_event_item(&e, T1 + 9), ddb_event_from, eq_event,
             fin_event_clear,
             "createdAt:S ecosystemId:S entityId:S entityType:S eventId:S eventType:S "
             "nextRetryAt:S retryCount:N sequenceNumber:N status:S updatedAt:S");
  /* a new event: status pending, first retry at creation */
  e.status[0] = '\0';
  e.next_retry_at = 0;
  json_t *it = ddb_event_item(&e, T1 + 9);
  assert_string_equal(ddb_get_s(it, "status"), "pending");
  assert_int_equal(ddb_get_iso(it, "nextRetryAt"), T1);
  assert_int_equal(ddb_get_iso(it, "updatedAt"), T1 + 9);
  json_decref(it);
}

static void audit_logs(void **state) {
  (void)state;
  struct fin_audit a;
  fx_audit(&a, true);
  ROUND_TRIP(struct fin_audit, &a, ddb_audit_item(&a), ddb_audit_from, eq_audit, fin_audit_clear,
             "action:S actorId:S adminEcosystemId:S adminEmail:S createdAt:S logId:S "
             "newValue:M{l:L status:S} previousValue:M{limit:N status:S} reason:S requestId:S "
             "targetEcosystemId:S targetId:S targetType:S targetTypeTargetId:S timestampLogId:S");
  json_decref(a.previous_value);
  json_decref(a.new_value);
  fx_audit(&a, false);
  ROUND_TRIP(struct fin_audit, &a, ddb_audit_item(&a), ddb_audit_from, eq_audit, fin_audit_clear,
             "action:S actorId:S adminEcosystemId:S adminEmail:S createdAt:S logId:S reason:S "
             "requestId:S targetId:S targetType:S targetTypeTargetId:S timestampLogId:S");
  json_t *it = ddb_audit_item(&a);
  assert_string_equal(ddb_get_s(it, "targetTypeTargetId"), "card#c-1");
  assert_string_equal(ddb_get_s(it, "timestampLogId"), "2026-01-07T12:00:00.123Z#l-1");
  assert_string_equal(ddb_get_s(it, "actorId"), "adm-1");
  json_decref(it);
  a.admin_ecosystem_id = ""; /* actorId keys an index; adminEcosystemId does not */
  it = ddb_audit_item(&a);
  assert_null(json_object_get(it, "actorId"));
  assert_string_equal(ddb_get_s(it, "adminEcosystemId"), "");
  json_decref(it);
}

static void wa_notifications(void **state) {
  (void)state;
  struct fin_wa_notification n;
  fx_notification(&n, true);
  ROUND_TRIP(struct fin_wa_notification, &n, ddb_wa_notification_item(&n, T1 + 9),
             ddb_wa_notification_from, eq_notification, fin_wa_notification_clear,
             "createdAt:S deliveredAt:S deliveryStatus:S ecosystemId:S lastError:S "
             "messageContent:S nextRetryAt:S notificationId:S notificationType:S recipientPhone:S "
             "relatedEntityId:S relatedEntityType:S retryCount:N sentAt:S status:S updatedAt:S "
             "wppMessageId:S");
  fx_notification(&n, false);
  ROUND_TRIP(struct fin_wa_notification, &n, ddb_wa_notification_item(&n, 0),
             ddb_wa_notification_from, eq_notification, fin_wa_notification_clear,
             "createdAt:S deliveryStatus:S ecosystemId:S messageContent:S notificationId:S "
             "notificationType:S recipientPhone:S relatedEntityId:S relatedEntityType:S "
             "retryCount:N status:S");
  /* `status` is the truth, `deliveryStatus` the fallback of old items */
  json_t *it = load("{\"notificationId\":{\"S\":\"n\"},\"status\":{\"S\":\"sent\"},"
                    "\"deliveryStatus\":{\"S\":\"pending\"}}");
  struct fin_wa_notification back = {0};
  assert_int_equal(ddb_wa_notification_from(it, &back), 0);
  assert_string_equal(back.delivery_status, "sent");
  fin_wa_notification_clear(&back);
  json_object_del(it, "status");
  assert_int_equal(ddb_wa_notification_from(it, &back), 0);
  assert_string_equal(back.delivery_status, "pending");
  fin_wa_notification_clear(&back);
  json_decref(it);
  n.related_entity_type[0] = '\0'; /* both key the related-entity index */
  n.related_entity_id = "";
  it = ddb_wa_notification_item(&n, 0);
  assert_null(json_object_get(it, "relatedEntityType"));
  assert_null(json_object_get(it, "relatedEntityId"));
  json_decref(it);
}

static void wa_inbound(void **state) {
  (void)state;
  struct fin_wa_inbound m;
  fx_inbound(&m, true);
  ROUND_TRIP(struct fin_wa_inbound, &m, ddb_wa_inbound_item(&m), ddb_wa_inbound_from, eq_inbound,
             fin_wa_inbound_clear,
             "isFromWhitelistedAdmin:BOOL messageId:S parsedCommand:M{action:S rawInput:S "
             "requestId:S} processedAction:S processedAt:S processedStatus:S processingError:S "
             "rawBody:S receivedAt:S relatedEcosystemId:S relatedRequestId:S senderName:S "
             "senderPhone:S wppMessageId:S");
  fx_inbound(&m, false);
  ROUND_TRIP(struct fin_wa_inbound, &m, ddb_wa_inbound_item(&m), ddb_wa_inbound_from, eq_inbound,
             fin_wa_inbound_clear,
             "isFromWhitelistedAdmin:BOOL messageId:S processedStatus:S rawBody:S receivedAt:S "
             "senderPhone:S");
  /* a command without a request id stores ""; the sparse index skips "" */
  fx_inbound(&m, true);
  m.command_request_id = NULL;
  m.wpp_message_id = "";
  json_t *it = ddb_wa_inbound_item(&m);
  json_t *c = json_object_get(json_object_get(it, "parsedCommand"), "M");
  assert_string_equal(ddb_get_s(c, "requestId"), "");
  assert_null(json_object_get(it, "wppMessageId"));
  json_decref(it);
}

static void pending_approvals(void **state) {
  (void)state;
  struct fin_pending_approval p;
  fx_approval(&p, true);
  ROUND_TRIP(struct fin_pending_approval, &p, ddb_approval_item(&p), ddb_approval_from, eq_approval,
             fin_pending_approval_clear,
             "approvalStatus:S createdAt:S ecosystemId:S expiresAt:S notificationIds:L "
             "notificationsSentAt:S requestId:S respondingAdminPhone:S responseReceivedAt:S "
             "status:S updatedAt:S");
  fx_approval(&p, false);
  ROUND_TRIP(struct fin_pending_approval, &p, ddb_approval_item(&p), ddb_approval_from, eq_approval,
             fin_pending_approval_clear,
             "approvalStatus:S createdAt:S ecosystemId:S expiresAt:S notificationIds:L "
             "requestId:S status:S updatedAt:S");
  fx_approval(&p, true);
  json_t *it = ddb_approval_item(&p);
  json_t *want = load("{\"L\":[{\"S\":\"n-1\"},{\"S\":\"n-2\"}]}");
  assert_true(json_equal(json_object_get(it, "notificationIds"), want));
  json_decref(want);
  json_decref(it);
  /* `status` wins over the stale mirror; a missing list reads as none */
  it = load("{\"requestId\":{\"S\":\"r\"},\"status\":{\"S\":\"expired\"},"
            "\"approvalStatus\":{\"S\":\"pending\"}}");
  struct fin_pending_approval back = {0};
  assert_int_equal(ddb_approval_from(it, &back), 0);
  assert_string_equal(back.approval_status, "expired");
  assert_int_equal(back.n_notification_ids, 0);
  assert_null(back.notification_ids);
  fin_pending_approval_clear(&back);
  json_decref(it);
}

int main(void) {
  const struct CMUnitTest tests[] = {FX_ENTITY_TESTS};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
