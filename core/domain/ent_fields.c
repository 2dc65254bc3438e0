/* ent_fields.c - the shared entity fields (see ent_fields.h).
 *
 * Writers chain `ok &= put(...) == 0` so one OOM anywhere fails the whole
 * object; readers copy what is there. */
#include "ent_fields.h"

#include <stdlib.h>
#include <string.h>

static int rc(int ok) {
  return ok ? 0 : -1;
}

static char *dup_s(const struct ent_io *io, const json_t *f, const char *name) {
  const char *s = io->get_s(f, name);
  return s != NULL ? strdup(s) : NULL;
}

static void cpy_s(const struct ent_io *io, const json_t *f, const char *name, char *dst,
                  size_t size) {
  const char *s = io->get_s(f, name);
  fin_strlcpy(dst, s != NULL ? s : "", size);
}

/* Both stores' fields are JSON objects keyed by name. */
static bool has(const json_t *f, const char *name) {
  return json_object_get(f, name) != NULL;
}

/* m when ok, else NULL (m released); put_map fails on NULL. */
static json_t *filled(json_t *m, int ok) {
  if (m != NULL && ok) return m;
  json_decref(m);
  return NULL;
}

/* A list of strings goes through put_json/get_json: a JSON array of
 * strings is exactly the store's list of string values. */
static int put_strings(const struct ent_io *io, json_t *f, const char *name, char *const *v,
                       size_t n) {
  json_t *l = json_array();
  int ok = l != NULL;
  for (size_t i = 0; ok && i < n; i++)
    ok = json_array_append_new(l, json_string(v[i])) == 0;
  ok = ok && io->put_json(f, name, l) == 0;
  json_decref(l);
  return rc(ok);
}

static int get_strings(const struct ent_io *io, const json_t *f, const char *name, char ***v,
                       size_t *n) {
  json_t *l = io->get_json(f, name);
  size_t len = json_array_size(l);
  int ok = 1;
  if (len > 0) ok = (*v = calloc(len, sizeof **v)) != NULL;
  for (size_t i = 0; ok && i < len; i++) {
    const char *s = json_string_value(json_array_get(l, i));
    if (s != NULL && ((*v)[*n] = strdup(s)) != NULL) (*n)++;
  }
  json_decref(l);
  return rc(ok);
}

/* ---- users ---- */
json_t *ent_summary_map(const struct ent_io *io, const struct fin_card_summary *s) {
  json_t *m = json_object();
  int ok = m != NULL && io->put_int(m, "activeCards", s->active_cards) == 0;
  ok = ok && io->put_n(m, "totalBalance", s->total_balance) == 0;
  ok = ok && io->put_n(m, "totalLimit", s->total_limit) == 0;
  return filled(m, ok);
}

int ent_user_put(const struct ent_io *io, json_t *f, const struct fin_user *u) {
  int ok = io->put_k(f, "firebaseUid", u->firebase_uid) == 0;
  ok &= io->put_s(f, "email", u->email) == 0;
  ok &= io->put_s(f, "role", u->role) == 0;
  ok &= io->put_s(f, "status", u->status) == 0;
  ok &= io->put_int(f, "currentScore", u->score) == 0;
  ok &= io->put_s(f, "tier", u->tier) == 0;
  ok &= io->put_map(f, "cardSummary", ent_summary_map(io, &u->summary)) == 0;
  ok &= io->put_time(f, "createdAt", u->created_at) == 0;
  ok &= io->put_time(f, "updatedAt", u->updated_at) == 0;
  ok &= io->put_time(f, "lastLoginAt", u->last_login_at) == 0;
  if (u->card_rev != 0) ok &= io->put_int(f, "cardRev", u->card_rev) == 0; /* layout unchanged */
  return rc(ok);
}

int ent_user_get(const struct ent_io *io, const json_t *f, struct fin_user *u) {
  u->firebase_uid = dup_s(io, f, "firebaseUid");
  u->email = dup_s(io, f, "email");
  u->role = dup_s(io, f, "role");
  cpy_s(io, f, "status", u->status, sizeof u->status);
  u->score = (int)io->get_int(f, "currentScore", 0);
  cpy_s(io, f, "tier", u->tier, sizeof u->tier);
  const json_t *m = io->get_map(f, "cardSummary");
  if (m != NULL) {
    u->summary.active_cards = (int)io->get_int(m, "activeCards", 0);
    u->summary.total_balance = io->get_n(m, "totalBalance", 0);
    u->summary.total_limit = io->get_n(m, "totalLimit", 0);
  }
  u->card_rev = io->get_int(f, "cardRev", 0);
  u->created_at = io->get_time(f, "createdAt");
  u->updated_at = io->get_time(f, "updatedAt");
  u->last_login_at = io->get_time(f, "lastLoginAt");
  return 0;
}

