/* test_ratelimit.c - the rate-limit table and the client identity: a full
 * table refuses (fail closed), X-Forwarded-For counts only behind a trusted
 * proxy, IPv6 clients count per /64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/http/mw.h"
#include "../../core/util/log.h"

static void full_table_fails_closed(void **state) {
  fin_ratelimit_reset();
  const int64_t now = 1000000;
  struct fin_rl_result r;
  char who[32];
  int refused_at = -1;
  /* every key once, well under its limit: only a full table can refuse */
  for (int i = 0; i < 200000 && refused_at < 0; i++) {
    snprintf(who, sizeof who, "ip:10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    fin_ratelimit_hit(who, "GET /v1/cards", 1000, now, &r);
    if (r.limited) refused_at = i;
  }
  assert_true(refused_at > 0);
  assert_int_equal(r.remaining, 0);
  assert_true(r.retry_after >= 1 && r.retry_after <= 60);
  /* a key that already has a window keeps counting */
  fin_ratelimit_hit("ip:10.0.0.0", "GET /v1/cards", 1000, now, &r);
  assert_false(r.limited);
  assert_int_equal(r.remaining, 998);
  /* once the windows end there is room again */
  fin_ratelimit_hit(who, "GET /v1/cards", 1000, now + 61000, &r);
  assert_false(r.limited);
  fin_ratelimit_reset();
}

static void forwarded_for_only_from_trusted_proxies(void **state) {
  char buf[80];
  /* FIN_TRUSTED_PROXIES is read once, before the first call */
  setenv("FIN_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.7, fd00::/8, junk/99", 1);
  assert_string_equal(fin_mw_client_key("203.0.113.9", "1.1.1.1", buf, sizeof buf),
                      "ip:203.0.113.9");
  assert_string_equal(fin_mw_client_key("203.0.113.9", NULL, buf, sizeof buf), "ip:203.0.113.9");
  assert_string_equal(fin_mw_client_key("10.1.2.3", "1.1.1.1", buf, sizeof buf), "ip:1.1.1.1");
  /* the right-most address that is not a trusted proxy: a client-written
   * left part cannot choose the key */
  assert_string_equal(
      fin_mw_client_key("10.1.2.3", "6.6.6.6, 8.8.8.8 , 192.168.1.7", buf, sizeof buf),
      "ip:8.8.8.8");
  assert_string_equal(fin_mw_client_key("192.168.1.7", "6.6.6.6,9.9.9.9", buf, sizeof buf),
                      "ip:9.9.9.9");
  /* junk in the header: the last trusted hop answers for it */
  assert_string_equal(fin_mw_client_key("10.1.2.3", "not-an-ip", buf, sizeof buf), "ip:10.1.2.3");
  assert_string_equal(fin_mw_client_key("10.1.2.3", "", buf, sizeof buf), "ip:10.1.2.3");
  assert_string_equal(fin_mw_client_key("192.168.1.8", "1.1.1.1", buf, sizeof buf),
                      "ip:192.168.1.8");
  /* IPv6 per /64, from the peer or through a trusted v6 proxy */
  assert_string_equal(fin_mw_client_key("2001:db8:1:2:aaaa::1", NULL, buf, sizeof buf),
                      "ip:2001:db8:1:2::/64");
  assert_string_equal(fin_mw_client_key("2001:db8:1:2:bbbb::9", NULL, buf, sizeof buf),
                      "ip:2001:db8:1:2::/64");
  assert_string_equal(fin_mw_client_key("fd00::1", "2001:db8:5::7", buf, sizeof buf),
                      "ip:2001:db8:5::/64");
  assert_string_equal(fin_mw_client_key(NULL, "1.1.1.1", buf, sizeof buf), "ip:unknown");
}

/* The peer's text as inet_ntop writes it: every value in every place,
 * then 200,000 addresses of a fixed random sequence. */
static void ipv4_text_is_inet_ntops(void **state) {
  (void)state;
  uint64_t x = 0x9E3779B97F4A7C15u;
  for (int i = 0; i < 4 * 256 + 200000; i++) {
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    uint64_t r = x * 2685821657736338717u;
    unsigned char a[4];
    memcpy(a, &r, 4);
    if (i < 4 * 256) a[i / 256] = (unsigned char)(i % 256);
    char want[INET_ADDRSTRLEN], got[INET_ADDRSTRLEN];
    assert_non_null(inet_ntop(AF_INET, a, want, sizeof want));
    memset(got, 'x', sizeof got);
    assert_ptr_equal(fin_mw_ipv4_text(a, got), got);
    assert_string_equal(got, want);
  }
}

int main(void) {
  fin_log_set_enabled(0);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(full_table_fails_closed),
      cmocka_unit_test(forwarded_for_only_from_trusted_proxies),
      cmocka_unit_test(ipv4_text_is_inet_ntops),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
