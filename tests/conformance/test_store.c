/* test_store.c - store.commit (store.h): round trips, every condition, all
 * or nothing, and the three concurrency guarantees (no lost update, gapless
 * sequences, one winner per idempotency key). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf.h"

/* All threads of a test start together, to make the races real. */
static pthread_barrier_t start_line;

static void assert_str_or_null(const char *got, const char *want) {
  if (want == NULL)
    assert_null(got);
  else
    assert_string_equal(got, want);
}

/* ---- every write kind lands and reads back unchanged ---- */
static void commit_round_trips_every_row(void **state) {
  char eco[64], target[64];
  new_key(eco, "conf-rt");
  new_key(target, "conf-rt-target");
  fin_ms t = now_ms();
  struct fin_user u;
  fill_user(&u, eco, 640);
  struct fin_card c;
  fill_card(&c, eco, 5000);
  struct fin_card_request r;
  fill_request(&r, eco, t, "approved");
  struct fin_decision d;
  fill_decision(&d, "approved", t);
  strcpy(d.source, "auto");
  r.decision = d;
  memcpy(r.resulting_card_id, c.card_id, sizeof(fin_id));
  struct fin_txn x;
  fill_txn(&x, eco, c.card_id, "payment", t);
  x.failure_reason = "none really";
  struct fin_event ev;
  fill_event(&ev, eco, "card", c.card_id, t);
  ev.event_type = "card.approved";
  ev.payload = conf_json(json_pack("{s:s,s:f,s:i,s:b,s:n,s:[i,s],s:{s:s}}", "cardId", c.card_id,
                                   "limit", 0.1 + 0.2, "score", 640, "auto", 1, "adminId", "list",
                                   1, "two", "nested", "k", "v"));
  char hash[65];
  memset(hash, 'c', 64), hash[64] = '\0';
  memcpy(hash, eco + 8, 16); /* unique per run */
  struct fin_idem idem;
  fill_idem(&idem, eco, hash, t, t + 86400000);
  struct fin_audit a;
  fill_audit(&a, target, t);
  a.previous_value = conf_json(json_pack("{s:i}", "score", 500));
  a.new_value = conf_json(json_pack("{s:i}", "score", 640));
  struct fin_write w[] = {
      {.kind = FIN_W_USER_CREATE, .u.user = &u},
      {.kind = FIN_W_CARD_CREATE, .u.card = &c},
      {.kind = FIN_W_REQUEST_CREATE, .u.request = &r},
      {.kind = FIN_W_TXN_PUT, .u.txn = &x},
      {.kind = FIN_W_EVENT_APPEND, .u.event = &ev},
      {.kind = FIN_W_IDEM_PUT, .u.idem = {&idem, t}},
      {.kind = FIN_W_AUDIT_APPEND, .u.audit = &a},
  };
  assert_status(commit(w, sizeof w / sizeof w[0], NULL), FIN_OK);
  assert_int_equal(ev.sequence, 1); /* written back */

  struct fin_user gu;
  assert_status(C.users.ops->get(C.users.self, eco, &gu, NULL), FIN_OK);
  assert_string_equal(gu.ecosystem_id, eco);
  assert_string_equal(gu.firebase_uid, eco);
  assert_string_equal(gu.email, u.email);
  assert_string_equal(gu.role, "user");
  assert_string_equal(gu.status, "active");
  assert_int_equal(gu.score, 640);
  assert_string_equal(gu.tier, "medium");
  assert_int_equal(gu.summary.active_cards, 1);
  assert_true(gu.summary.total_balance == 2.5 && gu.summary.total_limit == 1000);
  assert_true(gu.created_at == u.created_at && gu.updated_at == u.updated_at &&
              gu.last_login_at == u.last_login_at);
  fin_user_clear(&gu);

  struct fin_card gc;
  assert_status(C.cards.ops->get(C.cards.self, eco, c.card_id, &gc, NULL), FIN_OK);
  assert_string_equal(gc.card_id, c.card_id);
  assert_string_equal(gc.ecosystem_id, eco);
  assert_string_equal(gc.product_id, "default-credit-card");
  assert_string_equal(gc.status, "active");
  assert_true(gc.limit == 5000 && gc.balance == 0 && gc.available_credit == 5000 &&
              gc.minimum_payment == 0);
  assert_true(gc.next_due_date == c.next_due_date && gc.version == 1);
  assert_string_equal(gc.approved_by, "auto");
  assert_int_equal(gc.score_at_approval, 700);
  assert_true(gc.created_at == c.created_at);
  assert_true(gc.activated_at == c.activated_at && gc.updated_at == c.updated_at);
  fin_card_clear(&gc);

  struct fin_card_request gr;
  assert_status(C.requests.ops->get(C.requests.self, eco, r.request_id, &gr, NULL), FIN_OK);
  assert_string_equal(gr.request_id, r.request_id);
  assert_string_equal(gr.ecosystem_id, eco);
  assert_string_equal(gr.product_id, r.product_id);
  assert_string_equal(gr.idempotency_key, r.idempotency_key);
  assert_string_equal(gr.status, "approved");
  assert_int_equal(gr.score_at_request, 450);
  assert_string_equal(gr.tier_at_request, "low");
  assert_true(gr.decision.present);
  assert_string_equal(gr.decision.outcome, "approved");
  assert_string_equal(gr.decision.source, "auto");
  assert_string_equal(gr.decision.admin_id, d.admin_id);
  assert_string_equal(gr.decision.reason, d.reason);
  assert_true(gr.decision.has_approved_limit && gr.decision.approved_limit == 2000);
  assert_true(gr.decision.decided_at == t);
  assert_string_equal(gr.resulting_card_id, c.card_id);
  assert_true(gr.created_at == t && gr.updated_at == t && gr.expires_at == r.expires_at);
  fin_card_request_clear(&gr);
  assert_status(C.requests.ops->get(C.requests.self, "someone-else", r.request_id, &gr, NULL),
                FIN_NOT_FOUND);

  struct fin_txn gx;
  assert_status(C.txns.ops->get(C.txns.self, eco, c.card_id, x.transaction_id, &gx, NULL), FIN_OK);
  assert_string_equal(gx.transaction_id, x.transaction_id);
  assert_string_equal(gx.ecosystem_id, eco);
  assert_string_equal(gx.card_id, c.card_id);
  assert_string_equal(gx.type, "payment");
  assert_true(gx.amount == 12.5);
  assert_str_or_null(gx.merchant, NULL);
  assert_string_equal(gx.payment_status, "late");
  assert_int_equal(gx.days_overdue, 3);
  assert_true(gx.has_score_impact);
  assert_int_equal(gx.score_impact, -20);
  assert_string_equal(gx.idempotency_key, "conformance-key");
  assert_string_equal(gx.status, "completed");
  assert_string_equal(gx.failure_reason, "none really");
  assert_true(gx.timestamp == t && gx.processed_at == t);
  fin_txn_clear(&gx);

  struct fin_event ge;
  assert_status(C.outbox.ops->get(C.outbox.self, ev.event_id, &ge, NULL), FIN_OK);
  assert_string_equal(ge.event_type, "card.approved");
  assert_string_equal(ge.entity_type, "card");
  assert_string_equal(ge.entity_id, c.card_id);
  assert_string_equal(ge.ecosystem_id, eco);
  assert_int_equal(ge.sequence, 1);
  assert_string_equal(ge.status, "pending");
  assert_int_equal(ge.retry_count, 0);
  assert_null(ge.last_error);
  assert_true(ge.created_at == t && ge.next_retry_at == t && ge.sent_at == 0);
  assert_true(json_equal(ge.payload, ev.payload));
  fin_event_clear(&ge);

  struct fin_idem gi;
  assert_status(C.idem.ops->get(C.idem.self, eco, hash, t, &gi, NULL), FIN_OK);
  assert_string_equal(gi.ecosystem_id, eco);
  assert_string_equal(gi.key_hash, hash);
  assert_string_equal(gi.operation, "make-purchase");
  assert_string_equal(gi.response, idem.response);
  assert_string_equal(gi.fingerprint, idem.fingerprint);
  assert_int_equal(gi.status_code, 200);
  assert_true(gi.created_at == t && gi.expires_at == t + 86400000);
  fin_idem_clear(&gi);

  struct fin_audit *logs = NULL;
  size_t n = 0;
  struct fin_page page = {0};
  assert_status(
      C.audit.ops->find_by_target(C.audit.self, "user", target, NULL, 10, &logs, &n, &page, NULL),
      FIN_OK);
  assert_int_equal(n, 1);
  assert_false(page.has_more);
  assert_null(page.next_cursor);
  assert_string_equal(logs[0].log_id, a.log_id);
  assert_string_equal(logs[0].admin_ecosystem_id, "admin-conformance");
  assert_string_equal(logs[0].admin_email, "admin@test.local");
  assert_string_equal(logs[0].action, "score.adjusted");
  assert_string_equal(logs[0].target_ecosystem_id, target);
  assert_string_equal(logs[0].reason, "conformance");
  assert_string_equal(logs[0].request_id, "req-conformance");
  assert_true(json_equal(logs[0].previous_value, a.previous_value));
  assert_true(json_equal(logs[0].new_value, a.new_value));
  assert_true(logs[0].timestamp == t);
  fin_audit_list_free(logs, n);
  fin_page_clear(&page);
}

