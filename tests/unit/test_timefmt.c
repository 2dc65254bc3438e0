/* test_timefmt.c - ISO, RFC 1123, local day, pt-BR formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/util/timefmt.h"

static const int64_t T = 1795549922176LL; /* 2026-11-24T19:52:02.176Z */

static void iso_format_and_parse(void **state) {
  (void)state;
  char buf[32];
  assert_string_equal(fin_iso(T, buf), "2026-11-24T19:52:02.176Z");
  assert_string_equal(fin_iso(0, buf), "1970-01-01T00:00:00.000Z");
  assert_string_equal(fin_iso(-1, buf), "1969-12-31T23:59:59.999Z");
  assert_string_equal(fin_iso(951782400000LL, buf), "2000-02-29T00:00:00.000Z");
  assert_string_equal(fin_iso(253402300799999LL, buf), "9999-12-31T23:59:59.999Z");
  assert_string_equal(fin_iso(-62167219200000LL, buf), "0000-01-01T00:00:00.000Z");
  assert_string_equal(fin_iso(253402300800000LL, buf), "+010000-01-01T00:00:00.000Z");
  for (int64_t t = -62167219200000LL; t < 253402300800000LL; t += 9876543211LL) {
    int64_t back = 0; /* every formatted instant reads back as itself */
    assert_int_equal(fin_iso_parse(fin_iso(t, buf), &back), 0);
    assert_true(back == t);
    assert_int_equal(strlen(buf), 24);
  }
  int64_t ms = 0;
  assert_int_equal(fin_iso_parse("2026-11-24T19:52:02.176Z", &ms), 0);
  assert_true(ms == T);
  assert_int_equal(fin_iso_parse("2026-11-24T19:52:02Z", &ms), 0);
  assert_true(ms == T - 176);
  assert_int_equal(fin_iso_parse("2026-11-24T21:52:02.176+02:00", &ms), 0);
  assert_true(ms == T);
  assert_int_equal(fin_iso_parse("2026-11-24T19:52:02.1Z", &ms), 0);
  assert_true(ms == T - 76);
  assert_int_equal(fin_iso_parse("2026-02-30T00:00:00Z", &ms), -1);
  assert_int_equal(fin_iso_parse("2026-11-24 19:52:02Z", &ms), -1);
  assert_int_equal(fin_iso_parse("2026-11-24T19:52:02", &ms), -1);
  assert_int_equal(fin_iso_parse("2026-11-24T19:52:02.Z", &ms), -1);
  assert_int_equal(fin_iso_parse("garbage", &ms), -1);
  assert_int_equal(fin_iso_parse(NULL, &ms), -1);
  /* every millisecond of a few days round-trips through the text form */
  for (int64_t t = -3 * 86400000LL; t < 3 * 86400000LL; t += 3599999) {
    int64_t back = 0;
    assert_int_equal(fin_iso_parse(fin_iso(t, buf), &back), 0);
    assert_true(back == t);
  }
}

static void http_dates(void **state) {
  (void)state;
  char buf[40];
  int64_t t = 1795549963301LL; /* 2026-11-24T19:52:43.301Z */
  assert_string_equal(fin_http_date(t, buf), "Tue, 24 Nov 2026 19:52:43 GMT");
  assert_string_equal(fin_http_date(0, buf), "Thu, 01 Jan 1970 00:00:00 GMT");
  assert_string_equal(fin_http_date(1709208000000LL, buf), "Thu, 29 Feb 2024 12:00:00 GMT");
  assert_string_equal(fin_http_date(-1000, buf), "Wed, 31 Dec 1969 23:59:59 GMT");
  assert_string_equal(fin_http_date(253402300799000LL, buf), "Fri, 31 Dec 9999 23:59:59 GMT");
  int64_t ms = 0;
  assert_int_equal(fin_http_date_parse("Tue, 24 Nov 2026 19:52:43 GMT", &ms), 0);
  assert_true(ms == t - 301);
  assert_int_equal(fin_http_date_parse("24 Nov 2026 19:52:43 GMT", &ms), 0);
  assert_true(ms == t - 301);
  assert_int_equal(fin_http_date_parse("Tue, 24 Foo 2026 19:52:43 GMT", &ms), -1);
  assert_int_equal(fin_http_date_parse("Tue, 24 Nov 2026 25:52:43 GMT", &ms), -1);
  assert_int_equal(fin_http_date_parse("yesterday", &ms), -1);
}

static void local_day_and_ptbr(void **state) {
  (void)state;
  setenv("TZ", "America/Sao_Paulo", 1);
  tzset();
  /* 2026-11-25T01:00Z is still the 24th in Sao Paulo (UTC-3) */
  int64_t late = 1795568400000LL;
  int64_t noon = 1795536000000LL; /* 2026-11-24T12:00Z */
  assert_int_equal(fin_local_day(late), fin_local_day(noon));
  assert_int_equal(fin_local_day(noon + 86400000LL), fin_local_day(noon) + 1);
  char buf[24];
  assert_string_equal(fin_ptbr_time(late, buf), "24/11/2026, 22:00");
  setenv("TZ", "UTC", 1);
  tzset();
  assert_int_equal(fin_local_day(late), fin_local_day(noon) + 1);
  assert_int_equal(fin_local_day(0), 0);
  assert_string_equal(fin_ptbr_time(T, buf), "24/11/2026, 19:52");
}

static void now_is_sane(void **state) {
  (void)state;
  int64_t a = fin_now_ms();
  assert_true(a > 1700000000000LL);
  assert_true(llabs(a - (int64_t)time(NULL) * 1000) < 2000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(iso_format_and_parse),
      cmocka_unit_test(http_dates),
      cmocka_unit_test(local_day_and_ptbr),
      cmocka_unit_test(now_is_sane),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
