/* ddb_items.c - entities as DynamoDB items (see ddb_items.h).
 *
 * Writers chain `ok &= put(...) == 0` so one OOM anywhere drops the item;
 * readers copy what is there and fail only on a missing key attribute. */
#include "ddb_items.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/timefmt.h"
#include "ddb_av.h"

char *ddb_join(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  char *s = malloc(la + lb + 2);
  if (s == NULL) return NULL;
  memcpy(s, a, la);
  s[la] = '#';
  memcpy(s + la + 1, b, lb + 1);
  return s;
}

/* "<iso>#<id>" sort keys. */
static int put_ts_key(json_t *item, const char *name, fin_ms ms, const char *id) {
  char iso[32];
  char *k = ddb_join(fin_iso(ms, iso), id);
  int rc = ddb_put_s(item, name, k != NULL ? k : NULL);
  free(k);
  return k != NULL ? rc : -1;
}

static json_t *done(json_t *item, int ok) {
  if (item != NULL && ok) return item;
  json_decref(item);
  return NULL;
}

/* ---- users ---- */
json_t *ddb_summary_av(const struct fin_card_summary *s) {
  json_t *m = json_object();
  if (m == NULL) return NULL;
  int ok = ddb_put_int(m, "activeCards", s->active_cards) == 0;
  ok &= ddb_put_n(m, "totalBalance", s->total_balance) == 0;
  ok &= ddb_put_n(m, "totalLimit", s->total_limit) == 0;
  json_t *av = ok ? json_pack("{s:o}", "M", m) : (json_decref(m), NULL);
  return av;
}

json_t *ddb_user_item(const struct fin_user *u) {
  json_t *it = json_object();
  if (it == NULL) return NULL;
  int ok = ddb_put_s(it, "ecosystemId", u->ecosystem_id) == 0;
  ok &= ddb_put_k(it, "firebaseUid", u->firebase_uid) == 0;
  ok &= ddb_put_s(it, "email", u->email) == 0;
  ok &= ddb_put_s(it, "role", u->role) == 0;
  ok &= ddb_put_s(it, "status", u->status) == 0;
  ok &= ddb_put_int(it, "currentScore", u->score) == 0;
  ok &= ddb_put_s(it, "tier", u->tier) == 0;
  json_t *sum = ddb_summary_av(&u->summary);
  ok &= sum != NULL && json_object_set_new(it, "cardSummary", sum) == 0;
  ok &= ddb_put_iso(it, "createdAt", u->created_at) == 0;
  ok &= ddb_put_iso(it, "updatedAt", u->updated_at) == 0;
  ok &= ddb_put_iso(it, "lastLoginAt", u->last_login_at) == 0;
  return done(it, ok);
}

int ddb_user_from(const json_t *it, struct fin_user *u) {
  if (ddb_get_s(it, "ecosystemId") == NULL) return -1;
  u->ecosystem_id = ddb_dup_s(it, "ecosystemId");
  u->firebase_uid = ddb_dup_s(it, "firebaseUid");
  u->email = ddb_dup_s(it, "email");
  u->role = ddb_dup_s(it, "role");
  ddb_cpy_s(it, "status", u->status, sizeof u->status);
  u->score = (int)ddb_get_int(it, "currentScore", 0);
  ddb_cpy_s(it, "tier", u->tier, sizeof u->tier);
  json_t *m = json_object_get(json_object_get(it, "cardSummary"), "M");
  if (m != NULL) {
    u->summary.active_cards = (int)ddb_get_int(m, "activeCards", 0);
    u->summary.total_balance = ddb_get_n(m, "totalBalance", 0);
    u->summary.total_limit = ddb_get_n(m, "totalLimit", 0);
  }
  u->created_at = ddb_get_iso(it, "createdAt");
  u->updated_at = ddb_get_iso(it, "updatedAt");
  u->last_login_at = ddb_get_iso(it, "lastLoginAt");
  if (u->ecosystem_id == NULL) return -1;
  return 0;
}