/* ---- in-place updates ---- */
static void commit_updates_rows_in_place(void **state) {
  char eco[64];
  new_key(eco, "conf-upd");
  make_user(eco, 500);
  fin_id card, req;
  make_card(eco, 1000, card);
  fin_ms t0 = now_ms();
  make_request(eco, t0, "pending", req);

  /* USER_SCORE: score, tier, updated_at, plus one history entry */
  struct fin_score s = {.ecosystem_id = eco,
                        .value = 550,
                        .previous_value = 500,
                        .delta = 50,
                        .reason = "payment_on_time",
                        .related_entity_type = "transaction",
                        .related_entity_id = "txn-1",
                        .timestamp = t0 + 5};
  new_id(s.score_id);
  strcpy(s.source, "system");
  struct fin_write w = {.kind = FIN_W_USER_SCORE};
  w.u.score.ecosystem_id = eco;
  w.u.score.score = 550;
  w.u.score.tier = "medium";
  w.u.score.updated_at = t0 + 5;
  w.u.score.entry = &s;
  assert_status(commit(&w, 1, NULL), FIN_OK);
  struct fin_user u;
  assert_status(C.users.ops->get(C.users.self, eco, &u, NULL), FIN_OK);
  assert_int_equal(u.score, 550);
  assert_string_equal(u.tier, "medium");
  assert_true(u.updated_at == t0 + 5);
  fin_user_clear(&u);
  struct fin_score *hist = NULL;
  size_t n = 0;
  assert_status(C.scores.ops->list(C.scores.self, eco, 0, &hist, &n, NULL), FIN_OK);
  assert_int_equal(n, 1);
  assert_string_equal(hist[0].score_id, s.score_id);
  assert_int_equal(hist[0].value, 550);
  assert_int_equal(hist[0].previous_value, 500);
  assert_int_equal(hist[0].delta, 50);
  assert_string_equal(hist[0].reason, "payment_on_time");
  assert_string_equal(hist[0].source, "system");
  assert_null(hist[0].source_id);
  assert_string_equal(hist[0].related_entity_type, "transaction");
  assert_string_equal(hist[0].related_entity_id, "txn-1");
  fin_score_list_free(hist, n);

  /* USER_SUMMARY */
  w = (struct fin_write){.kind = FIN_W_USER_SUMMARY};
  w.u.summary.ecosystem_id = eco;
  w.u.summary.summary = (struct fin_card_summary){3, 125.5, 9000};
  w.u.summary.updated_at = t0 + 6;
  assert_status(commit(&w, 1, NULL), FIN_OK);
  assert_status(C.users.ops->get(C.users.self, eco, &u, NULL), FIN_OK);
  assert_int_equal(u.summary.active_cards, 3);
  assert_true(u.summary.total_balance == 125.5 && u.summary.total_limit == 9000);
  assert_true(u.updated_at == t0 + 6);
  assert_int_equal(u.score, 550);
  fin_user_clear(&u);

  /* CARD_BALANCE: money fields, version + 1, updated_at */
  w = (struct fin_write){.kind = FIN_W_CARD_BALANCE};
  w.u.balance.ecosystem_id = eco;
  w.u.balance.card_id = card;
  w.u.balance.expected_version = 1;
  w.u.balance.balance = 300;
  w.u.balance.available_credit = 700;
  w.u.balance.minimum_payment = 25;
  w.u.balance.updated_at = t0 + 7;
  assert_status(commit(&w, 1, NULL), FIN_OK);
  struct fin_card c;
  assert_status(C.cards.ops->get(C.cards.self, eco, card, &c, NULL), FIN_OK);
  assert_true(c.balance == 300 && c.available_credit == 700 && c.minimum_payment == 25);
  assert_true(c.version == 2 && c.updated_at == t0 + 7 && c.limit == 1000);
  fin_card_clear(&c);

  /* REQUEST_DECIDE: status, decision, resulting card, updated_at */
  struct fin_decision d;
  fill_decision(&d, "approved", t0 + 8);
  w = (struct fin_write){.kind = FIN_W_REQUEST_DECIDE};
  w.u.decide.ecosystem_id = eco;
  w.u.decide.request_id = req;
  w.u.decide.status = "approved";
  w.u.decide.decision = &d;
  w.u.decide.resulting_card_id = card;
  w.u.decide.updated_at = t0 + 8;
  assert_status(commit(&w, 1, NULL), FIN_OK);
  struct fin_card_request r;
  assert_status(C.requests.ops->get_any(C.requests.self, req, &r, NULL), FIN_OK);
  assert_string_equal(r.status, "approved");
  assert_true(r.decision.present);
  assert_string_equal(r.decision.outcome, "approved");
  assert_string_equal(r.decision.source, "admin");
  assert_string_equal(r.decision.admin_id, "admin-conformance");
  assert_string_equal(r.decision.reason, "conformance decision");
  assert_true(r.decision.has_approved_limit && r.decision.approved_limit == 2000);
  assert_true(r.decision.decided_at == t0 + 8);
  assert_string_equal(r.resulting_card_id, card);
  assert_true(r.updated_at == t0 + 8 && r.created_at == t0);
  fin_card_request_clear(&r);
  /* a second decision is refused: the request is no longer pending */
  assert_status(commit(&w, 1, NULL), FIN_PRECONDITION);
}

