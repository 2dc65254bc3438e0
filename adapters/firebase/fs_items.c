/* fs_items.c - entities as Firestore documents (see fs_items.h).
 *
 * Writers chain `ok &= put(...) == 0` so one OOM anywhere drops the
 * document; readers copy what is there and fail only on a malformed name. */
#include "fs_items.h"

#include <stdlib.h>
#include <string.h>

#include "fs_value.h"

int fs_doc_seg(const json_t *doc, int i, char *dst, size_t size) {
  const char *name = json_string_value(json_object_get(doc, "name"));
  const char *p = name ? strstr(name, "/documents/") : NULL;
  if (p == NULL) return -1;
  p += strlen("/documents/");
  for (; i > 0 && p != NULL; i--) {
    p = strchr(p, '/');
    if (p != NULL) p++;
  }
  if (p == NULL || *p == '\0') return -1;
  size_t n = strcspn(p, "/");
  if (n >= size) return -1;
  memcpy(dst, p, n);
  dst[n] = '\0';
  return 0;
}

const json_t *fs_doc_fields(const json_t *doc) {
  return json_object_get(doc, "fields");
}

static json_t *done(json_t *f, int ok) {
  if (f != NULL && ok) return f;
  json_decref(f);
  return NULL;
}

/* A segment as a new string (NULL when absent). */
static char *seg_dup(const json_t *doc, int i) {
  char buf[512];
  return fs_doc_seg(doc, i, buf, sizeof buf) == 0 ? strdup(buf) : NULL;
}

static json_t *map_value(json_t *fields) {
  return fields ? json_pack("{s:{s:o}}", "mapValue", "fields", fields) : NULL;
}

/* ---- users ---- */
json_t *fs_summary_value(const struct fin_card_summary *s) {
  json_t *m = json_object();
  int ok = m != NULL && fs_put_int(m, "activeCards", s->active_cards) == 0;
  ok &= fs_put_double(m, "totalBalance", s->total_balance) == 0;
  ok &= fs_put_double(m, "totalLimit", s->total_limit) == 0;
  return map_value(done(m, ok));
}

json_t *fs_user_fields(const struct fin_user *u) {
  json_t *f = json_object();
  if (f == NULL) return NULL;
  int ok = fs_put_s(f, "firebaseUid", u->firebase_uid) == 0;
  ok &= fs_put_s(f, "email", u->email) == 0;
  ok &= fs_put_s(f, "role", u->role) == 0;
  ok &= fs_put_s(f, "status", u->status) == 0;
  ok &= fs_put_int(f, "currentScore", u->score) == 0;
  ok &= fs_put_s(f, "tier", u->tier) == 0;
  json_t *sum = fs_summary_value(&u->summary);
  ok &= sum != NULL && json_object_set_new(f, "cardSummary", sum) == 0;
  ok &= fs_put_time(f, "createdAt", u->created_at) == 0;
  ok &= fs_put_time(f, "updatedAt", u->updated_at) == 0;
  ok &= fs_put_time(f, "lastLoginAt", u->last_login_at) == 0;
  return done(f, ok);
}

int fs_user_from(const json_t *doc, struct fin_user *u) {
  const json_t *f = fs_doc_fields(doc);
  u->ecosystem_id = seg_dup(doc, 1);
  if (u->ecosystem_id == NULL) return -1;
  u->firebase_uid = fs_dup_s(f, "firebaseUid");
  u->email = fs_dup_s(f, "email");
  u->role = fs_dup_s(f, "role");
  fs_cpy_s(f, "status", u->status, sizeof u->status);
  u->score = (int)fs_get_int(f, "currentScore", 0);
  fs_cpy_s(f, "tier", u->tier, sizeof u->tier);
  const json_t *m = fs_get_map(f, "cardSummary");
  u->summary.active_cards = (int)fs_get_int(m, "activeCards", 0);
  u->summary.total_balance = fs_get_double(m, "totalBalance", 0);
  u->summary.total_limit = fs_get_double(m, "totalLimit", 0);
  u->created_at = fs_get_time(f, "createdAt");
  u->updated_at = fs_get_time(f, "updatedAt");
  u->last_login_at = fs_get_time(f, "lastLoginAt");
  return 0;
}