/* ---- scores ---- */
json_t *ddb_score_item(const struct fin_score *s) {
  json_t *it = json_object();
  if (it == NULL) return NULL;
  int ok = ddb_put_s(it, "ecosystemId", s->ecosystem_id) == 0;
  ok &= put_ts_key(it, "timestampScoreId", s->timestamp, s->score_id) == 0;
  ok &= ddb_put_s(it, "scoreId", s->score_id) == 0;
  ok &= ddb_put_int(it, "value", s->value) == 0;
  ok &= ddb_put_int(it, "previousValue", s->previous_value) == 0;
  ok &= ddb_put_int(it, "delta", s->delta) == 0;
  ok &= ddb_put_s(it, "reason", s->reason) == 0;
  ok &= ddb_put_s(it, "source", s->source) == 0;
  ok &= ddb_put_s(it, "sourceId", s->source_id) == 0;
  ok &= ddb_put_s(it, "relatedEntityType", s->related_entity_type) == 0;
  ok &= ddb_put_s(it, "relatedEntityId", s->related_entity_id) == 0;
  ok &= ddb_put_iso(it, "createdAt", s->timestamp) == 0;
  return done(it, ok);
}

int ddb_score_from(const json_t *it, struct fin_score *s) {
  const char *k = ddb_get_s(it, "timestampScoreId");
  if (k == NULL || ddb_get_s(it, "ecosystemId") == NULL) return -1;
  ddb_cpy_s(it, "scoreId", s->score_id, sizeof s->score_id);
  s->ecosystem_id = ddb_dup_s(it, "ecosystemId");
  s->value = (int)ddb_get_int(it, "value", 0);
  s->previous_value = (int)ddb_get_int(it, "previousValue", 0);
  s->delta = (int)ddb_get_int(it, "delta", 0);
  s->reason = ddb_dup_s(it, "reason");
  ddb_cpy_s(it, "source", s->source, sizeof s->source);
  s->source_id = ddb_dup_s(it, "sourceId");
  s->related_entity_type = ddb_dup_s(it, "relatedEntityType");
  s->related_entity_id = ddb_dup_s(it, "relatedEntityId");
  /* the timestamp lives in the sort key, up to the first '#' (§3.3) */
  char iso[40];
  size_t n = strcspn(k, "#");
  snprintf(iso, sizeof iso, "%.*s", (int)(n < sizeof iso ? n : sizeof iso - 1), k);
  if (fin_iso_parse(iso, &s->timestamp) != 0) s->timestamp = ddb_get_iso(it, "createdAt");
  return s->ecosystem_id != NULL ? 0 : -1;
}

/* ---- cards ---- */
json_t *ddb_card_item(const struct fin_card *c) {
  json_t *it = json_object();
  if (it == NULL) return NULL;
  int ok = ddb_put_s(it, "ecosystemId", c->ecosystem_id) == 0;
  ok &= ddb_put_s(it, "cardId", c->card_id) == 0;
  ok &= ddb_put_s(it, "type", "credit-card") == 0;
  ok &= ddb_put_s(it, "productId", c->product_id) == 0;
  ok &= ddb_put_k(it, "status", c->status) == 0;
  ok &= ddb_put_n(it, "limit", c->limit) == 0;
  ok &= ddb_put_n(it, "balance", c->balance) == 0;
  ok &= ddb_put_n(it, "availableCredit", c->available_credit) == 0;
  ok &= ddb_put_n(it, "minimumPayment", c->minimum_payment) == 0;
  ok &= ddb_put_iso(it, "nextDueDate", c->next_due_date) == 0;
  ok &= ddb_put_int(it, "version", c->version) == 0;
  ok &= ddb_put_s(it, "approvedBy", c->approved_by) == 0;
  ok &= ddb_put_int(it, "scoreAtApproval", c->score_at_approval) == 0;
  ok &= ddb_put_iso(it, "createdAt", c->created_at) == 0;
  ok &= ddb_put_iso(it, "updatedAt", c->updated_at) == 0;
  ok &= ddb_put_iso(it, "activatedAt", c->activated_at) == 0;
  return done(it, ok);
}

