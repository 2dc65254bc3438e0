/* test_log.c - the request's log line built field by field
 * (fin_logline_*) is the line fin_log prints for the same fields: same
 * escapes, same cuts, same "truncated" form when it outgrows the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/util/log.h"

/* stderr goes to a pipe during each test (setup/teardown per test, so a
 * failed one cannot leave the next reading a pipe nobody writes). */
static int pipe_fd[2], saved_err;

static int setup(void **state) {
  (void)state;
  assert_int_equal(pipe(pipe_fd), 0);
  saved_err = dup(STDERR_FILENO);
  dup2(pipe_fd[1], STDERR_FILENO);
  fin_log_set_enabled(1);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  dup2(saved_err, STDERR_FILENO);
  close(saved_err), close(pipe_fd[0]), close(pipe_fd[1]);
  return 0;
}

/* The next line written to stderr, with its timestamp blanked. */
static char *next_line(void) {
  static char line[8192];
  size_t n = 0;
  while (n + 1 < sizeof line && read(pipe_fd[0], line + n, 1) == 1 && line[n] != '\n')
    n++;
  line[n] = '\0';
  char *ts = strstr(line, "\"ts\":\"");
  if (ts != NULL) memset(ts + 6, 'T', 24); /* "2026-12-07T20:27:23.123Z" */
  return line;
}

static void same_line(const char *rid, const char *method, const char *path, int status,
                      long long ms, unsigned calls) {
  char a[160], m[32], p[512];
  fin_log("info", "request",
          "\"requestId\":\"%s\",\"method\":\"%s\",\"path\":\"%s\",\"status\":%d,"
          "\"duration_ms\":%lld,\"backend_calls\":%u",
          fin_log_esc(rid, a, sizeof a), fin_log_esc(method, m, sizeof m),
          fin_log_esc(path, p, sizeof p), status, ms, calls);
  char *want = strdup(next_line());
  struct fin_logline l;
  fin_logline_begin(&l, "info", "request");
  fin_logline_str(&l, "requestId", rid, 160);
  fin_logline_str(&l, "method", method, 32);
  fin_logline_str(&l, "path", path, 512);
  fin_logline_int(&l, "status", status);
  fin_logline_int(&l, "duration_ms", ms);
  fin_logline_int(&l, "backend_calls", calls);
  fin_logline_end(&l);
  char *got = strdup(next_line());
  dup2(saved_err, STDERR_FILENO); /* cmocka reports on stderr */
  assert_string_equal(got, want);
  dup2(pipe_fd[1], STDERR_FILENO);
  free(want), free(got);
}

/* What fin_log_esc writes: JSON escapes, controls and DEL as \u00xx, the
 * rest as it is; cut to the buffer, never inside a UTF-8 sequence. */
static void escapes(void **state) {
  (void)state;
  char b[64];
  assert_string_equal(fin_log_esc("a\"b\\c\n\r\t\x01\x1f\x7f/\xc3\xa9~", b, sizeof b),
                      "a\\\"b\\\\c\\n\\r\\t\\u0001\\u001f\\u007f/\xc3\xa9~");
  assert_string_equal(fin_log_esc("abcdef", b, 4), "abc");
  assert_string_equal(fin_log_esc("ab\"", b, 4), "ab"); /* no half escape */
  assert_string_equal(fin_log_esc("a\xc3\xa9", b, 3), "a");
  assert_string_equal(fin_log_esc(NULL, b, sizeof b), "");
}

static void request_lines_match_fin_log(void **state) {
  (void)state;
  same_line("0190b3c2-aaaa-7bbb-8ccc-123456789abc", "GET", "/v1/dashboard", 200, 3, 2);
  same_line("", "POST", "/v1/cards/c-1/transactions/purchases?x=\"q\"\\", 201, 0, 0);
  same_line("r\n1\t\x01\x7f", "P\"UT", "/caf\xc3\xa9/\xe2\x82\xac", 503, -1, 4000000000u);
  char longp[2000]; /* cut at the cap, never inside a UTF-8 sequence */
  for (size_t i = 0; i + 2 < sizeof longp; i += 2)
    memcpy(longp + i, "\xc3\xa9", 2);
  longp[sizeof longp - 1] = '\0';
  same_line("r", "GET", longp, 404, 9223372036854775807LL, 1);
  longp[1999] = '\0';
  memset(longp, '"', 1998); /* escapes double it: still cut at the cap */
  same_line(longp, "GET", "/", 400, 1, 1);
}

