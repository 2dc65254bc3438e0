/* items_fixtures.h - sample entities and field-by-field comparisons shared by
 * the store codec tests (test_ddb_items.c, test_fs_items.c).
 *
 * fx_X(x, full) fills a struct with borrowed literals: every optional field
 * set when `full`, else absent (NULL, 0, "" or false), so a round trip must
 * give back exactly the same struct. Never *_clear() a fixture. eq_X asserts
 * every field equal; money is compared bit for bit. Include after cmocka.h.
 */
#ifndef FIN_TEST_ITEMS_FIXTURES_H
#define FIN_TEST_ITEMS_FIXTURES_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/domain/model.h"

#define T1 1767787200123LL /* 2026-01-07T12:00:00.123Z */
#define MONEY (0.1 + 0.2)  /* 0.30000000000000004 */

static inline void str_eq(const char *a, const char *b) {
  if (a == NULL || b == NULL) {
    assert_null(a);
    assert_null(b);
  } else {
    assert_string_equal(a, b);
  }
}

static inline void dbl_eq(double a, double b) {
  assert_memory_equal(&a, &b, sizeof a);
}

static inline void json_eq(const json_t *a, const json_t *b) {
  assert_true((a == NULL && b == NULL) || json_equal((json_t *)a, (json_t *)b));
}

/* ---- users, scores, cards ---- */
static inline void fx_user(struct fin_user *u, bool full) {
  memset(u, 0, sizeof *u);
  u->ecosystem_id = "eco-1";
  strcpy(u->status, "active");
  strcpy(u->tier, "medium");
  u->score = 650;
  u->created_at = T1;
  if (!full) return;
  u->firebase_uid = "fb-1";
  u->email = "a@example.com";
  u->role = "admin";
  u->summary = (struct fin_card_summary){2, MONEY, 1e21};
  u->updated_at = T1 + 1;
  u->last_login_at = T1 + 2;
}

static inline void eq_user(const struct fin_user *a, const struct fin_user *b) {
  str_eq(a->ecosystem_id, b->ecosystem_id);
  str_eq(a->firebase_uid, b->firebase_uid);
  str_eq(a->email, b->email);
  str_eq(a->role, b->role);
  assert_string_equal(a->status, b->status);
  assert_int_equal(a->score, b->score);
  assert_string_equal(a->tier, b->tier);
  assert_int_equal(a->summary.active_cards, b->summary.active_cards);
  dbl_eq(a->summary.total_balance, b->summary.total_balance);
  dbl_eq(a->summary.total_limit, b->summary.total_limit);
  assert_int_equal(a->created_at, b->created_at);
  assert_int_equal(a->updated_at, b->updated_at);
  assert_int_equal(a->last_login_at, b->last_login_at);
}

static inline void fx_score(struct fin_score *s, bool full) {
  memset(s, 0, sizeof *s);
  strcpy(s->score_id, "s-1");
  s->ecosystem_id = "eco-1";
  s->value = 700;
  s->previous_value = 650;
  s->delta = 50;
  strcpy(s->source, "system");
  s->timestamp = T1;
  if (!full) return;
  s->reason = "payment_on_time";
  strcpy(s->source, "admin");
  s->source_id = "adm-1";
  s->related_entity_type = "transaction";
  s->related_entity_id = "t-1";
}

static inline void eq_score(const struct fin_score *a, const struct fin_score *b) {
  assert_string_equal(a->score_id, b->score_id);
  str_eq(a->ecosystem_id, b->ecosystem_id);
  assert_int_equal(a->value, b->value);
  assert_int_equal(a->previous_value, b->previous_value);
  assert_int_equal(a->delta, b->delta);
  str_eq(a->reason, b->reason);
  assert_string_equal(a->source, b->source);
  str_eq(a->source_id, b->source_id);
  str_eq(a->related_entity_type, b->related_entity_type);
  str_eq(a->related_entity_id, b->related_entity_id);
  assert_int_equal(a->timestamp, b->timestamp);
}

static inline void fx_card(struct fin_card *c, bool full) {
  memset(c, 0, sizeof *c);
  strcpy(c->card_id, "c-1");
  c->ecosystem_id = "eco-1";
  strcpy(c->status, "active");
  c->version = 1;
  strcpy(c->approved_by, "auto");
  c->created_at = T1;
  if (!full) return;
  c->product_id = "default-credit-card";
  c->limit = 5000;
  c->balance = MONEY;
  c->available_credit = 4999.7;
  c->minimum_payment = 1e-7;
  c->next_due_date = T1 + 3;
  c->version = 7;
  c->score_at_approval = 700;
  c->updated_at = T1 + 4;
  c->activated_at = T1 + 5;
}