/* ---- scores ---- */
json_t *fs_score_fields(const struct fin_score *s) {
  json_t *f = json_object();
  if (f == NULL) return NULL;
  int ok = fs_put_s(f, "scoreId", s->score_id) == 0;
  ok &= fs_put_int(f, "value", s->value) == 0;
  ok &= fs_put_int(f, "previousValue", s->previous_value) == 0;
  ok &= fs_put_int(f, "delta", s->delta) == 0;
  ok &= fs_put_s(f, "reason", s->reason) == 0;
  ok &= fs_put_s(f, "source", s->source) == 0;
  ok &= fs_put_s(f, "sourceId", s->source_id) == 0;
  ok &= fs_put_s(f, "relatedEntityType", s->related_entity_type) == 0;
  ok &= fs_put_s(f, "relatedEntityId", s->related_entity_id) == 0;
  ok &= fs_put_time(f, "timestamp", s->timestamp) == 0;
  return done(f, ok);
}

int fs_score_from(const json_t *doc, struct fin_score *s) {
  const json_t *f = fs_doc_fields(doc);
  if (fs_doc_seg(doc, 3, s->score_id, sizeof s->score_id) != 0) return -1;
  s->ecosystem_id = seg_dup(doc, 1);
  s->value = (int)fs_get_int(f, "value", 0);
  s->previous_value = (int)fs_get_int(f, "previousValue", 0);
  s->delta = (int)fs_get_int(f, "delta", 0);
  s->reason = fs_dup_s(f, "reason");
  fs_cpy_s(f, "source", s->source, sizeof s->source);
  s->source_id = fs_dup_s(f, "sourceId");
  s->related_entity_type = fs_dup_s(f, "relatedEntityType");
  s->related_entity_id = fs_dup_s(f, "relatedEntityId");
  s->timestamp = fs_get_time(f, "timestamp");
  return s->ecosystem_id != NULL ? 0 : -1;
}

/* ---- cards ---- */
json_t *fs_card_fields(const struct fin_card *c) {
  json_t *f = json_object();
  if (f == NULL) return NULL;
  int ok = fs_put_s(f, "type", "credit-card") == 0;
  ok &= fs_put_s(f, "productId", c->product_id) == 0;
  ok &= fs_put_s(f, "status", c->status) == 0;
  ok &= fs_put_double(f, "limit", c->limit) == 0;
  ok &= fs_put_double(f, "balance", c->balance) == 0;
  ok &= fs_put_double(f, "availableCredit", c->available_credit) == 0;
  ok &= fs_put_double(f, "minimumPayment", c->minimum_payment) == 0;
  ok &= fs_put_time(f, "nextDueDate", c->next_due_date) == 0;
  ok &= fs_put_int(f, "version", c->version) == 0;
  ok &= fs_put_s(f, "approvedBy", c->approved_by) == 0;
  ok &= fs_put_int(f, "scoreAtApproval", c->score_at_approval) == 0;
  ok &= fs_put_time(f, "createdAt", c->created_at) == 0;
  ok &= fs_put_time(f, "updatedAt", c->updated_at) == 0;
  ok &= fs_put_time(f, "activatedAt", c->activated_at) == 0;
  return done(f, ok);
}

int fs_card_from(const json_t *doc, struct fin_card *c) {
  const json_t *f = fs_doc_fields(doc);
  if (fs_doc_seg(doc, 3, c->card_id, sizeof c->card_id) != 0) return -1;
  c->ecosystem_id = seg_dup(doc, 1);
  c->product_id = fs_dup_s(f, "productId");
  fs_cpy_s(f, "status", c->status, sizeof c->status);
  c->limit = fs_get_double(f, "limit", 0);
  c->balance = fs_get_double(f, "balance", 0);
  c->available_credit = fs_get_double(f, "availableCredit", 0);
  c->minimum_payment = fs_get_double(f, "minimumPayment", 0);
  c->next_due_date = fs_get_time(f, "nextDueDate");
  c->version = fs_get_int(f, "version", 1);
  fs_cpy_s(f, "approvedBy", c->approved_by, sizeof c->approved_by);
  c->score_at_approval = (int)fs_get_int(f, "scoreAtApproval", 0);
  c->created_at = fs_get_time(f, "createdAt");
  c->updated_at = fs_get_time(f, "updatedAt");
  c->activated_at = fs_get_time(f, "activatedAt");
  return c->ecosystem_id != NULL ? 0 : -1;
}

