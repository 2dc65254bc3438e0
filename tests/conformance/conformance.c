/* conformance.c - the port semantics every adapter must keep (repos.h,
 * store.h), checked through a wired container only, so the same program runs
 * against memory, DynamoDB or Firestore wiring:
 *
 *   build/san/conformance [WIRING_FILE]     (default lua/memory.lua)
 *
 * Every test makes its own ids, so the suite can share a non-empty store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/app/container.h"
#include "../../core/lua/host.h"
#include "../../core/util/ids.h"
#include "../../core/util/log.h"
#include "../../core/util/timefmt.h"

static struct fin_container C;
static const char *wiring = "lua/memory.lua";

static fin_ms now(void) {
  return C.clock.ops->now(C.clock.self);
}

static enum fin_status commit(struct fin_write *w, size_t n, struct fin_err *e) {
  return C.store.ops->commit(C.store.self, w, n, e);
}

/* A unique ecosystem id per call. */
static void new_eco(char *buf, size_t size) {
  fin_id u;
  snprintf(buf, size, "conf-%s", fin_uuid_v7(u));
}

static void make_user(const char *eco, int score) {
  struct fin_user u = {.ecosystem_id = (char *)eco,
                       .firebase_uid = (char *)eco,
                       .email = "c@test.local",
                       .role = "user",
                       .score = score,
                       .created_at = now(),
                       .updated_at = now(),
                       .last_login_at = now()};
  strcpy(u.status, "active");
  strcpy(u.tier, "medium");
  struct fin_write w = {.kind = FIN_W_USER_CREATE, .u.user = &u};
  assert_int_equal(commit(&w, 1, NULL), FIN_OK);
}

static void make_card(const char *eco, fin_id card_id, double limit) {
  struct fin_card c = {.ecosystem_id = (char *)eco,
                       .product_id = "default-credit-card",
                       .limit = limit,
                       .available_credit = limit,
                       .version = 1,
                       .created_at = now(),
                       .updated_at = now(),
                       .activated_at = now(),
                       .next_due_date = now() + 30 * 86400000LL};
  fin_uuid_v7(c.card_id);
  strcpy(c.status, "active");
  strcpy(c.approved_by, "auto");
  struct fin_write w = {.kind = FIN_W_CARD_CREATE, .u.card = &c};
  assert_int_equal(commit(&w, 1, NULL), FIN_OK);
  memcpy(card_id, c.card_id, sizeof(fin_id));
}

/* ---- 50 threads add 1 to one card's balance: no update may be lost ---- */
struct card_arg {
  const char *eco;
  const char *card;
  int conflicts;
};

static void *add_one(void *p) {
  struct card_arg *a = p;
  for (;;) {
    struct fin_card c = {0};
    if (C.cards.ops->get(C.cards.self, a->eco, a->card, &c, NULL) != FIN_OK) return (void *)1;
    struct fin_write w = {.kind = FIN_W_CARD_BALANCE};
    w.u.balance.ecosystem_id = a->eco;
    w.u.balance.card_id = a->card;
    w.u.balance.expected_version = c.version;
    w.u.balance.balance = c.balance + 1;
    w.u.balance.available_credit = c.limit - (c.balance + 1);
    w.u.balance.minimum_payment = 25;
    w.u.balance.updated_at = now();
    fin_card_clear(&c);
    struct fin_err e = {0};
    enum fin_status st = commit(&w, 1, &e);
    if (st == FIN_OK) return NULL;
    if (st != FIN_VERSION_CONFLICT) return (void *)1;
    __atomic_add_fetch(&a->conflicts, 1, __ATOMIC_RELAXED);
  }
}

static void no_lost_update_with_50_threads(void **state) {
  char eco[64];
  new_eco(eco, sizeof eco);
  fin_id card;
  make_card(eco, card, 1000);
  struct card_arg arg = {eco, card, 0};
  pthread_t t[50];
  for (int i = 0; i < 50; i++)
    assert_int_equal(pthread_create(&t[i], NULL, add_one, &arg), 0);
  for (int i = 0; i < 50; i++) {
    void *r;
    pthread_join(t[i], &r);
    assert_null(r);
  }
  struct fin_card c = {0};
  assert_int_equal(C.cards.ops->get(C.cards.self, eco, card, &c, NULL), FIN_OK);
  assert_true(c.balance == 50);
  assert_int_equal(c.version, 51);
  fin_card_clear(&c);
}

/* ---- 50 threads append events for one entity: sequences exactly 1..50 ---- */
struct seq_arg {
  const char *eco;
  const char *entity;
};