static inline void eq_card(const struct fin_card *a, const struct fin_card *b) {
  assert_string_equal(a->card_id, b->card_id);
  str_eq(a->ecosystem_id, b->ecosystem_id);
  str_eq(a->product_id, b->product_id);
  assert_string_equal(a->status, b->status);
  dbl_eq(a->limit, b->limit);
  dbl_eq(a->balance, b->balance);
  dbl_eq(a->available_credit, b->available_credit);
  dbl_eq(a->minimum_payment, b->minimum_payment);
  assert_int_equal(a->next_due_date, b->next_due_date);
  assert_int_equal(a->version, b->version);
  assert_string_equal(a->approved_by, b->approved_by);
  assert_int_equal(a->score_at_approval, b->score_at_approval);
  assert_int_equal(a->created_at, b->created_at);
  assert_int_equal(a->updated_at, b->updated_at);
  assert_int_equal(a->activated_at, b->activated_at);
}

/* ---- card requests, transactions, idempotency ---- */
static inline void fx_request(struct fin_card_request *r, bool full) {
  memset(r, 0, sizeof *r);
  strcpy(r->request_id, "r-1");
  r->ecosystem_id = "eco-1";
  strcpy(r->status, "pending");
  r->score_at_request = 700;
  strcpy(r->tier_at_request, "high");
  r->created_at = T1;
  if (!full) return;
  r->product_id = "default-credit-card";
  r->idempotency_key = "idem-1";
  strcpy(r->status, "approved");
  r->updated_at = T1 + 1;
  r->expires_at = T1 + 2;
  strcpy(r->resulting_card_id, "c-9");
  struct fin_decision *d = &r->decision;
  d->present = true;
  strcpy(d->outcome, "approved");
  strcpy(d->source, "admin");
  d->admin_id = "adm-1";
  d->reason = "looks good";
  d->has_approved_limit = true;
  d->approved_limit = MONEY;
  d->decided_at = T1 + 1;
}

static inline void eq_request(const struct fin_card_request *a, const struct fin_card_request *b) {
  assert_string_equal(a->request_id, b->request_id);
  str_eq(a->ecosystem_id, b->ecosystem_id);
  str_eq(a->product_id, b->product_id);
  str_eq(a->idempotency_key, b->idempotency_key);
  assert_string_equal(a->status, b->status);
  assert_int_equal(a->score_at_request, b->score_at_request);
  assert_string_equal(a->tier_at_request, b->tier_at_request);
  assert_int_equal(a->decision.present, b->decision.present);
  assert_string_equal(a->decision.outcome, b->decision.outcome);
  assert_string_equal(a->decision.source, b->decision.source);
  str_eq(a->decision.admin_id, b->decision.admin_id);
  str_eq(a->decision.reason, b->decision.reason);
  assert_int_equal(a->decision.has_approved_limit, b->decision.has_approved_limit);
  dbl_eq(a->decision.approved_limit, b->decision.approved_limit);
  assert_int_equal(a->decision.decided_at, b->decision.decided_at);
  assert_string_equal(a->resulting_card_id, b->resulting_card_id);
  assert_int_equal(a->created_at, b->created_at);
  assert_int_equal(a->updated_at, b->updated_at);
  assert_int_equal(a->expires_at, b->expires_at);
}

static inline void fx_txn(struct fin_txn *t, bool full) {
  memset(t, 0, sizeof *t);
  strcpy(t->transaction_id, "t-1");
  t->ecosystem_id = "eco-1";
  strcpy(t->card_id, "c-1");
  strcpy(t->type, "purchase");
  t->amount = MONEY;
  strcpy(t->status, "failed");
  t->timestamp = T1;
  if (!full) return;
  strcpy(t->type, "payment");
  t->merchant = "Shop";
  strcpy(t->payment_status, "late");
  t->days_overdue = 3;
  t->has_score_impact = true;
  t->score_impact = -5;
  t->idempotency_key = "idem-2";
  strcpy(t->status, "completed");
  t->failure_reason = "none";
  t->processed_at = T1 + 1;
}