/* ---- card requests ---- */
json_t *fs_decision_value(const struct fin_decision *d) {
  if (!d->present) return NULL;
  json_t *m = json_object();
  int ok = m != NULL && fs_put_s(m, "outcome", d->outcome) == 0;
  ok &= fs_put_s(m, "source", d->source) == 0;
  ok &= fs_put_s(m, "adminId", d->admin_id) == 0;
  ok &= fs_put_s(m, "reason", d->reason) == 0;
  if (d->has_approved_limit) ok &= fs_put_double(m, "approvedLimit", d->approved_limit) == 0;
  ok &= fs_put_time(m, "decidedAt", d->decided_at) == 0;
  return map_value(done(m, ok));
}

json_t *fs_request_fields(const struct fin_card_request *r) {
  json_t *f = json_object();
  if (f == NULL) return NULL;
  int ok = fs_put_s(f, "requestId", r->request_id) == 0;
  ok &= fs_put_s(f, "ecosystemId", r->ecosystem_id) == 0;
  ok &= fs_put_s(f, "productId", r->product_id) == 0;
  ok &= fs_put_s(f, "idempotencyKey", r->idempotency_key) == 0;
  ok &= fs_put_s(f, "status", r->status) == 0;
  ok &= fs_put_int(f, "scoreAtRequest", r->score_at_request) == 0;
  ok &= fs_put_s(f, "tierAtRequest", r->tier_at_request) == 0;
  ok &= fs_put_time(f, "createdAt", r->created_at) == 0;
  ok &= fs_put_time(f, "updatedAt", r->updated_at) == 0;
  if (r->decision.present) {
    json_t *d = fs_decision_value(&r->decision);
    ok &= d != NULL && json_object_set_new(f, "decision", d) == 0;
  }
  if (r->resulting_card_id[0] != '\0')
    ok &= fs_put_s(f, "resultingCardId", r->resulting_card_id) == 0;
  ok &= fs_put_time(f, "expiresAt", r->expires_at) == 0;
  return done(f, ok);
}

int fs_request_from(const json_t *doc, struct fin_card_request *r) {
  const json_t *f = fs_doc_fields(doc);
  if (fs_doc_seg(doc, 3, r->request_id, sizeof r->request_id) != 0) return -1;
  r->ecosystem_id = seg_dup(doc, 1);
  r->product_id = fs_dup_s(f, "productId");
  r->idempotency_key = fs_dup_s(f, "idempotencyKey");
  fs_cpy_s(f, "status", r->status, sizeof r->status);
  r->score_at_request = (int)fs_get_int(f, "scoreAtRequest", 0);
  fs_cpy_s(f, "tierAtRequest", r->tier_at_request, sizeof r->tier_at_request);
  r->created_at = fs_get_time(f, "createdAt");
  r->updated_at = fs_get_time(f, "updatedAt");
  r->expires_at = fs_get_time(f, "expiresAt");
  fs_cpy_s(f, "resultingCardId", r->resulting_card_id, sizeof r->resulting_card_id);
  const json_t *m = fs_get_map(f, "decision");
  if (m != NULL) {
    struct fin_decision *d = &r->decision;
    d->present = true;
    fs_cpy_s(m, "outcome", d->outcome, sizeof d->outcome);
    fs_cpy_s(m, "source", d->source, sizeof d->source);
    d->admin_id = fs_dup_s(m, "adminId");
    d->reason = fs_dup_s(m, "reason");
    d->has_approved_limit = json_object_get(m, "approvedLimit") != NULL;
    d->approved_limit = fs_get_double(m, "approvedLimit", 0);
    d->decided_at = fs_get_time(m, "decidedAt");
  }
  return r->ecosystem_id != NULL ? 0 : -1;
}

