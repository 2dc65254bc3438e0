/* stripes.c - striped mutexes (see stripes.h). */
#include "stripes.h"

#include "../util/io.h"

#include <pthread.h>
#include <stdint.h>

#define STRIPES 256

static pthread_mutex_t table[FIN_STRIPE_SETS][STRIPES];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void) {
  for (int s = 0; s < FIN_STRIPE_SETS; s++)
    for (int i = 0; i < STRIPES; i++)
      pthread_mutex_init(&table[s][i], NULL);
}

static uint32_t fnv(uint32_t h, const char *p) {
  for (; p != NULL && *p; p++)
    h = (h ^ (unsigned char)*p) * 16777619u;
  return h;
}

unsigned fin_stripe_of(const char *a, const char *b) {
  uint32_t h = fnv(2166136261u, a); /* FNV-1a over a, a separator, b */
  if (b != NULL) h = fnv((h ^ 0xffu) * 16777619u, b);
  return h % STRIPES;
}

static pthread_mutex_t *stripe(enum fin_stripe_set set, unsigned i) {
  pthread_once(&once, init);
  return &table[set][i];
}

void fin_stripe_lock(enum fin_stripe_set set, const char *a, const char *b) {
  fin_io_lock(stripe(set, fin_stripe_of(a, b)));
}

void fin_stripe_unlock(enum fin_stripe_set set, const char *a, const char *b) {
  pthread_mutex_unlock(stripe(set, fin_stripe_of(a, b)));
}

void fin_stripes_many(enum fin_stripe_set set, char *const *keys, size_t n, bool lock) {
  bool used[STRIPES] = {false};
  for (size_t i = 0; i < n; i++)
    used[fin_stripe_of(keys[i], NULL)] = true;
  for (unsigned i = 0; i < STRIPES; i++)
    if (used[i]) lock ? fin_io_lock(stripe(set, i)) : (void)pthread_mutex_unlock(stripe(set, i));
}