static void *append_event(void *p) {
  struct seq_arg *a = p;
  struct fin_event ev = {.event_type = "score.changed",
                         .entity_type = "score",
                         .entity_id = (char *)a->entity,
                         .ecosystem_id = (char *)a->eco,
                         .payload = json_object(),
                         .created_at = now(),
                         .next_retry_at = now()};
  fin_uuid_v7(ev.event_id);
  strcpy(ev.status, "pending");
  struct fin_write w = {.kind = FIN_W_EVENT_APPEND, .u.event = &ev};
  enum fin_status st = commit(&w, 1, NULL);
  json_decref(ev.payload);
  return st == FIN_OK && ev.sequence > 0 ? NULL : (void *)1;
}

static void sequences_are_1_to_50_under_concurrency(void **state) {
  char eco[64];
  new_eco(eco, sizeof eco);
  struct seq_arg arg = {eco, eco};
  pthread_t t[50];
  for (int i = 0; i < 50; i++)
    assert_int_equal(pthread_create(&t[i], NULL, append_event, &arg), 0);
  for (int i = 0; i < 50; i++) {
    void *r;
    pthread_join(t[i], &r);
    assert_null(r);
  }
  struct fin_event *evs = NULL;
  size_t n = 0;
  assert_int_equal(C.outbox.ops->list_by_entity(C.outbox.self, eco, "score", eco, &evs, &n, NULL),
                   FIN_OK);
  assert_int_equal(n, 50);
  int seen[51] = {0};
  for (size_t i = 0; i < n; i++) {
    assert_true(evs[i].sequence >= 1 && evs[i].sequence <= 50);
    seen[evs[i].sequence]++;
  }
  for (int i = 1; i <= 50; i++)
    assert_int_equal(seen[i], 1);
  fin_event_list_free(evs, n);
  /* another key of the same user starts at 1 */
  struct seq_arg other = {eco, "other-entity"};
  assert_null(append_event(&other));
  assert_int_equal(
      C.outbox.ops->list_by_entity(C.outbox.self, eco, "score", "other-entity", &evs, &n, NULL),
      FIN_OK);
  assert_int_equal(n, 1);
  assert_int_equal(evs[0].sequence, 1);
  fin_event_list_free(evs, n);
}

/* ---- pagination walk: every item once, newest first, limit after filter ---- */
static void put_txn(const char *eco, const char *card, const char *type, fin_ms ts, fin_id id) {
  struct fin_txn t = {.ecosystem_id = (char *)eco,
                      .amount = 1,
                      .timestamp = ts,
                      .processed_at = ts,
                      .idempotency_key = "k"};
  fin_uuid_v7(t.transaction_id);
  fin_strlcpy(t.card_id, card, sizeof t.card_id);
  strcpy(t.type, type);
  strcpy(t.status, "completed");
  struct fin_write w = {.kind = FIN_W_TXN_PUT, .u.txn = &t};
  assert_int_equal(commit(&w, 1, NULL), FIN_OK);
  memcpy(id, t.transaction_id, sizeof(fin_id));
}

static void walk(const char *eco, const char *card, const char *type, int limit, fin_id *expect,
                 size_t nexpect) {
  char *cursor = NULL;
  size_t seen = 0;
  for (int pages = 0; pages < 100; pages++) {
    struct fin_txn *items = NULL;
    size_t n = 0;
    struct fin_page page = {0};
    assert_int_equal(C.txns.ops->list_by_card(C.txns.self, eco, card, type, cursor, limit, &items,
                                              &n, &page, NULL),
                     FIN_OK);
    assert_true(n <= (size_t)limit);
    for (size_t i = 0; i < n; i++) {
      assert_true(seen < nexpect);
      assert_string_equal(items[i].transaction_id, expect[seen]);
      seen++;
    }
    fin_txn_list_free(items, n);
    free(cursor);
    cursor = page.has_more ? strdup(page.next_cursor) : NULL;
    fin_page_clear(&page);
    if (cursor == NULL) break;
  }
  free(cursor);
  assert_int_equal(seen, nexpect);
}