/* ---- transactions ---- */
json_t *fs_txn_fields(const struct fin_txn *t) {
  json_t *f = json_object();
  if (f == NULL) return NULL;
  int ok = fs_put_s(f, "type", t->type) == 0;
  ok &= fs_put_double(f, "amount", t->amount) == 0;
  ok &= fs_put_s(f, "merchant", t->merchant) == 0;
  if (t->payment_status[0] != '\0') ok &= fs_put_s(f, "paymentStatus", t->payment_status) == 0;
  if (t->days_overdue != 0) ok &= fs_put_int(f, "daysOverdue", t->days_overdue) == 0;
  if (t->has_score_impact) ok &= fs_put_int(f, "scoreImpact", t->score_impact) == 0;
  ok &= fs_put_s(f, "idempotencyKey", t->idempotency_key) == 0;
  ok &= fs_put_s(f, "status", t->status) == 0;
  ok &= fs_put_s(f, "failureReason", t->failure_reason) == 0;
  ok &= fs_put_time(f, "timestamp", t->timestamp) == 0;
  ok &= fs_put_time(f, "processedAt", t->processed_at) == 0;
  return done(f, ok);
}

int fs_txn_from(const json_t *doc, struct fin_txn *t) {
  const json_t *f = fs_doc_fields(doc);
  if (fs_doc_seg(doc, 3, t->card_id, sizeof t->card_id) != 0 ||
      fs_doc_seg(doc, 5, t->transaction_id, sizeof t->transaction_id) != 0)
    return -1;
  t->ecosystem_id = seg_dup(doc, 1);
  fs_cpy_s(f, "type", t->type, sizeof t->type);
  t->amount = fs_get_double(f, "amount", 0);
  t->merchant = fs_dup_s(f, "merchant");
  fs_cpy_s(f, "paymentStatus", t->payment_status, sizeof t->payment_status);
  t->days_overdue = (int)fs_get_int(f, "daysOverdue", 0);
  t->has_score_impact = json_object_get(f, "scoreImpact") != NULL;
  t->score_impact = (int)fs_get_int(f, "scoreImpact", 0);
  t->idempotency_key = fs_dup_s(f, "idempotencyKey");
  fs_cpy_s(f, "status", t->status, sizeof t->status);
  t->failure_reason = fs_dup_s(f, "failureReason");
  t->timestamp = fs_get_time(f, "timestamp");
  t->processed_at = fs_get_time(f, "processedAt");
  return t->ecosystem_id != NULL ? 0 : -1;
}

/* ---- idempotency ---- */
json_t *fs_idem_fields(const struct fin_idem *i) {
  json_t *f = json_object();
  if (f == NULL) return NULL;
  int ok = fs_put_s(f, "operation", i->operation) == 0;
  /* the exact response text: a map would re-order keys and re-print numbers */
  ok &= fs_put_s(f, "response", i->response) == 0;
  ok &= fs_put_int(f, "statusCode", i->status_code) == 0;
  ok &= fs_put_time(f, "createdAt", i->created_at) == 0;
  ok &= fs_put_time(f, "expiresAt", i->expires_at) == 0;
  return done(f, ok);
}

int fs_idem_from(const json_t *doc, struct fin_idem *i) {
  const json_t *f = fs_doc_fields(doc);
  if (fs_doc_seg(doc, 3, i->key_hash, sizeof i->key_hash) != 0) return -1;
  i->ecosystem_id = seg_dup(doc, 1);
  fs_cpy_s(f, "operation", i->operation, sizeof i->operation);
  i->response = fs_dup_s(f, "response");
  if (i->response == NULL) { /* a map written by the original */
    json_t *v = fs_get_json(f, "response");
    i->response = v != NULL ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
  }
  i->status_code = (int)fs_get_int(f, "statusCode", 200);
  i->created_at = fs_get_time(f, "createdAt");
  i->expires_at = fs_get_time(f, "expiresAt");
  return i->ecosystem_id != NULL && i->response != NULL ? 0 : -1;
}

