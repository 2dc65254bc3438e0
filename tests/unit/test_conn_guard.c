/* test_conn_guard.c - the per-address connection limit (conn_guard.h): the
 * server counts it itself, once for all its daemons, so a client gets the
 * limit once however many event loops accept its connections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "../../core/http/conn_guard.h"
#include "../../core/util/log.h"

static struct sockaddr_in v4(const char *ip) {
  struct sockaddr_in a = {.sin_family = AF_INET};
  assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
  return a;
}

static struct fin_conn *open_from(const struct sockaddr_in *a) {
  struct fin_conn *c = fin_conn_open(-1, (const struct sockaddr *)a);
  assert_non_null(c);
  return c;
}

/* Two per address: the third of one address is refused, another address
 * is not; a closed connection gives its slot back, a refused one has none
 * to give. */
static void third_connection_of_an_address_is_refused(void **state) {
  (void)state;
  fin_conn_limit_per_ip(2);
  struct sockaddr_in a = v4("10.0.0.1"), b = v4("10.0.0.2");
  struct fin_conn *a1 = open_from(&a), *a2 = open_from(&a), *a3 = open_from(&a);
  assert_false(fin_conn_refused(a1));
  assert_false(fin_conn_refused(a2));
  assert_true(fin_conn_refused(a3));
  struct fin_conn *b1 = open_from(&b);
  assert_false(fin_conn_refused(b1));
  fin_conn_close(a3); /* refused: the address is still full */
  struct fin_conn *a4 = open_from(&a);
  assert_true(fin_conn_refused(a4));
  fin_conn_close(a4);
  fin_conn_close(a1); /* a slot back */
  struct fin_conn *a5 = open_from(&a);
  assert_false(fin_conn_refused(a5));
  fin_conn_close(a2);
  fin_conn_close(a5);
  fin_conn_close(b1);
}

/* The same bytes as IPv6 and as IPv4 are two addresses; no address (a
 * socket of another family) and a limit of 0 are not counted. */
static void families_and_no_limit(void **state) {
  (void)state;
  fin_conn_limit_per_ip(1);
  struct sockaddr_in a = v4("10.0.0.3");
  struct sockaddr_in6 six = {.sin6_family = AF_INET6};
  memcpy(&six.sin6_addr, &a.sin_addr, 4);
  struct fin_conn *c4 = open_from(&a);
  struct fin_conn *c6 = fin_conn_open(-1, (const struct sockaddr *)&six);
  struct fin_conn *none1 = fin_conn_open(-1, NULL), *none2 = fin_conn_open(-1, NULL);
  assert_false(fin_conn_refused(c4));
  assert_false(fin_conn_refused(c6));
  assert_false(fin_conn_refused(none1));
  assert_false(fin_conn_refused(none2));
  struct fin_conn *again6 = fin_conn_open(-1, (const struct sockaddr *)&six);
  assert_true(fin_conn_refused(again6));
  fin_conn_limit_per_ip(0);
  struct fin_conn *free4 = open_from(&a);
  assert_false(fin_conn_refused(free4));
  fin_conn_close(free4);
  fin_conn_close(again6);
  fin_conn_close(c6);
  fin_conn_close(c4);
  fin_conn_close(none1);
  fin_conn_close(none2);
  assert_false(fin_conn_refused(NULL));
}

int main(void) {
  fin_log_set_enabled(0);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(third_connection_of_an_address_is_refused),
      cmocka_unit_test(families_and_no_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
