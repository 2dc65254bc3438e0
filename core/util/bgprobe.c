/* bgprobe.c - background status check with a cached result (see bgprobe.h). */
#include "bgprobe.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "io.h"
#include "timefmt.h"

/* How often a fiber looks for the first result while it waits for it. */
#define FIBER_POLL_US 2000

struct fin_bgprobe {
  json_t *(*fn)(void *arg);
  void *arg;
  int64_t max_age_ms;
  pthread_mutex_t mu;
  pthread_cond_t cv;   /* wakes the thread */
  pthread_cond_t done; /* a check ended */
  pthread_t thread;
  json_t *last;       /* owned; NULL until the first check ends */
  int64_t checked_at; /* when `last` was taken */
  bool wanted;        /* a caller asked for a fresh check */
  bool running;       /* a check is in progress */
  bool stop;
};

static void *probe_main(void *arg) {
  struct fin_bgprobe *p = arg;
  pthread_mutex_lock(&p->mu);
  while (!p->stop) {
    if (!p->wanted) {
      pthread_cond_wait(&p->cv, &p->mu);
      continue;
    }
    p->wanted = false;
    p->running = true;
    pthread_mutex_unlock(&p->mu);
    json_t *r = p->fn(p->arg); /* the slow part, outside the lock */
    pthread_mutex_lock(&p->mu);
    p->running = false;
    json_decref(p->last);
    p->last = r;
    p->checked_at = fin_now_ms();
    pthread_cond_broadcast(&p->done);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

struct fin_bgprobe *fin_bgprobe_new(json_t *(*fn)(void *arg), void *arg, int64_t max_age_ms) {
  struct fin_bgprobe *p = calloc(1, sizeof *p);
  if (p == NULL) return NULL;
  p->fn = fn;
  p->arg = arg;
  p->max_age_ms = max_age_ms;
  p->wanted = true; /* first check at once: the first caller likely finds a result */
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  pthread_cond_init(&p->done, NULL);
  if (pthread_create(&p->thread, NULL, probe_main, p) != 0) {
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
    return NULL;
  }
  return p;
}

json_t *fin_bgprobe_get(struct fin_bgprobe *p) {
  return fin_bgprobe_get_wait(p, 0);
}

/* Waits, p->mu held, for the first result up to ms. A fiber must not block
 * its loop thread (the other requests of that thread would wait too): it
 * sleeps on its loop between looks. */
static void wait_first(struct fin_bgprobe *p, int64_t ms) {
  if (fin_io_on_fiber()) {
    int64_t until = fin_mono_ms() + ms;
    while (p->last == NULL && !p->stop && fin_mono_ms() < until) {
      pthread_mutex_unlock(&p->mu);
      fin_io_sleep_us(FIBER_POLL_US);
      pthread_mutex_lock(&p->mu);
    }
    return;
  }
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += ms / 1000;
  ts.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
  while (p->last == NULL && !p->stop)
    if (pthread_cond_timedwait(&p->done, &p->mu, &ts) != 0) break;
}

json_t *fin_bgprobe_get_wait(struct fin_bgprobe *p, int64_t first_wait_ms) {
  pthread_mutex_lock(&p->mu);
  if (p->last == NULL && first_wait_ms > 0) wait_first(p, first_wait_ms);
  json_t *copy = p->last ? json_deep_copy(p->last) : NULL;
  bool stale = p->last == NULL || fin_now_ms() - p->checked_at >= p->max_age_ms;
  if (stale && !p->running && !p->wanted) {
    p->wanted = true;
    pthread_cond_signal(&p->cv);
  }
  pthread_mutex_unlock(&p->mu);
  return copy;
}

void fin_bgprobe_free(struct fin_bgprobe *p) {
  if (p == NULL) return;
  pthread_mutex_lock(&p->mu);
  p->stop = true;
  pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
  pthread_join(p->thread, NULL);
  json_decref(p->last);
  pthread_cond_destroy(&p->done);
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->mu);
  free(p);
}