/* ---- 50 threads: read card, commit balance + amount, retry on conflict ---- */
struct balance_arg {
  const char *eco, *card;
  int amount;
  int conflicts;
  enum fin_status last;
};

static void *add_amount(void *p) {
  struct balance_arg *a = p;
  pthread_barrier_wait(&start_line);
  for (int tries = 0; tries < 100000; tries++) {
    struct fin_card c;
    a->last = C.cards.ops->get(C.cards.self, a->eco, a->card, &c, NULL);
    if (a->last != FIN_OK) return NULL;
    struct fin_write w = {.kind = FIN_W_CARD_BALANCE};
    w.u.balance.ecosystem_id = a->eco;
    w.u.balance.card_id = a->card;
    w.u.balance.expected_version = c.version;
    w.u.balance.balance = c.balance + a->amount;
    w.u.balance.available_credit = c.limit - w.u.balance.balance;
    w.u.balance.minimum_payment = 25;
    w.u.balance.updated_at = now_ms();
    fin_card_clear(&c);
    struct fin_err e = {0};
    a->last = commit(&w, 1, &e);
    if (a->last != FIN_VERSION_CONFLICT) return NULL;
    if (e.expected_version != w.u.balance.expected_version ||
        e.actual_version <= e.expected_version)
      return NULL; /* reported below: the conflict detail must describe the race */
    a->conflicts++;
  }
  return NULL;
}

static void card_clear(void *c) {
  fin_card_clear(c);
}