/* The outbox worker's delivery line (log_sent) both ways: the event id as
 * it is, the ecosystem id escaped and cut at 200 bytes. */
static void sent_line(const char *id, long long seq, const char *eco) {
  char e[200];
  fin_log("info", "outbox_event_sent",
          "\"eventId\":\"%s\",\"sequenceNumber\":%lld,\"ecosystemId\":\"%s\"", id, seq,
          fin_log_esc(eco, e, sizeof e));
  char *want = strdup(next_line());
  struct fin_logline l;
  fin_logline_begin(&l, "info", "outbox_event_sent");
  fin_logline_raw(&l, "eventId", id);
  fin_logline_int(&l, "sequenceNumber", seq);
  fin_logline_str(&l, "ecosystemId", eco, 200);
  fin_logline_end(&l);
  char *got = strdup(next_line());
  dup2(saved_err, STDERR_FILENO);
  assert_string_equal(got, want);
  dup2(pipe_fd[1], STDERR_FILENO);
  free(want), free(got);
}

static void sent_lines_match_fin_log(void **state) {
  (void)state;
  sent_line("0190b3c2-aaaa-7bbb-8ccc-123456789abc", 1, "user-1");
  sent_line("", 0, "");
  sent_line("a\"b\\c", -9223372036854775807LL - 1, "u\"\n\x01\xc3\xa9");
  sent_line("x", 9223372036854775807LL, "caf\xc3\xa9");
  char big[600];
  for (size_t i = 0; i + 2 < sizeof big; i += 2)
    memcpy(big + i, "\xc3\xa9", 2);
  big[sizeof big - 1] = '\0';
  sent_line(big, 42, big); /* the id whole, the ecosystem id cut */
  memset(big, '"', sizeof big - 1);
  sent_line("id", 7, big);
}

/* Lines near the 4,096-byte limit: kept whole or truncated exactly where
 * fin_log keeps or truncates them. */
static void the_limit_is_fin_logs(void **state) {
  (void)state;
  char a[1001], d[1024];
  memset(a, 'a', 1000);
  a[1000] = '\0';
  for (size_t n = 0; n < sizeof d; n++) {
    memset(d, 'd', n);
    d[n] = '\0';
    fin_log("info", "x", "\"a\":\"%s\",\"b\":\"%s\",\"c\":\"%s\",\"d\":\"%s\"", a, a, a, d);
    char *want = strdup(next_line());
    struct fin_logline l;
    fin_logline_begin(&l, "info", "x");
    fin_logline_str(&l, "a", a, 1024);
    fin_logline_str(&l, "b", a, 1024);
    fin_logline_str(&l, "c", a, 1024);
    fin_logline_str(&l, "d", d, 1024);
    fin_logline_end(&l);
    char *got = strdup(next_line());
    int same = strcmp(got, want) == 0;
    dup2(saved_err, STDERR_FILENO);
    if (!same) fail_msg("at %zu: %s\n!= %s", n, got, want);
    dup2(pipe_fd[1], STDERR_FILENO);
    free(want), free(got);
  }
}

/* Fields that outgrow the line are dropped for "truncated":true. */
static void an_overlong_line_is_truncated(void **state) {
  (void)state;
  char big[1100];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  struct fin_logline l;
  fin_logline_begin(&l, "warn", "x");
  for (int i = 0; i < 5; i++)
    fin_logline_str(&l, "k", big, 1024);
  fin_logline_end(&l);
  const char *line = next_line();
  dup2(saved_err, STDERR_FILENO);
  assert_non_null(strstr(line, "\"event\":\"x\",\"truncated\":true}"));
  assert_null(strstr(line, "\"k\""));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(escapes),
      cmocka_unit_test_setup_teardown(request_lines_match_fin_log, setup, teardown),
      cmocka_unit_test_setup_teardown(sent_lines_match_fin_log, setup, teardown),
      cmocka_unit_test_setup_teardown(an_overlong_line_is_truncated, setup, teardown),
      cmocka_unit_test_setup_teardown(the_limit_is_fin_logs, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
