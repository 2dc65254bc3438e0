/* test_io_loops.c - request fibers on event-loop threads (core/util/io.h):
 * fibers of one thread take turns while one waits (on the clock, a lock or
 * a transfer), a lock held across a wait does not stall its own thread,
 * each request keeps its own backend call count, and transfers work the
 * same on and off a fiber. */
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
#include <time.h>
#include <unistd.h>

#include "../../core/util/httpc.h"
#include "../../core/util/io.h"
#include "../../core/util/log.h"
#include "fake_http.h"

#define WAIT_S 10 /* a job not done by then is stuck: the test fails */

/* A job with a script: what to do, and what it saw. */
struct step_job {
  struct fin_job job; /* first */
  void (*body)(struct step_job *j);
  int id;
  long sleep_us;
  unsigned notes;
  const char *url;
  long timeout_ms;
  CURLcode rc;
  long status;
  unsigned calls_seen;
  bool on_fiber;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER; /* guards order, n_done */
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int order[16], n_done;
static pthread_mutex_t shared = PTHREAD_MUTEX_INITIALIZER; /* the lock under test */

static void finish(struct step_job *j) {
  pthread_mutex_lock(&mu);
  order[n_done++] = j->id;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
}

static void run_step(struct fin_job *job) {
  struct step_job *j = (struct step_job *)(void *)job;
  j->on_fiber = fin_io_on_fiber();
  (void)fin_backend_calls_take(); /* as the server does at a request's start */
  j->body(j);
  j->calls_seen = fin_backend_calls_take();
  finish(j);
}

static void reset(void) {
  pthread_mutex_lock(&mu);
  n_done = 0;
  memset(order, 0, sizeof order);
  pthread_mutex_unlock(&mu);
}

static void wait_done(int n) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += WAIT_S;
  pthread_mutex_lock(&mu);
  while (n_done < n)
    if (pthread_cond_timedwait(&cv, &mu, &until) != 0) {
      pthread_mutex_unlock(&mu);
      fail_msg("%d of %d jobs done after %d s: a loop is stuck", n_done, n, WAIT_S);
    }
  pthread_mutex_unlock(&mu);
}

static void submit(struct fin_loops *l, struct step_job *j) {
  j->job.fn = run_step;
  assert_true(fin_loops_submit(l, &j->job));
}

static void sleep_then_note(struct step_job *j) {
  for (unsigned i = 0; i < j->notes; i++) {
    fin_backend_call_note();
    fin_io_sleep_us(j->sleep_us);
  }
}

/* One loop thread: the job submitted second, which sleeps less, ends first;
 * each keeps its own call count although they interleave on one thread. */
static void sleeping_fiber_lets_the_others_run(void **state) {
  (void)state;
  reset();
  struct fin_loops *l = fin_loops_start(1);
  assert_non_null(l);
  struct step_job a = {.body = sleep_then_note, .id = 1, .sleep_us = 30000, .notes = 3};
  struct step_job b = {.body = sleep_then_note, .id = 2, .sleep_us = 1000, .notes = 5};
  submit(l, &a);
  submit(l, &b);
  wait_done(2);
  assert_int_equal(order[0], 2);
  assert_int_equal(order[1], 1);
  assert_true(a.on_fiber && b.on_fiber);
  assert_int_equal(a.calls_seen, 3);
  assert_int_equal(b.calls_seen, 5);
  fin_loops_stop(l);
}

static void lock_across_a_wait(struct step_job *j) {
  fin_io_lock(&shared);
  fin_io_sleep_us(j->sleep_us); /* as a store call made under a stripe lock */
  pthread_mutex_lock(&mu);
  order[8 + j->id] = n_done; /* how many had finished while this held it */
  pthread_mutex_unlock(&mu);
  pthread_mutex_unlock(&shared);
}

/* Two fibers of one thread take a lock that the first holds across a wait.
 * With a plain pthread_mutex_lock the second would block the thread and
 * the first could never resume to release it. */
static void lock_held_across_a_wait_does_not_stall_its_thread(void **state) {
  (void)state;
  reset();
  struct fin_loops *l = fin_loops_start(1);
  assert_non_null(l);
  struct step_job a = {.body = lock_across_a_wait, .id = 1, .sleep_us = 20000};
  struct step_job b = {.body = lock_across_a_wait, .id = 2, .sleep_us = 0};
  submit(l, &a);
  submit(l, &b);
  wait_done(2);
  assert_int_equal(order[0], 1); /* b waited for a's release */
  assert_int_equal(order[1], 2);
  fin_loops_stop(l);
}

static void fetch(struct step_job *j) {
  CURL *h = curl_easy_init();
  assert_non_null(h);
  struct fin_http_buf body = {.max = 4096};
  curl_easy_setopt(h, CURLOPT_URL, j->url);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, j->timeout_ms);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fin_http_buf_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  j->rc = fin_io_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &j->status);
  free(body.p);
  curl_easy_cleanup(h);
}

/* One loop thread: a transfer whose server never answers does not hold up
 * a later one, which ends first; the silent one ends on its own timeout. */