static void pagination_walk_returns_every_item_once(void **state) {
  char eco[64];
  new_eco(eco, sizeof eco);
  fin_id card;
  make_card(eco, card, 1000);
  enum { N = 23 };
  fin_id ids[N], newest_all[N], newest_pay[N];
  size_t npay = 0;
  fin_ms base = now();
  for (int i = 0; i < N; i++)
    put_txn(eco, card, i % 3 == 0 ? "payment" : "purchase", base + i, ids[i]);
  for (int i = 0; i < N; i++)
    memcpy(newest_all[i], ids[N - 1 - i], sizeof(fin_id));
  for (int i = N - 1; i >= 0; i--)
    if (i % 3 == 0) memcpy(newest_pay[npay++], ids[i], sizeof(fin_id));
  int limits[] = {1, 2, 7, 100};
  for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
    walk(eco, card, NULL, limits[i], newest_all, N);
    walk(eco, card, "payment", limits[i], newest_pay, npay);
  }
  /* An unknown cursor means the first page. */
  struct fin_txn *items = NULL;
  size_t n = 0;
  struct fin_page page = {0};
  assert_int_equal(
      C.txns.ops->list_by_card(C.txns.self, eco, card, NULL, "zzz", 2, &items, &n, &page, NULL),
      FIN_OK);
  assert_int_equal(n, 2);
  assert_string_equal(items[0].transaction_id, newest_all[0]);
  fin_txn_list_free(items, n);
  fin_page_clear(&page);
}

/* ---- pending requests: both orders, total count, decide ---- */
static void make_request(const char *eco, fin_ms created, fin_id id) {
  struct fin_card_request r = {.ecosystem_id = (char *)eco,
                               .product_id = "p",
                               .idempotency_key = "k",
                               .score_at_request = 400,
                               .created_at = created,
                               .updated_at = created,
                               .expires_at = created + 7 * 86400000LL};
  fin_uuid_v7(r.request_id);
  strcpy(r.status, "pending");
  strcpy(r.tier_at_request, "low");
  struct fin_write w = {.kind = FIN_W_REQUEST_CREATE, .u.request = &r};
  assert_int_equal(commit(&w, 1, NULL), FIN_OK);
  memcpy(id, r.request_id, sizeof(fin_id));
}

/* Walks all pending requests and returns the positions of ours. */
static void pending_walk(enum fin_sort sort, fin_id *ours, size_t nours, long *pos) {
  char *cursor = NULL;
  long index = 0, total = -1;
  for (size_t i = 0; i < nours; i++)
    pos[i] = -1;
  for (int pages = 0; pages < 100000; pages++) {
    struct fin_card_request *items = NULL;
    size_t n = 0;
    struct fin_page page = {0};
    assert_int_equal(
        C.requests.ops->list_pending(C.requests.self, sort, cursor, 3, &items, &n, &page, NULL),
        FIN_OK);
    if (total < 0) total = page.total_count;
    for (size_t i = 0; i < n; i++, index++)
      for (size_t j = 0; j < nours; j++)
        if (strcmp(items[i].request_id, ours[j]) == 0) pos[j] = index;
    fin_card_request_list_free(items, n);
    free(cursor);
    cursor = page.has_more ? strdup(page.next_cursor) : NULL;
    fin_page_clear(&page);
    if (cursor == NULL) break;
  }
  assert_int_equal(index, total);
}

static void pending_requests_walk_in_both_orders(void **state) {
  char eco[3][64];
  fin_id ids[3];
  fin_ms t = now();
  for (int i = 0; i < 3; i++) {
    new_eco(eco[i], sizeof eco[i]);
    make_user(eco[i], 400);
    make_request(eco[i], t + i, ids[i]);
  }
  long pos[3];
  pending_walk(FIN_SORT_OLDEST, ids, 3, pos);
  assert_true(pos[0] >= 0 && pos[0] < pos[1] && pos[1] < pos[2]);
  pending_walk(FIN_SORT_NEWEST, ids, 3, pos);
  assert_true(pos[2] >= 0 && pos[2] < pos[1] && pos[1] < pos[0]);
  /* Deciding removes it from the pending list; deciding twice is refused. */
  struct fin_decision d = {.present = true, .decided_at = now()};
  strcpy(d.outcome, "rejected");
  strcpy(d.source, "admin");
  struct fin_write w = {.kind = FIN_W_REQUEST_DECIDE};
  w.u.decide.ecosystem_id = eco[1];
  w.u.decide.request_id = ids[1];
  w.u.decide.status = "rejected";
  w.u.decide.decision = &d;
  w.u.decide.updated_at = now();
  assert_int_equal(commit(&w, 1, NULL), FIN_OK);
  assert_int_equal(commit(&w, 1, NULL), FIN_PRECONDITION);
  pending_walk(FIN_SORT_OLDEST, ids, 3, pos);
  assert_int_equal(pos[1], -1);
  struct fin_card_request r = {0};
  assert_int_equal(C.requests.ops->get_any(C.requests.self, ids[1], &r, NULL), FIN_OK);
  assert_string_equal(r.status, "rejected");
  assert_string_equal(r.decision.outcome, "rejected");
  fin_card_request_clear(&r);
  assert_int_equal(C.requests.ops->find_pending_by_user(C.requests.self, eco[1], &r, NULL),
                   FIN_NOT_FOUND);
  assert_int_equal(C.requests.ops->find_pending_by_user(C.requests.self, eco[0], &r, NULL), FIN_OK);
  assert_string_equal(r.request_id, ids[0]);
  fin_card_request_clear(&r);
}