int ddb_card_from(const json_t *it, struct fin_card *c) {
  if (ddb_get_s(it, "cardId") == NULL || ddb_get_s(it, "ecosystemId") == NULL) return -1;
  ddb_cpy_s(it, "cardId", c->card_id, sizeof c->card_id);
  c->ecosystem_id = ddb_dup_s(it, "ecosystemId");
  c->product_id = ddb_dup_s(it, "productId");
  ddb_cpy_s(it, "status", c->status, sizeof c->status);
  c->limit = ddb_get_n(it, "limit", 0);
  c->balance = ddb_get_n(it, "balance", 0);
  c->available_credit = ddb_get_n(it, "availableCredit", 0);
  c->minimum_payment = ddb_get_n(it, "minimumPayment", 0);
  c->next_due_date = ddb_get_iso(it, "nextDueDate");
  c->version = ddb_get_int(it, "version", 1);
  ddb_cpy_s(it, "approvedBy", c->approved_by, sizeof c->approved_by);
  c->score_at_approval = (int)ddb_get_int(it, "scoreAtApproval", 0);
  c->created_at = ddb_get_iso(it, "createdAt");
  c->updated_at = ddb_get_iso(it, "updatedAt");
  c->activated_at = ddb_get_iso(it, "activatedAt");
  return c->ecosystem_id != NULL ? 0 : -1;
}

/* ---- card requests ---- */
json_t *ddb_decision_av(const struct fin_decision *d) {
  if (!d->present) return NULL;
  json_t *m = json_object();
  if (m == NULL) return NULL;
  int ok = ddb_put_s(m, "outcome", d->outcome) == 0;
  ok &= ddb_put_s(m, "source", d->source) == 0;
  ok &= ddb_put_s(m, "adminId", d->admin_id) == 0;
  ok &= ddb_put_s(m, "reason", d->reason) == 0;
  if (d->has_approved_limit) ok &= ddb_put_n(m, "approvedLimit", d->approved_limit) == 0;
  ok &= ddb_put_iso(m, "decidedAt", d->decided_at) == 0;
  return ok ? json_pack("{s:o}", "M", m) : (json_decref(m), NULL);
}

json_t *ddb_request_item(const struct fin_card_request *r) {
  json_t *it = json_object();
  if (it == NULL) return NULL;
  int ok = ddb_put_s(it, "ecosystemId", r->ecosystem_id) == 0;
  ok &= ddb_put_s(it, "requestId", r->request_id) == 0;
  ok &= ddb_put_s(it, "productId", r->product_id) == 0;
  ok &= ddb_put_s(it, "idempotencyKey", r->idempotency_key) == 0;
  ok &= ddb_put_k(it, "status", r->status) == 0;
  ok &= ddb_put_int(it, "scoreAtRequest", r->score_at_request) == 0;
  ok &= ddb_put_s(it, "tierAtRequest", r->tier_at_request) == 0;
  ok &= ddb_put_iso(it, "createdAt", r->created_at) == 0;
  ok &= ddb_put_iso(it, "updatedAt", r->updated_at) == 0;
  if (r->decision.present) {
    json_t *d = ddb_decision_av(&r->decision);
    ok &= d != NULL && json_object_set_new(it, "decision", d) == 0;
  }
  if (r->resulting_card_id[0] != '\0')
    ok &= ddb_put_s(it, "resultingCardId", r->resulting_card_id) == 0;
  ok &= ddb_put_iso(it, "expiresAt", r->expires_at) == 0;
  return done(it, ok);
}

int ddb_request_from(const json_t *it, struct fin_card_request *r) {
  if (ddb_get_s(it, "requestId") == NULL || ddb_get_s(it, "ecosystemId") == NULL) return -1;
  ddb_cpy_s(it, "requestId", r->request_id, sizeof r->request_id);
  r->ecosystem_id = ddb_dup_s(it, "ecosystemId");
  r->product_id = ddb_dup_s(it, "productId");
  r->idempotency_key = ddb_dup_s(it, "idempotencyKey");
  ddb_cpy_s(it, "status", r->status, sizeof r->status);
  r->score_at_request = (int)ddb_get_int(it, "scoreAtRequest", 0);
  ddb_cpy_s(it, "tierAtRequest", r->tier_at_request, sizeof r->tier_at_request);
  r->created_at = ddb_get_iso(it, "createdAt");
  r->updated_at = ddb_get_iso(it, "updatedAt");
  r->expires_at = ddb_get_iso(it, "expiresAt");
  ddb_cpy_s(it, "resultingCardId", r->resulting_card_id, sizeof r->resulting_card_id);
  json_t *m = json_object_get(json_object_get(it, "decision"), "M");
  if (m != NULL) {
    struct fin_decision *d = &r->decision;
    d->present = true;
    ddb_cpy_s(m, "outcome", d->outcome, sizeof d->outcome);
    ddb_cpy_s(m, "source", d->source, sizeof d->source);
    d->admin_id = ddb_dup_s(m, "adminId");
    d->reason = ddb_dup_s(m, "reason");
    d->has_approved_limit = json_object_get(m, "approvedLimit") != NULL;
    d->approved_limit = ddb_get_n(m, "approvedLimit", 0);
    d->decided_at = ddb_get_iso(m, "decidedAt");
  }
  return r->ecosystem_id != NULL ? 0 : -1;
}

