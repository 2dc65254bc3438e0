/* ddb_items.c - entities as DynamoDB items (see ddb_items.h).
 *
 * The fields shared with Firestore come from ent_fields.c through ddb_io;
 * this file adds the keys, composite keys, TTL and index-only attributes.
 * Writers chain `ok &= put(...) == 0` so one OOM anywhere drops the item;
 * readers copy what is there and fail only on a missing key attribute. */
#include "ddb_items.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/domain/ent_fields.h"
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

/* An M value around a nested item (takes m; NULL when m is NULL or OOM). */
static json_t *m_av(json_t *m) {
  return m != NULL ? json_pack("{s:o}", "M", m) : NULL;
}

static int put_m(json_t *item, const char *name, json_t *m) {
  json_t *av = m_av(m);
  return av != NULL && json_object_set_new(item, name, av) == 0 ? 0 : -1;
}

static const json_t *get_m(const json_t *item, const char *name) {
  return json_object_get(json_object_get(item, name), "M");
}

static const struct ent_io ddb_io = {
    .put_s = ddb_put_s,
    .put_k = ddb_put_k,
    .put_n = ddb_put_n,
    .put_int = ddb_put_int,
    .put_bool = ddb_put_bool,
    .put_time = ddb_put_iso,
    .put_json = ddb_put_json,
    .put_map = put_m,
    .get_s = ddb_get_s,
    .get_n = ddb_get_n,
    .get_int = ddb_get_int,
    .get_bool = ddb_get_bool,
    .get_time = ddb_get_iso,
    .get_json = ddb_get_json,
    .get_map = get_m,
};

/* ---- users ---- */
json_t *ddb_summary_av(const struct fin_card_summary *s) {
  return m_av(ent_summary_map(&ddb_io, s));
}

json_t *ddb_user_item(const struct fin_user *u) {
  json_t *it = json_object();
  if (it == NULL) return NULL;
  int ok = ddb_put_s(it, "ecosystemId", u->ecosystem_id) == 0;
  ok &= ent_user_put(&ddb_io, it, u) == 0;
  return done(it, ok);
}

int ddb_user_from(const json_t *it, struct fin_user *u) {
  if (ddb_get_s(it, "ecosystemId") == NULL) return -1;
  u->ecosystem_id = ddb_dup_s(it, "ecosystemId");
  ent_user_get(&ddb_io, it, u);
  return u->ecosystem_id != NULL ? 0 : -1;
}

/* ---- scores ---- */
json_t *ddb_score_item(const struct fin_score *s) {
  json_t *it = json_object();
  if (it == NULL) return NULL;
  int ok = ddb_put_s(it, "ecosystemId", s->ecosystem_id) == 0;
  ok &= put_ts_key(it, "timestampScoreId", s->timestamp, s->score_id) == 0;
  ok &= ent_score_put(&ddb_io, it, s) == 0;
  ok &= ddb_put_iso(it, "createdAt", s->timestamp) == 0;
  return done(it, ok);
}

int ddb_score_from(const json_t *it, struct fin_score *s) {
  const char *k = ddb_get_s(it, "timestampScoreId");
  if (k == NULL || ddb_get_s(it, "ecosystemId") == NULL) return -1;
  ddb_cpy_s(it, "scoreId", s->score_id, sizeof s->score_id);
  s->ecosystem_id = ddb_dup_s(it, "ecosystemId");
  ent_score_get(&ddb_io, it, s);
  /* the timestamp lives in the sort key, up to the first '#' (docs/aws.md, "Tables and items") */
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
  ok &= ent_card_put(&ddb_io, it, c) == 0;
  return done(it, ok);
}

int ddb_card_from(const json_t *it, struct fin_card *c) {
  if (ddb_get_s(it, "cardId") == NULL || ddb_get_s(it, "ecosystemId") == NULL) return -1;
  ddb_cpy_s(it, "cardId", c->card_id, sizeof c->card_id);
  c->ecosystem_id = ddb_dup_s(it, "ecosystemId");
  ent_card_get(&ddb_io, it, c);
  return c->ecosystem_id != NULL ? 0 : -1;
}

/* ---- card requests ---- */
json_t *ddb_decision_av(const struct fin_decision *d) {
  return m_av(ent_decision_map(&ddb_io, d));
}

/* ecosystemId and requestId, the keys, are among the shared fields. */
json_t *ddb_request_item(const struct fin_card_request *r) {
  json_t *it = json_object();
  return done(it, it != NULL && ent_request_put(&ddb_io, it, r) == 0);
}

int ddb_request_from(const json_t *it, struct fin_card_request *r) {
  if (ddb_get_s(it, "requestId") == NULL || ddb_get_s(it, "ecosystemId") == NULL) return -1;
  ddb_cpy_s(it, "requestId", r->request_id, sizeof r->request_id);
  r->ecosystem_id = ddb_dup_s(it, "ecosystemId");
  ent_request_get(&ddb_io, it, r);
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
    ok &= ent_txn_put(&ddb_io, it, t) == 0;
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
  ent_txn_get(&ddb_io, it, t);
  return t->ecosystem_id != NULL ? 0 : -1;
}

