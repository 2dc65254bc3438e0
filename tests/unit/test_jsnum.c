/* test_jsnum.c - fin_jsnum against JavaScript's Number#toString (behaviour.md §0.6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/jsnum.h"

static void check(double x, const char *want) {
  char buf[FIN_JSNUM_MAX];
  size_t n = fin_jsnum(x, buf);
  assert_string_equal(buf, want);
  assert_int_equal(n, strlen(want));
}

static void baseline_examples(void **state) {
  (void)state;
  check(0.1 + 0.2, "0.30000000000000004");
  check(0.30000000000000004, "0.30000000000000004");
  check(10000 - (0.1 + 0.2), "9999.7");
  check(9999.7, "9999.7");
  check(10000, "10000");
  check(100.5, "100.5");
  check(1e21, "1e+21");
  check(1e-7, "1e-7");
  check(1.5e-7, "1.5e-7");
  check(123456789012345680000.0, "123456789012345680000");
  check(-0.0, "0");
  check(0, "0");
  check(1000.3000000000001, "1000.3000000000001");
  check(1000.3, "1000.3");
}

static void plain_and_exponent_ranges(void **state) {
  (void)state;
  check(1, "1");
  check(-1, "-1");
  check(0.5, "0.5");
  check(75.5, "75.5");
  check(9924.5, "9924.5");
  check(0.000001, "0.000001");
  check(0.0000012345, "0.0000012345");
  check(1e20, "100000000000000000000");
  check(-1e21, "-1e+21");
  check(1.2345e25, "1.2345e+25");
  check(5e-324, "5e-324");
  check(1.7976931348623157e308, "1.7976931348623157e+308");
  check(2.2250738585072014e-308, "2.2250738585072014e-308");
  check(9007199254740993.0, "9007199254740992");
  check(123.456, "123.456");
  check(-123.456e-10, "-1.23456e-8");
  check(0.1, "0.1");
  check(1.0 / 3.0, "0.3333333333333333");
  check(2.0 / 3.0, "0.6666666666666666");
  check(100, "100");
  check(1e100, "1e+100");
  check(4.35, "4.35");
  check(0.07 * 100, "7.000000000000001");
}

static void non_finite_is_null(void **state) {
  (void)state;
  check(NAN, "null");
  check(INFINITY, "null");
  check(-INFINITY, "null");
}

static void powers_of_two_round_trip(void **state) {
  (void)state;
  /* the gap below a power of two is half the gap above */
  check(9007199254740992.0, "9007199254740992");
  check(ldexp(1, -1074), "5e-324");
  check(ldexp(1, 1023), "8.98846567431158e+307");
  check(ldexp(1, -1022), "2.2250738585072014e-308");
  for (int e = -1074; e <= 1023; e++) {
    char buf[FIN_JSNUM_MAX];
    double x = ldexp(1, e);
    fin_jsnum(x, buf);
    assert_true(strtod(buf, NULL) == x);
  }
}

/* xorshift64: a fixed sequence, so a failure reproduces. */
static void xorshift(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
}

static void random_round_trip(void **state) {
  (void)state;
  uint64_t s = 88172645463325252ULL;
  for (int i = 0; i < 200000; i++) {
    xorshift(&s);
    double x;
    memcpy(&x, &s, sizeof x);
    if (!isfinite(x)) continue;
    char buf[FIN_JSNUM_MAX];
    size_t n = fin_jsnum(x, buf);
    assert_true(n < FIN_JSNUM_MAX);
    assert_true(strtod(buf, NULL) == x || (x == 0 && strcmp(buf, "0") == 0));
  }
}

/* Money values (the double nearest to c/100) take a path of their own:
 * their text must be c/100 written out, round-trip, and be the shortest
 * (one digit fewer does not read back). A million values across every
 * magnitude up to the path's limit, and their neighbours (general path). */