/* ---- outbox ---- */
json_t *fs_event_fields(const struct fin_event *e) {
  json_t *f = json_object();
  if (f == NULL) return NULL;
  int ok = fs_put_s(f, "eventType", e->event_type) == 0;
  ok &= fs_put_s(f, "entityType", e->entity_type) == 0;
  ok &= fs_put_s(f, "entityId", e->entity_id) == 0;
  ok &= fs_put_s(f, "ecosystemId", e->ecosystem_id) == 0;
  ok &= fs_put_int(f, "sequenceNumber", e->sequence) == 0;
  ok &= fs_put_json(f, "payload", e->payload) == 0;
  ok &= fs_put_s(f, "status", e->status[0] ? e->status : "pending") == 0;
  ok &= fs_put_int(f, "retryCount", e->retry_count) == 0;
  ok &= fs_put_s(f, "lastError", e->last_error) == 0;
  ok &= fs_put_time(f, "nextRetryAt", e->next_retry_at ? e->next_retry_at : e->created_at) == 0;
  ok &= fs_put_time(f, "createdAt", e->created_at) == 0;
  ok &= fs_put_time(f, "sentAt", e->sent_at) == 0;
  return done(f, ok);
}

int fs_event_from(const json_t *doc, struct fin_event *e) {
  const json_t *f = fs_doc_fields(doc);
  if (fs_doc_seg(doc, 1, e->event_id, sizeof e->event_id) != 0) return -1;
  e->event_type = fs_dup_s(f, "eventType");
  e->entity_type = fs_dup_s(f, "entityType");
  e->entity_id = fs_dup_s(f, "entityId");
  e->ecosystem_id = fs_dup_s(f, "ecosystemId");
  e->sequence = fs_get_int(f, "sequenceNumber", 0);
  e->payload = fs_get_json(f, "payload");
  fs_cpy_s(f, "status", e->status, sizeof e->status);
  e->retry_count = (int)fs_get_int(f, "retryCount", 0);
  e->last_error = fs_dup_s(f, "lastError");
  e->next_retry_at = fs_get_time(f, "nextRetryAt");
  e->created_at = fs_get_time(f, "createdAt");
  e->sent_at = fs_get_time(f, "sentAt");
  return e->event_type != NULL ? 0 : -1;
}

/* ---- audit ---- */
json_t *fs_audit_fields(const struct fin_audit *a) {
  json_t *f = json_object();
  if (f == NULL) return NULL;
  int ok = fs_put_s(f, "adminEcosystemId", a->admin_ecosystem_id) == 0;
  ok &= fs_put_s(f, "adminEmail", a->admin_email) == 0;
  ok &= fs_put_s(f, "action", a->action) == 0;
  ok &= fs_put_s(f, "targetType", a->target_type) == 0;
  ok &= fs_put_s(f, "targetId", a->target_id) == 0;
  ok &= fs_put_s(f, "targetEcosystemId", a->target_ecosystem_id) == 0;
  ok &= fs_put_json(f, "previousValue", a->previous_value) == 0;
  ok &= fs_put_json(f, "newValue", a->new_value) == 0;
  ok &= fs_put_s(f, "reason", a->reason) == 0;
  ok &= fs_put_s(f, "requestId", a->request_id) == 0;
  ok &= fs_put_time(f, "timestamp", a->timestamp) == 0;
  return done(f, ok);
}

int fs_audit_from(const json_t *doc, struct fin_audit *a) {
  const json_t *f = fs_doc_fields(doc);
  if (fs_doc_seg(doc, 1, a->log_id, sizeof a->log_id) != 0) return -1;
  a->admin_ecosystem_id = fs_dup_s(f, "adminEcosystemId");
  a->admin_email = fs_dup_s(f, "adminEmail");
  a->action = fs_dup_s(f, "action");
  a->target_type = fs_dup_s(f, "targetType");
  a->target_id = fs_dup_s(f, "targetId");
  a->target_ecosystem_id = fs_dup_s(f, "targetEcosystemId");
  a->previous_value = fs_get_json(f, "previousValue");
  a->new_value = fs_get_json(f, "newValue");
  a->reason = fs_dup_s(f, "reason");
  a->request_id = fs_dup_s(f, "requestId");
  a->timestamp = fs_get_time(f, "timestamp");
  return 0;
}

