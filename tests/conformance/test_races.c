/* test_races.c - card issuance is one atomic decision per user (store.h
 * USER_CARD_SLOT): 50 threads asking for a card for one user leave at most
 * one card and one request, whatever the store. Runs the real handler of
 * POST /v1/cards/requests against the wired container. */
#include <pthread.h>
#include <stdio.h>

#include "../../core/app/handlers.h"
#include "../../core/http/pipeline.h"
#include "conf.h"

#define THREADS 50
#define ROUNDS 3 /* fresh users: one round lost the race only most of the time */

static pthread_barrier_t start_line;

struct racer {
  const char *eco;
  char key[64];
  int status;
  char code[40];
};

static const char *racer_header(void *ctx, const char *name) {
  const struct racer *r = ctx;
  return strcasecmp(name, "Idempotency-Key") == 0 ? r->key : NULL;
}

static void *race_one(void *arg) {
  struct racer *me = arg;
  struct fin_principal who = {
      .uid = (char *)me->eco, .email = "", .role = "user", .ecosystem_id = (char *)me->eco};
  struct fin_http_in in = {.method = "POST", .path = "/v1/cards/requests"};
  in.header = racer_header;
  in.ctx = me;
  struct fin_req q = {.method = "POST",
                      .path = "/v1/cards/requests",
                      .body = json_pack("{s:s}", "productId", "default-credit-card"),
                      .has_body = true,
                      .principal = &who,
                      .request_id = "conformance",
                      .conn = &in};
  struct fin_resp r = {0};
  pthread_barrier_wait(&start_line);
  fin_h_request_card(&C, &q, &r);
  me->status = r.status;
  snprintf(me->code, sizeof me->code, "%s", r.err_code ? r.err_code : "");
  json_decref(r.body);
  json_decref(r.err_details);
  json_decref(q.body);
  return NULL;
}

/* Runs the race; returns how many answers were 201. Every other answer
 * must be the 409 a sequential request would get. */
static int race(const char *eco, const char *loser_code) {
  static struct racer rs[THREADS];
  pthread_t th[THREADS];
  pthread_barrier_init(&start_line, NULL, THREADS);
  for (int i = 0; i < THREADS; i++) {
    rs[i] = (struct racer){.eco = eco};
    new_key(rs[i].key, "race");
    assert_int_equal(pthread_create(&th[i], NULL, race_one, &rs[i]), 0);
  }
  for (int i = 0; i < THREADS; i++)
    pthread_join(th[i], NULL);
  pthread_barrier_destroy(&start_line);
  int created = 0;
  for (int i = 0; i < THREADS; i++) {
    if (rs[i].status == 201) {
      created++;
      continue;
    }
    if (rs[i].status != 409 || strcmp(rs[i].code, loser_code) != 0)
      fail_msg("racer %d answered %d %s, want 409 %s", i, rs[i].status, rs[i].code, loser_code);
  }
  return created;
}

static size_t cards_of(const char *eco) {
  struct fin_card *cards = NULL;
  size_t n = 0;
  struct fin_err e = {0};
  enum fin_status st = C.cards.ops->list_by_user(C.cards.self, eco, NULL, &cards, &n, &e);
  if (st != FIN_OK && st != FIN_NOT_FOUND) fail_msg("list cards: %s", e.msg);
  fin_card_list_free(cards, n);
  return n;
}

static size_t pending_of(const char *eco) {
  struct fin_card_request *reqs = NULL;
  size_t n = 0, mine = 0;
  struct fin_err e = {0};
  struct fin_page page = {0};
  /* the newest pending requests: this test's are among them */
  assert_status(C.requests.ops->list_by_status(C.requests.self, "pending", FIN_SORT_NEWEST, NULL,
                                               100, &reqs, &n, &page, &e),
                FIN_OK);
  for (size_t i = 0; i < n; i++)
    mine += strcmp(reqs[i].ecosystem_id, eco) == 0;
  fin_card_request_list_free(reqs, n);
  fin_page_clear(&page);
  return mine;
}

static void auto_approved_card_is_issued_once_under_50_threads(void **state) {
  (void)state;
  for (int round = 0; round < ROUNDS; round++) {
    char eco[64];
    new_key(eco, "race-auto");
    make_user(eco, 750); /* auto-approved */
    assert_int_equal(race(eco, "CARD_ALREADY_EXISTS"), 1);
    assert_int_equal(cards_of(eco), 1);
    assert_int_equal(pending_of(eco), 0);
  }
}

static void pending_request_is_opened_once_under_50_threads(void **state) {
  (void)state;
  for (int round = 0; round < ROUNDS; round++) {
    char eco[64];
    new_key(eco, "race-pending");
    make_user(eco, 400); /* below auto-approval: goes to an admin */
    assert_int_equal(race(eco, "CARD_REQUEST_EXISTS"), 1);
    assert_int_equal(cards_of(eco), 0);
    assert_int_equal(pending_of(eco), 1);
  }
}

/* The port semantics the handler relies on. */
static void card_slot_checks_and_bumps_the_revision(void **state) {
  (void)state;
  char eco[64];
  new_key(eco, "slot");
  make_user(eco, 600);
  struct fin_user u = {0};
  struct fin_err e = {0};
  assert_status(C.users.ops->get(C.users.self, eco, &u, &e), FIN_OK);
  int64_t rev = u.card_rev;
  fin_user_clear(&u);
  struct fin_write w = {.kind = FIN_W_USER_CARD_SLOT, .u.slot = {eco, rev}};
  assert_status(commit(&w, 1, &e), FIN_OK);
  /* the same (now stale) revision fails, and says which write */
  struct fin_card c;
  fill_card(&c, eco, 500);
  struct fin_write two[2] = {{.kind = FIN_W_CARD_CREATE, .u.card = &c},
                             {.kind = FIN_W_USER_CARD_SLOT, .u.slot = {eco, rev}}};
  memset(&e, 0, sizeof e);
  assert_status(commit(two, 2, &e), FIN_VERSION_CONFLICT);
  assert_int_equal(e.failed_write, 1);
  assert_int_equal(cards_of(eco), 0); /* nothing applied */
  /* an unchecked bump always moves it on */
  w.u.slot.expected_rev = -1;
  assert_status(commit(&w, 1, &e), FIN_OK);
  assert_status(C.users.ops->get(C.users.self, eco, &u, &e), FIN_OK);
  assert_int_equal(u.card_rev, rev + 2);
  fin_user_clear(&u);
  /* a missing user */
  char ghost[64];
  new_key(ghost, "slot-ghost");
  w.u.slot.ecosystem_id = ghost;
  memset(&e, 0, sizeof e);
  assert_status(commit(&w, 1, &e), FIN_NOT_FOUND);
  w.u.slot.expected_rev = 0;
  assert_status(commit(&w, 1, &e), FIN_NOT_FOUND);
}

const struct CMUnitTest conf_race_tests[] = {
    conf_test(card_slot_checks_and_bumps_the_revision),
    conf_test(auto_approved_card_is_issued_once_under_50_threads),
    conf_test(pending_request_is_opened_once_under_50_threads),
};
const size_t conf_race_count = sizeof conf_race_tests / sizeof conf_race_tests[0];