/* ---- transactions ---- */
json_t *ddb_txn_item(const struct fin_txn *t) {
  json_t *it = json_object();
  char *pk = ddb_join(t->ecosystem_id, t->card_id);
  int ok = it != NULL && pk != NULL;
  if (ok) {
    ok &= ddb_put_s(it, "ecosystemIdCardId", pk) == 0;
    ok &= ddb_put_s(it, "transactionId", t->transaction_id) == 0;
    ok &= ddb_put_s(it, "type", t->type) == 0;
    ok &= ddb_put_n(it, "amount", t->amount) == 0;
    ok &= ddb_put_s(it, "merchant", t->merchant) == 0;
    if (t->payment_status[0] != '\0') ok &= ddb_put_s(it, "paymentStatus", t->payment_status) == 0;
    if (t->days_overdue != 0) ok &= ddb_put_int(it, "daysOverdue", t->days_overdue) == 0;
    if (t->has_score_impact) ok &= ddb_put_int(it, "scoreImpact", t->score_impact) == 0;
    ok &= ddb_put_s(it, "idempotencyKey", t->idempotency_key) == 0;
    ok &= ddb_put_s(it, "status", t->status) == 0;
    ok &= ddb_put_s(it, "failureReason", t->failure_reason) == 0;
    ok &= ddb_put_iso(it, "timestamp", t->timestamp) == 0;
    ok &= ddb_put_iso(it, "processedAt", t->processed_at) == 0;
  }
  free(pk);
  return done(it, ok);
}

int ddb_txn_from(const json_t *it, struct fin_txn *t) {
  const char *pk = ddb_get_s(it, "ecosystemIdCardId");
  const char *hash = pk != NULL ? strrchr(pk, '#') : NULL;
  if (hash == NULL || ddb_get_s(it, "transactionId") == NULL) return -1;
  t->ecosystem_id = strndup(pk, (size_t)(hash - pk));
  fin_strlcpy(t->card_id, hash + 1, sizeof t->card_id);
  ddb_cpy_s(it, "transactionId", t->transaction_id, sizeof t->transaction_id);
  ddb_cpy_s(it, "type", t->type, sizeof t->type);
  t->amount = ddb_get_n(it, "amount", 0);
  t->merchant = ddb_dup_s(it, "merchant");
  ddb_cpy_s(it, "paymentStatus", t->payment_status, sizeof t->payment_status);
  t->days_overdue = (int)ddb_get_int(it, "daysOverdue", 0);
  t->has_score_impact = json_object_get(it, "scoreImpact") != NULL;
  t->score_impact = (int)ddb_get_int(it, "scoreImpact", 0);
  t->idempotency_key = ddb_dup_s(it, "idempotencyKey");
  ddb_cpy_s(it, "status", t->status, sizeof t->status);
  t->failure_reason = ddb_dup_s(it, "failureReason");
  t->timestamp = ddb_get_iso(it, "timestamp");
  t->processed_at = ddb_get_iso(it, "processedAt");
  return t->ecosystem_id != NULL ? 0 : -1;
}

