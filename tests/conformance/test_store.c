/* test_store.c - store.commit (store.h): every write kind round trips, a
 * purchase-shaped commit lands whole, and the three concurrency guarantees
 * (no lost update, gapless sequences, one winner per idempotency key).
 * In-place updates and failing conditions: test_commit.c. */
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
static void user_reads_back(const char *eco, const struct fin_user *u) {
  struct fin_user gu;
  assert_status(C.users.ops->get(C.users.self, eco, &gu, NULL), FIN_OK);
  assert_string_equal(gu.ecosystem_id, eco);
  assert_string_equal(gu.firebase_uid, eco);
  assert_string_equal(gu.email, u->email);
  assert_string_equal(gu.role, "user");
  assert_string_equal(gu.status, "active");
  assert_int_equal(gu.score, 640);
  assert_string_equal(gu.tier, "medium");
  assert_int_equal(gu.summary.active_cards, 1);
  assert_true(gu.summary.total_balance == 2.5 && gu.summary.total_limit == 1000);
  assert_true(gu.created_at == u->created_at && gu.updated_at == u->updated_at &&
              gu.last_login_at == u->last_login_at);
  fin_user_clear(&gu);
}

static void card_reads_back(const char *eco, const struct fin_card *c) {
  struct fin_card gc;
  assert_status(C.cards.ops->get(C.cards.self, eco, c->card_id, &gc, NULL), FIN_OK);
  assert_string_equal(gc.card_id, c->card_id);
  assert_string_equal(gc.ecosystem_id, eco);
  assert_string_equal(gc.product_id, "default-credit-card");
  assert_string_equal(gc.status, "active");
  assert_true(gc.limit == 5000 && gc.balance == 0 && gc.available_credit == 5000 &&
              gc.minimum_payment == 0);
  assert_true(gc.next_due_date == c->next_due_date && gc.version == 1);
  assert_string_equal(gc.approved_by, "auto");
  assert_int_equal(gc.score_at_approval, 700);
  assert_true(gc.created_at == c->created_at);
  assert_true(gc.activated_at == c->activated_at && gc.updated_at == c->updated_at);
  fin_card_clear(&gc);
}

/* Also: another user does not get it. */
static void request_reads_back(const char *eco, const struct fin_card_request *r,
                               const struct fin_decision *d, const char *card_id, fin_ms t) {
  struct fin_card_request gr;
  assert_status(C.requests.ops->get(C.requests.self, eco, r->request_id, &gr, NULL), FIN_OK);
  assert_string_equal(gr.request_id, r->request_id);
  assert_string_equal(gr.ecosystem_id, eco);
  assert_string_equal(gr.product_id, r->product_id);
  assert_string_equal(gr.idempotency_key, r->idempotency_key);
  assert_string_equal(gr.status, "approved");
  assert_int_equal(gr.score_at_request, 450);
  assert_string_equal(gr.tier_at_request, "low");
  assert_true(gr.decision.present);
  assert_string_equal(gr.decision.outcome, "approved");
  assert_string_equal(gr.decision.source, "auto");
  assert_string_equal(gr.decision.admin_id, d->admin_id);
  assert_string_equal(gr.decision.reason, d->reason);
  assert_true(gr.decision.has_approved_limit && gr.decision.approved_limit == 2000);
  assert_true(gr.decision.decided_at == t);
  assert_string_equal(gr.resulting_card_id, card_id);
  assert_true(gr.created_at == t && gr.updated_at == t && gr.expires_at == r->expires_at);
  fin_card_request_clear(&gr);
  assert_status(C.requests.ops->get(C.requests.self, "someone-else", r->request_id, &gr, NULL),
                FIN_NOT_FOUND);
}

static void txn_reads_back(const char *eco, const struct fin_txn *x, const char *card_id,
                           fin_ms t) {
  struct fin_txn gx;
  assert_status(C.txns.ops->get(C.txns.self, eco, card_id, x->transaction_id, &gx, NULL), FIN_OK);
  assert_string_equal(gx.transaction_id, x->transaction_id);
  assert_string_equal(gx.ecosystem_id, eco);
  assert_string_equal(gx.card_id, card_id);
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
}

static void event_reads_back(const char *eco, const struct fin_event *ev, const char *card_id,
                             fin_ms t) {
  struct fin_event ge;
  assert_status(C.outbox.ops->get(C.outbox.self, ev->event_id, &ge, NULL), FIN_OK);
  assert_string_equal(ge.event_type, "card.approved");
  assert_string_equal(ge.entity_type, "card");
  assert_string_equal(ge.entity_id, card_id);
  assert_string_equal(ge.ecosystem_id, eco);
  assert_int_equal(ge.sequence, 1);
  assert_string_equal(ge.status, "pending");
  assert_int_equal(ge.retry_count, 0);
  assert_null(ge.last_error);
  assert_true(ge.created_at == t && ge.next_retry_at == t && ge.sent_at == 0);
  assert_true(json_equal(ge.payload, ev->payload));
  fin_event_clear(&ge);
}

static void idem_reads_back(const char *eco, const char *hash, const struct fin_idem *idem,
                            fin_ms t) {
  struct fin_idem gi;
  assert_status(C.idem.ops->get(C.idem.self, eco, hash, t, &gi, NULL), FIN_OK);
  assert_string_equal(gi.ecosystem_id, eco);
  assert_string_equal(gi.key_hash, hash);
  assert_string_equal(gi.operation, "make-purchase");
  assert_string_equal(gi.response, idem->response);
  assert_string_equal(gi.fingerprint, idem->fingerprint);
  assert_int_equal(gi.status_code, 200);
  assert_true(gi.created_at == t && gi.expires_at == t + 86400000);
  fin_idem_clear(&gi);
}

static void audit_reads_back(const char *target, const struct fin_audit *a, fin_ms t) {
  struct fin_audit *logs = NULL;
  size_t n = 0;
  struct fin_page page = {0};
  assert_status(
      C.audit.ops->find_by_target(C.audit.self, "user", target, NULL, 10, &logs, &n, &page, NULL),
      FIN_OK);
  assert_int_equal(n, 1);
  assert_false(page.has_more);
  assert_null(page.next_cursor);
  assert_string_equal(logs[0].log_id, a->log_id);
  assert_string_equal(logs[0].admin_ecosystem_id, "admin-conformance");
  assert_string_equal(logs[0].admin_email, "admin@test.local");
  assert_string_equal(logs[0].action, "score.adjusted");
  assert_string_equal(logs[0].target_ecosystem_id, target);
  assert_string_equal(logs[0].reason, "conformance");
  assert_string_equal(logs[0].request_id, "req-conformance");
  assert_true(json_equal(logs[0].previous_value, a->previous_value));
  assert_true(json_equal(logs[0].new_value, a->new_value));
  assert_true(logs[0].timestamp == t);
  fin_audit_list_free(logs, n);
  fin_page_clear(&page);
}

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

  user_reads_back(eco, &u);
  card_reads_back(eco, &c);
  request_reads_back(eco, &r, &d, c.card_id, t);
  txn_reads_back(eco, &x, c.card_id, t);
  event_reads_back(eco, &ev, c.card_id, t);
  idem_reads_back(eco, hash, &idem, t);
  audit_reads_back(target, &a, t);
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
    conf_test(balance_has_no_lost_update_under_50_threads),
    conf_test(event_sequences_are_gapless_under_50_threads),
    conf_test(idempotency_put_has_one_winner_and_expires),
    conf_test(purchase_commit_lands_whole),
};
const size_t conf_store_count = sizeof conf_store_tests / sizeof conf_store_tests[0];
