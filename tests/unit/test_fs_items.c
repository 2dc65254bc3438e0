/* test_fs_items.c - entities as Firestore documents (docs/firebase.md).
 *
 * Each entity, with every optional field and with none: the fields' layout
 * (names and Value types), then fields -> a document named as the REST API
 * names it -> *_from -> every field equal (money bit for bit). Then what is
 * Firestore's own: ids from document names, `scoreId` and the request ids
 * stored (docs/deviations.md, "Firebase mode"), the status field names, and values written by the
 * original (whole money as integerValue, a map `response`, an empty array
 * without `values`, emulator timestamps in microseconds). */
/* cmocka.h needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../adapters/firebase/fs_items.h"
#include "../../adapters/firebase/fs_value.h"
#include "items_fixtures.h"

#define HASH "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

/* "stringValue" -> "string"; a mapValue's fields are nested. */
static const char *fs_type(const json_t *v, const json_t **nested) {
  static char buf[32];
  const char *t = json_object_iter_key(json_object_iter((json_t *)v));
  if (strcmp(t, "mapValue") == 0) *nested = json_object_get(json_object_get(v, t), "fields");
  snprintf(buf, sizeof buf, "%.*s", (int)(strlen(t) - strlen("Value")), t);
  return buf;
}

/* A document as GET returns it (takes fields; NULL fields: none). */
static json_t *doc(const char *path, json_t *fields) {
  char name[256];
  snprintf(name, sizeof name, "projects/demo-acme/databases/(default)/documents/%s", path);
  json_t *d = json_pack("{s:s,s:s,s:s}", "name", name, "createTime", "2026-01-07T12:00:00.123456Z",
                        "updateTime", "2026-01-07T12:00:00.123456Z");
  assert_non_null(d);
  if (fields != NULL) json_object_set_new(d, "fields", fields);
  return d;
}

static json_t *load(const char *text) {
  json_t *j = json_loads(text, 0, NULL);
  assert_non_null(j);
  return j;
}

/* x -> fields (layout `shape`) -> document at `path` -> a zeroed T -> x. */
#define ROUND_TRIP(T, x, fields_expr, path, from, eq, clear, shape)                                \
  do {                                                                                             \
    json_t *f_ = (fields_expr);                                                                    \
    fx_shape_is(f_, fs_type, shape);                                                               \
    FX_DECODES_TO(T, doc(path, f_), from, eq, clear, x);                                           \
  } while (0)

static void users(void **state) {
  (void)state;
  struct fin_user u;
  fx_user(&u, true);
  ROUND_TRIP(struct fin_user, &u, fs_user_fields(&u), "users/eco-1", fs_user_from, eq_user,
             fin_user_clear,
             "cardSummary:map{activeCards:integer totalBalance:double totalLimit:double} "
             "createdAt:timestamp currentScore:integer email:string firebaseUid:string "
             "lastLoginAt:timestamp role:string status:string tier:string updatedAt:timestamp");
  fx_user(&u, false);
  ROUND_TRIP(struct fin_user, &u, fs_user_fields(&u), "users/eco-1", fs_user_from, eq_user,
             fin_user_clear,
             "cardSummary:map{activeCards:integer totalBalance:double totalLimit:double} "
             "createdAt:timestamp currentScore:integer status:string tier:string");
  fx_user(&u, true);
  json_t *f = fs_user_fields(&u);
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(f, "currentScore"), "integerValue")),
      "650");
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(f, "createdAt"), "timestampValue")),
      "2026-01-07T12:00:00.123Z");
  dbl_eq(fs_get_double(fs_get_map(f, "cardSummary"), "totalBalance", 0), MONEY);
  json_decref(f);
  /* the summary Value for update masks */
  json_t *v = fs_summary_value(&u.summary);
  assert_non_null(json_object_get(v, "mapValue"));
  json_decref(v);
  /* the emulator prints microseconds; a name outside documents/ is refused */
  json_t *d = doc("users/eco-2", load("{\"createdAt\":{\"timestampValue\":"
                                      "\"2026-01-07T12:00:00.123456Z\"}}"));
  struct fin_user back = {0};
  assert_int_equal(fs_user_from(d, &back), 0);
  assert_string_equal(back.ecosystem_id, "eco-2");
  assert_int_equal(back.created_at, T1);
  fin_user_clear(&back);
  json_object_set_new(d, "name", json_string("projects/p/databases/(default)/users/eco-2"));
  assert_int_equal(fs_user_from(d, &back), -1);
  fin_user_clear(&back);
  json_decref(d);
}

