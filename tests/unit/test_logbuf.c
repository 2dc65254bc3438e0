/* test_logbuf.c - batched log lines (core/util/logbuf.h): kept lines reach
 * stderr with the next batch, in the order given, before any line written
 * at once; a full batch goes out by itself; the flusher thread writes a
 * batch without being asked. stderr is a pipe for the whole program;
 * FIN_LOG_FLUSH_MS is 1000, so within one test nothing is written by the
 * thread unless the test waits for it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/util/logbuf.h"

static int rd, saved_err;

/* What stderr holds now, without waiting, into buf; its length. */
static size_t drain(char *buf, size_t size) {
  size_t n = 0;
  for (;;) {
    ssize_t r = read(rd, buf + n, size - 1 - n);
    if (r <= 0) break;
    n += (size_t)r;
  }
  buf[n] = '\0';
  return n;
}

static void kept_until_flushed(void **state) {
  char got[256];
  fin_logbuf_soon("one\n", 4);
  fin_logbuf_soon("two\n", 4);
  assert_int_equal(drain(got, sizeof got), 0); /* kept: the batch is 1 s away */
  fin_logbuf_flush();
  drain(got, sizeof got);
  assert_string_equal(got, "one\ntwo\n");
}

static void a_direct_line_comes_after_kept_ones(void **state) {
  char got[256];
  fin_logbuf_soon("1\n", 2);
  fin_logbuf_now("2\n", 2);
  fin_logbuf_soon("3\n", 2);
  drain(got, sizeof got);
  assert_string_equal(got, "1\n2\n");
  fin_logbuf_flush();
  drain(got, sizeof got);
  assert_string_equal(got, "3\n");
}

static void a_full_batch_goes_out(void **state) {
  static char line[1000], got[FIN_LOGBUF_BYTES * 2];
  memset(line, 'x', sizeof line - 1);
  line[sizeof line - 1] = '\n';
  int lines = FIN_LOGBUF_BYTES / (int)sizeof line + 1; /* one more than fits */
  for (int i = 0; i < lines; i++)
    fin_logbuf_soon(line, sizeof line);
  assert_int_equal(drain(got, sizeof got), (size_t)lines * sizeof line); /* all of them */
  fin_logbuf_flush();
  assert_int_equal(drain(got, sizeof got), 0);
}

static void the_thread_writes_a_batch(void **state) {
  char got[256];
  fin_logbuf_soon("late\n", 5);
  struct pollfd p = {.fd = rd, .events = POLLIN};
  assert_int_equal(poll(&p, 1, 10000), 1); /* about a second: FIN_LOG_FLUSH_MS */
  drain(got, sizeof got);
  assert_string_equal(got, "late\n");
}

int main(void) {
  setenv("FIN_LOG_FLUSH_MS", "1000", 1);
  int fds[2];
  if (pipe(fds) != 0) return 1;
  fcntl(fds[0], F_SETPIPE_SZ, 4 * FIN_LOGBUF_BYTES); /* a full batch fits unread */
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  rd = fds[0];
  saved_err = dup(STDERR_FILENO);
  dup2(fds[1], STDERR_FILENO);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(kept_until_flushed),
      cmocka_unit_test(a_direct_line_comes_after_kept_ones),
      cmocka_unit_test(a_full_batch_goes_out),
      cmocka_unit_test(the_thread_writes_a_batch),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  dup2(saved_err, STDERR_FILENO);
  return failed;
}
