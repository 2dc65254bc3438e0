/* test_rules.c - the business rules of behaviour.md §4 at their boundaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/domain/rules.h"
#include "../../core/util/timefmt.h"

static struct fin_rules R;

static void tiers_at_boundaries(void **state) {
  (void)state;
  assert_string_equal(fin_tier_of(&R, 0), "low");
  assert_string_equal(fin_tier_of(&R, 499), "low");
  assert_string_equal(fin_tier_of(&R, 500), "medium");
  assert_string_equal(fin_tier_of(&R, 699), "medium");
  assert_string_equal(fin_tier_of(&R, 700), "high");
  assert_string_equal(fin_tier_of(&R, 1000), "high");
}

static void auto_approval_threshold_and_limits(void **state) {
  (void)state;
  double limit = 0;
  assert_false(fin_auto_approve(&R, 499, &limit));
  assert_true(fin_auto_approve(&R, 500, &limit));
  assert_true(limit == 5000);
  assert_true(fin_auto_approve(&R, 699, &limit));
  assert_true(limit == 5000);
  assert_true(fin_auto_approve(&R, 700, &limit));
  assert_true(limit == 10000);
  assert_true(fin_tier_max_limit(&R, "low") == 2000);
  assert_true(fin_whatsapp_limit(&R, "low") == 500);
  assert_true(fin_whatsapp_limit(&R, "medium") == 1500);
  assert_true(fin_whatsapp_limit(&R, "high") == 3000);
}

static void minimum_payment_and_near_limit(void **state) {
  (void)state;
  assert_true(fin_min_payment(0) == 0);
  assert_true(fin_min_payment(-5) == 0);
  assert_true(fin_min_payment(0.3) == 0.3);
  assert_true(fin_min_payment(100.5) == 25);
  assert_true(fin_min_payment(10000) == 200);
  assert_true(fin_min_payment(1250) == 25);
  assert_true(fin_min_payment(1300) == 26);
  assert_false(fin_near_limit(1000, 900));
  assert_true(fin_near_limit(1000, 950));
  assert_true(fin_near_limit(10000, 10000));
  assert_true(fin_available(1000, 1200) == 0);
}

#define DAY 86400000LL
static const int64_t T0 = 1795000000000LL; /* a fixed instant */

/* A payment made at paid, due at due, with local days from the test's zone. */
static void score(double amount, double balance, int current, int64_t paid, int64_t due,
                  struct fin_payment_outcome *o) {
  struct fin_payment_facts f = {
      amount, balance, current, paid, due, fin_local_day(paid), fin_local_day(due)};
  fin_payment_score(&R, &f, o);
}

static void on_time_payments(void **state) {
  (void)state;
  struct fin_payment_outcome o;
  score(1000, 1000, 650, T0, T0 + 30 * DAY, &o);
  assert_true(o.on_time);
  assert_int_equal(o.delta, 50);
  assert_int_equal(o.new_score, 700);
  score(50, 125.5, 700, T0, T0 + 30 * DAY, &o);
  assert_int_equal(o.delta, 26);
  /* below the bonus floor (scoring.paymentBonusMinAmount, $10): on time, no
   * points (was +10: ten 1-cent cycles bought 100 points) */
  score(0.01, 10000, 700, T0, T0 + 30 * DAY, &o);
  assert_true(o.on_time);
  assert_int_equal(o.delta, 0);
  score(10, 10000, 700, T0, T0 + 30 * DAY, &o);
  assert_int_equal(o.delta, 10);
  score(25, 1000, 700, T0, T0 + 30 * DAY, &o);
  assert_int_equal(o.delta, 11);
  /* Cap: 990 + 50 -> 1000, delta stays unclamped. */
  score(100, 100, 990, T0, T0 + 30 * DAY, &o);
  assert_int_equal(o.delta, 50);
  assert_int_equal(o.new_score, 1000);
  /* Same calendar day as the due date is on time. */
  score(10, 100, 600, T0 + 30 * DAY, T0 + 30 * DAY, &o);
  assert_true(o.on_time);
}

static void late_payments(void **state) {
  (void)state;
  struct fin_payment_outcome o;
  score(10, 100, 600, T0 + 3 * DAY, T0, &o);
  assert_false(o.on_time);
  assert_int_equal(o.days_overdue, 3);
  assert_int_equal(o.delta, -20);
  score(10, 100, 600, T0 + 7 * DAY, T0, &o);
  assert_int_equal(o.delta, -20);
  score(10, 100, 600, T0 + 8 * DAY, T0, &o);
  assert_int_equal(o.delta, -50);
  score(10, 100, 600, T0 + 30 * DAY, T0, &o);
  assert_int_equal(o.delta, -50);
  score(10, 100, 600, T0 + 31 * DAY, T0, &o);
  assert_int_equal(o.delta, -100);
  score(10, 100, 50, T0 + 40 * DAY, T0, &o);
  assert_int_equal(o.new_score, 0); /* floor at 0 */
}