static void scores(void **state) {
  (void)state;
  struct fin_score s;
  fx_score(&s, true);
  ROUND_TRIP(struct fin_score, &s, fs_score_fields(&s), "users/eco-1/scores/s-1", fs_score_from,
             eq_score, fin_score_clear,
             "delta:integer previousValue:integer reason:string relatedEntityId:string "
             "relatedEntityType:string scoreId:string source:string sourceId:string "
             "timestamp:timestamp value:integer");
  fx_score(&s, false);
  ROUND_TRIP(struct fin_score, &s, fs_score_fields(&s), "users/eco-1/scores/s-1", fs_score_from,
             eq_score, fin_score_clear,
             "delta:integer previousValue:integer scoreId:string source:string "
             "timestamp:timestamp value:integer");
  /* the original's documents have no scoreId: the name gives it */
  json_t *f = fs_score_fields(&s);
  assert_string_equal(fs_get_s(f, "scoreId"), "s-1");
  json_object_del(f, "scoreId");
  json_t *d = doc("users/eco-1/scores/s-9", f);
  struct fin_score back = {0};
  assert_int_equal(fs_score_from(d, &back), 0);
  assert_string_equal(back.score_id, "s-9");
  assert_string_equal(back.ecosystem_id, "eco-1");
  fin_score_clear(&back);
  json_decref(d);
}

static void cards(void **state) {
  (void)state;
  struct fin_card c;
  fx_card(&c, true);
  ROUND_TRIP(struct fin_card, &c, fs_card_fields(&c), "users/eco-1/cards/c-1", fs_card_from,
             eq_card, fin_card_clear,
             "activatedAt:timestamp approvedBy:string availableCredit:double balance:double "
             "createdAt:timestamp limit:double minimumPayment:double nextDueDate:timestamp "
             "productId:string scoreAtApproval:integer status:string type:string "
             "updatedAt:timestamp version:integer");
  fx_card(&c, false);
  ROUND_TRIP(struct fin_card, &c, fs_card_fields(&c), "users/eco-1/cards/c-1", fs_card_from,
             eq_card, fin_card_clear,
             "approvedBy:string availableCredit:double balance:double createdAt:timestamp "
             "limit:double minimumPayment:double scoreAtApproval:integer status:string "
             "type:string version:integer");
  /* the original wrote whole amounts as integerValue; no version means 1 */
  json_t *d = doc("users/eco-1/cards/c-2", load("{\"limit\":{\"integerValue\":\"5000\"},"
                                                "\"balance\":{\"doubleValue\":0.1}}"));
  struct fin_card back = {0};
  assert_int_equal(fs_card_from(d, &back), 0);
  dbl_eq(back.limit, 5000);
  dbl_eq(back.balance, 0.1);
  assert_int_equal(back.version, 1);
  assert_string_equal(back.card_id, "c-2");
  fin_card_clear(&back);
  json_decref(d);
}