/* ---- scores ---- */
int ent_score_put(const struct ent_io *io, json_t *f, const struct fin_score *s) {
  int ok = io->put_s(f, "scoreId", s->score_id) == 0;
  ok &= io->put_int(f, "value", s->value) == 0;
  ok &= io->put_int(f, "previousValue", s->previous_value) == 0;
  ok &= io->put_int(f, "delta", s->delta) == 0;
  ok &= io->put_s(f, "reason", s->reason) == 0;
  ok &= io->put_s(f, "source", s->source) == 0;
  ok &= io->put_s(f, "sourceId", s->source_id) == 0;
  ok &= io->put_s(f, "relatedEntityType", s->related_entity_type) == 0;
  ok &= io->put_s(f, "relatedEntityId", s->related_entity_id) == 0;
  return rc(ok);
}

int ent_score_get(const struct ent_io *io, const json_t *f, struct fin_score *s) {
  s->value = (int)io->get_int(f, "value", 0);
  s->previous_value = (int)io->get_int(f, "previousValue", 0);
  s->delta = (int)io->get_int(f, "delta", 0);
  s->reason = dup_s(io, f, "reason");
  cpy_s(io, f, "source", s->source, sizeof s->source);
  s->source_id = dup_s(io, f, "sourceId");
  s->related_entity_type = dup_s(io, f, "relatedEntityType");
  s->related_entity_id = dup_s(io, f, "relatedEntityId");
  return 0;
}

/* ---- cards ---- */
int ent_card_put(const struct ent_io *io, json_t *f, const struct fin_card *c) {
  int ok = io->put_s(f, "type", "credit-card") == 0;
  ok &= io->put_s(f, "productId", c->product_id) == 0;
  ok &= io->put_k(f, "status", c->status) == 0;
  ok &= io->put_n(f, "limit", c->limit) == 0;
  ok &= io->put_n(f, "balance", c->balance) == 0;
  ok &= io->put_n(f, "availableCredit", c->available_credit) == 0;
  ok &= io->put_n(f, "minimumPayment", c->minimum_payment) == 0;
  ok &= io->put_time(f, "nextDueDate", c->next_due_date) == 0;
  ok &= io->put_int(f, "version", c->version) == 0;
  ok &= io->put_s(f, "approvedBy", c->approved_by) == 0;
  ok &= io->put_int(f, "scoreAtApproval", c->score_at_approval) == 0;
  ok &= io->put_time(f, "createdAt", c->created_at) == 0;
  ok &= io->put_time(f, "updatedAt", c->updated_at) == 0;
  ok &= io->put_time(f, "activatedAt", c->activated_at) == 0;
  return rc(ok);
}

int ent_card_get(const struct ent_io *io, const json_t *f, struct fin_card *c) {
  c->product_id = dup_s(io, f, "productId");
  cpy_s(io, f, "status", c->status, sizeof c->status);
  c->limit = io->get_n(f, "limit", 0);
  c->balance = io->get_n(f, "balance", 0);
  c->available_credit = io->get_n(f, "availableCredit", 0);
  c->minimum_payment = io->get_n(f, "minimumPayment", 0);
  c->next_due_date = io->get_time(f, "nextDueDate");
  c->version = io->get_int(f, "version", 1);
  cpy_s(io, f, "approvedBy", c->approved_by, sizeof c->approved_by);
  c->score_at_approval = (int)io->get_int(f, "scoreAtApproval", 0);
  c->created_at = io->get_time(f, "createdAt");
  c->updated_at = io->get_time(f, "updatedAt");
  c->activated_at = io->get_time(f, "activatedAt");
  return 0;
}

/* ---- card requests ---- */
json_t *ent_decision_map(const struct ent_io *io, const struct fin_decision *d) {
  if (!d->present) return NULL;
  json_t *m = json_object();
  int ok = m != NULL && io->put_s(m, "outcome", d->outcome) == 0;
  ok = ok && io->put_s(m, "source", d->source) == 0;
  ok = ok && io->put_s(m, "adminId", d->admin_id) == 0;
  ok = ok && io->put_s(m, "reason", d->reason) == 0;
  if (d->has_approved_limit) ok = ok && io->put_n(m, "approvedLimit", d->approved_limit) == 0;
  ok = ok && io->put_time(m, "decidedAt", d->decided_at) == 0;
  return filled(m, ok);
}