/* ---- idempotency ---- */
json_t *ddb_idem_item(const struct fin_idem *i) {
  json_t *it = json_object();
  if (it == NULL) return NULL;
  int ok = ddb_put_s(it, "ecosystemId", i->ecosystem_id) == 0;
  ok &= ddb_put_s(it, "keyHash", i->key_hash) == 0;
  ok &= ddb_put_s(it, "operation", i->operation) == 0;
  /* the exact response text: a map would re-order keys and re-print numbers */
  ok &= ddb_put_s(it, "response", i->response) == 0;
  ok &= ddb_put_int(it, "statusCode", i->status_code) == 0;
  ok &= ddb_put_int(it, "expiresAt", i->expires_at / 1000) == 0; /* TTL attribute */
  ok &= ddb_put_iso(it, "expiresAtDate", i->expires_at) == 0;
  ok &= ddb_put_iso(it, "createdAt", i->created_at) == 0;
  return done(it, ok);
}

int ddb_idem_from(const json_t *it, struct fin_idem *i) {
  if (ddb_get_s(it, "keyHash") == NULL || ddb_get_s(it, "ecosystemId") == NULL) return -1;
  i->ecosystem_id = ddb_dup_s(it, "ecosystemId");
  ddb_cpy_s(it, "keyHash", i->key_hash, sizeof i->key_hash);
  ddb_cpy_s(it, "operation", i->operation, sizeof i->operation);
  i->response = ddb_dup_s(it, "response");
  if (i->response == NULL) { /* a map written by another implementation */
    json_t *v = ddb_get_json(it, "response");
    i->response = v != NULL ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
  }
  i->status_code = (int)ddb_get_int(it, "statusCode", 200);
  i->expires_at = ddb_get_iso(it, "expiresAtDate");
  if (i->expires_at == 0) i->expires_at = ddb_get_int(it, "expiresAt", 0) * 1000;
  i->created_at = ddb_get_iso(it, "createdAt");
  return i->ecosystem_id != NULL && i->response != NULL ? 0 : -1;
}

/* ---- outbox ---- */
char *ddb_entity_key(const struct fin_event *e) {
  char *k = NULL;
  if (asprintf(&k, "%s:%s:%s", e->ecosystem_id ? e->ecosystem_id : "",
               e->entity_type ? e->entity_type : "", e->entity_id ? e->entity_id : "") < 0)
    return NULL;
  return k;
}

json_t *ddb_event_item(const struct fin_event *e, fin_ms updated_at) {
  json_t *it = json_object();
  if (it == NULL) return NULL;
  int ok = ddb_put_s(it, "eventId", e->event_id) == 0;
  ok &= ddb_put_s(it, "eventType", e->event_type) == 0;
  ok &= ddb_put_s(it, "entityType", e->entity_type) == 0;
  ok &= ddb_put_s(it, "entityId", e->entity_id) == 0;
  ok &= ddb_put_s(it, "ecosystemId", e->ecosystem_id) == 0;
  ok &= ddb_put_int(it, "sequenceNumber", e->sequence) == 0;
  ok &= ddb_put_json(it, "payload", e->payload) == 0;
  ok &= ddb_put_k(it, "status", e->status[0] ? e->status : "pending") == 0;
  ok &= ddb_put_int(it, "retryCount", e->retry_count) == 0;
  ok &= ddb_put_s(it, "lastError", e->last_error) == 0;
  ok &= ddb_put_iso(it, "nextRetryAt", e->next_retry_at ? e->next_retry_at : e->created_at) == 0;
  ok &= ddb_put_iso(it, "createdAt", e->created_at) == 0;
  ok &= ddb_put_iso(it, "updatedAt", updated_at) == 0;
  ok &= ddb_put_iso(it, "sentAt", e->sent_at) == 0;
  return done(it, ok);
}

int ddb_event_from(const json_t *it, struct fin_event *e) {
  if (ddb_get_s(it, "eventId") == NULL) return -1;
  ddb_cpy_s(it, "eventId", e->event_id, sizeof e->event_id);
  e->event_type = ddb_dup_s(it, "eventType");
  e->entity_type = ddb_dup_s(it, "entityType");
  e->entity_id = ddb_dup_s(it, "entityId");
  e->ecosystem_id = ddb_dup_s(it, "ecosystemId");
  e->sequence = ddb_get_int(it, "sequenceNumber", 0);
  e->payload = ddb_get_json(it, "payload"); /* NULL when the event had none */
  ddb_cpy_s(it, "status", e->status, sizeof e->status);
  e->retry_count = (int)ddb_get_int(it, "retryCount", 0);
  e->last_error = ddb_dup_s(it, "lastError");
  e->next_retry_at = ddb_get_iso(it, "nextRetryAt");
  e->created_at = ddb_get_iso(it, "createdAt");
  e->sent_at = ddb_get_iso(it, "sentAt");
  return e->event_type != NULL ? 0 : -1;
}

