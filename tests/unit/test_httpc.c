/* test_httpc.c - fin_http_call (core/util/httpc.h), the one exchange of the
 * key-set, token, credential and WhatsApp clients: only http and https, no
 * redirect followed, the answer bounded, an answer cut inside its headers
 * reported (libcurl 7.88 calls it a whole 200), Cache-Control's max-age
 * read, the method, body and header lines sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../core/util/httpc.h"
#include "fake_http.h"

static struct fin_http_answer call_fake(const char *answer, const char *method, const char *body,
                                        const char *const *headers, size_t max, char *seen,
                                        size_t seen_size) {
  const char *const answers[] = {answer};
  struct fake f;
  fake_start(&f, answers, 1);
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/x", f.port);
  struct fin_http_answer a;
  fin_http_call(&(struct fin_http_call){.url = url,
                                        .method = method,
                                        .body = body,
                                        .headers = headers,
                                        .timeout_ms = 5000,
                                        .max_answer = max,
                                        .no_proxy = true},
                &a);
  assert_int_equal(fake_requests(&f), 1);
  pthread_mutex_lock(&f.mu);
  if (seen != NULL) snprintf(seen, seen_size, "%s", f.last);
  pthread_mutex_unlock(&f.mu);
  fake_stop(&f);
  return a;
}

static void sends_method_body_and_headers(void **state) {
  (void)state;
  char seen[2048], v[64];
  const char *const h[] = {"X-One: 1", "X-Two: 2", NULL};
  struct fin_http_answer a = call_fake("200|{\"ok\":true}", "PUT", NULL, h, 0, seen, sizeof seen);
  assert_int_equal(a.rc, CURLE_OK);
  assert_int_equal(a.status, 200);
  assert_string_equal(a.body.p, "{\"ok\":true}");
  assert_int_equal(a.head.max_age_s, -1);
  assert_true(strncmp(seen, "PUT /x HTTP/1.1\r\n", 17) == 0);
  assert_string_equal(fake_req_header(seen, "Content-Length", v, sizeof v), "0");
  assert_string_equal(fake_req_header(seen, "X-Two", v, sizeof v), "2");
  free(a.body.p);
  a = call_fake("200|{}", NULL, "a=1", NULL, 0, seen, sizeof seen);
  assert_true(strncmp(seen, "POST /x HTTP/1.1\r\n", 18) == 0);
  assert_non_null(strstr(seen, "\r\n\r\na=1"));
  free(a.body.p);
}

static void reads_max_age(void **state) {
  (void)state;
  struct fin_http_answer a =
      call_fake("RAW|HTTP/1.1 200 OK\r\nCache-Control: public, max-age=19917, must-revalidate\r\n"
                "Content-Length: 2\r\n\r\n{}",
                NULL, NULL, NULL, 0, NULL, 0);
  assert_int_equal(a.rc, CURLE_OK);
  assert_int_equal(a.head.max_age_s, 19917);
  free(a.body.p);
}

static void does_not_follow_redirects(void **state) {
  (void)state;
  struct fin_http_answer a = call_fake("RAW|HTTP/1.1 302 Found\r\nLocation: "
                                       "http://169.254.169.254/latest\r\nContent-Length: 0\r\n\r\n",
                                       NULL, NULL, NULL, 0, NULL, 0);
  assert_int_equal(a.rc, CURLE_OK);
  assert_int_equal(a.status, 302);
  free(a.body.p);
}

static void bounds_and_cut_answers_fail(void **state) {
  (void)state;
  struct fin_http_answer a = call_fake("200|0123456789", NULL, NULL, NULL, 4, NULL, 0);
  assert_int_equal(a.rc, CURLE_WRITE_ERROR); /* over max_answer */
  free(a.body.p);
  a = call_fake("RAW|HTTP/1.1 200 OK\r\nContent-Le", NULL, NULL, NULL, 0, NULL, 0);
  assert_int_equal(a.rc, CURLE_PARTIAL_FILE); /* cut inside the headers */
  assert_int_equal(a.status, 0);
  free(a.body.p);
}

static void refuses_other_protocols(void **state) {
  (void)state;
  struct fin_http_answer a;
  fin_http_call(&(struct fin_http_call){.url = "file:///etc/passwd", .timeout_ms = 1000}, &a);
  assert_int_equal(a.rc, CURLE_UNSUPPORTED_PROTOCOL);
  assert_null(a.body.p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(sends_method_body_and_headers),
      cmocka_unit_test(reads_max_age),
      cmocka_unit_test(does_not_follow_redirects),
      cmocka_unit_test(bounds_and_cut_answers_fail),
      cmocka_unit_test(refuses_other_protocols),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
