/* ustat.c - the account status cache (see ustat.h). */
#include "ustat.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/domain/model.h"
#include "../../core/util/io.h"
#include "../../core/util/timefmt.h"

#define FETCH_STRIPES 64 /* single-flight locks: one look-up per account at a time */

struct slot {
  char key[USTAT_KEY_MAX + 1]; /* "" when free */
  fin_ms expires;
  bool disabled;
};

struct ustat {
  fin_ms ttl_ms;
  size_t n_sets;
  const struct fin_clock *clock;
  pthread_mutex_t mu; /* guards slots; never held across a look-up */
  struct slot *slots; /* n_sets * USTAT_WAYS */
  pthread_mutex_t fetch[FETCH_STRIPES];
  fin_ms probe_good_until; /* under mu: 0 until a probe succeeds */
};

static uint32_t fnv(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static fin_ms now_ms(const struct ustat *c) {
  return c->clock != NULL ? c->clock->ops->now(c->clock->self) : fin_mono_ms();
}

struct ustat *ustat_new(const struct ustat_cfg *cfg) {
  struct ustat *c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  long ttl = cfg->ttl_s < 0 ? USTAT_DEFAULT_TTL_S : cfg->ttl_s;
  size_t cap = cfg->capacity > 0 ? cfg->capacity : USTAT_DEFAULT_CAPACITY;
  c->ttl_ms = (fin_ms)ttl * 1000;
  c->n_sets = (cap + USTAT_WAYS - 1) / USTAT_WAYS;
  c->clock = cfg->clock;
  c->slots = calloc(c->n_sets * USTAT_WAYS, sizeof *c->slots);
  if (c->slots == NULL) {
    free(c);
    return NULL;
  }
  pthread_mutex_init(&c->mu, NULL);
  for (int i = 0; i < FETCH_STRIPES; i++)
    pthread_mutex_init(&c->fetch[i], NULL);
  return c;
}

void ustat_free(struct ustat *c) {
  if (c == NULL) return;
  pthread_mutex_destroy(&c->mu);
  for (int i = 0; i < FETCH_STRIPES; i++)
    pthread_mutex_destroy(&c->fetch[i]);
  free(c->slots);
  free(c);
}

/* The set of an account's slots. */
static struct slot *set_of(struct ustat *c, uint32_t h) {
  return &c->slots[(h % c->n_sets) * USTAT_WAYS];
}

/* A fresh kept answer for key into *disabled. */
static bool find(struct ustat *c, uint32_t h, const char *key, bool *disabled) {
  struct slot *set = set_of(c, h);
  fin_ms now = now_ms(c);
  bool hit = false;
  pthread_mutex_lock(&c->mu);
  for (int i = 0; i < USTAT_WAYS && !hit; i++)
    if (strcmp(set[i].key, key) == 0 && now < set[i].expires) {
      *disabled = set[i].disabled;
      hit = true;
    }
  pthread_mutex_unlock(&c->mu);
  return hit;
}

/* Keeps an answer: the key's own slot, else a free or expired one, else the
 * slot that expires soonest. */
static void keep(struct ustat *c, uint32_t h, const char *key, bool disabled) {
  struct slot *set = set_of(c, h);
  fin_ms now = now_ms(c);
  pthread_mutex_lock(&c->mu);
  struct slot *s = NULL;
  for (int i = 0; i < USTAT_WAYS && s == NULL; i++)
    if (strcmp(set[i].key, key) == 0) s = &set[i];
  for (int i = 0; i < USTAT_WAYS && s == NULL; i++)
    if (set[i].key[0] == '\0' || now >= set[i].expires) s = &set[i];
  if (s == NULL) { /* the set is full: evict the answer that expires soonest */
    s = &set[0];
    for (int i = 1; i < USTAT_WAYS; i++)
      if (set[i].expires < s->expires) s = &set[i];
  }
  fin_strlcpy(s->key, key, sizeof s->key);
  s->expires = now + c->ttl_ms;
  s->disabled = disabled;
  pthread_mutex_unlock(&c->mu);
}

enum fin_status ustat_get(struct ustat *c, const char *account, ustat_lookup_fn lookup, void *ctx,
                          bool *disabled, struct fin_err *e) {
  *disabled = false;
  if (c->ttl_ms <= 0 || strlen(account) > USTAT_KEY_MAX) return lookup(ctx, account, disabled, e);
  uint32_t h = fnv(account);
  if (find(c, h, account, disabled)) return FIN_OK;
  /* One look-up per account: whoever waited here takes the answer it kept. */
  pthread_mutex_t *one = &c->fetch[h % FETCH_STRIPES];
  fin_io_lock(one);
  enum fin_status st = FIN_OK;
  if (!find(c, h, account, disabled)) {
    st = lookup(ctx, account, disabled, e);
    if (st == FIN_OK) keep(c, h, account, *disabled);
  }
  pthread_mutex_unlock(one);
  return st;
}

enum fin_status ustat_probe(struct ustat *c, ustat_lookup_fn lookup, void *ctx, struct fin_err *e) {
  pthread_mutex_lock(&c->mu);
  bool fresh = now_ms(c) < c->probe_good_until;
  pthread_mutex_unlock(&c->mu);
  if (fresh) return FIN_OK;
  bool disabled = false;
  enum fin_status st = lookup(ctx, USTAT_PROBE_ACCOUNT, &disabled, e);
  if (st != FIN_OK) return st;
  fin_ms until = now_ms(c) + USTAT_PROBE_KEEP_MS;
  pthread_mutex_lock(&c->mu);
  c->probe_good_until = until;
  pthread_mutex_unlock(&c->mu);
  return FIN_OK;
}

size_t ustat_size(struct ustat *c) {
  size_t n = 0;
  fin_ms now = now_ms(c);
  pthread_mutex_lock(&c->mu);
  for (size_t i = 0; i < c->n_sets * USTAT_WAYS; i++)
    if (c->slots[i].key[0] != '\0' && now < c->slots[i].expires) n++;
  pthread_mutex_unlock(&c->mu);
  return n;
}