/* ---- audit ---- */
json_t *ddb_audit_item(const struct fin_audit *a) {
  json_t *it = json_object();
  char *pk = ddb_join(a->target_type ? a->target_type : "", a->target_id ? a->target_id : "");
  int ok = it != NULL && pk != NULL;
  if (ok) {
    ok &= ddb_put_s(it, "targetTypeTargetId", pk) == 0;
    ok &= put_ts_key(it, "timestampLogId", a->timestamp, a->log_id) == 0;
    ok &= ddb_put_s(it, "logId", a->log_id) == 0;
    ok &= ddb_put_k(it, "actorId", a->admin_ecosystem_id) == 0;
    ok &= ddb_put_s(it, "adminEcosystemId", a->admin_ecosystem_id) == 0;
    ok &= ddb_put_s(it, "adminEmail", a->admin_email) == 0;
    ok &= ddb_put_s(it, "action", a->action) == 0;
    ok &= ddb_put_s(it, "targetType", a->target_type) == 0;
    ok &= ddb_put_s(it, "targetId", a->target_id) == 0;
    ok &= ddb_put_s(it, "targetEcosystemId", a->target_ecosystem_id) == 0;
    ok &= ddb_put_json(it, "previousValue", a->previous_value) == 0;
    ok &= ddb_put_json(it, "newValue", a->new_value) == 0;
    ok &= ddb_put_s(it, "reason", a->reason) == 0;
    ok &= ddb_put_s(it, "requestId", a->request_id) == 0;
    ok &= ddb_put_iso(it, "createdAt", a->timestamp) == 0;
  }
  free(pk);
  return done(it, ok);
}

int ddb_audit_from(const json_t *it, struct fin_audit *a) {
  if (ddb_get_s(it, "logId") == NULL) return -1;
  ddb_cpy_s(it, "logId", a->log_id, sizeof a->log_id);
  a->admin_ecosystem_id = ddb_dup_s(it, "adminEcosystemId");
  a->admin_email = ddb_dup_s(it, "adminEmail");
  a->action = ddb_dup_s(it, "action");
  a->target_type = ddb_dup_s(it, "targetType");
  a->target_id = ddb_dup_s(it, "targetId");
  a->target_ecosystem_id = ddb_dup_s(it, "targetEcosystemId");
  a->previous_value = ddb_get_json(it, "previousValue");
  a->new_value = ddb_get_json(it, "newValue");
  a->reason = ddb_dup_s(it, "reason");
  a->request_id = ddb_dup_s(it, "requestId");
  a->timestamp = ddb_get_iso(it, "createdAt");
  return 0;
}

/* ---- WhatsApp ---- */
json_t *ddb_wa_notification_item(const struct fin_wa_notification *n, fin_ms updated_at) {
  json_t *it = json_object();
  if (it == NULL) return NULL;
  int ok = ddb_put_s(it, "notificationId", n->notification_id) == 0;
  ok &= ddb_put_s(it, "recipientPhone", n->recipient_phone) == 0;
  ok &= ddb_put_s(it, "messageContent", n->message_content) == 0;
  ok &= ddb_put_s(it, "notificationType", n->notification_type) == 0;
  ok &= ddb_put_k(it, "relatedEntityType", n->related_entity_type) == 0;
  ok &= ddb_put_k(it, "relatedEntityId", n->related_entity_id) == 0;
  ok &= ddb_put_s(it, "ecosystemId", n->ecosystem_id) == 0;
  /* `status` is the truth; `deliveryStatus` mirrors it for old readers */
  ok &= ddb_put_k(it, "status", n->delivery_status) == 0;
  ok &= ddb_put_s(it, "deliveryStatus", n->delivery_status) == 0;
  ok &= ddb_put_s(it, "wppMessageId", n->wpp_message_id) == 0;
  ok &= ddb_put_int(it, "retryCount", n->retry_count) == 0;
  ok &= ddb_put_s(it, "lastError", n->last_error) == 0;
  ok &= ddb_put_iso(it, "nextRetryAt", n->next_retry_at) == 0;
  ok &= ddb_put_iso(it, "createdAt", n->created_at) == 0;
  ok &= ddb_put_iso(it, "sentAt", n->sent_at) == 0;
  ok &= ddb_put_iso(it, "deliveredAt", n->delivered_at) == 0;
  ok &= ddb_put_iso(it, "updatedAt", updated_at) == 0;
  return done(it, ok);
}