static void balance_has_no_lost_update_under_50_threads(void **state) {
  enum { T = 50 };
  char eco[64];
  new_key(eco, "conf-bal");
  fin_id card;
  make_card(eco, 100000, card);
  struct balance_arg args[T];
  pthread_t th[T];
  int sum = 0;
  pthread_barrier_init(&start_line, NULL, T);
  for (int i = 0; i < T; i++) {
    args[i] = (struct balance_arg){eco, card, i + 1, 0, FIN_INTERNAL};
    sum += i + 1;
    assert_int_equal(pthread_create(&th[i], NULL, add_amount, &args[i]), 0);
  }
  int conflicts = 0;
  for (int i = 0; i < T; i++)
    pthread_join(th[i], NULL);
  for (int i = 0; i < T; i++) {
    if (args[i].last != FIN_OK)
      fail_msg("thread %d ended with %s", i, fin_status_name(args[i].last));
    conflicts += args[i].conflicts;
  }
  pthread_barrier_destroy(&start_line);
  struct fin_card *c = conf_hold(sizeof *c, card_clear);
  assert_status(C.cards.ops->get(C.cards.self, eco, card, c, NULL), FIN_OK);
  if (c->balance != sum || c->version != 1 + T)
    fail_msg("balance %.2f version %lld, want %d and %d", c->balance, (long long)c->version, sum,
             1 + T);
  print_message("    %d version conflicts retried\n", conflicts);
}

/* ---- 50 threads append events on one key: sequences exactly 1..50 ---- */
struct seq_arg {
  const char *eco, *entity;
  int64_t seq;
  enum fin_status st;
  fin_id event_id;
};

static void *append_one(void *p) {
  struct seq_arg *a = p;
  pthread_barrier_wait(&start_line);
  struct fin_event ev;
  fill_event(&ev, a->eco, "score", a->entity, now_ms());
  ev.payload = json_pack("{s:s}", "ecosystemId", a->eco);
  struct fin_write w = {.kind = FIN_W_EVENT_APPEND, .u.event = &ev};
  a->st = commit(&w, 1, NULL);
  a->seq = ev.sequence;
  memcpy(a->event_id, ev.event_id, sizeof(fin_id));
  json_decref(ev.payload);
  return NULL;
}

static void event_sequences_are_gapless_under_50_threads(void **state) {
  enum { T = 50 };
  char eco[64];
  new_key(eco, "conf-seq");
  struct seq_arg args[T];
  pthread_t th[T];
  pthread_barrier_init(&start_line, NULL, T);
  for (int i = 0; i < T; i++) {
    args[i] = (struct seq_arg){.eco = eco, .entity = eco};
    assert_int_equal(pthread_create(&th[i], NULL, append_one, &args[i]), 0);
  }
  int seen[T + 1] = {0};
  for (int i = 0; i < T; i++)
    pthread_join(th[i], NULL);
  for (int i = 0; i < T; i++) {
    assert_status(args[i].st, FIN_OK);
    assert_true(args[i].seq >= 1 && args[i].seq <= T);
    seen[args[i].seq]++;
  }
  pthread_barrier_destroy(&start_line);
  for (int i = 1; i <= T; i++)
    if (seen[i] != 1) fail_msg("sequence %d written back %d times", i, seen[i]);
  /* stored: 1..50 ascending, each event with the number its caller got
   * (copied out and freed before asserting: a failure leaks nothing) */
  struct fin_event *evs = NULL;
  size_t n = 0;
  assert_status(C.outbox.ops->list_by_entity(C.outbox.self, eco, "score", eco, &evs, &n, NULL),
                FIN_OK);
  int64_t got_seq[T], caller_seq[T];
  size_t stored = n;
  for (size_t i = 0; i < n && i < T; i++) {
    got_seq[i] = evs[i].sequence;
    caller_seq[i] = -1;
    for (int j = 0; j < T; j++)
      if (strcmp(args[j].event_id, evs[i].event_id) == 0) caller_seq[i] = args[j].seq;
  }
  fin_event_list_free(evs, n);
  assert_int_equal(stored, T);
  for (size_t i = 0; i < T; i++) {
    assert_int_equal(got_seq[i], (int64_t)i + 1);
    assert_int_equal(caller_seq[i], got_seq[i]);
  }
  /* another entity of the same user, and the same entity of another user,
   * are other keys: both start at 1 */
  char other[64];
  new_key(other, "conf-seq-other");
  assert_int_equal(append_event(eco, "score", other, now_ms(), NULL), 1);
  assert_int_equal(append_event(eco, "score", other, now_ms(), NULL), 2);
  assert_int_equal(append_event(other, "score", eco, now_ms(), NULL), 1);
  assert_int_equal(append_event(eco, "user", eco, now_ms(), NULL), 1);
  assert_int_equal(append_event(eco, "score", eco, now_ms(), NULL), T + 1);
}

/* ---- IDEM_PUT: one winner among 20 threads; expiry through `now` ---- */
struct idem_arg {
  bool barrier;
  const char *eco, *hash;
  fin_ms now, expires;
  enum fin_status st;
  int failed_write;
};

static void *put_idem(void *p) {
  struct idem_arg *a = p;
  if (a->barrier) pthread_barrier_wait(&start_line);
  struct fin_idem rec;
  fill_idem(&rec, a->eco, a->hash, a->now, a->expires);
  struct fin_write w = {.kind = FIN_W_IDEM_PUT, .u.idem = {&rec, a->now}};
  struct fin_err e = {0};
  a->st = commit(&w, 1, &e);
  a->failed_write = e.failed_write;
  return NULL;
}

