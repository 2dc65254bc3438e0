/* ratelimit.c - fixed 60 s windows per "<who>:<route>" (behaviour.md §11), off
 * unless rules.rate_limit_enabled. Keys are kept as 64-bit hashes in a small
 * open-addressing table under one mutex; when the probed slots are all
 * live windows of other keys the request is refused until the first of
 * them ends (fail closed: a flood of fresh keys must not switch the
 * limiter off). */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "mw.h"

#define SLOTS 8192 /* power of two */
#define PROBE 32
#define WINDOW_MS 60000

struct slot {
  uint64_t key; /* 0 = empty */
  int64_t reset_at;
  int count;
};

static struct slot table[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t fnv(uint64_t h, const char *s) {
  for (; *s != '\0'; s++) {
    h ^= (unsigned char)*s;
    h *= 0x100000001b3ULL;
  }
  return h;
}

static uint64_t key_of(const char *who, const char *path) {
  uint64_t h = fnv(0xcbf29ce484222325ULL, who ? who : "unknown");
  h = fnv(h, ":");
  h = fnv(h, path ? path : "");
  return h ? h : 1;
}

/* The slot of key, or a free/expired one to take over; NULL when full
 * (then *first_free = when the earliest probed window ends). */
static struct slot *find(uint64_t key, int64_t now, int64_t *first_free) {
  struct slot *spare = NULL;
  *first_free = INT64_MAX;
  for (size_t i = 0; i < PROBE; i++) {
    struct slot *s = &table[(key + i) & (SLOTS - 1)];
    if (s->key == key) return s;
    if (spare == NULL && (s->key == 0 || s->reset_at < now)) spare = s;
    if (s->reset_at < *first_free) *first_free = s->reset_at;
  }
  if (spare != NULL) {
    spare->key = key;
    spare->reset_at = 0; /* expired: starts a new window below */
    spare->count = 0;
  }
  return spare;
}

static int64_t ceil_div(int64_t a, int64_t b) {
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

void fin_ratelimit_hit(const char *who, const char *path, int limit, int64_t now_ms,
                       struct fin_rl_result *r) {
  uint64_t key = key_of(who, path);
  int64_t reset_at;
  int count;
  int64_t first_free;
  pthread_mutex_lock(&lock);
  struct slot *s = find(key, now_ms, &first_free);
  if (s != NULL) {
    if (s->reset_at < now_ms) {
      s->reset_at = now_ms + WINDOW_MS;
      s->count = 0;
    }
    if (s->count < 0x7fffffff) s->count++;
    reset_at = s->reset_at;
    count = s->count;
  } else { /* full: refused, as if over the limit */
    reset_at = first_free;
    count = limit;
  }
  pthread_mutex_unlock(&lock);
  r->limit = limit;
  r->remaining = count > limit ? 0 : limit - count;
  r->reset_s = ceil_div(reset_at, 1000);
  r->limited = s == NULL || count > limit;
  r->retry_after = r->limited ? ceil_div(reset_at - now_ms, 1000) : 0;
  if (r->limited && r->retry_after < 1) r->retry_after = 1;
}

void fin_ratelimit_reset(void) {
  pthread_mutex_lock(&lock);
  memset(table, 0, sizeof table);
  pthread_mutex_unlock(&lock);
}
