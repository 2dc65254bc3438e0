/* logbuf.c - log lines written at once or in batches (see logbuf.h). */
#include "logbuf.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;  /* kept, n_kept */
static pthread_mutex_t wmu = PTHREAD_MUTEX_INITIALIZER; /* out, and the order of writes */
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;    /* with mu: kept is not empty */
static char kept[FIN_LOGBUF_BYTES], out[FIN_LOGBUF_BYTES];
static size_t n_kept;
static long flush_ms; /* set once by init; 0: every line at once */

static void write_all(const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(STDERR_FILENO, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return; /* stderr is gone: there is no one to tell */
    p += w, n -= (size_t)w;
  }
}

/* Under wmu: what is kept, out in one write. */
static void drain_locked(void) {
  pthread_mutex_lock(&mu);
  size_t n = n_kept;
  memcpy(out, kept, n);
  n_kept = 0;
  pthread_mutex_unlock(&mu);
  write_all(out, n);
}

void fin_logbuf_flush(void) {
  pthread_mutex_lock(&wmu);
  drain_locked();
  pthread_mutex_unlock(&wmu);
}

static void *flusher(void *arg) {
  (void)arg;
  const struct timespec pause = {flush_ms / 1000, (flush_ms % 1000) * 1000000L};
  for (;;) {
    pthread_mutex_lock(&mu);
    while (n_kept == 0)
      pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    nanosleep(&pause, NULL); /* the lines of the next flush_ms join this batch */
    fin_logbuf_flush();
  }
  return NULL;
}

/* FIN_LOG_FLUSH_MS: 0..1000; anything else is the default. */
static long flush_ms_from_env(void) {
  const char *env = getenv("FIN_LOG_FLUSH_MS");
  if (env == NULL || *env == '\0') return FIN_LOGBUF_DEFAULT_MS;
  char *end;
  errno = 0;
  long v = strtol(env, &end, 10);
  return errno == 0 && *end == '\0' && v >= 0 && v <= 1000 ? v : FIN_LOGBUF_DEFAULT_MS;
}

static void init(void) {
  flush_ms = flush_ms_from_env();
  if (flush_ms == 0) return;
  /* the flusher takes no signal: SIGTERM and SIGINT belong to the main thread */
  sigset_t all, prev;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &prev);
  pthread_attr_t a;
  pthread_t t;
  bool ok = pthread_attr_init(&a) == 0;
  if (ok) {
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&a, 64 * 1024);
    ok = pthread_create(&t, &a, flusher, NULL) == 0;
    pthread_attr_destroy(&a);
  }
  pthread_sigmask(SIG_SETMASK, &prev, NULL);
  if (ok)
    atexit(fin_logbuf_flush);
  else
    flush_ms = 0; /* no thread to write batches: every line at once */
}

void fin_logbuf_now(const char *line, size_t len) {
  pthread_once(&once, init);
  if (flush_ms == 0) { /* nothing is ever kept: concurrent writes, as before batching */
    write_all(line, len);
    return;
  }
  pthread_mutex_lock(&wmu);
  drain_locked();
  write_all(line, len);
  pthread_mutex_unlock(&wmu);
}

void fin_logbuf_soon(const char *line, size_t len) {
  pthread_once(&once, init);
  if (flush_ms == 0) {
    write_all(line, len);
    return;
  }
  pthread_mutex_lock(&mu);
  if (n_kept + len > sizeof kept) { /* full: the batch, then this line, now */
    pthread_mutex_unlock(&mu);
    fin_logbuf_now(line, len);
    return;
  }
  bool first = n_kept == 0;
  memcpy(kept + n_kept, line, len);
  n_kept += len;
  pthread_mutex_unlock(&mu);
  if (first) pthread_cond_signal(&cv);
}
