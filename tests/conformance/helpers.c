/* helpers.c - row builders of the conformance suite (conf.h). */
#include <stdio.h>
#include <stdlib.h>

#include "../../core/util/ids.h"
#include "conf.h"

fin_ms now_ms(void) {
  return C.clock.ops->now(C.clock.self);
}

enum fin_status commit(struct fin_write *w, size_t n, struct fin_err *e) {
  return C.store.ops->commit(C.store.self, w, n, e);
}

void new_id(fin_id id) {
  assert_int_equal(fin_uuid_v7(id), 0);
}

void new_key(char *buf, const char *prefix) {
  fin_id u;
  new_id(u);
  snprintf(buf, 64, "%s-%s", prefix, u);
}

void fill_user(struct fin_user *u, const char *eco, int score) {
  fin_ms t = now_ms();
  *u = (struct fin_user){.ecosystem_id = (char *)eco,
                         .firebase_uid = (char *)eco,
                         .email = "conformance@test.local",
                         .role = "user",
                         .score = score,
                         .summary = {1, 2.5, 1000},
                         .created_at = t,
                         .updated_at = t,
                         .last_login_at = t};
  strcpy(u->status, "active");
  strcpy(u->tier, score >= 700 ? "high" : score >= 500 ? "medium" : "low");
}

void fill_card(struct fin_card *c, const char *eco, double limit) {
  fin_ms t = now_ms();
  *c = (struct fin_card){.ecosystem_id = (char *)eco,
                         .product_id = "default-credit-card",
                         .limit = limit,
                         .available_credit = limit,
                         .next_due_date = t + 30LL * 86400000,
                         .version = 1,
                         .score_at_approval = 700,
                         .created_at = t,
                         .updated_at = t,
                         .activated_at = t};
  new_id(c->card_id);
  strcpy(c->status, "active");
  strcpy(c->approved_by, "auto");
}

void fill_txn(struct fin_txn *t, const char *eco, const char *card_id, const char *type,
              fin_ms ts) {
  bool purchase = strcmp(type, "purchase") == 0;
  *t = (struct fin_txn){.ecosystem_id = (char *)eco,
                        .amount = 12.5,
                        .merchant = purchase ? "Coffee Shop" : NULL,
                        .days_overdue = purchase ? 0 : 3,
                        .has_score_impact = !purchase,
                        .score_impact = purchase ? 0 : -20,
                        .idempotency_key = "conformance-key",
                        .timestamp = ts,
                        .processed_at = ts};
  assert_int_equal(fin_uuid_v7_at(ts, t->transaction_id), 0); /* as fin_txn_prepare (repos.h) */
  fin_strlcpy(t->card_id, card_id, sizeof t->card_id);
  fin_strlcpy(t->type, type, sizeof t->type);
  strcpy(t->status, "completed");
  if (!purchase) strcpy(t->payment_status, "late");
}

void fill_request(struct fin_card_request *r, const char *eco, fin_ms created, const char *status) {
  *r = (struct fin_card_request){.ecosystem_id = (char *)eco,
                                 .product_id = "default-credit-card",
                                 .idempotency_key = "conformance-request",
                                 .score_at_request = 450,
                                 .created_at = created,
                                 .updated_at = created,
                                 .expires_at = created + 7LL * 86400000};
  new_id(r->request_id);
  fin_strlcpy(r->status, status, sizeof r->status);
  strcpy(r->tier_at_request, "low");
}

void fill_event(struct fin_event *ev, const char *eco, const char *entity_type,
                const char *entity_id, fin_ms created) {
  *ev = (struct fin_event){.event_type = "score.changed",
                           .entity_type = (char *)entity_type,
                           .entity_id = (char *)entity_id,
                           .ecosystem_id = (char *)eco,
                           .created_at = created,
                           .next_retry_at = created};
  new_id(ev->event_id);
  strcpy(ev->status, "pending");
}

