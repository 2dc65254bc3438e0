/* test_ddb_store.c - the expressions of the DynamoDB commit, read from the
 * TransactWriteItems request a loopback server receives: every write to one
 * user is merged into one Update whose UpdateExpression and
 * ConditionExpression name every part of every write (they were built in
 * fixed arrays and cut short when one commit had five writes to one user),
 * and a commit whose expression cannot be built is refused with an error
 * before anything is sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../adapters/aws/ddb.h"
#include "../../core/util/log.h"
#include "fake_http.h"

struct rig {
  struct fake f;
  struct ddb *d;
  struct fin_store store;
};

static void rig_start(struct rig *r) {
  static const char *const answers[] = {"200|{}"};
  fake_start(&r->f, answers, 1);
  char url[64], err[256];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", r->f.port);
  struct ddb_cfg cfg = {.aws = {.endpoint = url,
                                .region = "us-east-1",
                                .access_key_id = "k",
                                .secret_access_key = "s",
                                .timeout_ms = 2000,
                                .max_retries = -1}};
  r->d = ddb_new(&cfg, err, sizeof err);
  if (r->d == NULL) fail_msg("ddb_new: %s", err);
  r->store = ddb_store_port(r->d);
}

static void rig_stop(struct rig *r) {
  r->store.ops->destroy(r->store.self);
  ddb_unref(r->d);
  fake_stop(&r->f);
}

/* The body of the last request the server received (new reference). */
static json_t *last_body(struct rig *r) {
  pthread_mutex_lock(&r->f.mu);
  const char *body = strstr(r->f.last, "\r\n\r\n");
  json_t *j = body ? json_loads(body + 4, 0, NULL) : NULL;
  pthread_mutex_unlock(&r->f.mu);
  assert_non_null(j);
  return j;
}

static struct fin_write score_w(const char *eco, int score) {
  struct fin_write w = {.kind = FIN_W_USER_SCORE};
  w.u.score.ecosystem_id = eco;
  w.u.score.score = score;
  w.u.score.tier = "good";
  w.u.score.updated_at = 1700000000000;
  return w;
}

static struct fin_write summary_w(const char *eco) {
  struct fin_write w = {.kind = FIN_W_USER_SUMMARY};
  w.u.summary.ecosystem_id = eco;
  w.u.summary.summary = (struct fin_card_summary){1, 10.5, 1000};
  w.u.summary.updated_at = 1700000000001;
  return w;
}

static struct fin_write slot_w(const char *eco, int64_t rev) {
  struct fin_write w = {.kind = FIN_W_USER_CARD_SLOT};
  w.u.slot.ecosystem_id = eco;
  w.u.slot.expected_rev = rev;
  return w;
}

#define SLOT0_COND " AND (attribute_not_exists(cardRev) OR cardRev = :cre)"

/* Five writes to one user: one Update carrying all five parts. */
static void five_writes_to_one_user_are_one_whole_update(void **state) {
  struct rig r;
  rig_start(&r);
  struct fin_write w[] = {score_w("u1", 700), summary_w("u1"), slot_w("u1", 0), slot_w("u1", 0),
                          slot_w("u1", 0)};
  struct fin_err e = {0};
  assert_int_equal(r.store.ops->commit(r.store.self, w, 5, &e), FIN_OK);
  assert_int_equal(fake_requests(&r.f), 1);
  json_t *body = last_body(&r);
  json_t *items = json_object_get(body, "TransactItems");
  assert_int_equal(json_array_size(items), 1);
  json_t *up = json_object_get(json_array_get(items, 0), "Update");
  assert_string_equal(json_string_value(json_object_get(up, "UpdateExpression")),
                      "SET updatedAt = :u, currentScore = :sc, tier = :tier, cardSummary = :sum"
                      ", cardRev = :crn, cardRev = :crn, cardRev = :crn");
  assert_string_equal(json_string_value(json_object_get(up, "ConditionExpression")),
                      "attribute_exists(ecosystemId)" SLOT0_COND SLOT0_COND SLOT0_COND);
  json_decref(body);
  rig_stop(&r);
}

/* Unchecked slot bumps have the longest SET part: five of them and a score. */
static void long_set_parts_are_whole(void **state) {
  struct rig r;
  rig_start(&r);
  struct fin_write w[6] = {score_w("u2", 650)};
  for (int i = 1; i < 6; i++)
    w[i] = slot_w("u2", -1);
  struct fin_err e = {0};
  assert_int_equal(r.store.ops->commit(r.store.self, w, 6, &e), FIN_OK);
  json_t *body = last_body(&r);
  json_t *up = json_object_get(json_array_get(json_object_get(body, "TransactItems"), 0), "Update");
  char want[512] = "SET updatedAt = :u, currentScore = :sc, tier = :tier";
  for (int i = 1; i < 6; i++)
    snprintf(want + strlen(want), sizeof want - strlen(want), "%s",
             ", cardRev = if_not_exists(cardRev, :cr0) + :cr1");
  assert_string_equal(json_string_value(json_object_get(up, "UpdateExpression")), want);
  assert_string_equal(json_string_value(json_object_get(up, "ConditionExpression")),
                      "attribute_exists(ecosystemId)");
  json_decref(body);
  rig_stop(&r);
}

/* As many checked slot writes as a commit may hold: the condition does not
 * fit the expression's bound, so the commit is refused and nothing is sent
 * (a cut condition would be another condition). */
static void an_expression_that_does_not_fit_is_an_error(void **state) {
  struct rig r;
  rig_start(&r);
  struct fin_write w[FIN_MAX_WRITES];
  for (int i = 0; i < FIN_MAX_WRITES; i++)
    w[i] = slot_w("u3", 0);
  struct fin_err e = {0};
  assert_int_equal(r.store.ops->commit(r.store.self, w, FIN_MAX_WRITES, &e), FIN_INVALID);
  assert_non_null(strstr(e.msg, "does not fit"));
  assert_int_equal(fake_requests(&r.f), 0);
  rig_stop(&r);
}

int main(void) {
  fin_log_set_enabled(0);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(five_writes_to_one_user_are_one_whole_update),
      cmocka_unit_test(long_set_parts_are_whole),
      cmocka_unit_test(an_expression_that_does_not_fit_is_an_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