static void idempotency_put_has_one_winner_and_expires(void **state) {
  enum { T = 20 };
  char eco[64], hash[65];
  new_key(eco, "conf-idem");
  memset(hash, 'a', 64), hash[64] = '\0';
  fin_ms t = now_ms(), exp = t + 1000;
  struct idem_arg args[T];
  pthread_t th[T];
  pthread_barrier_init(&start_line, NULL, T);
  for (int i = 0; i < T; i++) {
    args[i] = (struct idem_arg){true, eco, hash, t, exp, FIN_INTERNAL, -2};
    assert_int_equal(pthread_create(&th[i], NULL, put_idem, &args[i]), 0);
  }
  int ok = 0, exists = 0;
  for (int i = 0; i < T; i++)
    pthread_join(th[i], NULL);
  for (int i = 0; i < T; i++) {
    ok += args[i].st == FIN_OK;
    if (args[i].st == FIN_EXISTS) {
      exists++;
      assert_int_equal(args[i].failed_write, 0);
    }
  }
  pthread_barrier_destroy(&start_line);
  assert_int_equal(ok, 1);
  assert_int_equal(exists, T - 1);
  /* the same key of another user is another record */
  char eco2[64];
  new_key(eco2, "conf-idem2");
  struct idem_arg other = {false, eco2, hash, t, exp, FIN_INTERNAL, -2};
  put_idem(&other);
  assert_status(other.st, FIN_OK);

  struct fin_idem got; /* each get's result is cleared before its assertions */
  enum fin_status st = C.idem.ops->get(C.idem.self, eco, hash, exp - 1, &got, NULL);
  fin_ms got_exp = got.expires_at, got_created;
  if (st == FIN_OK) fin_idem_clear(&got);
  assert_status(st, FIN_OK);
  assert_true(got_exp == exp);
  /* a put while the record is live is refused */
  struct idem_arg again = {false, eco, hash, exp - 1, exp + 5000, FIN_INTERNAL, -2};
  put_idem(&again);
  assert_status(again.st, FIN_EXISTS);
  /* expires_at <= now: absent */
  st = C.idem.ops->get(C.idem.self, eco, hash, exp, &got, NULL);
  bool zeroed = got.ecosystem_id == NULL;
  if (st == FIN_OK) fin_idem_clear(&got);
  assert_status(st, FIN_NOT_FOUND);
  assert_true(zeroed);
  /* and a put at or after expiry succeeds, replacing it */
  struct idem_arg later = {false, eco, hash, exp, exp + 5000, FIN_INTERNAL, -2};
  put_idem(&later);
  assert_status(later.st, FIN_OK);
  st = C.idem.ops->get(C.idem.self, eco, hash, exp, &got, NULL);
  got_exp = got.expires_at, got_created = got.created_at;
  if (st == FIN_OK) fin_idem_clear(&got);
  assert_status(st, FIN_OK);
  assert_true(got_exp == exp + 5000 && got_created == exp);

  /* delete_expired removes what is expired at `now`, keeps the rest */
  char eco3[64], h1[65], h2[65];
  new_key(eco3, "conf-idem3");
  memset(h1, '1', 64), h1[64] = '\0';
  memset(h2, '2', 64), h2[64] = '\0';
  struct idem_arg r1 = {false, eco3, h1, t, t + 100, FIN_INTERNAL, -2};
  struct idem_arg r2 = {false, eco3, h2, t, t + 100000, FIN_INTERNAL, -2};
  put_idem(&r1), put_idem(&r2);
  assert_status(r1.st, FIN_OK);
  assert_status(r2.st, FIN_OK);
  long deleted = -1;
  assert_status(C.idem.ops->delete_expired(C.idem.self, t + 100, &deleted, NULL), FIN_OK);
  assert_true(deleted >= 1);
  st = C.idem.ops->get(C.idem.self, eco3, h1, t, &got, NULL);
  if (st == FIN_OK) fin_idem_clear(&got);
  assert_status(st, FIN_NOT_FOUND);
  st = C.idem.ops->get(C.idem.self, eco3, h2, t, &got, NULL);
  if (st == FIN_OK) fin_idem_clear(&got);
  assert_status(st, FIN_OK);
}

/* ---- a failing condition leaves nothing applied ---- */
struct batch {
  char eco[64], new_eco[64], target[64], hash[65];
  fin_id card;
  struct fin_score score;
  struct fin_user user;
  struct fin_card card_row;
  struct fin_card_request req;
  struct fin_txn txn;
  struct fin_event ev;
  struct fin_idem idem;
  struct fin_audit audit;
  struct fin_write w[FIN_MAX_WRITES];
  size_t n;
};

/* A commit touching every table: creates for a new user, updates of an
 * existing user and card. The failing write is appended by the caller. */