/* ---- idempotency: put-if-absent under concurrency, expiry ---- */
struct idem_arg {
  const char *eco;
  char hash[65];
  fin_ms at, expires;
  int ok, exists;
};

static void *put_idem(void *p) {
  struct idem_arg *a = p;
  struct fin_idem rec = {.ecosystem_id = (char *)a->eco,
                         .response = "{}",
                         .status_code = 200,
                         .created_at = a->at,
                         .expires_at = a->expires};
  strcpy(rec.key_hash, a->hash);
  strcpy(rec.operation, "make-purchase");
  struct fin_write w = {.kind = FIN_W_IDEM_PUT, .u.idem = {&rec, a->at}};
  enum fin_status st = commit(&w, 1, NULL);
  if (st == FIN_OK) __atomic_add_fetch(&a->ok, 1, __ATOMIC_RELAXED);
  if (st == FIN_EXISTS) __atomic_add_fetch(&a->exists, 1, __ATOMIC_RELAXED);
  return NULL;
}

static void idempotency_put_if_absent_under_concurrency(void **state) {
  char eco[64];
  new_eco(eco, sizeof eco);
  struct idem_arg a = {.eco = eco, .at = now(), .expires = now() + 86400000LL};
  memset(a.hash, 'a', 64);
  a.hash[64] = '\0';
  pthread_t t[20];
  for (int i = 0; i < 20; i++)
    assert_int_equal(pthread_create(&t[i], NULL, put_idem, &a), 0);
  for (int i = 0; i < 20; i++)
    pthread_join(t[i], NULL);
  assert_int_equal(a.ok, 1);
  assert_int_equal(a.exists, 19);
  struct fin_idem got = {0};
  assert_int_equal(C.idem.ops->get(C.idem.self, eco, a.hash, now(), &got, NULL), FIN_OK);
  assert_string_equal(got.operation, "make-purchase");
  fin_idem_clear(&got);
  /* expired: absent, and a new put succeeds */
  assert_int_equal(C.idem.ops->get(C.idem.self, eco, a.hash, a.expires, &got, NULL), FIN_NOT_FOUND);
  struct idem_arg b = a;
  b.ok = b.exists = 0;
  b.at = a.expires + 1;
  b.expires = b.at + 1000;
  put_idem(&b);
  assert_int_equal(b.ok, 1);
}

/* ---- a commit is all or nothing ---- */
static void failing_commit_applies_nothing(void **state) {
  char eco[64];
  new_eco(eco, sizeof eco);
  make_user(eco, 600);
  fin_id card;
  make_card(eco, card, 1000);
  fin_id txn_id;
  struct fin_txn t = {.ecosystem_id = eco, .amount = 5, .timestamp = now(), .idempotency_key = "k"};
  fin_uuid_v7(t.transaction_id);
  memcpy(txn_id, t.transaction_id, sizeof txn_id);
  fin_strlcpy(t.card_id, card, sizeof t.card_id);
  strcpy(t.type, "purchase");
  strcpy(t.status, "completed");
  struct fin_event ev = {.event_type = "transaction.purchase",
                         .entity_type = "transaction",
                         .entity_id = t.transaction_id,
                         .ecosystem_id = eco,
                         .payload = json_object(),
                         .created_at = now()};
  fin_uuid_v7(ev.event_id);
  strcpy(ev.status, "pending");
  struct fin_write w[3] = {{.kind = FIN_W_TXN_PUT, .u.txn = &t},
                           {.kind = FIN_W_EVENT_APPEND, .u.event = &ev},
                           {.kind = FIN_W_CARD_BALANCE}};
  w[2].u.balance.ecosystem_id = eco;
  w[2].u.balance.card_id = card;
  w[2].u.balance.expected_version = 7; /* stale */
  w[2].u.balance.balance = 5;
  struct fin_err e = {0};
  assert_int_equal(commit(w, 3, &e), FIN_VERSION_CONFLICT);
  assert_int_equal(e.failed_write, 2);
  assert_int_equal(e.actual_version, 1);
  struct fin_txn got = {0};
  assert_int_equal(C.txns.ops->get(C.txns.self, eco, card, txn_id, &got, NULL), FIN_NOT_FOUND);
  struct fin_event *evs = NULL;
  size_t n = 0;
  assert_int_equal(
      C.outbox.ops->list_by_entity(C.outbox.self, eco, "transaction", txn_id, &evs, &n, NULL),
      FIN_OK);
  assert_int_equal(n, 0);
  free(evs);
  /* the same writes with the right version all land */
  w[2].u.balance.expected_version = 1;
  assert_int_equal(commit(w, 3, NULL), FIN_OK);
  assert_int_equal(C.txns.ops->get(C.txns.self, eco, card, txn_id, &got, NULL), FIN_OK);
  fin_txn_clear(&got);
  json_decref(ev.payload);
}

