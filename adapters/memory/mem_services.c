/* mem_services.c - in-process publisher, config source, clocks, messenger. */
#include "mem_services.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/timefmt.h"

/* ---- publisher: counts accepted events; can be told to fail ---- */
struct pub {
  atomic_size_t published;
  atomic_int fail_next;
};

static enum fin_status pub_publish(void *self, const struct fin_event *ev, struct fin_err *e) {
  struct pub *p = self;
  int left = atomic_load(&p->fail_next);
  while (left > 0) {
    if (atomic_compare_exchange_weak(&p->fail_next, &left, left - 1))
      return fin_err_set(e, FIN_UNAVAILABLE, "publisher told to fail (%d left)", left - 1);
  }
  atomic_fetch_add(&p->published, 1);
  return FIN_OK;
}
static const char *pub_name(void *self) {
  return "memory";
}
static enum fin_status pub_ping(void *self, struct fin_err *e) {
  return FIN_OK;
}
static const struct fin_publisher_ops PUB = {pub_publish, pub_name, pub_ping, free};

struct fin_publisher mem_publisher(void) {
  struct pub *p = calloc(1, sizeof *p);
  return (struct fin_publisher){p ? &PUB : NULL, p};
}
void mem_publisher_fail_next(struct fin_publisher *p, int n) {
  atomic_store(&((struct pub *)p->self)->fail_next, n);
}
size_t mem_publisher_count(struct fin_publisher *p) {
  return atomic_load(&((struct pub *)p->self)->published);
}

/* ---- config: a fixed table of strings ---- */
struct cfg {
  size_t n;
  char **keys, **values;
};

static enum fin_status cfg_get(void *self, const char *key, char **out, struct fin_err *e) {
  struct cfg *c = self;
  *out = NULL;
  for (size_t i = 0; i < c->n; i++) {
    if (strcmp(c->keys[i], key) != 0) continue;
    *out = strdup(c->values[i]);
    return *out ? FIN_OK : fin_err_set(e, FIN_NOMEM, "out of memory");
  }
  return FIN_NOT_FOUND;
}

static void cfg_destroy(void *self) {
  struct cfg *c = self;
  if (c == NULL) return;
  for (size_t i = 0; i < c->n; i++)
    free(c->keys[i]), free(c->values[i]);
  free(c->keys), free(c->values), free(c);
}
static const struct fin_config_ops CFG = {cfg_get, cfg_destroy};

struct fin_config mem_config(const char *const *keys, const char *const *values, size_t n) {
  struct cfg *c = calloc(1, sizeof *c);
  if (c == NULL) return (struct fin_config){NULL, NULL};
  c->keys = calloc(n ? n : 1, sizeof(char *));
  c->values = calloc(n ? n : 1, sizeof(char *));
  if (!c->keys || !c->values) goto fail;
  for (; c->n < n; c->n++) {
    c->keys[c->n] = strdup(keys[c->n]);
    c->values[c->n] = strdup(values[c->n]);
    if (!c->keys[c->n] || !c->values[c->n]) {
      c->n++;
      goto fail;
    }
  }
  return (struct fin_config){&CFG, c};
fail:
  cfg_destroy(c);
  return (struct fin_config){NULL, NULL};
}

/* ---- clocks ---- */
static fin_ms sys_now(void *self) {
  return fin_now_ms();
}
static void no_destroy(void *self) {}
static const struct fin_clock_ops SYS = {sys_now, no_destroy};
struct fin_clock mem_clock(void) {
  return (struct fin_clock){&SYS, NULL};
}

static fin_ms fake_now(void *self) {
  return atomic_load((_Atomic long long *)self);
}
static const struct fin_clock_ops FAKE = {fake_now, free};
struct fin_clock mem_fake_clock(long long ms) {
  _Atomic long long *t = malloc(sizeof *t);
  if (t == NULL) return (struct fin_clock){NULL, NULL};
  atomic_store(t, ms);
  return (struct fin_clock){&FAKE, t};
}
void mem_fake_clock_set(struct fin_clock *c, long long ms) {
  atomic_store((_Atomic long long *)c->self, ms);
}

/* ---- recording messenger ---- */
struct rec {
  atomic_size_t sent;
};
static enum fin_status rec_send(void *self, const char *phone, const char *text, char **message_id,
                                struct fin_err *e) {
  atomic_fetch_add(&((struct rec *)self)->sent, 1);
  *message_id = NULL;
  return FIN_OK;
}
static enum fin_status rec_status(void *self, bool *connected, char **session, struct fin_err *e) {
  *connected = false;
  *session = NULL;
  return FIN_OK;
}
static const struct fin_messenger_ops REC = {rec_send, rec_status, free};
struct fin_messenger mem_recording_messenger(void) {
  struct rec *r = calloc(1, sizeof *r);
  return (struct fin_messenger){r ? &REC : NULL, r};
}
size_t mem_messenger_sent(struct fin_messenger *m) {
  return atomic_load(&((struct rec *)m->self)->sent);
}