static void card_requests(void **state) {
  (void)state;
  struct fin_card_request r;
  fx_request(&r, true);
  ROUND_TRIP(struct fin_card_request, &r, fs_request_fields(&r), "users/eco-1/cardRequests/r-1",
             fs_request_from, eq_request, fin_card_request_clear,
             "createdAt:timestamp decision:map{adminId:string approvedLimit:double "
             "decidedAt:timestamp outcome:string reason:string source:string} ecosystemId:string "
             "expiresAt:timestamp idempotencyKey:string productId:string requestId:string "
             "resultingCardId:string scoreAtRequest:integer status:string tierAtRequest:string "
             "updatedAt:timestamp");
  strcpy(r.decision.outcome, "rejected");
  strcpy(r.decision.source, "auto");
  r.decision.admin_id = r.decision.reason = NULL;
  r.decision.has_approved_limit = false;
  r.decision.approved_limit = 0;
  ROUND_TRIP(struct fin_card_request, &r, fs_request_fields(&r), "users/eco-1/cardRequests/r-1",
             fs_request_from, eq_request, fin_card_request_clear,
             "createdAt:timestamp decision:map{decidedAt:timestamp outcome:string source:string} "
             "ecosystemId:string expiresAt:timestamp idempotencyKey:string productId:string "
             "requestId:string resultingCardId:string scoreAtRequest:integer status:string "
             "tierAtRequest:string updatedAt:timestamp");
  fx_request(&r, false);
  ROUND_TRIP(struct fin_card_request, &r, fs_request_fields(&r), "users/eco-1/cardRequests/r-1",
             fs_request_from, eq_request, fin_card_request_clear,
             "createdAt:timestamp ecosystemId:string requestId:string scoreAtRequest:integer "
             "status:string tierAtRequest:string");
  assert_null(fs_decision_value(&r.decision));
  fx_request(&r, true);
  json_t *v = fs_decision_value(&r.decision);
  json_t *f = json_pack("{s:o}", "decision", v);
  dbl_eq(fs_get_double(fs_get_map(f, "decision"), "approvedLimit", 0), MONEY);
  json_decref(f);
  /* ids come from the name, not from the stored copies */
  f = fs_request_fields(&r);
  assert_string_equal(fs_get_s(f, "requestId"), "r-1");
  assert_string_equal(fs_get_s(f, "ecosystemId"), "eco-1");
  json_t *d = doc("users/eco-2/cardRequests/r-2", f);
  struct fin_card_request back = {0};
  assert_int_equal(fs_request_from(d, &back), 0);
  assert_string_equal(back.request_id, "r-2");
  assert_string_equal(back.ecosystem_id, "eco-2");
  fin_card_request_clear(&back);
  json_decref(d);
}

static void transactions(void **state) {
  (void)state;
  struct fin_txn t;
  fx_txn(&t, true);
  ROUND_TRIP(struct fin_txn, &t, fs_txn_fields(&t), "users/eco-1/cards/c-1/transactions/t-1",
             fs_txn_from, eq_txn, fin_txn_clear,
             "amount:double daysOverdue:integer failureReason:string idempotencyKey:string "
             "merchant:string paymentStatus:string processedAt:timestamp scoreImpact:integer "
             "status:string timestamp:timestamp type:string");
  fx_txn(&t, false);
  ROUND_TRIP(struct fin_txn, &t, fs_txn_fields(&t), "users/eco-1/cards/c-1/transactions/t-1",
             fs_txn_from, eq_txn, fin_txn_clear,
             "amount:double status:string timestamp:timestamp type:string");
  json_t *d = doc("users/eco-1/cards/c-1", fs_txn_fields(&t)); /* no transaction segment */
  struct fin_txn back = {0};
  assert_int_equal(fs_txn_from(d, &back), -1);
  fin_txn_clear(&back);
  json_decref(d);
}