static void decision_get(const struct ent_io *io, const json_t *m, struct fin_decision *d) {
  d->present = true;
  cpy_s(io, m, "outcome", d->outcome, sizeof d->outcome);
  cpy_s(io, m, "source", d->source, sizeof d->source);
  d->admin_id = dup_s(io, m, "adminId");
  d->reason = dup_s(io, m, "reason");
  d->has_approved_limit = has(m, "approvedLimit");
  d->approved_limit = io->get_n(m, "approvedLimit", 0);
  d->decided_at = io->get_time(m, "decidedAt");
}

int ent_request_put(const struct ent_io *io, json_t *f, const struct fin_card_request *r) {
  int ok = io->put_s(f, "ecosystemId", r->ecosystem_id) == 0;
  ok &= io->put_s(f, "requestId", r->request_id) == 0;
  ok &= io->put_s(f, "productId", r->product_id) == 0;
  ok &= io->put_s(f, "idempotencyKey", r->idempotency_key) == 0;
  ok &= io->put_k(f, "status", r->status) == 0;
  ok &= io->put_int(f, "scoreAtRequest", r->score_at_request) == 0;
  ok &= io->put_s(f, "tierAtRequest", r->tier_at_request) == 0;
  ok &= io->put_time(f, "createdAt", r->created_at) == 0;
  ok &= io->put_time(f, "updatedAt", r->updated_at) == 0;
  if (r->decision.present)
    ok &= io->put_map(f, "decision", ent_decision_map(io, &r->decision)) == 0;
  if (r->resulting_card_id[0] != '\0')
    ok &= io->put_s(f, "resultingCardId", r->resulting_card_id) == 0;
  ok &= io->put_time(f, "expiresAt", r->expires_at) == 0;
  return rc(ok);
}

int ent_request_get(const struct ent_io *io, const json_t *f, struct fin_card_request *r) {
  r->product_id = dup_s(io, f, "productId");
  r->idempotency_key = dup_s(io, f, "idempotencyKey");
  cpy_s(io, f, "status", r->status, sizeof r->status);
  r->score_at_request = (int)io->get_int(f, "scoreAtRequest", 0);
  cpy_s(io, f, "tierAtRequest", r->tier_at_request, sizeof r->tier_at_request);
  r->created_at = io->get_time(f, "createdAt");
  r->updated_at = io->get_time(f, "updatedAt");
  r->expires_at = io->get_time(f, "expiresAt");
  cpy_s(io, f, "resultingCardId", r->resulting_card_id, sizeof r->resulting_card_id);
  const json_t *m = io->get_map(f, "decision");
  if (m != NULL) decision_get(io, m, &r->decision);
  return 0;
}

/* ---- transactions ---- */
int ent_txn_put(const struct ent_io *io, json_t *f, const struct fin_txn *t) {
  int ok = io->put_s(f, "type", t->type) == 0;
  ok &= io->put_n(f, "amount", t->amount) == 0;
  ok &= io->put_s(f, "merchant", t->merchant) == 0;
  if (t->payment_status[0] != '\0') ok &= io->put_s(f, "paymentStatus", t->payment_status) == 0;
  if (t->days_overdue != 0) ok &= io->put_int(f, "daysOverdue", t->days_overdue) == 0;
  if (t->has_score_impact) ok &= io->put_int(f, "scoreImpact", t->score_impact) == 0;
  ok &= io->put_s(f, "idempotencyKey", t->idempotency_key) == 0;
  ok &= io->put_s(f, "status", t->status) == 0;
  ok &= io->put_s(f, "failureReason", t->failure_reason) == 0;
  ok &= io->put_time(f, "timestamp", t->timestamp) == 0;
  ok &= io->put_time(f, "processedAt", t->processed_at) == 0;
  return rc(ok);
}