static void transfers_wait_together(void **state) {
  (void)state;
  reset();
  const char *const ok[] = {"200|{}"};
  struct fake quick, silent;
  fake_start(&quick, ok, 1);
  fake_start(&silent, NULL, 0);
  char u1[64], u2[64];
  snprintf(u1, sizeof u1, "http://127.0.0.1:%d/slow", silent.port);
  snprintf(u2, sizeof u2, "http://127.0.0.1:%d/quick", quick.port);
  struct fin_loops *l = fin_loops_start(1);
  assert_non_null(l);
  struct step_job a = {.body = fetch, .id = 1, .url = u1, .timeout_ms = 400};
  struct step_job b = {.body = fetch, .id = 2, .url = u2, .timeout_ms = 5000};
  submit(l, &a);
  submit(l, &b);
  wait_done(2);
  assert_int_equal(order[0], 2);
  assert_int_equal(b.rc, CURLE_OK);
  assert_int_equal(b.status, 200);
  assert_int_equal(a.rc, CURLE_OPERATION_TIMEDOUT);
  fin_loops_stop(l);
  fake_stop(&quick);
  fake_stop(&silent);
}

/* Off a fiber (start-up, background threads) a transfer blocks as
 * curl_easy_perform would, and a handle's connection is kept for the next
 * call of the same thread. */
static void perform_off_a_fiber_reuses_the_connection(void **state) {
  (void)state;
  const char *const ok[] = {"200|{\"a\":1}"};
  struct fake f;
  fake_start(&f, ok, 1);
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/x", f.port);
  assert_false(fin_io_on_fiber());
  CURL *h = curl_easy_init();
  for (int i = 0; i < 3; i++) {
    struct fin_http_buf body = {.max = 4096};
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fin_http_buf_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    assert_int_equal(fin_io_perform(h), CURLE_OK);
    assert_int_equal(body.n, 7);
    free(body.p);
  }
  curl_easy_cleanup(h);
  assert_int_equal(fake_requests(&f), 3);
  pthread_mutex_lock(&f.mu);
  int conns = f.connections;
  pthread_mutex_unlock(&f.mu);
  assert_int_equal(conns, 1);
  fake_stop(&f);
}

static void fetch_three(struct step_job *j) {
  for (int i = 0; i < 3; i++) {
    fetch(j);
    if (j->rc != CURLE_OK || j->status != 200) return;
  }
}

/* One loop drives curl through its socket interface: a connection handed
 * back to curl's cache leaves the loop's epoll set and joins it again when
 * reused (three calls in a row, one connection), and eight jobs in flight
 * at once on one loop each get their answer. */
static void loop_reuses_connections_and_runs_many_transfers(void **state) {
  (void)state;
  reset();
  const char *const ok[] = {"200|{}"};
  struct fake f;
  fake_start(&f, ok, 1);
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/x", f.port);
  struct fin_loops *l = fin_loops_start(1);
  assert_non_null(l);
  struct step_job seq = {.body = fetch_three, .id = 0, .url = url, .timeout_ms = 5000};
  submit(l, &seq);
  wait_done(1);
  assert_int_equal(seq.rc, CURLE_OK);
  assert_int_equal(fake_requests(&f), 3);
  pthread_mutex_lock(&f.mu);
  int conns = f.connections;
  pthread_mutex_unlock(&f.mu);
  assert_int_equal(conns, 1);

  reset();
  struct step_job jobs[8];
  for (int i = 0; i < 8; i++) {
    jobs[i] = (struct step_job){.body = fetch, .id = i, .url = url, .timeout_ms = 5000};
    submit(l, &jobs[i]);
  }
  wait_done(8);
  for (int i = 0; i < 8; i++) {
    assert_int_equal(jobs[i].rc, CURLE_OK);
    assert_int_equal(jobs[i].status, 200);
  }
  assert_int_equal(fake_requests(&f), 11);
  fin_loops_stop(l);
  fake_stop(&f);
}

/* Many jobs over two loops, each with several waits: all finish, and a
 * stopped pool refuses new work. */
static void many_jobs_then_stop(void **state) {
  (void)state;
  reset();
  struct fin_loops *l = fin_loops_start(2);
  assert_non_null(l);
  struct step_job jobs[16];
  for (int i = 0; i < 16; i++) {
    jobs[i] = (struct step_job){
        .body = sleep_then_note, .id = i, .sleep_us = 500L * (i % 4), .notes = (unsigned)(i % 5)};
    submit(l, &jobs[i]);
  }
  wait_done(16);
  for (int i = 0; i < 16; i++)
    assert_int_equal(jobs[i].calls_seen, (unsigned)(i % 5));
  fin_loops_stop(l);
}

int main(void) {
  fin_log_set_enabled(0);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(sleeping_fiber_lets_the_others_run),
      cmocka_unit_test(lock_held_across_a_wait_does_not_stall_its_thread),
      cmocka_unit_test(transfers_wait_together),
      cmocka_unit_test(perform_off_a_fiber_reuses_the_connection),
      cmocka_unit_test(loop_reuses_connections_and_runs_many_transfers),
      cmocka_unit_test(many_jobs_then_stop),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