static void idempotency(void **state) {
  (void)state;
  struct fin_idem i;
  fx_idem(&i);
  ROUND_TRIP(struct fin_idem, &i, fs_idem_fields(&i), "users/eco-1/idempotencyKeys/" HASH,
             fs_idem_from, eq_idem, fin_idem_clear,
             "createdAt:timestamp expiresAt:timestamp fingerprint:string operation:string "
             "response:string statusCode:integer");
  /* the original stored the response as a map: read back as compact JSON */
  json_t *d = doc("users/eco-1/idempotencyKeys/" HASH,
                  load("{\"operation\":{\"stringValue\":\"admin-operation\"},"
                       "\"response\":{\"mapValue\":{\"fields\":{"
                       "\"success\":{\"booleanValue\":true},"
                       "\"data\":{\"mapValue\":{\"fields\":{\"n\":{\"integerValue\":\"3\"},"
                       "\"x\":{\"doubleValue\":0.5}}}}}}}}"));
  struct fin_idem back = {0};
  assert_int_equal(fs_idem_from(d, &back), 0);
  assert_string_equal(back.response, "{\"success\":true,\"data\":{\"n\":3,\"x\":0.5}}");
  assert_int_equal(back.status_code, 200);
  assert_string_equal(back.key_hash, HASH);
  assert_string_equal(back.fingerprint, ""); /* none: an older record replays */
  fin_idem_clear(&back);
  json_object_del(json_object_get(d, "fields"), "response");
  assert_int_equal(fs_idem_from(d, &back), -1);
  fin_idem_clear(&back);
  json_decref(d);
}

static void outbox_events(void **state) {
  (void)state;
  struct fin_event e;
  fx_event(&e, true);
  ROUND_TRIP(struct fin_event, &e, fs_event_fields(&e), "outbox/e-1", fs_event_from, eq_event,
             fin_event_clear,
             "createdAt:timestamp ecosystemId:string entityId:string entityType:string "
             "eventType:string lastError:string nextRetryAt:timestamp payload:map{l:array "
             "n:integer o:map{k:string} x:double} retryCount:integer sentAt:timestamp "
             "sequenceNumber:integer status:string");
  json_decref(e.payload);
  fx_event(&e, false);
  ROUND_TRIP(struct fin_event, &e, fs_event_fields(&e), "outbox/e-1", fs_event_from, eq_event,
             fin_event_clear,
             "createdAt:timestamp ecosystemId:string entityId:string entityType:string "
             "eventType:string nextRetryAt:timestamp retryCount:integer sequenceNumber:integer "
             "status:string");
  e.status[0] = '\0';
  e.next_retry_at = 0;
  json_t *f = fs_event_fields(&e);
  assert_string_equal(fs_get_s(f, "status"), "pending");
  assert_int_equal(fs_get_time(f, "nextRetryAt"), T1);
  json_decref(f);
}

static void audit_logs(void **state) {
  (void)state;
  struct fin_audit a;
  fx_audit(&a, true);
  ROUND_TRIP(struct fin_audit, &a, fs_audit_fields(&a), "auditLogs/l-1", fs_audit_from, eq_audit,
             fin_audit_clear,
             "action:string adminEcosystemId:string adminEmail:string newValue:map{l:array "
             "status:string} previousValue:map{limit:double status:string} reason:string "
             "requestId:string targetEcosystemId:string targetId:string targetType:string "
             "timestamp:timestamp");
  json_decref(a.previous_value);
  json_decref(a.new_value);
  fx_audit(&a, false);
  ROUND_TRIP(struct fin_audit, &a, fs_audit_fields(&a), "auditLogs/l-1", fs_audit_from, eq_audit,
             fin_audit_clear,
             "action:string adminEcosystemId:string adminEmail:string reason:string "
             "requestId:string targetId:string targetType:string timestamp:timestamp");
}

static void wa_notifications(void **state) {
  (void)state;
  struct fin_wa_notification n;
  fx_notification(&n, true);
  ROUND_TRIP(struct fin_wa_notification, &n, fs_wa_notification_fields(&n, T1 + 9),
             "whatsapp_notifications/n-1", fs_wa_notification_from, eq_notification,
             fin_wa_notification_clear,
             "createdAt:timestamp deliveredAt:timestamp deliveryStatus:string ecosystemId:string "
             "lastError:string messageContent:string nextRetryAt:timestamp "
             "notificationType:string recipientPhone:string relatedEntityId:string "
             "relatedEntityType:string retryCount:integer sentAt:timestamp updatedAt:timestamp "
             "wppMessageId:string");
  fx_notification(&n, false);
  ROUND_TRIP(struct fin_wa_notification, &n, fs_wa_notification_fields(&n, 0),
             "whatsapp_notifications/n-1", fs_wa_notification_from, eq_notification,
             fin_wa_notification_clear,
             "createdAt:timestamp deliveryStatus:string ecosystemId:string messageContent:string "
             "notificationType:string recipientPhone:string relatedEntityId:string "
             "relatedEntityType:string retryCount:integer");
}

