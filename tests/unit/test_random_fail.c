/* test_random_fail.c - a failed random source never yields an id: the
 * generators report it, and a request that needs an id fails with 503
 * (nothing stored) instead of using zeroed bytes. Runs the real pipeline
 * and handlers on a memory-mode container (lua/memory.lua) and switches the
 * random source off with the test-build hook of ids.h. */
/* the library objects of the test build are compiled with it: its hook exists */
#define UNIT_TESTING_BUILD 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../core/app/container.h"
#include "../../core/app/routes.h"
#include "../../core/app/seed.h"
#include "../../core/http/pipeline.h"
#include "../../core/lua/host.h"
#include "../../core/util/codec.h"
#include "../../core/util/ids.h"
#include "../../core/util/log.h"
#include "app_http.h"

static const char *err_code(void) {
  return json_string_value(json_object_get(json_object_get(app_body, "error"), "code"));
}

static int setup(void **state) {
  (void)state;
  return memory_app_load(&C);
}

static int teardown(void **state) {
  (void)state;
  fin_ids_test_fail_random(false);
  app_http_release();
  fin_container_destroy(&C);
  return 0;
}

static void generators_report_the_failure(void **state) {
  (void)state;
  char id[37] = "x";
  fin_ids_test_fail_random(true);
  assert_int_equal(fin_uuid_v4(id), -1);
  assert_string_equal(id, "");
  strcpy(id, "x");
  assert_int_equal(fin_uuid_v7(id), -1);
  assert_string_equal(id, "");
  strcpy(id, "x");
  assert_int_equal(fin_uuid_v7_at(1795552198759LL, id), -1);
  assert_string_equal(id, "");
  fin_ids_test_fail_random(false);
  assert_int_equal(fin_uuid_v4(id), 0);
  assert_int_equal(strlen(id), 36);
  assert_string_not_equal(id, "00000000-0000-4000-8000-000000000000");
}

static void requests_needing_an_id_fail_with_503_and_store_nothing(void **state) {
  (void)state;
  char *user = token("user-123", "user"), *admin = token("admin-001", "admin");
  fin_ids_test_fail_random(true);
  /* no request id can be made: the request does not run */
  assert_int_equal(run("GET", "/v1/dashboard", user, NULL, NULL, NULL), 503);
  assert_string_equal(err_code(), "DEPENDENCY_UNAVAILABLE");
  /* card request (request id, card id): 503, nothing stored */
  assert_int_equal(
      run("POST", "/v1/cards/requests", user, "k-card", "{\"productId\":\"p\"}", "rid-1"), 503);
  assert_string_equal(err_code(), "DEPENDENCY_UNAVAILABLE");
  /* cleanup confirmation token: never minted from zeroed bytes */
  assert_int_equal(run("POST", "/v1/admin/cleanup", admin, NULL, "{}", "rid-2"), 503);
  assert_null(json_object_get(app_body, "confirmationToken"));
  fin_ids_test_fail_random(false);
  assert_int_equal(run("GET", "/v1/cards", user, NULL, NULL, "rid-3"), 200);
  assert_int_equal(json_array_size(json_object_get(app_body, "cards")), 0);

  /* with a card: purchases and payments need transaction ids */
  assert_int_equal(
      run("POST", "/v1/cards/requests", user, "k-card", "{\"productId\":\"p\"}", "rid-4"), 201);
  char cid[40];
  snprintf(cid, sizeof cid, "%s",
           json_string_value(json_object_get(
               json_object_get(json_object_get(app_body, "request"), "card"), "cardId")));
  char path[128];
  snprintf(path, sizeof path, "/v1/cards/%s/transactions/purchases", cid);
  fin_ids_test_fail_random(true);
  assert_int_equal(run("POST", path, user, "k-buy", "{\"amount\":50}", "rid-5"), 503);
  assert_string_equal(err_code(), "DEPENDENCY_UNAVAILABLE");
  fin_ids_test_fail_random(false);
  snprintf(path, sizeof path, "/v1/cards/%s/transactions", cid);
  assert_int_equal(run("GET", path, user, NULL, NULL, "rid-6"), 200);
  assert_int_equal(json_array_size(json_object_get(app_body, "transactions")), 0);
  /* the same key runs once the source is back: nothing was recorded */
  snprintf(path, sizeof path, "/v1/cards/%s/transactions/purchases", cid);
  assert_int_equal(run("POST", path, user, "k-buy", "{\"amount\":50}", "rid-7"), 201);
  snprintf(path, sizeof path, "/v1/cards/%s/transactions/payments", cid);
  fin_ids_test_fail_random(true);
  assert_int_equal(run("POST", path, user, "k-pay", "{\"amount\":20}", "rid-8"), 503);
  /* admin score adjustment (history entry id) */
  assert_int_equal(run("PATCH", "/v1/admin/users/user-123/score", admin, "k-s",
                       "{\"score\":650,\"reason\":\"r\"}", "rid-9"),
                   503);
  fin_ids_test_fail_random(false);
  assert_int_equal(run("GET", "/v1/admin/users/user-123/score", admin, NULL, NULL, "rid-10"), 200);
  assert_int_equal(
      json_integer_value(json_object_get(json_object_get(app_body, "user"), "currentScore")), 700);
  free(user);
  free(admin);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(generators_report_the_failure),
      cmocka_unit_test_setup_teardown(requests_needing_an_id_fail_with_503_and_store_nothing, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