static void updates_on_missing_rows_create_nothing(void **state) {
  char eco[64];
  new_eco(eco, sizeof eco);
  struct fin_score s = {.ecosystem_id = eco, .value = 1, .reason = "x", .timestamp = now()};
  fin_uuid_v7(s.score_id);
  strcpy(s.source, "system");
  struct fin_write w = {.kind = FIN_W_USER_SCORE};
  w.u.score.ecosystem_id = eco;
  w.u.score.score = 1;
  w.u.score.tier = "low";
  w.u.score.entry = &s;
  assert_int_equal(commit(&w, 1, NULL), FIN_NOT_FOUND);
  struct fin_user u = {0};
  assert_int_equal(C.users.ops->get(C.users.self, eco, &u, NULL), FIN_NOT_FOUND);
  struct fin_write b = {.kind = FIN_W_CARD_BALANCE};
  b.u.balance.ecosystem_id = eco;
  b.u.balance.card_id = "missing";
  b.u.balance.expected_version = 1;
  struct fin_err e = {0};
  assert_int_equal(commit(&b, 1, &e), FIN_VERSION_CONFLICT);
  assert_int_equal(e.actual_version, -1);
  struct fin_card c = {0};
  assert_int_equal(C.cards.ops->get(C.cards.self, eco, "missing", &c, NULL), FIN_NOT_FOUND);
  struct fin_write d = {.kind = FIN_W_REQUEST_DECIDE};
  struct fin_decision dec = {.present = true};
  d.u.decide.ecosystem_id = eco;
  d.u.decide.request_id = "missing";
  d.u.decide.status = "approved";
  d.u.decide.decision = &dec;
  assert_int_equal(commit(&d, 1, NULL), FIN_NOT_FOUND);
  assert_int_equal(C.outbox.ops->mark_sent(C.outbox.self, "missing-event", now(), NULL),
                   FIN_NOT_FOUND);
  assert_int_equal(
      C.approvals.ops->decide(C.approvals.self, "missing", "approved", "1", now(), NULL),
      FIN_NOT_FOUND);
}

/* ---- outbox state machine ---- */
static void outbox_lifecycle(void **state) {
  char eco[64];
  new_eco(eco, sizeof eco);
  struct seq_arg a = {eco, eco};
  assert_null(append_event(&a));
  struct fin_event *evs = NULL;
  size_t n = 0;
  assert_int_equal(C.outbox.ops->list_by_entity(C.outbox.self, eco, "score", eco, &evs, &n, NULL),
                   FIN_OK);
  assert_int_equal(n, 1);
  fin_id id;
  memcpy(id, evs[0].event_id, sizeof id);
  assert_string_equal(evs[0].status, "pending");
  fin_event_list_free(evs, n);
  fin_ms t = now();
  assert_int_equal(C.outbox.ops->mark_failed(C.outbox.self, id, "boom", t + 10000, NULL), FIN_OK);
  struct fin_event ev = {0};
  assert_int_equal(C.outbox.ops->get(C.outbox.self, id, &ev, NULL), FIN_OK);
  assert_string_equal(ev.status, "failed");
  assert_int_equal(ev.retry_count, 1);
  assert_string_equal(ev.last_error, "boom");
  fin_event_clear(&ev);
  /* not due yet, then due */
  bool found = false;
  assert_int_equal(C.outbox.ops->find_retry(C.outbox.self, t, 100000, &evs, &n, NULL), FIN_OK);
  for (size_t i = 0; i < n; i++)
    found |= strcmp(evs[i].event_id, id) == 0;
  fin_event_list_free(evs, n);
  assert_false(found);
  assert_int_equal(C.outbox.ops->find_retry(C.outbox.self, t + 10000, 100000, &evs, &n, NULL),
                   FIN_OK);
  for (size_t i = 0; i < n; i++)
    found |= strcmp(evs[i].event_id, id) == 0;
  fin_event_list_free(evs, n);
  assert_true(found);
  assert_int_equal(C.outbox.ops->mark_sent(C.outbox.self, id, t, NULL), FIN_OK);
  assert_int_equal(C.outbox.ops->get(C.outbox.self, id, &ev, NULL), FIN_OK);
  assert_string_equal(ev.status, "sent");
  assert_true(ev.sent_at == t);
  fin_event_clear(&ev);
  assert_int_equal(C.outbox.ops->mark_dead(C.outbox.self, id, "gave up", NULL), FIN_OK);
  assert_int_equal(C.outbox.ops->get(C.outbox.self, id, &ev, NULL), FIN_OK);
  assert_string_equal(ev.status, "dead_letter");
  fin_event_clear(&ev);
}

