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
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../core/util/httpc.h"
#include "../../core/util/io.h"
#include "../../core/util/log.h"
#include "../../core/util/timefmt.h"
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

/* ---- a loop's source ---- */

/* What a source saw: which thread ran it, and what fin_loops_run_here said
 * for each request it started (the HTTP server's daemon in miniature). */
struct src_state {
  int fds[2]; /* a pipe: each byte written is a request */
  struct step_job quick, slow;
  int here_quick, here_slow; /* run_here's answers, -1 before */
  atomic_int runs, empty_runs;
  pthread_t thread;
  _Atomic long wait;
};

static void slow_then_ready(struct step_job *j) {
  fin_io_sleep_us(j->sleep_us);
  fin_loops_source_ready(); /* as a fiber resuming its connection */
}

static void quick(struct step_job *j) {
  (void)j;
}

static void src_run(void *arg) {
  struct src_state *s = arg;
  s->thread = pthread_self();
  atomic_fetch_add(&s->runs, 1);
  char c;
  if (read(s->fds[0], &c, 1) != 1) {
    atomic_fetch_add(&s->empty_runs, 1);
    return;
  }
  struct step_job *j = c == 'q' ? &s->quick : &s->slow;
  j->job.fn = run_step;
  int here = fin_loops_run_here(&j->job);
  pthread_mutex_lock(&mu);
  *(c == 'q' ? &s->here_quick : &s->here_slow) = here;
  pthread_mutex_unlock(&mu);
}

static long src_wait(void *arg) {
  return ((struct src_state *)arg)->wait;
}

static void note_thread(struct step_job *j) {
  j->status = (long)(pthread_self() == ((struct src_state *)(void *)j->url)->thread);
}

/* Two loops with a source each: a request that never waits finishes inside
 * run_here (true); one that waits is left to the loop (false) and finishes
 * later on the same thread; its fin_loops_source_ready() gets the source run
 * without anything to read; a wait_ms() of 0 also gets it run; and a job
 * given to loop i with submit_to runs on the thread that runs source i. */
static void sources_run_on_their_loop(void **state) {
  (void)state;
  reset();
  struct src_state s[2] = {{.here_quick = -1, .here_slow = -1, .wait = -1},
                           {.here_quick = -1, .here_slow = -1, .wait = 0}};
  struct fin_loop_source src[2];
  for (int i = 0; i < 2; i++) {
    assert_int_equal(pipe2(s[i].fds, O_NONBLOCK), 0);
    s[i].quick = (struct step_job){.body = quick, .id = 1 + 2 * i};
    s[i].slow = (struct step_job){.body = slow_then_ready, .id = 2 + 2 * i, .sleep_us = 20000};
    src[i] = (struct fin_loop_source){s[i].fds[0], src_run, src_wait, &s[i]};
  }
  struct fin_loops *l = fin_loops_start_with(2, src);
  assert_non_null(l);
  assert_int_equal(write(s[0].fds[1], "q", 1), 1);
  wait_done(1);
  assert_int_equal(write(s[0].fds[1], "s", 1), 1);
  wait_done(2);
  pthread_mutex_lock(&mu);
  assert_int_equal(order[0], 1);
  assert_int_equal(order[1], 2);
  assert_int_equal(s[0].here_quick, 1);
  assert_int_equal(s[0].here_slow, 0);
  pthread_mutex_unlock(&mu);
  assert_true(s[0].quick.on_fiber && s[0].slow.on_fiber);
  /* the fiber asked after its wait: the source ran with nothing to read */
  for (int t = 0; t < WAIT_S * 100 && atomic_load(&s[0].empty_runs) == 0; t++)
    usleep(10000);
  assert_true(atomic_load(&s[0].empty_runs) >= 1);
  /* source 1 says wait 0 each time: it keeps being run, nothing written */
  for (int t = 0; t < WAIT_S * 100 && atomic_load(&s[1].empty_runs) < 3; t++)
    usleep(10000);
  assert_true(atomic_load(&s[1].empty_runs) >= 3);
  s[1].wait = -1;
  struct step_job on1 = {.body = note_thread, .id = 9, .url = (const char *)(void *)&s[1]};
  on1.job.fn = run_step;
  assert_true(fin_loops_submit_to(l, 1, &on1.job));
  wait_done(3);
  assert_int_equal(on1.status, 1);
  assert_false(fin_loops_submit_to(l, 2, &on1.job)); /* no loop 2 */
  fin_loops_stop(l);
  for (int i = 0; i < 2; i++) {
    close(s[i].fds[0]);
    close(s[i].fds[1]);
  }
}