static void batch_init(struct batch *b) {
  memset(b, 0, sizeof *b);
  new_key(b->eco, "conf-batch");
  new_key(b->new_eco, "conf-batch-new");
  new_key(b->target, "conf-batch-target");
  make_user(b->eco, 600);
  make_card(b->eco, 1000, b->card);
  fin_ms t = now_ms();
  memset(b->hash, 'b', 64);
  memcpy(b->hash, b->new_eco + 15, 20);
  fill_user(&b->user, b->new_eco, 500);
  fill_card(&b->card_row, b->new_eco, 2000);
  fill_request(&b->req, b->new_eco, t, "pending");
  fill_txn(&b->txn, b->eco, b->card, "purchase", t);
  fill_event(&b->ev, b->new_eco, "transaction", b->txn.transaction_id, t);
  b->ev.event_type = "transaction.purchase";
  fill_idem(&b->idem, b->eco, b->hash, t, t + 60000);
  fill_audit(&b->audit, b->target, t);
  struct fin_write *w = b->w;
  w[0] = (struct fin_write){.kind = FIN_W_USER_CREATE, .u.user = &b->user};
  w[1] = (struct fin_write){.kind = FIN_W_CARD_CREATE, .u.card = &b->card_row};
  w[2] = (struct fin_write){.kind = FIN_W_REQUEST_CREATE, .u.request = &b->req};
  w[3] = (struct fin_write){.kind = FIN_W_TXN_PUT, .u.txn = &b->txn};
  w[4] = (struct fin_write){.kind = FIN_W_EVENT_APPEND, .u.event = &b->ev};
  w[5] = (struct fin_write){.kind = FIN_W_IDEM_PUT, .u.idem = {&b->idem, t}};
  w[6] = (struct fin_write){.kind = FIN_W_AUDIT_APPEND, .u.audit = &b->audit};
  w[7] = (struct fin_write){.kind = FIN_W_USER_SUMMARY};
  w[7].u.summary.ecosystem_id = b->eco;
  w[7].u.summary.summary = (struct fin_card_summary){9, 9, 9};
  w[7].u.summary.updated_at = t + 1;
  w[8] = (struct fin_write){.kind = FIN_W_CARD_BALANCE};
  w[8].u.balance.ecosystem_id = b->eco;
  w[8].u.balance.card_id = b->card;
  w[8].u.balance.expected_version = 1;
  w[8].u.balance.balance = 12.5;
  w[8].u.balance.available_credit = 987.5;
  w[8].u.balance.minimum_payment = 12.5;
  w[8].u.balance.updated_at = t + 1;
  w[9] = (struct fin_write){.kind = FIN_W_USER_SCORE};
  w[9].u.score.ecosystem_id = b->eco;
  w[9].u.score.score = 610;
  w[9].u.score.tier = "medium";
  w[9].u.score.updated_at = t + 1;
  b->score = (struct fin_score){.ecosystem_id = b->eco,
                                .value = 610,
                                .previous_value = 600,
                                .delta = 10,
                                .reason = "payment_on_time",
                                .timestamp = t + 1};
  new_id(b->score.score_id);
  strcpy(b->score.source, "system");
  w[9].u.score.entry = &b->score;
  b->n = 10;
}

/* Asserts that none (applied == false) or all of the batch is visible. */
static void batch_check(struct batch *b, bool applied) {
  enum fin_status want = applied ? FIN_OK : FIN_NOT_FOUND;
  struct fin_user u;
  assert_status(C.users.ops->get(C.users.self, b->new_eco, &u, NULL), want);
  fin_user_clear(&u);
  struct fin_card c;
  assert_status(C.cards.ops->get(C.cards.self, b->new_eco, b->card_row.card_id, &c, NULL), want);
  fin_card_clear(&c);
  struct fin_card_request r;
  assert_status(C.requests.ops->get_any(C.requests.self, b->req.request_id, &r, NULL), want);
  fin_card_request_clear(&r);
  struct fin_txn x;
  assert_status(C.txns.ops->get(C.txns.self, b->eco, b->card, b->txn.transaction_id, &x, NULL),
                want);
  fin_txn_clear(&x);
  struct fin_event ev;
  assert_status(C.outbox.ops->get(C.outbox.self, b->ev.event_id, &ev, NULL), want);
  fin_event_clear(&ev);
  assert_int_equal(b->ev.sequence, applied ? 1 : 0); /* written back on success only */
  struct fin_idem i;
  assert_status(C.idem.ops->get(C.idem.self, b->eco, b->hash, now_ms(), &i, NULL), want);
  fin_idem_clear(&i);
  struct fin_audit *logs = NULL;
  size_t n = 0;
  struct fin_page page = {0};
  assert_status(C.audit.ops->find_by_target(C.audit.self, "user", b->target, NULL, 10, &logs, &n,
                                            &page, NULL),
                FIN_OK);
  assert_int_equal(n, applied ? 1 : 0);
  fin_audit_list_free(logs, n);
  fin_page_clear(&page);
  assert_status(C.users.ops->get(C.users.self, b->eco, &u, NULL), FIN_OK);
  assert_int_equal(u.summary.active_cards, applied ? 9 : 1);
  assert_int_equal(u.score, applied ? 610 : 600);
  fin_user_clear(&u);
  assert_status(C.cards.ops->get(C.cards.self, b->eco, b->card, &c, NULL), FIN_OK);
  assert_int_equal(c.version, applied ? 2 : 1);
  assert_true(c.balance == (applied ? 12.5 : 0));
  fin_card_clear(&c);
}

/* Each kind of failing condition, as the last write of the batch. */
enum failing {
  F_USER_EXISTS,
  F_SCORE_NO_USER,
  F_SUMMARY_NO_USER,
  F_CARD_EXISTS,
  F_BALANCE_STALE,
  F_BALANCE_NO_CARD,
  F_REQUEST_EXISTS,
  F_DECIDE_MISSING,
  F_DECIDE_NOT_PENDING,
  F_IDEM_LIVE,
  F_COUNT
};

