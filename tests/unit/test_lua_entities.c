/* test_lua_entities.c - the tables scripts see for entities (bind_common.c),
 * built from the one field list of core/domain/ent_fields.c plus the ids the
 * stores keep in keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <lauxlib.h>
#include <lualib.h>
#include <string.h>

#include "../../core/lua/bind.h"

static const int64_t T0 = 1795000000000LL; /* 2026-11-18T11:06:40.000Z */

static lua_State *L;

static int setup(void **state) {
  L = luaL_newstate();
  return L == NULL;
}

static int teardown(void **state) {
  lua_close(L);
  return 0;
}

/* The field `k` of the table on top, as a string ("" when absent). */
static const char *str(const char *k) {
  static char buf[128];
  lua_getfield(L, -1, k);
  const char *v = lua_tostring(L, -1);
  snprintf(buf, sizeof buf, "%s", v != NULL ? v : "");
  lua_pop(L, 1);
  return buf;
}

static int type_of(const char *k) {
  int t = lua_getfield(L, -1, k);
  lua_pop(L, 1);
  return t;
}

static void card_has_ids_fields_and_iso_times(void **state) {
  struct fin_card c = {.ecosystem_id = "eco-1",
                       .product_id = "default-credit-card",
                       .limit = 5000,
                       .balance = 12.5,
                       .available_credit = 4987.5,
                       .version = 3,
                       .created_at = T0};
  strcpy(c.card_id, "card-1");
  strcpy(c.status, "active");
  fin_push_card(L, &c);
  assert_string_equal(str("cardId"), "card-1");
  assert_string_equal(str("ecosystemId"), "eco-1");
  assert_string_equal(str("type"), "credit-card");
  assert_true(lua_getfield(L, -1, "limit") == LUA_TNUMBER && lua_isinteger(L, -1));
  lua_pop(L, 1); /* whole amounts are integers, like the API */
  assert_string_equal(str("balance"), "12.5");
  assert_string_equal(str("version"), "3");
  assert_string_equal(str("createdAt"), "2026-11-18T11:06:40.000Z");
  assert_int_equal(type_of("activatedAt"), LUA_TNIL); /* zero times are left out */
  assert_int_equal(type_of("approvedBy"), LUA_TNIL);  /* so are empty strings */
  lua_pop(L, 1);
}

static void user_has_its_summary_and_score(void **state) {
  struct fin_user u = {.ecosystem_id = "eco-2",
                       .email = "a@b.c",
                       .role = "user",
                       .score = 650,
                       .summary = {.active_cards = 1, .total_balance = 10, .total_limit = 500}};
  strcpy(u.status, "active");
  strcpy(u.tier, "medium");
  fin_push_user(L, &u);
  assert_string_equal(str("ecosystemId"), "eco-2");
  assert_string_equal(str("currentScore"), "650");
  assert_int_equal(type_of("cardSummary"), LUA_TTABLE);
  lua_getfield(L, -1, "cardSummary");
  assert_string_equal(str("activeCards"), "1");
  assert_string_equal(str("totalLimit"), "500");
  lua_pop(L, 2);
}

static void score_and_idempotency_carry_what_stores_keep_apart(void **state) {
  struct fin_score s = {.ecosystem_id = "eco-3",
                        .value = 700,
                        .previous_value = 650,
                        .delta = 50,
                        .reason = "r",
                        .timestamp = T0};
  strcpy(s.score_id, "s-1");
  strcpy(s.source, "admin");
  fin_push_score(L, &s);
  assert_string_equal(str("scoreId"), "s-1");
  assert_string_equal(str("ecosystemId"), "eco-3");
  assert_string_equal(str("timestamp"), "2026-11-18T11:06:40.000Z");
  assert_string_equal(str("delta"), "50");
  lua_pop(L, 1);

  struct fin_idem i = {.ecosystem_id = "eco-3",
                       .response = "{\"a\":1}",
                       .status_code = 201,
                       .created_at = T0,
                       .expires_at = T0 + 1000};
  strcpy(i.key_hash, "h");
  strcpy(i.operation, "purchase");
  fin_push_idem(L, &i);
  assert_string_equal(str("keyHash"), "h");
  assert_string_equal(str("response"), "{\"a\":1}");
  assert_string_equal(str("statusCode"), "201");
  assert_string_equal(str("expiresAt"), "2026-11-18T11:06:41.000Z");
  assert_int_equal(type_of("fingerprint"), LUA_TNIL);
  lua_pop(L, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(card_has_ids_fields_and_iso_times, setup, teardown),
      cmocka_unit_test_setup_teardown(user_has_its_summary_and_score, setup, teardown),
      cmocka_unit_test_setup_teardown(score_and_idempotency_carry_what_stores_keep_apart, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