void fill_idem(struct fin_idem *r, const char *eco, const char *key_hash, fin_ms created,
               fin_ms expires) {
  *r = (struct fin_idem){.ecosystem_id = (char *)eco,
                         .response = "{\"success\":true}",
                         .status_code = 200,
                         .created_at = created,
                         .expires_at = expires};
  fin_strlcpy(r->key_hash, key_hash, sizeof r->key_hash);
  strcpy(r->operation, "make-purchase");
  strcpy(r->fingerprint, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
}

void fill_audit(struct fin_audit *a, const char *target_id, fin_ms ts) {
  *a = (struct fin_audit){.admin_ecosystem_id = "admin-conformance",
                          .admin_email = "admin@test.local",
                          .action = "score.adjusted",
                          .target_type = "user",
                          .target_id = (char *)target_id,
                          .target_ecosystem_id = (char *)target_id,
                          .reason = "conformance",
                          .request_id = "req-conformance",
                          .timestamp = ts};
  new_id(a->log_id);
}

void fill_decision(struct fin_decision *d, const char *outcome, fin_ms at) {
  *d = (struct fin_decision){.present = true,
                             .admin_id = "admin-conformance",
                             .reason = "conformance decision",
                             .has_approved_limit = strcmp(outcome, "approved") == 0,
                             .approved_limit = 2000,
                             .decided_at = at};
  fin_strlcpy(d->outcome, outcome, sizeof d->outcome);
  strcpy(d->source, "admin");
}

void make_user(const char *eco, int score) {
  struct fin_user u;
  fill_user(&u, eco, score);
  struct fin_write w = {.kind = FIN_W_USER_CREATE, .u.user = &u};
  assert_status(commit(&w, 1, NULL), FIN_OK);
}

void make_card(const char *eco, double limit, fin_id card_id) {
  struct fin_card c;
  fill_card(&c, eco, limit);
  struct fin_write w = {.kind = FIN_W_CARD_CREATE, .u.card = &c};
  assert_status(commit(&w, 1, NULL), FIN_OK);
  memcpy(card_id, c.card_id, sizeof(fin_id));
}

void make_request(const char *eco, fin_ms created, const char *status, fin_id request_id) {
  struct fin_card_request r;
  fill_request(&r, eco, created, status);
  struct fin_write w = {.kind = FIN_W_REQUEST_CREATE, .u.request = &r};
  assert_status(commit(&w, 1, NULL), FIN_OK);
  memcpy(request_id, r.request_id, sizeof(fin_id));
}

void put_txn(const char *eco, const char *card_id, const char *type, fin_ms ts, fin_id txn_id) {
  struct fin_txn t;
  fill_txn(&t, eco, card_id, type, ts);
  struct fin_write w = {.kind = FIN_W_TXN_PUT, .u.txn = &t};
  assert_status(commit(&w, 1, NULL), FIN_OK);
  memcpy(txn_id, t.transaction_id, sizeof(fin_id));
}

int64_t append_event(const char *eco, const char *entity_type, const char *entity_id,
                     fin_ms created, fin_id event_id) {
  struct fin_event ev;
  fill_event(&ev, eco, entity_type, entity_id, created);
  ev.payload = json_pack("{s:s,s:i}", "ecosystemId", eco, "newScore", 600);
  struct fin_write w = {.kind = FIN_W_EVENT_APPEND, .u.event = &ev};
  enum fin_status st = commit(&w, 1, NULL);
  json_decref(ev.payload);
  assert_status(st, FIN_OK);
  if (event_id != NULL) memcpy(event_id, ev.event_id, sizeof(fin_id));
  return ev.sequence;
}

/* ---- per-test cleanups (conf_hold) ---- */
#define MAX_HELD 64

static struct held {
  void *obj;
  void (*clear)(void *);
} held[MAX_HELD];
static size_t n_held;

static struct held *hold_slot(void) {
  if (n_held == MAX_HELD) fail_msg("conf_hold: more than %d objects in one test", MAX_HELD);
  return &held[n_held++];
}

void *conf_hold(size_t size, void (*clear)(void *)) {
  void *obj = calloc(1, size);
  assert_non_null(obj);
  *hold_slot() = (struct held){.obj = obj, .clear = clear};
  return obj;
}

static void decref_held(void *p) {
  json_decref(*(json_t **)p);
}

json_t *conf_json(json_t *v) {
  json_t **slot = conf_hold(sizeof *slot, decref_held);
  *slot = v;
  return v;
}

int conf_teardown(void **state) {
  (void)state;
  while (n_held > 0) {
    struct held *h = &held[--n_held];
    if (h->clear != NULL) h->clear(h->obj);
    free(h->obj);
  }
  return 0;
}
