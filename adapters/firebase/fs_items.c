/* fs_items.c - entities as Firestore documents (see fs_items.h).
 *
 * The fields shared with DynamoDB come from ent_fields.c through fs_io;
 * this file adds the fields Firestore names its own way, and takes ids from
 * document names. Readers fail only on a malformed name (or OOM). */
#include "fs_items.h"

#include <stdlib.h>
#include <string.h>

#include "../../core/domain/ent_fields.h"
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

/* A mapValue around nested fields (takes them; NULL when NULL or OOM). */
static json_t *map_value(json_t *fields) {
  return fields ? json_pack("{s:{s:o}}", "mapValue", "fields", fields) : NULL;
}

static int put_map(json_t *f, const char *name, json_t *fields) {
  json_t *v = map_value(fields);
  return v != NULL && json_object_set_new(f, name, v) == 0 ? 0 : -1;
}

/* Firestore indexes "" like any string, so index keys are plain strings. */
static const struct ent_io fs_io = {
    .put_s = fs_put_s,
    .put_k = fs_put_s,
    .put_n = fs_put_double,
    .put_int = fs_put_int,
    .put_bool = fs_put_bool,
    .put_time = fs_put_time,
    .put_json = fs_put_json,
    .put_map = put_map,
    .get_s = fs_get_s,
    .get_n = fs_get_double,
    .get_int = fs_get_int,
    .get_bool = fs_get_bool,
    .get_time = fs_get_time,
    .get_json = fs_get_json,
    .get_map = fs_get_map,
};

/* ---- users ---- */
json_t *fs_summary_value(const struct fin_card_summary *s) {
  return map_value(ent_summary_map(&fs_io, s));
}

json_t *fs_user_fields(const struct fin_user *u) {
  json_t *f = json_object();
  return done(f, f != NULL && ent_user_put(&fs_io, f, u) == 0);
}

int fs_user_from(const json_t *doc, struct fin_user *u) {
  u->ecosystem_id = seg_dup(doc, 1);
  if (u->ecosystem_id == NULL) return -1;
  return ent_user_get(&fs_io, fs_doc_fields(doc), u);
}

/* ---- scores ---- */
json_t *fs_score_fields(const struct fin_score *s) {
  json_t *f = json_object();
  int ok = f != NULL && ent_score_put(&fs_io, f, s) == 0;
  ok = ok && fs_put_time(f, "timestamp", s->timestamp) == 0;
  return done(f, ok);
}

/* The id comes from the name: documents written before `scoreId` lack it. */
int fs_score_from(const json_t *doc, struct fin_score *s) {
  const json_t *f = fs_doc_fields(doc);
  if (fs_doc_seg(doc, 3, s->score_id, sizeof s->score_id) != 0) return -1;
  s->ecosystem_id = seg_dup(doc, 1);
  ent_score_get(&fs_io, f, s);
  s->timestamp = fs_get_time(f, "timestamp");
  return s->ecosystem_id != NULL ? 0 : -1;
}

/* ---- cards ---- */
json_t *fs_card_fields(const struct fin_card *c) {
  json_t *f = json_object();
  return done(f, f != NULL && ent_card_put(&fs_io, f, c) == 0);
}

int fs_card_from(const json_t *doc, struct fin_card *c) {
  if (fs_doc_seg(doc, 3, c->card_id, sizeof c->card_id) != 0) return -1;
  c->ecosystem_id = seg_dup(doc, 1);
  ent_card_get(&fs_io, fs_doc_fields(doc), c);
  return c->ecosystem_id != NULL ? 0 : -1;
}

/* ---- card requests ---- */
json_t *fs_decision_value(const struct fin_decision *d) {
  return map_value(ent_decision_map(&fs_io, d));
}

/* requestId and ecosystemId are among the shared fields (docs/deviations.md, "Firebase mode"). */
json_t *fs_request_fields(const struct fin_card_request *r) {
  json_t *f = json_object();
  return done(f, f != NULL && ent_request_put(&fs_io, f, r) == 0);
}

int fs_request_from(const json_t *doc, struct fin_card_request *r) {
  if (fs_doc_seg(doc, 3, r->request_id, sizeof r->request_id) != 0) return -1;
  r->ecosystem_id = seg_dup(doc, 1);
  ent_request_get(&fs_io, fs_doc_fields(doc), r);
  return r->ecosystem_id != NULL ? 0 : -1;
}