int ddb_wa_notification_from(const json_t *it, struct fin_wa_notification *n) {
  if (ddb_get_s(it, "notificationId") == NULL) return -1;
  ddb_cpy_s(it, "notificationId", n->notification_id, sizeof n->notification_id);
  n->recipient_phone = ddb_dup_s(it, "recipientPhone");
  n->message_content = ddb_dup_s(it, "messageContent");
  ddb_cpy_s(it, "notificationType", n->notification_type, sizeof n->notification_type);
  ddb_cpy_s(it, "relatedEntityType", n->related_entity_type, sizeof n->related_entity_type);
  n->related_entity_id = ddb_dup_s(it, "relatedEntityId");
  n->ecosystem_id = ddb_dup_s(it, "ecosystemId");
  ddb_cpy_s(it, ddb_get_s(it, "status") ? "status" : "deliveryStatus", n->delivery_status,
            sizeof n->delivery_status);
  n->wpp_message_id = ddb_dup_s(it, "wppMessageId");
  n->retry_count = (int)ddb_get_int(it, "retryCount", 0);
  n->last_error = ddb_dup_s(it, "lastError");
  n->next_retry_at = ddb_get_iso(it, "nextRetryAt");
  n->created_at = ddb_get_iso(it, "createdAt");
  n->sent_at = ddb_get_iso(it, "sentAt");
  n->delivered_at = ddb_get_iso(it, "deliveredAt");
  return 0;
}

json_t *ddb_wa_inbound_item(const struct fin_wa_inbound *m) {
  json_t *it = json_object();
  if (it == NULL) return NULL;
  int ok = ddb_put_s(it, "messageId", m->message_id) == 0;
  ok &= ddb_put_k(it, "wppMessageId", m->wpp_message_id) == 0;
  ok &= ddb_put_k(it, "senderPhone", m->sender_phone) == 0;
  ok &= ddb_put_s(it, "senderName", m->sender_name) == 0;
  ok &= ddb_put_bool(it, "isFromWhitelistedAdmin", m->from_whitelisted_admin) == 0;
  ok &= ddb_put_s(it, "rawBody", m->raw_body) == 0;
  if (m->has_command) {
    json_t *c = json_object();
    ok &= c != NULL && ddb_put_s(c, "action", m->command_action) == 0 &&
          ddb_put_s(c, "requestId", m->command_request_id ? m->command_request_id : "") == 0 &&
          ddb_put_s(c, "rawInput", m->command_raw ? m->command_raw : "") == 0 &&
          json_object_set_new(it, "parsedCommand", json_pack("{s:o}", "M", c)) == 0;
    if (!ok) json_decref(c);
  }
  ok &= ddb_put_s(it, "processedStatus", m->processed_status) == 0;
  ok &= ddb_put_s(it, "processedAction", m->processed_action) == 0;
  ok &= ddb_put_s(it, "processingError", m->processing_error) == 0;
  ok &= ddb_put_s(it, "relatedRequestId", m->related_request_id) == 0;
  ok &= ddb_put_s(it, "relatedEcosystemId", m->related_ecosystem_id) == 0;
  ok &= ddb_put_iso(it, "receivedAt", m->received_at) == 0;
  ok &= ddb_put_iso(it, "processedAt", m->processed_at) == 0;
  return done(it, ok);
}