int ent_txn_get(const struct ent_io *io, const json_t *f, struct fin_txn *t) {
  cpy_s(io, f, "type", t->type, sizeof t->type);
  t->amount = io->get_n(f, "amount", 0);
  t->merchant = dup_s(io, f, "merchant");
  cpy_s(io, f, "paymentStatus", t->payment_status, sizeof t->payment_status);
  t->days_overdue = (int)io->get_int(f, "daysOverdue", 0);
  t->has_score_impact = has(f, "scoreImpact");
  t->score_impact = (int)io->get_int(f, "scoreImpact", 0);
  t->idempotency_key = dup_s(io, f, "idempotencyKey");
  cpy_s(io, f, "status", t->status, sizeof t->status);
  t->failure_reason = dup_s(io, f, "failureReason");
  t->timestamp = io->get_time(f, "timestamp");
  t->processed_at = io->get_time(f, "processedAt");
  return 0;
}

/* ---- idempotency ---- */
int ent_idem_put(const struct ent_io *io, json_t *f, const struct fin_idem *i) {
  int ok = io->put_s(f, "operation", i->operation) == 0;
  /* the exact response text: a map would re-order keys and re-print numbers */
  ok &= io->put_s(f, "response", i->response) == 0;
  /* absent = no fingerprint (as in records of older versions) */
  if (i->fingerprint[0]) ok &= io->put_s(f, "fingerprint", i->fingerprint) == 0;
  ok &= io->put_int(f, "statusCode", i->status_code) == 0;
  ok &= io->put_time(f, "createdAt", i->created_at) == 0;
  return rc(ok);
}

int ent_idem_get(const struct ent_io *io, const json_t *f, struct fin_idem *i) {
  cpy_s(io, f, "operation", i->operation, sizeof i->operation);
  i->response = dup_s(io, f, "response");
  if (i->response == NULL) { /* a map written by another implementation */
    json_t *v = io->get_json(f, "response");
    i->response = v != NULL ? json_dumps(v, JSON_COMPACT) : NULL;
    json_decref(v);
  }
  cpy_s(io, f, "fingerprint", i->fingerprint, sizeof i->fingerprint);
  i->status_code = (int)io->get_int(f, "statusCode", 200);
  i->created_at = io->get_time(f, "createdAt");
  return 0;
}

/* ---- outbox ---- */
int ent_event_put(const struct ent_io *io, json_t *f, const struct fin_event *e) {
  int ok = io->put_s(f, "eventType", e->event_type) == 0;
  ok &= io->put_s(f, "entityType", e->entity_type) == 0;
  ok &= io->put_s(f, "entityId", e->entity_id) == 0;
  ok &= io->put_s(f, "ecosystemId", e->ecosystem_id) == 0;
  ok &= io->put_int(f, "sequenceNumber", e->sequence) == 0;
  ok &= io->put_json(f, "payload", e->payload) == 0;
  ok &= io->put_k(f, "status", e->status[0] ? e->status : "pending") == 0;
  ok &= io->put_int(f, "retryCount", e->retry_count) == 0;
  ok &= io->put_s(f, "lastError", e->last_error) == 0;
  ok &= io->put_time(f, "nextRetryAt", e->next_retry_at ? e->next_retry_at : e->created_at) == 0;
  ok &= io->put_time(f, "createdAt", e->created_at) == 0;
  ok &= io->put_time(f, "sentAt", e->sent_at) == 0;
  return rc(ok);
}

int ent_event_get(const struct ent_io *io, const json_t *f, struct fin_event *e) {
  e->event_type = dup_s(io, f, "eventType");
  e->entity_type = dup_s(io, f, "entityType");
  e->entity_id = dup_s(io, f, "entityId");
  e->ecosystem_id = dup_s(io, f, "ecosystemId");
  e->sequence = io->get_int(f, "sequenceNumber", 0);
  e->payload = io->get_json(f, "payload"); /* NULL when the event had none */
  cpy_s(io, f, "status", e->status, sizeof e->status);
  e->retry_count = (int)io->get_int(f, "retryCount", 0);
  e->last_error = dup_s(io, f, "lastError");
  e->next_retry_at = io->get_time(f, "nextRetryAt");
  e->created_at = io->get_time(f, "createdAt");
  e->sent_at = io->get_time(f, "sentAt");
  return 0;
}