static void failing_conditions_apply_nothing(void **state) {
  static const char *const names[] = {"USER_CREATE exists",         "USER_SCORE no user",
                                      "USER_SUMMARY no user",       "CARD_CREATE exists",
                                      "CARD_BALANCE stale",         "CARD_BALANCE no card",
                                      "REQUEST_CREATE exists",      "REQUEST_DECIDE missing",
                                      "REQUEST_DECIDE not pending", "IDEM_PUT live"};
  for (int f = 0; f < F_COUNT; f++) {
    struct batch *b = calloc(1, sizeof *b);
    batch_init(b);
    char ghost[64];
    new_key(ghost, "conf-ghost");
    fin_id ghost_card;
    new_id(ghost_card);
    fin_ms t = now_ms();
    /* what the failing write refers to */
    struct fin_user dup_user;
    struct fin_card dup_card;
    struct fin_card_request dup_req;
    struct fin_idem live;
    struct fin_decision d;
    fill_decision(&d, "rejected", t);
    fin_id rid;
    struct fin_write *x = &b->w[b->n];
    enum fin_status want = FIN_EXISTS;
    switch (f) {
    case F_USER_EXISTS:
      fill_user(&dup_user, b->eco, 1);
      *x = (struct fin_write){.kind = FIN_W_USER_CREATE, .u.user = &dup_user};
      break;
    case F_SCORE_NO_USER:
    case F_SUMMARY_NO_USER:
      *x = (struct fin_write){.kind = f == F_SCORE_NO_USER ? FIN_W_USER_SCORE : FIN_W_USER_SUMMARY};
      if (f == F_SCORE_NO_USER)
        x->u.score.ecosystem_id = ghost, x->u.score.tier = "low", x->u.score.entry = &b->score;
      else
        x->u.summary.ecosystem_id = ghost;
      want = FIN_NOT_FOUND;
      break;
    case F_CARD_EXISTS:
      fill_card(&dup_card, b->eco, 1);
      memcpy(dup_card.card_id, b->card, sizeof(fin_id));
      *x = (struct fin_write){.kind = FIN_W_CARD_CREATE, .u.card = &dup_card};
      break;
    case F_BALANCE_STALE:
    case F_BALANCE_NO_CARD:
      *x = (struct fin_write){.kind = FIN_W_CARD_BALANCE};
      x->u.balance.ecosystem_id = b->eco;
      x->u.balance.card_id = f == F_BALANCE_STALE ? b->card : ghost_card;
      x->u.balance.expected_version = f == F_BALANCE_STALE ? 7 : 1;
      want = FIN_VERSION_CONFLICT;
      break;
    case F_REQUEST_EXISTS:
      make_request(b->eco, t, "pending", rid);
      fill_request(&dup_req, b->eco, t, "pending");
      memcpy(dup_req.request_id, rid, sizeof(fin_id));
      *x = (struct fin_write){.kind = FIN_W_REQUEST_CREATE, .u.request = &dup_req};
      break;
    case F_DECIDE_MISSING:
    case F_DECIDE_NOT_PENDING:
      if (f == F_DECIDE_NOT_PENDING) make_request(b->eco, t, "approved", rid);
      *x = (struct fin_write){.kind = FIN_W_REQUEST_DECIDE};
      x->u.decide.ecosystem_id = b->eco;
      x->u.decide.request_id = f == F_DECIDE_NOT_PENDING ? rid : ghost;
      x->u.decide.status = "rejected";
      x->u.decide.decision = &d;
      x->u.decide.updated_at = t;
      want = f == F_DECIDE_NOT_PENDING ? FIN_PRECONDITION : FIN_NOT_FOUND;
      break;
    case F_IDEM_LIVE: {
      char h[65];
      memset(h, 'l', 64), h[64] = '\0';
      memcpy(h, ghost + 11, 20);
      fill_idem(&live, b->eco, h, t, t + 60000);
      struct fin_write first = {.kind = FIN_W_IDEM_PUT, .u.idem = {&live, t}};
      assert_status(commit(&first, 1, NULL), FIN_OK);
      *x = (struct fin_write){.kind = FIN_W_IDEM_PUT, .u.idem = {&live, t + 1}};
      break;
    }
    }
    struct fin_err e = {0};
    enum fin_status st = commit(b->w, b->n + 1, &e);
    if (st != want)
      fail_msg("%s: commit -> %s (%s), want %s", names[f], fin_status_name(st), e.msg,
               fin_status_name(want));
    if (e.failed_write != (int)b->n)
      fail_msg("%s: failed_write %d, want %zu", names[f], e.failed_write, b->n);
    if (f == F_BALANCE_STALE || f == F_BALANCE_NO_CARD) {
      assert_string_equal(e.card_id, x->u.balance.card_id);
      assert_int_equal(e.expected_version, x->u.balance.expected_version);
      assert_int_equal(e.actual_version, f == F_BALANCE_STALE ? 1 : -1);
    }
    batch_check(b, false);
    /* without the failing write, everything lands */
    assert_status(commit(b->w, b->n, NULL), FIN_OK);
    batch_check(b, true);
    free(b);
  }
}

