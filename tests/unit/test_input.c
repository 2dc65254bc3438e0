/* test_input.c - JavaScript-compatible input checks (behaviour.md §1.10 steps 2-3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "../../core/app/input.h"

static int le_zero(const char *json) {
  json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
  int r = fin_js_missing_or_le_zero(v);
  json_decref(v);
  return r;
}

static void js_le_zero_semantics(void **state) {
  (void)state;
  assert_true(fin_js_missing_or_le_zero(NULL));
  assert_true(le_zero("0"));
  assert_true(le_zero("-100"));
  assert_true(le_zero("null"));
  assert_true(le_zero("\"0\""));
  assert_true(le_zero("\"\""));
  assert_true(le_zero("false"));
  assert_true(le_zero("[]"));
  assert_false(le_zero("\"abc\"")); /* NaN: passes this check, fails "not a number" */
  assert_false(le_zero("true"));
  assert_false(le_zero("\"50\""));
  assert_false(le_zero("{}"));
  assert_false(le_zero("[5]"));
  assert_false(le_zero("0.01"));
}

static void js_lengths_and_blanks(void **state) {
  (void)state;
  assert_int_equal(fin_js_length("abc"), 3);
  assert_int_equal(fin_js_length("\xc3\xa9"), 1);         /* é */
  assert_int_equal(fin_js_length("\xf0\x9f\x98\x80"), 2); /* emoji: a surrogate pair */
  assert_true(fin_blank(""));
  assert_true(fin_blank("  \t"));
  assert_false(fin_blank(" x "));
}

static void messages_join_with_comma(void **state) {
  (void)state;
  struct fin_msgs m = {0};
  fin_msgs_add(&m, "newScore must be between 0 and 1000");
  fin_msgs_add(&m, "reason is required");
  assert_string_equal(m.text, "newScore must be between 0 and 1000, reason is required");
  assert_int_equal(m.count, 2);
}

static void key_checks(void **state) {
  (void)state;
  struct fin_msgs m = {0};
  fin_check_user_key("   ", 64, &m);
  assert_string_equal(m.text, "idempotencyKey is required");
  struct fin_msgs m2 = {0};
  char k[66];
  memset(k, 'a', 65);
  k[65] = '\0';
  fin_check_user_key(k, 64, &m2);
  assert_string_equal(m2.text, "idempotencyKey must be at most 64 characters");
  struct fin_msgs m3 = {0};
  k[64] = '\0';
  fin_check_user_key(k, 64, &m3);
  assert_int_equal(m3.count, 0);
}

/* The admin score is checked as a JSON number before any conversion: a
 * cast of 1e300 to int is undefined (caught by the float-cast-overflow
 * sanitizer of this build). */
static void score_range_is_checked_before_the_cast(void **state) {
  (void)state;
  static const struct {
    const char *json;
    const char *msg; /* NULL = valid */
    int value;
  } cases[] = {
      {"1e300", "newScore must be between 0 and 1000", 0},
      {"-1e300", "newScore must be between 0 and 1000", 0},
      {"2147483648", "newScore must be between 0 and 1000", 0},
      {"-2147483649", "newScore must be between 0 and 1000", 0},
      {"700.5", "newScore must be an integer", 0},
      {"1000.5", "newScore must be an integer, newScore must be between 0 and 1000", 0},
      {"\"700\"", "newScore must be a number", 0},
      {"null", "newScore must be a number", 0},
      {"0", NULL, 0},
      {"1000", NULL, 1000},
      {"700.0", NULL, 700},
      {"7e2", NULL, 700},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *v = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
    assert_non_null(v);
    struct fin_msgs m = {0};
    int out = -1;
    int rc = fin_check_score(v, &out, &m);
    if (cases[i].msg == NULL) {
      assert_int_equal(rc, 0);
      assert_int_equal(out, cases[i].value);
      assert_int_equal(m.count, 0);
    } else {
      assert_int_equal(rc, -1);
      assert_int_equal(out, -1); /* untouched */
      assert_string_equal(m.text, cases[i].msg);
    }
    json_decref(v);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(js_le_zero_semantics),
      cmocka_unit_test(js_lengths_and_blanks),
      cmocka_unit_test(messages_join_with_comma),
      cmocka_unit_test(key_checks),
      cmocka_unit_test(score_range_is_checked_before_the_cast),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