static void whatsapp_records(void **state) {
  char eco[64];
  new_eco(eco, sizeof eco);
  struct fin_pending_approval p = {
      .ecosystem_id = eco, .expires_at = now() + 1000, .created_at = now(), .updated_at = now()};
  fin_uuid_v7(p.request_id);
  strcpy(p.approval_status, "pending");
  assert_int_equal(C.approvals.ops->save(C.approvals.self, &p, NULL), FIN_OK);
  assert_int_equal(
      C.approvals.ops->decide(C.approvals.self, p.request_id, "approved", "5511", now(), NULL),
      FIN_OK);
  assert_int_equal(
      C.approvals.ops->decide(C.approvals.self, p.request_id, "rejected", "5511", now(), NULL),
      FIN_PRECONDITION);
  struct fin_pending_approval got = {0};
  assert_int_equal(C.approvals.ops->get(C.approvals.self, p.request_id, &got, NULL), FIN_OK);
  assert_string_equal(got.approval_status, "approved");
  assert_string_equal(got.responding_admin_phone, "5511");
  fin_pending_approval_clear(&got);
  struct fin_wa_notification nt = {.recipient_phone = "5511",
                                   .message_content = "hi",
                                   .related_entity_id = "r",
                                   .ecosystem_id = eco,
                                   .created_at = now()};
  fin_uuid_v7(nt.notification_id);
  strcpy(nt.delivery_status, "pending");
  strcpy(nt.notification_type, "payment_notification");
  strcpy(nt.related_entity_type, "payment");
  assert_int_equal(C.wa_notifications.ops->save(C.wa_notifications.self, &nt, NULL), FIN_OK);
  assert_int_equal(C.wa_notifications.ops->update_status(C.wa_notifications.self,
                                                         nt.notification_id, "sent", "wpp-1", NULL,
                                                         now(), NULL),
                   FIN_OK);
  struct fin_wa_notification gn = {0};
  assert_int_equal(
      C.wa_notifications.ops->get(C.wa_notifications.self, nt.notification_id, &gn, NULL), FIN_OK);
  assert_string_equal(gn.delivery_status, "sent");
  assert_string_equal(gn.wpp_message_id, "wpp-1");
  fin_wa_notification_clear(&gn);
}

int main(int argc, char **argv) {
  if (argc > 1) wiring = argv[1];
  fin_log_set_enabled(0);
  char err[512];
  if (fin_host_load_container(wiring, &C, err, sizeof err) != 0) {
    fprintf(stderr, "conformance: %s\n", err);
    return 2;
  }
  printf("conformance: wiring %s (mode %s)\n", wiring, C.mode);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(no_lost_update_with_50_threads),
      cmocka_unit_test(sequences_are_1_to_50_under_concurrency),
      cmocka_unit_test(pagination_walk_returns_every_item_once),
      cmocka_unit_test(pending_requests_walk_in_both_orders),
      cmocka_unit_test(idempotency_put_if_absent_under_concurrency),
      cmocka_unit_test(failing_commit_applies_nothing),
      cmocka_unit_test(updates_on_missing_rows_create_nothing),
      cmocka_unit_test(outbox_lifecycle),
      cmocka_unit_test(whatsapp_records),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  fin_container_destroy(&C);
  return failed;
}