/* ---- WhatsApp ---- */
json_t *fs_wa_notification_fields(const struct fin_wa_notification *n, fin_ms updated_at) {
  json_t *f = json_object();
  if (f == NULL) return NULL;
  int ok = fs_put_s(f, "recipientPhone", n->recipient_phone) == 0;
  ok &= fs_put_s(f, "messageContent", n->message_content) == 0;
  ok &= fs_put_s(f, "notificationType", n->notification_type) == 0;
  ok &= fs_put_s(f, "relatedEntityType", n->related_entity_type) == 0;
  ok &= fs_put_s(f, "relatedEntityId", n->related_entity_id) == 0;
  ok &= fs_put_s(f, "ecosystemId", n->ecosystem_id) == 0;
  ok &= fs_put_s(f, "deliveryStatus", n->delivery_status) == 0;
  ok &= fs_put_s(f, "wppMessageId", n->wpp_message_id) == 0;
  ok &= fs_put_int(f, "retryCount", n->retry_count) == 0;
  ok &= fs_put_s(f, "lastError", n->last_error) == 0;
  ok &= fs_put_time(f, "nextRetryAt", n->next_retry_at) == 0;
  ok &= fs_put_time(f, "createdAt", n->created_at) == 0;
  ok &= fs_put_time(f, "sentAt", n->sent_at) == 0;
  ok &= fs_put_time(f, "deliveredAt", n->delivered_at) == 0;
  ok &= fs_put_time(f, "updatedAt", updated_at) == 0;
  return done(f, ok);
}

int fs_wa_notification_from(const json_t *doc, struct fin_wa_notification *n) {
  const json_t *f = fs_doc_fields(doc);
  if (fs_doc_seg(doc, 1, n->notification_id, sizeof n->notification_id) != 0) return -1;
  n->recipient_phone = fs_dup_s(f, "recipientPhone");
  n->message_content = fs_dup_s(f, "messageContent");
  fs_cpy_s(f, "notificationType", n->notification_type, sizeof n->notification_type);
  fs_cpy_s(f, "relatedEntityType", n->related_entity_type, sizeof n->related_entity_type);
  n->related_entity_id = fs_dup_s(f, "relatedEntityId");
  n->ecosystem_id = fs_dup_s(f, "ecosystemId");
  fs_cpy_s(f, "deliveryStatus", n->delivery_status, sizeof n->delivery_status);
  n->wpp_message_id = fs_dup_s(f, "wppMessageId");
  n->retry_count = (int)fs_get_int(f, "retryCount", 0);
  n->last_error = fs_dup_s(f, "lastError");
  n->next_retry_at = fs_get_time(f, "nextRetryAt");
  n->created_at = fs_get_time(f, "createdAt");
  n->sent_at = fs_get_time(f, "sentAt");
  n->delivered_at = fs_get_time(f, "deliveredAt");
  return 0;
}

json_t *fs_wa_inbound_fields(const struct fin_wa_inbound *m) {
  json_t *f = json_object();
  if (f == NULL) return NULL;
  int ok = fs_put_s(f, "wppMessageId", m->wpp_message_id) == 0;
  ok &= fs_put_s(f, "senderPhone", m->sender_phone) == 0;
  ok &= fs_put_s(f, "senderName", m->sender_name) == 0;
  ok &= fs_put_bool(f, "isFromWhitelistedAdmin", m->from_whitelisted_admin) == 0;
  ok &= fs_put_s(f, "rawBody", m->raw_body) == 0;
  if (m->has_command) {
    json_t *c = json_object();
    int cok = c != NULL && fs_put_s(c, "action", m->command_action) == 0 &&
              fs_put_s(c, "requestId", m->command_request_id ? m->command_request_id : "") == 0 &&
              fs_put_s(c, "rawInput", m->command_raw ? m->command_raw : "") == 0;
    json_t *v = map_value(done(c, cok));
    ok &= v != NULL && json_object_set_new(f, "parsedCommand", v) == 0;
  }
  ok &= fs_put_s(f, "processedStatus", m->processed_status) == 0;
  ok &= fs_put_s(f, "processedAction", m->processed_action) == 0;
  ok &= fs_put_s(f, "processingError", m->processing_error) == 0;
  ok &= fs_put_s(f, "relatedRequestId", m->related_request_id) == 0;
  ok &= fs_put_s(f, "relatedEcosystemId", m->related_ecosystem_id) == 0;
  ok &= fs_put_time(f, "receivedAt", m->received_at) == 0;
  ok &= fs_put_time(f, "processedAt", m->processed_at) == 0;
  return done(f, ok);
}