/* ---- audit ---- */
int ent_audit_put(const struct ent_io *io, json_t *f, const struct fin_audit *a) {
  int ok = io->put_s(f, "adminEcosystemId", a->admin_ecosystem_id) == 0;
  ok &= io->put_s(f, "adminEmail", a->admin_email) == 0;
  ok &= io->put_s(f, "action", a->action) == 0;
  ok &= io->put_s(f, "targetType", a->target_type) == 0;
  ok &= io->put_s(f, "targetId", a->target_id) == 0;
  ok &= io->put_s(f, "targetEcosystemId", a->target_ecosystem_id) == 0;
  ok &= io->put_json(f, "previousValue", a->previous_value) == 0;
  ok &= io->put_json(f, "newValue", a->new_value) == 0;
  ok &= io->put_s(f, "reason", a->reason) == 0;
  ok &= io->put_s(f, "requestId", a->request_id) == 0;
  return rc(ok);
}

int ent_audit_get(const struct ent_io *io, const json_t *f, struct fin_audit *a) {
  a->admin_ecosystem_id = dup_s(io, f, "adminEcosystemId");
  a->admin_email = dup_s(io, f, "adminEmail");
  a->action = dup_s(io, f, "action");
  a->target_type = dup_s(io, f, "targetType");
  a->target_id = dup_s(io, f, "targetId");
  a->target_ecosystem_id = dup_s(io, f, "targetEcosystemId");
  a->previous_value = io->get_json(f, "previousValue");
  a->new_value = io->get_json(f, "newValue");
  a->reason = dup_s(io, f, "reason");
  a->request_id = dup_s(io, f, "requestId");
  return 0;
}

/* ---- WhatsApp ---- */
int ent_wa_notification_put(const struct ent_io *io, json_t *f,
                            const struct fin_wa_notification *n) {
  int ok = io->put_s(f, "recipientPhone", n->recipient_phone) == 0;
  ok &= io->put_s(f, "messageContent", n->message_content) == 0;
  ok &= io->put_s(f, "notificationType", n->notification_type) == 0;
  ok &= io->put_k(f, "relatedEntityType", n->related_entity_type) == 0;
  ok &= io->put_k(f, "relatedEntityId", n->related_entity_id) == 0;
  ok &= io->put_s(f, "ecosystemId", n->ecosystem_id) == 0;
  ok &= io->put_s(f, "deliveryStatus", n->delivery_status) == 0;
  ok &= io->put_s(f, "wppMessageId", n->wpp_message_id) == 0;
  ok &= io->put_int(f, "retryCount", n->retry_count) == 0;
  ok &= io->put_s(f, "lastError", n->last_error) == 0;
  ok &= io->put_time(f, "nextRetryAt", n->next_retry_at) == 0;
  ok &= io->put_time(f, "createdAt", n->created_at) == 0;
  ok &= io->put_time(f, "sentAt", n->sent_at) == 0;
  ok &= io->put_time(f, "deliveredAt", n->delivered_at) == 0;
  return rc(ok);
}

int ent_wa_notification_get(const struct ent_io *io, const json_t *f,
                            struct fin_wa_notification *n) {
  n->recipient_phone = dup_s(io, f, "recipientPhone");
  n->message_content = dup_s(io, f, "messageContent");
  cpy_s(io, f, "notificationType", n->notification_type, sizeof n->notification_type);
  cpy_s(io, f, "relatedEntityType", n->related_entity_type, sizeof n->related_entity_type);
  n->related_entity_id = dup_s(io, f, "relatedEntityId");
  n->ecosystem_id = dup_s(io, f, "ecosystemId");
  cpy_s(io, f, "deliveryStatus", n->delivery_status, sizeof n->delivery_status);
  n->wpp_message_id = dup_s(io, f, "wppMessageId");
  n->retry_count = (int)io->get_int(f, "retryCount", 0);
  n->last_error = dup_s(io, f, "lastError");
  n->next_retry_at = io->get_time(f, "nextRetryAt");
  n->created_at = io->get_time(f, "createdAt");
  n->sent_at = io->get_time(f, "sentAt");
  n->delivered_at = io->get_time(f, "deliveredAt");
  return 0;
}

static json_t *command_map(const struct ent_io *io, const struct fin_wa_inbound *m) {
  json_t *c = json_object();
  int ok = c != NULL && io->put_s(c, "action", m->command_action) == 0;
  ok = ok && io->put_s(c, "requestId", m->command_request_id ? m->command_request_id : "") == 0;
  ok = ok && io->put_s(c, "rawInput", m->command_raw ? m->command_raw : "") == 0;
  return filled(c, ok);
}