static void js_rounding(void **state) {
  (void)state;
  assert_int_equal(fin_js_round(25.5), 26);
  assert_int_equal(fin_js_round(-20.5), -20);
  assert_int_equal(fin_js_round(25.49), 25);
  assert_int_equal(fin_clamp_score(1001), 1000);
  assert_int_equal(fin_clamp_score(-1), 0);
}

static void page_limits(void **state) {
  (void)state;
  assert_int_equal(fin_parse_limit(NULL), 20);
  assert_int_equal(fin_parse_limit("0"), 20);
  assert_int_equal(fin_parse_limit("abc"), 20);
  assert_int_equal(fin_parse_limit("-5"), 1);
  assert_int_equal(fin_parse_limit("500"), 100);
  assert_int_equal(fin_parse_limit("2.9"), 2);
  assert_int_equal(fin_parse_limit("5abc"), 5);
  assert_int_equal(fin_parse_limit(" 7"), 7);
  assert_int_equal(fin_parse_limit("100"), 100);
  assert_int_equal(fin_parse_limit("99999999999999999999"), 100);
}

static void card_opening(void **state) {
  (void)state;
  struct fin_card c;
  assert_int_equal(fin_card_open(&c, &R, "card-1", "u1", 5000, "auto", 600, T0), 0);
  assert_string_equal(c.status, "active");
  assert_true(c.available_credit == 5000 && c.balance == 0 && c.minimum_payment == 0);
  assert_true(c.next_due_date == T0 + 30 * DAY);
  assert_int_equal(c.version, 1);
  assert_string_equal(c.product_id, "default-credit-card");
  assert_string_equal(c.card_id, "card-1"); /* the caller's id: the domain makes none */
  fin_card_clear(&c);
  char long_id[80];
  memset(long_id, 'x', sizeof long_id - 1);
  long_id[sizeof long_id - 1] = '\0';
  assert_int_equal(fin_card_open(&c, &R, long_id, "u1", 5000, "auto", 600, T0), -1);
}

/* Amounts: at least a cent, at most FIN_AMOUNT_MAX, at most 2 decimals,
 * judged on the exact double (0.1 + 0.2 is not 0.3). */
static void amount_checks(void **state) {
  (void)state;
  assert_int_equal(fin_amount_check(0.01), FIN_AMOUNT_OK);
  assert_int_equal(fin_amount_check(19.99), FIN_AMOUNT_OK);
  assert_int_equal(fin_amount_check(0.3), FIN_AMOUNT_OK);
  assert_int_equal(fin_amount_check(FIN_AMOUNT_MAX), FIN_AMOUNT_OK);
  assert_int_equal(fin_amount_check(999999999.99), FIN_AMOUNT_OK);
  assert_int_equal(fin_amount_check(0.009), FIN_AMOUNT_TOO_SMALL);
  assert_int_equal(fin_amount_check(0), FIN_AMOUNT_TOO_SMALL);
  assert_int_equal(fin_amount_check(-5), FIN_AMOUNT_TOO_SMALL);
  assert_int_equal(fin_amount_check(FIN_AMOUNT_MAX + 0.01), FIN_AMOUNT_TOO_LARGE);
  assert_int_equal(fin_amount_check(0.011), FIN_AMOUNT_TOO_PRECISE);
  assert_int_equal(fin_amount_check(0.1 + 0.2), FIN_AMOUNT_TOO_PRECISE);
  assert_int_equal(fin_amount_check(1.005), FIN_AMOUNT_TOO_PRECISE);
  assert_int_equal(fin_amount_check(123.4567), FIN_AMOUNT_TOO_PRECISE);
  assert_int_equal(fin_amount_check(nextafter(19.99, 20)), FIN_AMOUNT_TOO_PRECISE);
  for (int64_t c = 1; c < 2000000; c += 7) /* every such c/100 is a valid amount */
    assert_int_equal(fin_amount_check((double)c / 100.0), FIN_AMOUNT_OK);
}

int main(void) {
  setenv("TZ", "UTC", 1);
  fin_rules_defaults(&R);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(tiers_at_boundaries),
      cmocka_unit_test(auto_approval_threshold_and_limits),
      cmocka_unit_test(minimum_payment_and_near_limit),
      cmocka_unit_test(on_time_payments),
      cmocka_unit_test(late_payments),
      cmocka_unit_test(js_rounding),
      cmocka_unit_test(page_limits),
      cmocka_unit_test(card_opening),
      cmocka_unit_test(amount_checks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