/* ---- updates of missing rows: FIN_NOT_FOUND, and nothing is created ---- */
static void updates_on_missing_rows_create_nothing(void **state) {
  char ghost[64];
  new_key(ghost, "conf-missing");
  fin_ms t = now_ms();
  struct fin_score s = {.ecosystem_id = ghost, .value = 1, .reason = "x", .timestamp = t};
  new_id(s.score_id);
  strcpy(s.source, "system");
  struct fin_write w = {.kind = FIN_W_USER_SCORE};
  w.u.score.ecosystem_id = ghost;
  w.u.score.score = 1;
  w.u.score.tier = "low";
  w.u.score.entry = &s;
  assert_status(commit(&w, 1, NULL), FIN_NOT_FOUND);
  w = (struct fin_write){.kind = FIN_W_USER_SUMMARY};
  w.u.summary.ecosystem_id = ghost;
  assert_status(commit(&w, 1, NULL), FIN_NOT_FOUND);
  struct fin_user u;
  assert_status(C.users.ops->get(C.users.self, ghost, &u, NULL), FIN_NOT_FOUND);
  struct fin_score *hist = NULL;
  size_t n = 1;
  assert_status(C.scores.ops->list(C.scores.self, ghost, 0, &hist, &n, NULL), FIN_OK);
  assert_int_equal(n, 0);
  free(hist);

  w = (struct fin_write){.kind = FIN_W_CARD_BALANCE};
  w.u.balance.ecosystem_id = ghost;
  w.u.balance.card_id = ghost;
  w.u.balance.expected_version = 1;
  struct fin_err e = {0};
  assert_status(commit(&w, 1, &e), FIN_VERSION_CONFLICT);
  assert_int_equal(e.actual_version, -1);
  struct fin_card c;
  assert_status(C.cards.ops->get(C.cards.self, ghost, ghost, &c, NULL), FIN_NOT_FOUND);
  struct fin_card *cards = NULL;
  assert_status(C.cards.ops->list_by_user(C.cards.self, ghost, NULL, &cards, &n, NULL), FIN_OK);
  assert_int_equal(n, 0);
  free(cards);

  struct fin_decision d;
  fill_decision(&d, "approved", t);
  w = (struct fin_write){.kind = FIN_W_REQUEST_DECIDE};
  w.u.decide.ecosystem_id = ghost;
  w.u.decide.request_id = ghost;
  w.u.decide.status = "approved";
  w.u.decide.decision = &d;
  assert_status(commit(&w, 1, NULL), FIN_NOT_FOUND);
  struct fin_card_request r;
  assert_status(C.requests.ops->get_any(C.requests.self, ghost, &r, NULL), FIN_NOT_FOUND);

  struct fin_event ev;
  assert_status(C.outbox.ops->mark_sent(C.outbox.self, ghost, t, NULL), FIN_NOT_FOUND);
  assert_status(C.outbox.ops->mark_failed(C.outbox.self, ghost, "x", t, NULL), FIN_NOT_FOUND);
  assert_status(C.outbox.ops->mark_dead(C.outbox.self, ghost, "x", NULL), FIN_NOT_FOUND);
  assert_status(C.outbox.ops->get(C.outbox.self, ghost, &ev, NULL), FIN_NOT_FOUND);

  struct fin_wa_notification nt;
  assert_status(C.wa_notifications.ops->update_status(C.wa_notifications.self, ghost, "sent", "w",
                                                      NULL, t, NULL),
                FIN_NOT_FOUND);
  assert_status(C.wa_notifications.ops->get(C.wa_notifications.self, ghost, &nt, NULL),
                FIN_NOT_FOUND);
  struct fin_pending_approval p;
  assert_status(C.approvals.ops->decide(C.approvals.self, ghost, "approved", "5511", t, NULL),
                FIN_NOT_FOUND);
  assert_status(C.approvals.ops->get(C.approvals.self, ghost, &p, NULL), FIN_NOT_FOUND);
}

/* ---- a purchase-shaped commit, and caller-given sequences ---- */
static void purchase_commit_lands_whole(void **state) {
  char eco[64];
  new_key(eco, "conf-buy");
  make_user(eco, 700);
  fin_id card;
  make_card(eco, 1000, card);
  fin_ms t = now_ms();
  for (int i = 1; i <= 3; i++) {
    struct fin_card c;
    assert_status(C.cards.ops->get(C.cards.self, eco, card, &c, NULL), FIN_OK);
    struct fin_txn x;
    fill_txn(&x, eco, card, "purchase", t + i);
    struct fin_event ev;
    fill_event(&ev, eco, "transaction", x.transaction_id, t + i);
    ev.payload = json_pack("{s:s}", "transactionId", x.transaction_id);
    char hash[65];
    snprintf(hash, sizeof hash, "%064d", i);
    struct fin_idem rec;
    fill_idem(&rec, eco, hash, t, t + 60000);
    struct fin_write w[4] = {{.kind = FIN_W_TXN_PUT, .u.txn = &x},
                             {.kind = FIN_W_CARD_BALANCE},
                             {.kind = FIN_W_EVENT_APPEND, .u.event = &ev},
                             {.kind = FIN_W_IDEM_PUT, .u.idem = {&rec, t}}};
    w[1].u.balance.ecosystem_id = eco;
    w[1].u.balance.card_id = card;
    w[1].u.balance.expected_version = c.version;
    w[1].u.balance.balance = c.balance + 12.5;
    w[1].u.balance.available_credit = c.limit - c.balance - 12.5;
    fin_card_clear(&c);
    assert_status(commit(w, 4, NULL), FIN_OK);
    assert_int_equal(ev.sequence, 1); /* a new entity each time */
    json_decref(ev.payload);
  }
  struct fin_card c;
  assert_status(C.cards.ops->get(C.cards.self, eco, card, &c, NULL), FIN_OK);
  assert_true(c.balance == 37.5 && c.version == 4);
  fin_card_clear(&c);

  /* a non-zero sequence is stored as given */
  struct fin_event ev;
  fill_event(&ev, eco, "user", eco, t);
  ev.sequence = 7;
  struct fin_write w = {.kind = FIN_W_EVENT_APPEND, .u.event = &ev};
  assert_status(commit(&w, 1, NULL), FIN_OK);
  assert_int_equal(ev.sequence, 7);
  struct fin_event got;
  assert_status(C.outbox.ops->get(C.outbox.self, ev.event_id, &got, NULL), FIN_OK);
  assert_int_equal(got.sequence, 7);
  assert_null(got.payload);
  fin_event_clear(&got);
  assert_status(C.store.ops->ping(C.store.self, NULL), FIN_OK);
}

const struct CMUnitTest conf_store_tests[] = {
    conf_test(commit_round_trips_every_row),
    conf_test(commit_updates_rows_in_place),
    conf_test(balance_has_no_lost_update_under_50_threads),
    conf_test(event_sequences_are_gapless_under_50_threads),
    conf_test(idempotency_put_has_one_winner_and_expires),
    conf_test(failing_conditions_apply_nothing),
    conf_test(updates_on_missing_rows_create_nothing),
    conf_test(purchase_commit_lands_whole),
};
const size_t conf_store_count = sizeof conf_store_tests / sizeof conf_store_tests[0];