static void wa_inbound(void **state) {
  (void)state;
  struct fin_wa_inbound m;
  fx_inbound(&m, true);
  ROUND_TRIP(struct fin_wa_inbound, &m, fs_wa_inbound_fields(&m), "whatsapp_inbound/m-1",
             fs_wa_inbound_from, eq_inbound, fin_wa_inbound_clear,
             "isFromWhitelistedAdmin:boolean parsedCommand:map{action:string rawInput:string "
             "requestId:string} processedAction:string processedAt:timestamp "
             "processedStatus:string processingError:string rawBody:string receivedAt:timestamp "
             "relatedEcosystemId:string relatedRequestId:string senderName:string "
             "senderPhone:string wppMessageId:string");
  fx_inbound(&m, false);
  ROUND_TRIP(struct fin_wa_inbound, &m, fs_wa_inbound_fields(&m), "whatsapp_inbound/m-1",
             fs_wa_inbound_from, eq_inbound, fin_wa_inbound_clear,
             "isFromWhitelistedAdmin:boolean processedStatus:string rawBody:string "
             "receivedAt:timestamp senderPhone:string");
  fx_inbound(&m, true);
  m.command_request_id = m.command_raw = NULL; /* stored as "" */
  json_t *f = fs_wa_inbound_fields(&m);
  assert_string_equal(fs_get_s(fs_get_map(f, "parsedCommand"), "requestId"), "");
  assert_string_equal(fs_get_s(fs_get_map(f, "parsedCommand"), "rawInput"), "");
  json_decref(f);
}

static void pending_approvals(void **state) {
  (void)state;
  struct fin_pending_approval p;
  fx_approval(&p, true);
  ROUND_TRIP(struct fin_pending_approval, &p, fs_approval_fields(&p), "pending_approvals/r-1",
             fs_approval_from, eq_approval, fin_pending_approval_clear,
             "approvalStatus:string createdAt:timestamp ecosystemId:string expiresAt:timestamp "
             "notificationIds:array notificationsSentAt:timestamp respondingAdminPhone:string "
             "responseReceivedAt:timestamp updatedAt:timestamp");
  fx_approval(&p, false);
  ROUND_TRIP(struct fin_pending_approval, &p, fs_approval_fields(&p), "pending_approvals/r-1",
             fs_approval_from, eq_approval, fin_pending_approval_clear,
             "approvalStatus:string createdAt:timestamp ecosystemId:string expiresAt:timestamp "
             "notificationIds:array updatedAt:timestamp");
  fx_approval(&p, true);
  json_t *f = fs_approval_fields(&p);
  json_t *want = load("{\"arrayValue\":{\"values\":[{\"stringValue\":\"n-1\"},"
                      "{\"stringValue\":\"n-2\"}]}}");
  assert_true(json_equal(json_object_get(f, "notificationIds"), want));
  json_decref(want);
  json_decref(f);
  /* REST leaves `values` out of an empty array */
  json_t *d =
      doc("pending_approvals/r-2", load("{\"notificationIds\":{\"arrayValue\":{}},"
                                        "\"approvalStatus\":{\"stringValue\":\"expired\"}}"));
  struct fin_pending_approval back = {0};
  assert_int_equal(fs_approval_from(d, &back), 0);
  assert_int_equal(back.n_notification_ids, 0);
  assert_string_equal(back.approval_status, "expired");
  assert_string_equal(back.request_id, "r-2");
  fin_pending_approval_clear(&back);
  json_decref(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {FX_ENTITY_TESTS};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
