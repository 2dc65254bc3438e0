/* test_router.c - route table and matcher (behaviour.md §0.3, §0.8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "../../core/app/handlers.h"
#include "../../core/app/routes.h"
#include "../../core/http/router.h"

static struct fin_match m;

static fin_handler route(const char *method, const char *path) {
  if (!fin_route_match(fin_routes_default(), method, path, &m)) return NULL;
  return m.route->handler;
}

static void every_route_of_the_table(void **state) {
  (void)state;
  assert_ptr_equal(route("GET", "/health/liveness"), fin_h_liveness);
  assert_ptr_equal(route("GET", "/health/readiness"), fin_h_readiness);
  assert_ptr_equal(route("GET", "/openapi.yaml"), fin_h_openapi);
  assert_ptr_equal(route("POST", "/v1/users"), fin_h_register_user);
  assert_ptr_equal(route("GET", "/v1/dashboard"), fin_h_dashboard);
  assert_ptr_equal(route("GET", "/v1/offers"), fin_h_offers);
  assert_ptr_equal(route("GET", "/v1/cards"), fin_h_list_cards);
  assert_ptr_equal(route("GET", "/v1/cards/c1"), fin_h_get_card);
  assert_string_equal(m.params[0], "c1");
  assert_ptr_equal(route("POST", "/v1/cards/requests"), fin_h_request_card);
  assert_ptr_equal(route("GET", "/v1/cards/requests/r1"), fin_h_get_card_request);
  assert_string_equal(m.params[0], "r1");
  assert_ptr_equal(route("POST", "/v1/cards/c1/transactions/purchases"), fin_h_purchase);
  assert_ptr_equal(route("POST", "/v1/cards/c1/transactions/payments"), fin_h_payment);
  assert_ptr_equal(route("GET", "/v1/cards/c1/transactions"), fin_h_list_transactions);
  assert_ptr_equal(route("GET", "/v1/admin/users/u1/score"), fin_h_admin_get_score);
  assert_ptr_equal(route("PATCH", "/v1/admin/users/u1/score"), fin_h_admin_patch_score);
  assert_string_equal(m.params[0], "u1");
  assert_ptr_equal(route("GET", "/v1/admin/card-requests"), fin_h_admin_list_requests);
  assert_ptr_equal(route("POST", "/v1/admin/card-requests/r1/approve"), fin_h_admin_approve);
  assert_ptr_equal(route("POST", "/v1/admin/card-requests/r1/reject"), fin_h_admin_reject);
  assert_ptr_equal(route("POST", "/v1/admin/cleanup"), fin_h_admin_cleanup);
  assert_ptr_equal(route("GET", "/webhooks/wpp-connect/health"), fin_h_wpp_health);
  assert_ptr_equal(route("POST", "/webhooks/wpp-connect"), fin_h_wpp_webhook);
}

static void flags(void **state) {
  (void)state;
  assert_non_null(route("GET", "/health/liveness"));
  assert_int_equal(m.route->flags & (FIN_RT_AUTH | FIN_RT_ADMIN), 0);
  assert_true(m.route->flags & FIN_RT_NO_LIMIT);
  assert_non_null(route("POST", "/v1/cards/requests"));
  assert_int_equal(m.route->flags & (FIN_RT_AUTH | FIN_RT_ADMIN | FIN_RT_JSON),
                   FIN_RT_AUTH | FIN_RT_JSON);
  assert_non_null(route("PATCH", "/v1/admin/users/x/score"));
  assert_true((m.route->flags & FIN_RT_ADMIN) && (m.route->flags & FIN_RT_AUTH));
  assert_non_null(route("POST", "/v1/admin/cleanup"));
  assert_true(m.route->flags & FIN_RT_CLEANUP);
  assert_non_null(route("POST", "/webhooks/wpp-connect"));
  assert_int_equal(m.route->flags & FIN_RT_AUTH, 0);
}

static void precedence(void **state) {
  (void)state;
  /* GET /v1/cards/requests is the :cardId route (cardId = "requests") */
  assert_ptr_equal(route("GET", "/v1/cards/requests"), fin_h_get_card);
  assert_string_equal(m.params[0], "requests");
  assert_ptr_equal(route("GET", "/v1/cards/requests/abc"), fin_h_get_card_request);
  /* POST /v1/cards/:id is nothing */
  assert_null(route("POST", "/v1/cards/abc"));
}