/* ---- transactions ---- */
json_t *fs_txn_fields(const struct fin_txn *t) {
  json_t *f = json_object();
  return done(f, f != NULL && ent_txn_put(&fs_io, f, t) == 0);
}

int fs_txn_from(const json_t *doc, struct fin_txn *t) {
  if (fs_doc_seg(doc, 3, t->card_id, sizeof t->card_id) != 0 ||
      fs_doc_seg(doc, 5, t->transaction_id, sizeof t->transaction_id) != 0)
    return -1;
  t->ecosystem_id = seg_dup(doc, 1);
  ent_txn_get(&fs_io, fs_doc_fields(doc), t);
  return t->ecosystem_id != NULL ? 0 : -1;
}

/* ---- idempotency ---- */
json_t *fs_idem_fields(const struct fin_idem *i) {
  json_t *f = json_object();
  int ok = f != NULL && ent_idem_put(&fs_io, f, i) == 0;
  ok = ok && fs_put_time(f, "expiresAt", i->expires_at) == 0;
  return done(f, ok);
}

int fs_idem_from(const json_t *doc, struct fin_idem *i) {
  const json_t *f = fs_doc_fields(doc);
  if (fs_doc_seg(doc, 3, i->key_hash, sizeof i->key_hash) != 0) return -1;
  i->ecosystem_id = seg_dup(doc, 1);
  ent_idem_get(&fs_io, f, i);
  i->expires_at = fs_get_time(f, "expiresAt");
  return i->ecosystem_id != NULL && i->response != NULL ? 0 : -1;
}

/* ---- outbox (no updatedAt here) ---- */
json_t *fs_event_fields(const struct fin_event *e) {
  json_t *f = json_object();
  return done(f, f != NULL && ent_event_put(&fs_io, f, e) == 0);
}

int fs_event_from(const json_t *doc, struct fin_event *e) {
  if (fs_doc_seg(doc, 1, e->event_id, sizeof e->event_id) != 0) return -1;
  ent_event_get(&fs_io, fs_doc_fields(doc), e);
  return e->event_type != NULL ? 0 : -1;
}

/* ---- audit ---- */
json_t *fs_audit_fields(const struct fin_audit *a) {
  json_t *f = json_object();
  int ok = f != NULL && ent_audit_put(&fs_io, f, a) == 0;
  ok = ok && fs_put_time(f, "timestamp", a->timestamp) == 0;
  return done(f, ok);
}

int fs_audit_from(const json_t *doc, struct fin_audit *a) {
  const json_t *f = fs_doc_fields(doc);
  if (fs_doc_seg(doc, 1, a->log_id, sizeof a->log_id) != 0) return -1;
  ent_audit_get(&fs_io, f, a);
  a->timestamp = fs_get_time(f, "timestamp");
  return 0;
}

/* ---- WhatsApp ---- */
json_t *fs_wa_notification_fields(const struct fin_wa_notification *n, fin_ms updated_at) {
  json_t *f = json_object();
  int ok = f != NULL && ent_wa_notification_put(&fs_io, f, n) == 0;
  ok = ok && fs_put_time(f, "updatedAt", updated_at) == 0;
  return done(f, ok);
}

int fs_wa_notification_from(const json_t *doc, struct fin_wa_notification *n) {
  if (fs_doc_seg(doc, 1, n->notification_id, sizeof n->notification_id) != 0) return -1;
  return ent_wa_notification_get(&fs_io, fs_doc_fields(doc), n);
}

json_t *fs_wa_inbound_fields(const struct fin_wa_inbound *m) {
  json_t *f = json_object();
  return done(f, f != NULL && ent_wa_inbound_put(&fs_io, f, m) == 0);
}

int fs_wa_inbound_from(const json_t *doc, struct fin_wa_inbound *m) {
  if (fs_doc_seg(doc, 1, m->message_id, sizeof m->message_id) != 0) return -1;
  return ent_wa_inbound_get(&fs_io, fs_doc_fields(doc), m);
}

json_t *fs_approval_fields(const struct fin_pending_approval *p) {
  json_t *f = json_object();
  return done(f, f != NULL && ent_approval_put(&fs_io, f, p) == 0);
}

int fs_approval_from(const json_t *doc, struct fin_pending_approval *p) {
  if (fs_doc_seg(doc, 1, p->request_id, sizeof p->request_id) != 0) return -1;
  return ent_approval_get(&fs_io, fs_doc_fields(doc), p);
}