static inline void eq_txn(const struct fin_txn *a, const struct fin_txn *b) {
  assert_string_equal(a->transaction_id, b->transaction_id);
  str_eq(a->ecosystem_id, b->ecosystem_id);
  assert_string_equal(a->card_id, b->card_id);
  assert_string_equal(a->type, b->type);
  dbl_eq(a->amount, b->amount);
  str_eq(a->merchant, b->merchant);
  assert_string_equal(a->payment_status, b->payment_status);
  assert_int_equal(a->days_overdue, b->days_overdue);
  assert_int_equal(a->has_score_impact, b->has_score_impact);
  assert_int_equal(a->score_impact, b->score_impact);
  str_eq(a->idempotency_key, b->idempotency_key);
  assert_string_equal(a->status, b->status);
  str_eq(a->failure_reason, b->failure_reason);
  assert_int_equal(a->timestamp, b->timestamp);
  assert_int_equal(a->processed_at, b->processed_at);
}

/* The response text keeps its key order and number spelling. */
static inline void fx_idem(struct fin_idem *i) {
  memset(i, 0, sizeof *i);
  i->ecosystem_id = "eco-1";
  strcpy(i->key_hash, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  strcpy(i->operation, "make-payment");
  strcpy(i->fingerprint, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  i->response = "{\"z\":1,\"a\":0.30000000000000004,\"n\":1.0}";
  i->status_code = 201;
  i->created_at = T1;
  i->expires_at = T1 + 86400000;
}

static inline void eq_idem(const struct fin_idem *a, const struct fin_idem *b) {
  str_eq(a->ecosystem_id, b->ecosystem_id);
  assert_string_equal(a->key_hash, b->key_hash);
  assert_string_equal(a->operation, b->operation);
  assert_string_equal(a->fingerprint, b->fingerprint);
  str_eq(a->response, b->response);
  assert_int_equal(a->status_code, b->status_code);
  assert_int_equal(a->created_at, b->created_at);
  assert_int_equal(a->expires_at, b->expires_at);
}

/* ---- outbox, audit ---- */
/* `payload` is a new reference the caller releases (NULL when !full). */
static inline void fx_event(struct fin_event *e, bool full) {
  memset(e, 0, sizeof *e);
  strcpy(e->event_id, "e-1");
  e->event_type = "card.created";
  e->entity_type = "card";
  e->entity_id = "c-1";
  e->ecosystem_id = "eco-1";
  e->sequence = 42;
  strcpy(e->status, "pending");
  e->created_at = T1;
  e->next_retry_at = T1; /* what an absent one is stored as */
  if (!full) return;
  e->payload =
      json_pack("{s:i,s:f,s:[s,b,n],s:{s:s}}", "n", 1, "x", 0.5, "l", "a", 1, "o", "k", "v");
  strcpy(e->status, "failed");
  e->retry_count = 2;
  e->last_error = "timeout";
  e->next_retry_at = T1 + 5;
  e->sent_at = T1 + 6;
}

static inline void eq_event(const struct fin_event *a, const struct fin_event *b) {
  assert_string_equal(a->event_id, b->event_id);
  str_eq(a->event_type, b->event_type);
  str_eq(a->entity_type, b->entity_type);
  str_eq(a->entity_id, b->entity_id);
  str_eq(a->ecosystem_id, b->ecosystem_id);
  assert_int_equal(a->sequence, b->sequence);
  json_eq(a->payload, b->payload);
  assert_string_equal(a->status, b->status);
  assert_int_equal(a->retry_count, b->retry_count);
  str_eq(a->last_error, b->last_error);
  assert_int_equal(a->next_retry_at, b->next_retry_at);
  assert_int_equal(a->created_at, b->created_at);
  assert_int_equal(a->sent_at, b->sent_at);
}

/* previous/new values are new references the caller releases. */
static inline void fx_audit(struct fin_audit *a, bool full) {
  memset(a, 0, sizeof *a);
  strcpy(a->log_id, "l-1");
  a->admin_ecosystem_id = "adm-1";
  a->admin_email = "admin@example.com";
  a->action = "card.suspend";
  a->target_type = "card";
  a->target_id = "c-1";
  a->reason = "fraud";
  a->request_id = "req-1";
  a->timestamp = T1;
  if (!full) return;
  a->target_ecosystem_id = "eco-1";
  a->previous_value = json_pack("{s:s,s:f}", "status", "active", "limit", MONEY);
  a->new_value = json_pack("{s:s,s:[i,i]}", "status", "suspended", "l", 1, 2);
}

static inline void eq_audit(const struct fin_audit *a, const struct fin_audit *b) {
  assert_string_equal(a->log_id, b->log_id);
  str_eq(a->admin_ecosystem_id, b->admin_ecosystem_id);
  str_eq(a->admin_email, b->admin_email);
  str_eq(a->action, b->action);
  str_eq(a->target_type, b->target_type);
  str_eq(a->target_id, b->target_id);
  str_eq(a->target_ecosystem_id, b->target_ecosystem_id);
  json_eq(a->previous_value, b->previous_value);
  json_eq(a->new_value, b->new_value);
  str_eq(a->reason, b->reason);
  str_eq(a->request_id, b->request_id);
  assert_int_equal(a->timestamp, b->timestamp);
}

/* ---- WhatsApp ---- */
static inline void fx_notification(struct fin_wa_notification *n, bool full) {
  memset(n, 0, sizeof *n);
  strcpy(n->notification_id, "n-1");
  n->recipient_phone = "5511999999999";
  n->message_content = "Approve r-1?";
  strcpy(n->notification_type, "card_request_approval");
  strcpy(n->related_entity_type, "cardRequest");
  n->related_entity_id = "r-1";
  n->ecosystem_id = "eco-1";
  strcpy(n->delivery_status, "pending");
  n->created_at = T1;
  if (!full) return;
  strcpy(n->delivery_status, "delivered");
  n->wpp_message_id = "wamid.1";
  n->retry_count = 1;
  n->last_error = "busy";
  n->next_retry_at = T1 + 1;
  n->sent_at = T1 + 2;
  n->delivered_at = T1 + 3;
}

static inline void eq_notification(const struct fin_wa_notification *a,
                                   const struct fin_wa_notification *b) {
  assert_string_equal(a->notification_id, b->notification_id);
  str_eq(a->recipient_phone, b->recipient_phone);
  str_eq(a->message_content, b->message_content);
  assert_string_equal(a->notification_type, b->notification_type);
  assert_string_equal(a->related_entity_type, b->related_entity_type);
  str_eq(a->related_entity_id, b->related_entity_id);
  str_eq(a->ecosystem_id, b->ecosystem_id);
  assert_string_equal(a->delivery_status, b->delivery_status);
  str_eq(a->wpp_message_id, b->wpp_message_id);
  assert_int_equal(a->retry_count, b->retry_count);
  str_eq(a->last_error, b->last_error);
  assert_int_equal(a->next_retry_at, b->next_retry_at);
  assert_int_equal(a->created_at, b->created_at);
  assert_int_equal(a->sent_at, b->sent_at);
  assert_int_equal(a->delivered_at, b->delivered_at);
}

static inline void fx_inbound(struct fin_wa_inbound *m, bool full) {
  memset(m, 0, sizeof *m);
  strcpy(m->message_id, "m-1");
  m->sender_phone = "5511999999999";
  m->raw_body = "hello";
  strcpy(m->processed_status, "ignored");
  m->received_at = T1;
  if (!full) return;
  m->wpp_message_id = "wamid.2";
  m->sender_name = "Admin";
  m->from_whitelisted_admin = true;
  m->raw_body = "approve r-1";
  m->has_command = true;
  strcpy(m->command_action, "approve");
  m->command_request_id = "r-1";
  m->command_raw = "approve r-1";
  strcpy(m->processed_status, "processed");
  m->processed_action = "approved";
  m->processing_error = "none";
  m->related_request_id = "r-1";
  m->related_ecosystem_id = "eco-1";
  m->processed_at = T1 + 1;
}

static inline void eq_inbound(const struct fin_wa_inbound *a, const struct fin_wa_inbound *b) {
  assert_string_equal(a->message_id, b->message_id);
  str_eq(a->wpp_message_id, b->wpp_message_id);
  str_eq(a->sender_phone, b->sender_phone);
  str_eq(a->sender_name, b->sender_name);
  assert_int_equal(a->from_whitelisted_admin, b->from_whitelisted_admin);
  str_eq(a->raw_body, b->raw_body);
  assert_int_equal(a->has_command, b->has_command);
  assert_string_equal(a->command_action, b->command_action);
  str_eq(a->command_request_id, b->command_request_id);
  str_eq(a->command_raw, b->command_raw);
  assert_string_equal(a->processed_status, b->processed_status);
  str_eq(a->processed_action, b->processed_action);
  str_eq(a->processing_error, b->processing_error);
  str_eq(a->related_request_id, b->related_request_id);
  str_eq(a->related_ecosystem_id, b->related_ecosystem_id);
  assert_int_equal(a->received_at, b->received_at);
  assert_int_equal(a->processed_at, b->processed_at);
}

static char *fx_ids[] = {"n-1", "n-2"};

static inline void fx_approval(struct fin_pending_approval *p, bool full) {
  memset(p, 0, sizeof *p);
  strcpy(p->request_id, "r-1");
  p->ecosystem_id = "eco-1";
  strcpy(p->approval_status, "pending");
  p->expires_at = T1 + 10;
  p->created_at = T1;
  p->updated_at = T1;
  if (!full) return;
  p->notification_ids = fx_ids;
  p->n_notification_ids = 2;
  p->notifications_sent_at = T1 + 1;
  strcpy(p->approval_status, "approved");
  p->responding_admin_phone = "5511888888888";
  p->response_received_at = T1 + 2;
}

static inline void eq_approval(const struct fin_pending_approval *a,
                               const struct fin_pending_approval *b) {
  assert_string_equal(a->request_id, b->request_id);
  str_eq(a->ecosystem_id, b->ecosystem_id);
  assert_int_equal(a->n_notification_ids, b->n_notification_ids);
  for (size_t i = 0; i < a->n_notification_ids; i++)
    str_eq(a->notification_ids[i], b->notification_ids[i]);
  assert_int_equal(a->notifications_sent_at, b->notifications_sent_at);
  assert_string_equal(a->approval_status, b->approval_status);
  str_eq(a->responding_admin_phone, b->responding_admin_phone);
  assert_int_equal(a->response_received_at, b->response_received_at);
  assert_int_equal(a->expires_at, b->expires_at);
  assert_int_equal(a->created_at, b->created_at);
  assert_int_equal(a->updated_at, b->updated_at);
}

/* The layout of a store object, for comparing with the expected one: its
 * names in sorted order as "name:type", nested maps as "name:type{...}".
 * type_of names a value's type and sets *nested to a map's fields. */
typedef const char *(*fx_type_fn)(const json_t *value, const json_t **nested);

static inline int fx_cmp(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static inline void fx_shape_to(const json_t *f, fx_type_fn type_of, char *buf, size_t size) {
  const char *keys[64];
  size_t n = 0;
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)f, k, v) {
    if (n < 64) keys[n++] = k;
  }
  qsort(keys, n, sizeof *keys, fx_cmp);
  for (size_t i = 0; i < n; i++) {
    const json_t *nested = NULL;
    const char *type = type_of(json_object_get(f, keys[i]), &nested);
    size_t len = strlen(buf);
    snprintf(buf + len, size - len, "%s%s:%s", i ? " " : "", keys[i], type);
    if (nested != NULL) {
      strncat(buf, "{", size - strlen(buf) - 1);
      fx_shape_to(nested, type_of, buf, size);
      strncat(buf, "}", size - strlen(buf) - 1);
    }
  }
}

/* Asserts the layout of `f` equals `want`. */
static inline void fx_shape_is(const json_t *f, fx_type_fn type_of, const char *want) {
  char buf[2048] = "";
  assert_non_null(f);
  fx_shape_to(f, type_of, buf, sizeof buf);
  assert_string_equal(buf, want);
}

/* Decodes rec (released after) with from into a zeroed T and asserts every
 * field equals *x. */
#define FX_DECODES_TO(T, rec_expr, from, eq, clear, x)                                             \
  do {                                                                                             \
    json_t *rec_ = (rec_expr);                                                                     \
    T back_;                                                                                       \
    memset(&back_, 0, sizeof back_);                                                               \
    assert_int_equal(from(rec_, &back_), 0);                                                       \
    eq(x, &back_);                                                                                 \
    clear(&back_);                                                                                 \
    json_decref(rec_);                                                                             \
  } while (0)

/* Both suites have one test per entity, under these names. */
#define FX_ENTITY_TESTS                                                                            \
  cmocka_unit_test(users), cmocka_unit_test(scores), cmocka_unit_test(cards),                      \
      cmocka_unit_test(card_requests), cmocka_unit_test(transactions),                             \
      cmocka_unit_test(idempotency), cmocka_unit_test(outbox_events),                              \
      cmocka_unit_test(audit_logs), cmocka_unit_test(wa_notifications),                            \
      cmocka_unit_test(wa_inbound), cmocka_unit_test(pending_approvals)

#endif