int ent_wa_inbound_put(const struct ent_io *io, json_t *f, const struct fin_wa_inbound *m) {
  int ok = io->put_k(f, "wppMessageId", m->wpp_message_id) == 0;
  ok &= io->put_k(f, "senderPhone", m->sender_phone) == 0;
  ok &= io->put_s(f, "senderName", m->sender_name) == 0;
  ok &= io->put_bool(f, "isFromWhitelistedAdmin", m->from_whitelisted_admin) == 0;
  ok &= io->put_s(f, "rawBody", m->raw_body) == 0;
  if (m->has_command) ok &= io->put_map(f, "parsedCommand", command_map(io, m)) == 0;
  ok &= io->put_s(f, "processedStatus", m->processed_status) == 0;
  ok &= io->put_s(f, "processedAction", m->processed_action) == 0;
  ok &= io->put_s(f, "processingError", m->processing_error) == 0;
  ok &= io->put_s(f, "relatedRequestId", m->related_request_id) == 0;
  ok &= io->put_s(f, "relatedEcosystemId", m->related_ecosystem_id) == 0;
  ok &= io->put_time(f, "receivedAt", m->received_at) == 0;
  ok &= io->put_time(f, "processedAt", m->processed_at) == 0;
  return rc(ok);
}

int ent_wa_inbound_get(const struct ent_io *io, const json_t *f, struct fin_wa_inbound *m) {
  m->wpp_message_id = dup_s(io, f, "wppMessageId");
  m->sender_phone = dup_s(io, f, "senderPhone");
  m->sender_name = dup_s(io, f, "senderName");
  m->from_whitelisted_admin = io->get_bool(f, "isFromWhitelistedAdmin");
  m->raw_body = dup_s(io, f, "rawBody");
  const json_t *c = io->get_map(f, "parsedCommand");
  if (c != NULL) {
    m->has_command = true;
    cpy_s(io, c, "action", m->command_action, sizeof m->command_action);
    m->command_request_id = dup_s(io, c, "requestId");
    m->command_raw = dup_s(io, c, "rawInput");
  }
  cpy_s(io, f, "processedStatus", m->processed_status, sizeof m->processed_status);
  m->processed_action = dup_s(io, f, "processedAction");
  m->processing_error = dup_s(io, f, "processingError");
  m->related_request_id = dup_s(io, f, "relatedRequestId");
  m->related_ecosystem_id = dup_s(io, f, "relatedEcosystemId");
  m->received_at = io->get_time(f, "receivedAt");
  m->processed_at = io->get_time(f, "processedAt");
  return 0;
}

int ent_approval_put(const struct ent_io *io, json_t *f, const struct fin_pending_approval *p) {
  int ok = put_strings(io, f, "notificationIds", p->notification_ids, p->n_notification_ids) == 0;
  ok &= io->put_s(f, "ecosystemId", p->ecosystem_id) == 0;
  ok &= io->put_time(f, "notificationsSentAt", p->notifications_sent_at) == 0;
  ok &= io->put_s(f, "approvalStatus", p->approval_status) == 0;
  if (p->short_id[0] != '\0') ok &= io->put_s(f, "shortId", p->short_id) == 0;
  ok &= io->put_s(f, "respondingAdminPhone", p->responding_admin_phone) == 0;
  ok &= io->put_time(f, "responseReceivedAt", p->response_received_at) == 0;
  ok &= io->put_time(f, "expiresAt", p->expires_at) == 0;
  ok &= io->put_time(f, "createdAt", p->created_at) == 0;
  ok &= io->put_time(f, "updatedAt", p->updated_at) == 0;
  return rc(ok);
}

int ent_approval_get(const struct ent_io *io, const json_t *f, struct fin_pending_approval *p) {
  p->ecosystem_id = dup_s(io, f, "ecosystemId");
  int ok = get_strings(io, f, "notificationIds", &p->notification_ids, &p->n_notification_ids) == 0;
  p->notifications_sent_at = io->get_time(f, "notificationsSentAt");
  cpy_s(io, f, "approvalStatus", p->approval_status, sizeof p->approval_status);
  cpy_s(io, f, "shortId", p->short_id, sizeof p->short_id);
  p->responding_admin_phone = dup_s(io, f, "respondingAdminPhone");
  p->response_received_at = io->get_time(f, "responseReceivedAt");
  p->expires_at = io->get_time(f, "expiresAt");
  p->created_at = io->get_time(f, "createdAt");
  p->updated_at = io->get_time(f, "updatedAt");
  return rc(ok);
}