/* Off a loop, run_here simply runs the job. */
static void run_here_off_a_loop_runs_the_job(void **state) {
  (void)state;
  reset();
  struct step_job j = {.body = quick, .id = 1};
  j.job.fn = run_step;
  assert_true(fin_loops_run_here(&j.job));
  assert_int_equal(n_done, 1);
  assert_false(j.on_fiber);
  fin_loops_source_ready(); /* does nothing here */
}

/* ---- fin_io_wait_fd ---- */
static int pipe_fds[2];
static int waited; /* what the waiting job's fin_io_wait_fd returned */

static void wait_on_pipe(struct step_job *j) {
  waited = fin_io_wait_fd(pipe_fds[0], POLLIN, fin_mono_ms() + j->timeout_ms);
}

static void write_pipe(struct step_job *j) {
  (void)j;
  assert_int_equal(write(pipe_fds[1], "x", 1), 1);
}

/* One loop: the first job waits on an empty pipe, the second (on the same
 * thread, so only if the first let it run) writes to it and wakes it. */
static void fd_wait_lets_the_others_run_and_wakes(void **state) {
  (void)state;
  reset();
  assert_int_equal(pipe(pipe_fds), 0);
  struct fin_loops *l = fin_loops_start(1);
  assert_non_null(l);
  struct step_job a = {.body = wait_on_pipe, .id = 1, .timeout_ms = WAIT_S * 2000};
  struct step_job b = {.body = write_pipe, .id = 2};
  waited = -2;
  submit(l, &a);
  submit(l, &b);
  wait_done(2);
  assert_int_equal(order[0], 2);
  assert_int_equal(order[1], 1);
  assert_true(a.on_fiber);
  assert_true(waited & POLLIN);
  fin_loops_stop(l);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}

/* Nothing comes: the wait ends at its deadline with 0, and the loop's other
 * jobs ran meanwhile; the fd is out of the loop's set after (a write now
 * wakes nobody and breaks nothing). */
static void fd_wait_ends_at_its_deadline(void **state) {
  (void)state;
  reset();
  assert_int_equal(pipe(pipe_fds), 0);
  struct fin_loops *l = fin_loops_start(1);
  assert_non_null(l);
  struct step_job a = {.body = wait_on_pipe, .id = 1, .timeout_ms = 50};
  struct step_job b = {.body = quick, .id = 2};
  waited = -2;
  submit(l, &a);
  submit(l, &b);
  wait_done(2);
  assert_int_equal(order[0], 2);
  assert_int_equal(waited, 0);
  assert_int_equal(write(pipe_fds[1], "x", 1), 1);
  struct step_job c = {.body = quick, .id = 3};
  submit(l, &c);
  wait_done(3);
  fin_loops_stop(l);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}

/* Off a fiber it is poll(). */
static void fd_wait_off_a_fiber(void **state) {
  (void)state;
  assert_int_equal(pipe(pipe_fds), 0);
  assert_false(fin_io_on_fiber());
  assert_int_equal(fin_io_wait_fd(pipe_fds[0], POLLIN, fin_mono_ms()), 0);
  assert_int_equal(write(pipe_fds[1], "x", 1), 1);
  assert_true(fin_io_wait_fd(pipe_fds[0], POLLIN, fin_mono_ms() + 1000) & POLLIN);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
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
      cmocka_unit_test(sources_run_on_their_loop),
      cmocka_unit_test(run_here_off_a_loop_runs_the_job),
      cmocka_unit_test(fd_wait_lets_the_others_run_and_wakes),
      cmocka_unit_test(fd_wait_ends_at_its_deadline),
      cmocka_unit_test(fd_wait_off_a_fiber),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