static void case_slash_and_head(void **state) {
  (void)state;
  assert_ptr_equal(route("GET", "/V1/CARDS/"), fin_h_list_cards);
  assert_ptr_equal(route("GET", "/Health/Liveness"), fin_h_liveness);
  assert_ptr_equal(route("HEAD", "/v1/cards"), fin_h_list_cards);
  assert_ptr_equal(route("GET", "/v1/cards/AbC/"), fin_h_get_card);
  assert_string_equal(m.params[0], "AbC"); /* parameters keep their case */
  assert_null(route("GET", "/v1/cards//"));
  assert_null(route("GET", "/v1//cards"));
  assert_null(route("GET", "/v1/cards/a/b"));
  assert_null(route("HEAD", "/v1/users")); /* POST route */
  assert_null(route("get", "/v1/cards"));  /* methods are upper-case */
  assert_null(route("DELETE", "/v1/cards/abc"));
  assert_null(route("GET", ""));
  assert_null(route("GET", "/"));
  assert_null(route("GET", "v1/cards"));
  assert_null(route("GET", "/v1/cardsx"));
  assert_null(route("GET", "/v1/%63ards")); /* literals are compared undecoded */
}

static void params_are_decoded(void **state) {
  (void)state;
  assert_ptr_equal(route("GET", "/v1/cards/a%20b%2Fc"), fin_h_get_card);
  assert_string_equal(m.params[0], "a b/c");
  assert_ptr_equal(route("GET", "/v1/cards/100%25+x"), fin_h_get_card);
  assert_string_equal(m.params[0], "100%+x");
  assert_ptr_equal(route("GET", "/v1/cards/bad%zz%4"), fin_h_get_card);
  assert_string_equal(m.params[0], "bad%zz%4");
  assert_ptr_equal(route("POST", "/v1/admin/card-requests/%C3%A9/approve"), fin_h_admin_approve);
  assert_string_equal(m.params[0], "\xc3\xa9");
  assert_null(m.params[1]);
  /* a parameter that does not decode to UTF-8 is passed on undecoded */
  assert_ptr_equal(route("GET", "/v1/cards/%FF%fe"), fin_h_get_card);
  assert_string_equal(m.params[0], "%FF%fe");
  assert_ptr_equal(route("GET", "/v1/cards/%ED%A0%80"), fin_h_get_card); /* surrogate */
  assert_string_equal(m.params[0], "%ED%A0%80");
  assert_ptr_equal(route("GET", "/v1/cards/%F0%9F%98%80"), fin_h_get_card);
  assert_string_equal(m.params[0], "\xf0\x9f\x98\x80");
  /* a parameter too long for the match buffer is not a match */
  char path[FIN_MATCH_BUF + 32] = "/v1/cards/";
  memset(path + 10, 'x', FIN_MATCH_BUF + 10);
  path[FIN_MATCH_BUF + 20] = '\0';
  assert_null(route("GET", path));
}

static void admin_prefix(void **state) {
  (void)state;
  assert_true(fin_route_is_admin_path("/v1/admin"));
  assert_true(fin_route_is_admin_path("/v1/admin/"));
  assert_true(fin_route_is_admin_path("/V1/ADMIN/nope"));
  assert_false(fin_route_is_admin_path("/v1/administrator"));
  assert_false(fin_route_is_admin_path("/v1/adm"));
  assert_false(fin_route_is_admin_path("/v2/admin"));
  assert_false(fin_route_is_admin_path(NULL));
}

static void url_decode(void **state) {
  (void)state;
  char out[16];
  assert_int_equal(fin_url_decode("a+b%21", 6, out, sizeof out, true), 4);
  assert_string_equal(out, "a b!");
  assert_int_equal(fin_url_decode("a+b", 3, out, sizeof out, false), 3);
  assert_string_equal(out, "a+b");
  assert_int_equal(fin_url_decode("0123456789abcdef", 16, out, sizeof out, false), (size_t)-1);
  assert_int_equal(fin_url_decode("x", 1, out, 0, false), (size_t)-1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_route_of_the_table),
      cmocka_unit_test(flags),
      cmocka_unit_test(precedence),
      cmocka_unit_test(case_slash_and_head),
      cmocka_unit_test(params_are_decoded),
      cmocka_unit_test(admin_prefix),
      cmocka_unit_test(url_decode),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