/* ---- idempotency ---- */
json_t *ddb_idem_item(const struct fin_idem *i) {
  json_t *it = json_object();
  if (it == NULL) return NULL;
  int ok = ddb_put_s(it, "ecosystemId", i->ecosystem_id) == 0;
  ok &= ddb_put_s(it, "keyHash", i->key_hash) == 0;
  ok &= ent_idem_put(&ddb_io, it, i) == 0;
  ok &= ddb_put_int(it, "expiresAt", i->expires_at / 1000) == 0; /* TTL attribute */
  ok &= ddb_put_iso(it, "expiresAtDate", i->expires_at) == 0;
  return done(it, ok);
}

int ddb_idem_from(const json_t *it, struct fin_idem *i) {
  if (ddb_get_s(it, "keyHash") == NULL || ddb_get_s(it, "ecosystemId") == NULL) return -1;
  i->ecosystem_id = ddb_dup_s(it, "ecosystemId");
  ddb_cpy_s(it, "keyHash", i->key_hash, sizeof i->key_hash);
  ent_idem_get(&ddb_io, it, i);
  i->expires_at = ddb_get_iso(it, "expiresAtDate");
  if (i->expires_at == 0) i->expires_at = ddb_get_int(it, "expiresAt", 0) * 1000;
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
  ok &= ent_event_put(&ddb_io, it, e) == 0;
  ok &= ddb_put_iso(it, "updatedAt", updated_at) == 0;
  return done(it, ok);
}

int ddb_event_from(const json_t *it, struct fin_event *e) {
  if (ddb_get_s(it, "eventId") == NULL) return -1;
  ddb_cpy_s(it, "eventId", e->event_id, sizeof e->event_id);
  ent_event_get(&ddb_io, it, e);
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
    ok &= ddb_put_k(it, "actorId", a->admin_ecosystem_id) == 0; /* the GSI's copy */
    ok &= ent_audit_put(&ddb_io, it, a) == 0;
    ok &= ddb_put_iso(it, "createdAt", a->timestamp) == 0;
  }
  free(pk);
  return done(it, ok);
}

int ddb_audit_from(const json_t *it, struct fin_audit *a) {
  if (ddb_get_s(it, "logId") == NULL) return -1;
  ddb_cpy_s(it, "logId", a->log_id, sizeof a->log_id);
  ent_audit_get(&ddb_io, it, a);
  a->timestamp = ddb_get_iso(it, "createdAt");
  return 0;
}

/* ---- WhatsApp ---- */
json_t *ddb_wa_notification_item(const struct fin_wa_notification *n, fin_ms updated_at) {
  json_t *it = json_object();
  if (it == NULL) return NULL;
  int ok = ddb_put_s(it, "notificationId", n->notification_id) == 0;
  ok &= ent_wa_notification_put(&ddb_io, it, n) == 0;
  /* `status` is the truth; `deliveryStatus` mirrors it for old readers */
  ok &= ddb_put_k(it, "status", n->delivery_status) == 0;
  ok &= ddb_put_iso(it, "updatedAt", updated_at) == 0;
  return done(it, ok);
}

int ddb_wa_notification_from(const json_t *it, struct fin_wa_notification *n) {
  if (ddb_get_s(it, "notificationId") == NULL) return -1;
  ddb_cpy_s(it, "notificationId", n->notification_id, sizeof n->notification_id);
  ent_wa_notification_get(&ddb_io, it, n);
  if (ddb_get_s(it, "status") != NULL)
    ddb_cpy_s(it, "status", n->delivery_status, sizeof n->delivery_status);
  return 0;
}

json_t *ddb_wa_inbound_item(const struct fin_wa_inbound *m) {
  json_t *it = json_object();
  if (it == NULL) return NULL;
  int ok = ddb_put_s(it, "messageId", m->message_id) == 0;
  ok &= ent_wa_inbound_put(&ddb_io, it, m) == 0;
  return done(it, ok);
}

int ddb_wa_inbound_from(const json_t *it, struct fin_wa_inbound *m) {
  if (ddb_get_s(it, "messageId") == NULL) return -1;
  ddb_cpy_s(it, "messageId", m->message_id, sizeof m->message_id);
  return ent_wa_inbound_get(&ddb_io, it, m);
}

json_t *ddb_approval_item(const struct fin_pending_approval *p) {
  json_t *it = json_object();
  if (it == NULL) return NULL;
  int ok = ddb_put_s(it, "requestId", p->request_id) == 0;
  ok &= ent_approval_put(&ddb_io, it, p) == 0;
  /* `status` is the truth; `approvalStatus` mirrors it for old readers */
  ok &= ddb_put_k(it, "status", p->approval_status) == 0;
  return done(it, ok);
}

int ddb_approval_from(const json_t *it, struct fin_pending_approval *p) {
  if (ddb_get_s(it, "requestId") == NULL) return -1;
  ddb_cpy_s(it, "requestId", p->request_id, sizeof p->request_id);
  int rc = ent_approval_get(&ddb_io, it, p);
  if (ddb_get_s(it, "status") != NULL)
    ddb_cpy_s(it, "status", p->approval_status, sizeof p->approval_status);
  return rc;
}