int fs_wa_inbound_from(const json_t *doc, struct fin_wa_inbound *m) {
  const json_t *f = fs_doc_fields(doc);
  if (fs_doc_seg(doc, 1, m->message_id, sizeof m->message_id) != 0) return -1;
  m->wpp_message_id = fs_dup_s(f, "wppMessageId");
  m->sender_phone = fs_dup_s(f, "senderPhone");
  m->sender_name = fs_dup_s(f, "senderName");
  m->from_whitelisted_admin = fs_get_bool(f, "isFromWhitelistedAdmin");
  m->raw_body = fs_dup_s(f, "rawBody");
  const json_t *c = fs_get_map(f, "parsedCommand");
  if (c != NULL) {
    m->has_command = true;
    fs_cpy_s(c, "action", m->command_action, sizeof m->command_action);
    m->command_request_id = fs_dup_s(c, "requestId");
    m->command_raw = fs_dup_s(c, "rawInput");
  }
  fs_cpy_s(f, "processedStatus", m->processed_status, sizeof m->processed_status);
  m->processed_action = fs_dup_s(f, "processedAction");
  m->processing_error = fs_dup_s(f, "processingError");
  m->related_request_id = fs_dup_s(f, "relatedRequestId");
  m->related_ecosystem_id = fs_dup_s(f, "relatedEcosystemId");
  m->received_at = fs_get_time(f, "receivedAt");
  m->processed_at = fs_get_time(f, "processedAt");
  return 0;
}

json_t *fs_approval_fields(const struct fin_pending_approval *p) {
  json_t *f = json_object();
  json_t *ids = json_array();
  int ok = f != NULL && ids != NULL;
  for (size_t i = 0; ok && i < p->n_notification_ids; i++)
    ok &= json_array_append_new(ids, fs_s(p->notification_ids[i])) == 0;
  if (ok) {
    ok &= json_object_set_new(f, "notificationIds",
                              json_pack("{s:{s:O}}", "arrayValue", "values", ids)) == 0;
    ok &= fs_put_s(f, "ecosystemId", p->ecosystem_id) == 0;
    ok &= fs_put_time(f, "notificationsSentAt", p->notifications_sent_at) == 0;
    ok &= fs_put_s(f, "approvalStatus", p->approval_status) == 0;
    ok &= fs_put_s(f, "respondingAdminPhone", p->responding_admin_phone) == 0;
    ok &= fs_put_time(f, "responseReceivedAt", p->response_received_at) == 0;
    ok &= fs_put_time(f, "expiresAt", p->expires_at) == 0;
    ok &= fs_put_time(f, "createdAt", p->created_at) == 0;
    ok &= fs_put_time(f, "updatedAt", p->updated_at) == 0;
  }
  json_decref(ids);
  return done(f, ok);
}

int fs_approval_from(const json_t *doc, struct fin_pending_approval *p) {
  const json_t *f = fs_doc_fields(doc);
  if (fs_doc_seg(doc, 1, p->request_id, sizeof p->request_id) != 0) return -1;
  p->ecosystem_id = fs_dup_s(f, "ecosystemId");
  json_t *l = fs_get_json(f, "notificationIds");
  size_t n = json_array_size(l);
  if (n > 0) p->notification_ids = calloc(n, sizeof *p->notification_ids);
  for (size_t i = 0; p->notification_ids != NULL && i < n; i++) {
    const char *s = json_string_value(json_array_get(l, i));
    if (s != NULL && (p->notification_ids[p->n_notification_ids] = strdup(s)) != NULL)
      p->n_notification_ids++;
  }
  json_decref(l);
  if (n > 0 && p->notification_ids == NULL) return -1;
  p->notifications_sent_at = fs_get_time(f, "notificationsSentAt");
  fs_cpy_s(f, "approvalStatus", p->approval_status, sizeof p->approval_status);
  p->responding_admin_phone = fs_dup_s(f, "respondingAdminPhone");
  p->response_received_at = fs_get_time(f, "responseReceivedAt");
  p->expires_at = fs_get_time(f, "expiresAt");
  p->created_at = fs_get_time(f, "createdAt");
  p->updated_at = fs_get_time(f, "updatedAt");
  return 0;
}
