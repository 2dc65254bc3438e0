/* test_races.c - two races between instances that share a store, made
 * deterministic. Instances do not share the in-process locks that queue
 * such requests inside one process, so each test plays "the other
 * instance" through a wrapped port of a memory-mode container:
 *
 * - a first use of an Idempotency-Key for a card request that misses the
 *   key's record (the other instance's first use of the same key has not
 *   written it yet), and then finds the request that first use made: it is
 *   that key's own request, replayed (200, as any replay), not a 409;
 * - a purchase whose commit keeps losing the card's version check to
 *   another instance: it backs off and tries again, up to
 *   FIN_MONEY_RETRIES attempts, and only then answers 409. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../core/app/money.h"
#include "app_http.h"

static struct fin_idempotency real_idem;
static struct fin_idempotency_ops stale_idem_ops;
static int stale_reads; /* the next reads of a key miss it, as a read made before its write */

static enum fin_status stale_get(void *self, const char *scope, const char *hash, fin_ms now,
                                 struct fin_idem *out, struct fin_err *e) {
  if (stale_reads > 0) {
    stale_reads--;
    return FIN_NOT_FOUND;
  }
  return real_idem.ops->get(real_idem.self, scope, hash, now, out, e);
}

static struct fin_store real_store;
static struct fin_store_ops losing_ops;
static int lost_commits; /* the next purchase commits lose the version check */
static int commits_tried;

static enum fin_status losing_commit(void *self, struct fin_write *w, size_t n, struct fin_err *e) {
  for (size_t i = 0; i < n; i++) {
    if (w[i].kind != FIN_W_TXN_PUT) continue;
    commits_tried++;
    if (lost_commits == 0) break;
    lost_commits--;
    fin_err_set(e, FIN_VERSION_CONFLICT, "card changed (another instance)");
    return FIN_VERSION_CONFLICT; /* nothing applied */
  }
  return real_store.ops->commit(real_store.self, w, n, e);
}

static const char *str_at(const char *a, const char *b) {
  return json_string_value(json_object_get(json_object_get(app_body, a), b));
}

static void first_use_meeting_its_twins_request_replays(void **state) {
  char *user = token("race-1", "user"), *admin = token("admin-001", "admin");
  assert_int_equal(run("POST", "/v1/users", user, NULL, "{}", NULL), 201);
  assert_int_equal(run("PATCH", "/v1/admin/users/race-1/score", admin, "k-s",
                       "{\"score\":400,\"reason\":\"setup\"}", NULL),
                   200);
  /* instance A's first use of the key */
  const char *body = "{\"productId\":\"p\"}";
  assert_int_equal(run("POST", "/v1/cards/requests", user, "k-twin", body, NULL), 201);
  char *first = strdup(str_at("request", "requestId"));
  /* instance B's first use read the key before A wrote its record */
  stale_reads = 1;
  int status = run("POST", "/v1/cards/requests", user, "k-twin", body, NULL);
  assert_int_equal(stale_reads, 0); /* B did miss the record */
  assert_int_equal(status, 200);    /* what any replay of a card request answers */
  assert_string_equal(str_at("request", "requestId"), first);
  /* another key is refused as before: the user has a pending request */
  assert_int_equal(run("POST", "/v1/cards/requests", user, "k-other", body, NULL), 409);
  free(first);
  free(user);
  free(admin);
}

static char *buyer_with_card(const char *eco, char *card_id, size_t size) {
  char *user = token(eco, "user"), *admin = token("admin-001", "admin");
  char path[128];
  assert_int_equal(run("POST", "/v1/users", user, NULL, "{}", NULL), 201);
  snprintf(path, sizeof path, "/v1/admin/users/%s/score", eco);
  assert_int_equal(run("PATCH", path, admin, "k-s", "{\"score\":900,\"reason\":\"setup\"}", NULL),
                   200);
  assert_int_equal(run("POST", "/v1/cards/requests", user, "k-r", "{\"productId\":\"p\"}", NULL),
                   201);
  assert_int_equal(run("GET", "/v1/cards", user, NULL, NULL, NULL), 200);
  json_t *cards = json_object_get(app_body, "cards");
  assert_int_equal(json_array_size(cards), 1); /* a high score is approved at once */
  snprintf(card_id, size, "%s",
           json_string_value(json_object_get(json_array_get(cards, 0), "cardId")));
  free(admin);
  return user;
}

static void purchase_outlasts_a_run_of_lost_races(void **state) {
  char card[64], path[160];
  char *user = buyer_with_card("race-2", card, sizeof card);
  snprintf(path, sizeof path, "/v1/cards/%s/transactions/purchases", card);

  /* 15 lost races in a row (two instances were seen to lose 8 in a row to
   * each other): the purchase still goes through */
  lost_commits = 15;
  commits_tried = 0;
  assert_int_equal(run("POST", path, user, "k-p1", "{\"amount\":10}", NULL), 201);
  assert_int_equal(commits_tried, 16);

  /* every attempt loses: 409, nothing stored, and the key is free again */
  lost_commits = FIN_MONEY_RETRIES;
  commits_tried = 0;
  assert_int_equal(run("POST", path, user, "k-p2", "{\"amount\":10}", NULL), 409);
  assert_int_equal(commits_tried, FIN_MONEY_RETRIES);
  assert_int_equal(run("POST", path, user, "k-p2", "{\"amount\":10}", NULL), 201);
  free(user);
}

static int setup(void **state) {
  if (memory_app_load(&C) != 0) return -1;
  real_idem = C.idem;
  stale_idem_ops = *real_idem.ops;
  stale_idem_ops.get = stale_get;
  stale_idem_ops.destroy = NULL;
  C.idem = (struct fin_idempotency){&stale_idem_ops, real_idem.self};
  real_store = C.store;
  losing_ops = *real_store.ops;
  losing_ops.commit = losing_commit;
  losing_ops.destroy = NULL;
  C.store = (struct fin_store){&losing_ops, real_store.self};
  stale_reads = lost_commits = commits_tried = 0;
  return 0;
}

static int teardown(void **state) {
  C.idem = real_idem;
  C.store = real_store;
  app_http_release();
  fin_container_destroy(&C);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(first_use_meeting_its_twins_request_replays, setup, teardown),
      cmocka_unit_test_setup_teardown(purchase_outlasts_a_run_of_lost_races, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
