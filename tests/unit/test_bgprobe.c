/* test_bgprobe.c - the background status check behind the WhatsApp health
 * route and readiness: callers never wait on a check in progress (only the
 * very first may wait, bounded), one check runs at a time however many
 * callers ask, and a stale result is still served while a new one runs.
 * A caller on a request fiber waits for that first result without holding
 * up the other fibers of its loop thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>

#include "../../core/util/bgprobe.h"
#include "../../core/util/io.h"

/* A check that blocks until the test lets it through. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int started, running, max_running, allowed;

static json_t *slow_check(void *arg) {
  (void)arg;
  pthread_mutex_lock(&mu);
  int n = ++started;
  if (++running > max_running) max_running = running;
  pthread_cond_broadcast(&cv);
  while (allowed < n)
    pthread_cond_wait(&cv, &mu);
  running--;
  pthread_mutex_unlock(&mu);
  return json_pack("{s:i}", "n", n);
}

static void wait_started(int n) {
  pthread_mutex_lock(&mu);
  while (started < n)
    pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
}

static void allow(int n) {
  pthread_mutex_lock(&mu);
  allowed = n;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
}

static void callers_never_wait_on_a_check(void **state) {
  /* max age 0: every call finds the result stale and asks for a new one */
  struct fin_bgprobe *p = fin_bgprobe_new(slow_check, NULL, 0);
  assert_non_null(p);
  wait_started(1); /* the first check starts at once, and is stuck */
  for (int i = 0; i < 100; i++)
    assert_null(fin_bgprobe_get(p));        /* no result yet, and no waiting */
  assert_null(fin_bgprobe_get_wait(p, 50)); /* the first wait is bounded */
  allow(1);
  json_t *r = fin_bgprobe_get_wait(p, 5000);
  assert_non_null(r);
  assert_int_equal(json_integer_value(json_object_get(r, "n")), 1);
  json_decref(r);
  wait_started(2); /* that call asked for a second check, now stuck */
  for (int i = 0; i < 100; i++) {
    r = fin_bgprobe_get_wait(p, 5000); /* a result exists: served at once */
    assert_int_equal(json_integer_value(json_object_get(r, "n")), 1);
    json_decref(r);
  }
  pthread_mutex_lock(&mu);
  assert_int_equal(started, 2); /* 200 stale reads, one check in flight */
  assert_int_equal(max_running, 1);
  pthread_mutex_unlock(&mu);
  allow(1000); /* let the thread finish so free() can join it */
  fin_bgprobe_free(p);
}

/* Two fibers of one loop thread: the first waits for the first result,
 * the second lets the check through. Were the first to block the thread,
 * the second could not run until the first gave up (with no result). */
struct probe_job {
  struct fin_job job; /* first */
  struct fin_bgprobe *p;
  json_t *got;
  bool done;
};
static struct probe_job waiter, releaser;
static int finished[2], n_finished;

static void note_done(struct probe_job *j, int id) {
  pthread_mutex_lock(&mu);
  j->done = true;
  finished[n_finished++] = id;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
}

static void wait_for_result(struct fin_job *job) {
  struct probe_job *j = (struct probe_job *)(void *)job;
  j->got = fin_bgprobe_get_wait(j->p, 10000);
  note_done(j, 1);
}

static void let_check_through(struct fin_job *job) {
  wait_started(1);
  allow(1);
  note_done((struct probe_job *)(void *)job, 2);
}

static void first_wait_on_a_fiber_leaves_its_loop_free(void **state) {
  (void)state;
  pthread_mutex_lock(&mu);
  started = running = max_running = allowed = n_finished = 0;
  pthread_mutex_unlock(&mu);
  struct fin_loops *l = fin_loops_start(1);
  assert_non_null(l);
  struct fin_bgprobe *p = fin_bgprobe_new(slow_check, NULL, 60000);
  assert_non_null(p);
  waiter = (struct probe_job){.job.fn = wait_for_result, .p = p};
  releaser = (struct probe_job){.job.fn = let_check_through, .p = p};
  assert_true(fin_loops_submit(l, &waiter.job));
  assert_true(fin_loops_submit(l, &releaser.job));
  pthread_mutex_lock(&mu);
  while (!waiter.done || !releaser.done)
    pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  assert_int_equal(finished[0], 2); /* the releaser ran while the waiter waited */
  assert_non_null(waiter.got);      /* and the waiter got the first result */
  assert_int_equal(json_integer_value(json_object_get(waiter.got, "n")), 1);
  json_decref(waiter.got);
  fin_loops_stop(l);
  allow(1000);
  fin_bgprobe_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(callers_never_wait_on_a_check),
      cmocka_unit_test(first_wait_on_a_fiber_leaves_its_loop_free),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