static void cents_are_shortest(void **state) {
  (void)state;
  uint64_t s = 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 1000000; i++) {
    xorshift(&s);
    uint64_t mod = 10;
    for (unsigned m = (unsigned)(s >> 59) % 15; m > 0; m--)
      mod *= 10;
    uint64_t c = s % mod + 1;
    double x = (double)c / 100.0;
    char want[40], buf[FIN_JSNUM_MAX], fewer[40];
    int n = snprintf(want, sizeof want, "%llu.%02llu", (unsigned long long)(c / 100),
                     (unsigned long long)(c % 100));
    while (want[n - 1] == '0')
      want[--n] = '\0';
    if (want[n - 1] == '.') want[--n] = '\0';
    fin_jsnum(x, buf);
    assert_string_equal(buf, want);
    assert_true(strtod(buf, NULL) == x);
    int digits = 0; /* significant digits: those of c without its trailing zeros */
    uint64_t t = c;
    while (t % 10 == 0)
      t /= 10;
    for (; t != 0; t /= 10)
      digits++;
    if (digits > 1) {
      snprintf(fewer, sizeof fewer, "%.*e", digits - 2, x);
      assert_true(strtod(fewer, NULL) != x);
    }
    double up = nextafter(x, INFINITY), down = nextafter(x, 0);
    fin_jsnum(up, buf);
    assert_true(strtod(buf, NULL) == up);
    fin_jsnum(down, buf);
    assert_true(strtod(buf, NULL) == down);
  }
  check(0.01, "0.01");
  check(999999999999.99, "999999999999.99");
  check(1e12 + 0.5, "1000000000000.5");
  check(-12.3, "-12.3");
}

/* the digit writer shared by the log, the AWS request head and the money
 * path: against printf at every length and at the ends of the range */
static void u64dec_matches_printf(void **state) {
  (void)state;
  uint64_t seeds[] = {0, 9, 10, 99, 100, 4096, UINT32_MAX, (uint64_t)1e19, UINT64_MAX};
  uint64_t s = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < 20000; i++) {
    uint64_t v = i < (int)(sizeof seeds / sizeof *seeds) ? seeds[i] : (xorshift(&s), s >> (i % 64));
    char got[FIN_U64DEC_MAX + 1], want[32];
    size_t n = fin_u64dec(v, got);
    got[n] = '\0';
    snprintf(want, sizeof want, "%llu", (unsigned long long)v);
    assert_string_equal(got, want);
  }
}

static void g17_is(double x) {
  char want[64], got[FIN_JSNUM_MAX];
  int n = snprintf(want, sizeof want, "%.17g", x);
  memset(got, 'x', sizeof got);
  size_t m = fin_g17(x, got);
  if (strcmp(got, want) != 0 || m != (size_t)n)
    fail_msg("%a: got %s (%zu), want %s (%d)", x, got, m, want, n);
}

/* fin_g17 against snprintf("%.17g"): amounts in cents, each side of the
 * fast range's ends and of every power of ten, halfway cases (q/4 and
 * q/8 near 2^52 have an 18th digit of exactly 5), and random values. */
static void g17_is_printfs(void **state) {
  (void)state;
  for (int64_t c = -200000; c <= 200000; c++)
    g17_is((double)c / 100.0);
  for (int p = -320; p <= 308; p++) {
    double x = pow(10, p);
    for (int i = 0; i < 3; i++, x = nextafter(x, 0))
      g17_is(x), g17_is(-x);
    x = pow(10, p);
    for (int i = 0; i < 3; i++, x = nextafter(x, INFINITY))
      g17_is(x);
  }
  g17_is(0.0), g17_is(-0.0), g17_is(1e-4), g17_is(99999999999999984.0), g17_is(1e17);
  g17_is(NAN), g17_is(INFINITY), g17_is(-INFINITY), g17_is(5e-324), g17_is(DBL_MAX);
  uint64_t s = 0x9E3779B97F4A7C15u;
  for (int i = 0; i < 300000; i++) {
    xorshift(&s);
    uint64_t q = (s >> 11) | 1; /* odd, below 2^53 */
    g17_is((double)q / 4), g17_is((double)(q >> 1) / 8), g17_is((double)(q >> 4) / 2);
    double d;
    memcpy(&d, &s, sizeof d);
    g17_is(d);
    g17_is(pow(10, (double)(s % 2200) / 100.0 - 4.5) * (1 + (double)(s >> 40) / 16777216.0));
    g17_is((double)(int64_t)(s % 2000000001) / 100.0 - 10000000.0);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(baseline_examples),     cmocka_unit_test(plain_and_exponent_ranges),
      cmocka_unit_test(non_finite_is_null),    cmocka_unit_test(powers_of_two_round_trip),
      cmocka_unit_test(random_round_trip),     cmocka_unit_test(cents_are_shortest),
      cmocka_unit_test(u64dec_matches_printf), cmocka_unit_test(g17_is_printfs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
