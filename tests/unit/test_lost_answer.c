/* test_lost_answer.c - a commit that landed but whose answer was lost, so
 * the store sent it again and the resend met what the first one wrote: the
 * request answers its own outcome (a replay of its key's record), never a
 * 500. Runs the real pipeline and handlers on a memory-mode container whose
 * store, once armed, applies a commit that creates a card and then reports
 * the new card as existing (what a resend reports). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "app_http.h"

static struct fin_store real;
static struct fin_store_ops lossy_ops;
static bool armed;

static enum fin_status lossy_commit(void *self, struct fin_write *w, size_t n, struct fin_err *e) {
  enum fin_status st = real.ops->commit(real.self, w, n, e);
  if (st != FIN_OK || !armed) return st;
  for (size_t i = 0; i < n; i++) {
    if (w[i].kind != FIN_W_CARD_CREATE) continue;
    armed = false; /* applied; the answer is lost, the resend meets the card */
    fin_err_set(e, FIN_EXISTS, "Card already exists: %s", w[i].u.card->card_id);
    e->failed_write = (int)i;
    return FIN_EXISTS;
  }
  return st;
}

static const char *str_at(const char *a, const char *b) {
  return json_string_value(json_object_get(json_object_get(app_body, a), b));
}

static void approval_with_a_lost_answer_replays(void **state) {
  char *user = token("lost-1", "user"), *admin = token("admin-001", "admin");
  assert_int_equal(run("POST", "/v1/users", user, NULL, "{}", NULL), 201);
  assert_int_equal(run("PATCH", "/v1/admin/users/lost-1/score", admin, "k-s",
                       "{\"score\":400,\"reason\":\"setup\"}", NULL),
                   200);
  assert_int_equal(run("POST", "/v1/cards/requests", user, "k-r", "{\"productId\":\"p\"}", NULL),
                   201);
  assert_string_equal(str_at("request", "status"), "pending");
  char path[128];
  snprintf(path, sizeof path, "/v1/admin/card-requests/%s/approve", str_at("request", "requestId"));

  armed = true;
  int first = run("POST", path, admin, "k-a", "{\"creditLimit\":800}", NULL);
  char *answer = app_out.body ? strndup(app_out.body, app_out.body_len) : NULL;
  assert_false(armed); /* the commit was applied */
  assert_int_equal(first, 200);
  assert_string_equal(str_at("request", "status"), "approved");
  /* the same key replays the same answer; one card exists */
  assert_int_equal(run("POST", path, admin, "k-a", "{\"creditLimit\":800}", NULL), 200);
  assert_memory_equal(app_out.body, answer, app_out.body_len);
  assert_int_equal(run("GET", "/v1/cards", user, NULL, NULL, NULL), 200);
  assert_int_equal(json_array_size(json_object_get(app_body, "cards")), 1);
  free(answer);
  free(user);
  free(admin);
}

static int setup(void **state) {
  if (memory_app_load(&C) != 0) return -1;
  real = C.store;
  lossy_ops = *real.ops;
  lossy_ops.commit = lossy_commit;
  lossy_ops.destroy = NULL;
  C.store = (struct fin_store){&lossy_ops, real.self};
  return 0;
}

static int teardown(void **state) {
  C.store = real;
  app_http_release();
  fin_container_destroy(&C);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(approval_with_a_lost_answer_replays, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
