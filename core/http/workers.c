/* workers.c - see workers.h. One mutex and one condition variable: jobs are
 * whole requests (tens of microseconds to seconds), so the queue is never
 * the bottleneck. */
#include "workers.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/log.h"

#define MAX_THREADS 1024

struct fin_workers {
  pthread_mutex_t lock;
  pthread_cond_t ready;
  struct fin_job *head, *tail;
  bool stopping;
  unsigned n;
  pthread_t threads[];
};

static void *run(void *arg) {
  struct fin_workers *w = arg;
  pthread_mutex_lock(&w->lock);
  for (;;) {
    while (w->head == NULL && !w->stopping)
      pthread_cond_wait(&w->ready, &w->lock);
    struct fin_job *job = w->head;
    if (job == NULL) break; /* stopping and nothing left */
    w->head = job->next;
    if (w->head == NULL) w->tail = NULL;
    pthread_mutex_unlock(&w->lock);
    job->fn(job);
    pthread_mutex_lock(&w->lock);
  }
  pthread_mutex_unlock(&w->lock);
  return NULL;
}

struct fin_workers *fin_workers_start(unsigned n) {
  if (n == 0 || n > MAX_THREADS) return NULL;
  struct fin_workers *w = calloc(1, sizeof *w + n * sizeof(pthread_t));
  if (w == NULL) return NULL;
  pthread_mutex_init(&w->lock, NULL);
  pthread_cond_init(&w->ready, NULL);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 512 * 1024); /* handlers keep little on the stack */
  for (; w->n < n; w->n++)
    if (pthread_create(&w->threads[w->n], &attr, run, w) != 0) break;
  pthread_attr_destroy(&attr);
  if (w->n < n) {
    fin_workers_stop(w);
    return NULL;
  }
  return w;
}

bool fin_workers_submit(struct fin_workers *w, struct fin_job *job) {
  job->next = NULL;
  pthread_mutex_lock(&w->lock);
  bool ok = !w->stopping;
  if (ok) {
    if (w->tail != NULL)
      w->tail->next = job;
    else
      w->head = job;
    w->tail = job;
    pthread_cond_signal(&w->ready);
  }
  pthread_mutex_unlock(&w->lock);
  return ok;
}

void fin_workers_stop(struct fin_workers *w) {
  if (w == NULL) return;
  pthread_mutex_lock(&w->lock);
  w->stopping = true;
  pthread_cond_broadcast(&w->ready);
  pthread_mutex_unlock(&w->lock);
  for (unsigned i = 0; i < w->n; i++)
    pthread_join(w->threads[i], NULL);
  pthread_cond_destroy(&w->ready);
  pthread_mutex_destroy(&w->lock);
  free(w);
}

/* The variable's value in [0, MAX_THREADS], or -1 when unset or invalid
 * (logged). */
static long count_env(const char *name) {
  const char *env = getenv(name);
  if (env == NULL || *env == '\0') return -1;
  char *end;
  long v = strtol(env, &end, 10);
  if (*end == '\0' && v >= 0 && v <= MAX_THREADS) return v;
  fin_log("warn", "config_invalid", "\"name\":\"%s\",\"using\":\"default\"", name);
  return -1;
}

struct fin_threading fin_workers_plan(bool remote) {
  long v = count_env("FIN_HTTP_WORKERS");
  struct fin_threading t = {v > 0 ? (unsigned)v : 0, 0, false};
  if (!remote || v >= 0) return t;
  long loops = count_env("FIN_HTTP_LOOPS");
  if (loops < 0) { /* unset: one per core */
    loops = sysconf(_SC_NPROCESSORS_ONLN);
    if (loops < 1) loops = 1;
  }
  t.loops = loops < FIN_LOOPS_MAX ? (unsigned)loops : FIN_LOOPS_MAX;
  t.per_conn = t.loops == 0;
  return t;
}