int ddb_wa_inbound_from(const json_t *it, struct fin_wa_inbound *m) {
  if (ddb_get_s(it, "messageId") == NULL) return -1;
  ddb_cpy_s(it, "messageId", m->message_id, sizeof m->message_id);
  m->wpp_message_id = ddb_dup_s(it, "wppMessageId");
  m->sender_phone = ddb_dup_s(it, "senderPhone");
  m->sender_name = ddb_dup_s(it, "senderName");
  m->from_whitelisted_admin = ddb_get_bool(it, "isFromWhitelistedAdmin");
  m->raw_body = ddb_dup_s(it, "rawBody");
  json_t *c = json_object_get(json_object_get(it, "parsedCommand"), "M");
  if (c != NULL) {
    m->has_command = true;
    ddb_cpy_s(c, "action", m->command_action, sizeof m->command_action);
    m->command_request_id = ddb_dup_s(c, "requestId");
    m->command_raw = ddb_dup_s(c, "rawInput");
  }
  ddb_cpy_s(it, "processedStatus", m->processed_status, sizeof m->processed_status);
  m->processed_action = ddb_dup_s(it, "processedAction");
  m->processing_error = ddb_dup_s(it, "processingError");
  m->related_request_id = ddb_dup_s(it, "relatedRequestId");
  m->related_ecosystem_id = ddb_dup_s(it, "relatedEcosystemId");
  m->received_at = ddb_get_iso(it, "receivedAt");
  m->processed_at = ddb_get_iso(it, "processedAt");
  return 0;
}

json_t *ddb_approval_item(const struct fin_pending_approval *p) {
  json_t *it = json_object();
  json_t *ids = json_array();
  int ok = it != NULL && ids != NULL;
  for (size_t i = 0; ok && i < p->n_notification_ids; i++)
    ok &= json_array_append_new(ids, ddb_s(p->notification_ids[i])) == 0;
  if (ok) {
    ok &= json_object_set_new(it, "notificationIds", json_pack("{s:O}", "L", ids)) == 0;
    ok &= ddb_put_s(it, "requestId", p->request_id) == 0;
    ok &= ddb_put_s(it, "ecosystemId", p->ecosystem_id) == 0;
    ok &= ddb_put_iso(it, "notificationsSentAt", p->notifications_sent_at) == 0;
    ok &= ddb_put_k(it, "status", p->approval_status) == 0;
    ok &= ddb_put_s(it, "approvalStatus", p->approval_status) == 0;
    ok &= ddb_put_s(it, "respondingAdminPhone", p->responding_admin_phone) == 0;
    ok &= ddb_put_iso(it, "responseReceivedAt", p->response_received_at) == 0;
    ok &= ddb_put_iso(it, "expiresAt", p->expires_at) == 0;
    ok &= ddb_put_iso(it, "createdAt", p->created_at) == 0;
    ok &= ddb_put_iso(it, "updatedAt", p->updated_at) == 0;
  }
  json_decref(ids);
  return done(it, ok);
}

int ddb_approval_from(const json_t *it, struct fin_pending_approval *p) {
  if (ddb_get_s(it, "requestId") == NULL) return -1;
  ddb_cpy_s(it, "requestId", p->request_id, sizeof p->request_id);
  p->ecosystem_id = ddb_dup_s(it, "ecosystemId");
  json_t *l = json_object_get(json_object_get(it, "notificationIds"), "L");
  size_t n = json_array_size(l);
  if (n > 0) {
    p->notification_ids = calloc(n, sizeof *p->notification_ids);
    if (p->notification_ids == NULL) return -1;
    for (size_t i = 0; i < n; i++) {
      const char *s = json_string_value(json_object_get(json_array_get(l, i), "S"));
      p->notification_ids[p->n_notification_ids] = s != NULL ? strdup(s) : NULL;
      if (p->notification_ids[p->n_notification_ids] != NULL) p->n_notification_ids++;
    }
  }
  p->notifications_sent_at = ddb_get_iso(it, "notificationsSentAt");
  ddb_cpy_s(it, ddb_get_s(it, "status") ? "status" : "approvalStatus", p->approval_status,
            sizeof p->approval_status);
  p->responding_admin_phone = ddb_dup_s(it, "respondingAdminPhone");
  p->response_received_at = ddb_get_iso(it, "responseReceivedAt");
  p->expires_at = ddb_get_iso(it, "expiresAt");
  p->created_at = ddb_get_iso(it, "createdAt");
  p->updated_at = ddb_get_iso(it, "updatedAt");
  return 0;
}
