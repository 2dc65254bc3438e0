/* mem_clock.c - the system clock, and a settable fake clock for tests. */
#include <stdatomic.h>
#include <stdlib.h>

#include "../../core/util/timefmt.h"
#include "mem_ports.h"

static fin_ms sys_now(void *self) {
  return fin_now_ms();
}

static void sys_destroy(void *self) {}

static const struct fin_clock_ops SYS_OPS = {.now = sys_now, .destroy = sys_destroy};

struct fin_clock mem_clock_new(void) {
  return (struct fin_clock){&SYS_OPS, NULL};
}

struct fake {
  _Atomic fin_ms now;
};

static fin_ms fake_now(void *self) {
  return atomic_load(&((struct fake *)self)->now);
}

static void fake_destroy(void *self) {
  free(self);
}

static const struct fin_clock_ops FAKE_OPS = {.now = fake_now, .destroy = fake_destroy};

struct fin_clock mem_fake_clock_new(fin_ms ms) {
  struct fake *f = malloc(sizeof *f);
  if (f == NULL) return (struct fin_clock){NULL, NULL};
  atomic_init(&f->now, ms);
  return (struct fin_clock){&FAKE_OPS, f};
}

void mem_fake_clock_set(struct fin_clock *c, fin_ms ms) {
  if (c != NULL && c->ops == &FAKE_OPS) atomic_store(&((struct fake *)c->self)->now, ms);
}

void mem_fake_clock_advance(struct fin_clock *c, fin_ms delta) {
  if (c != NULL && c->ops == &FAKE_OPS) atomic_fetch_add(&((struct fake *)c->self)->now, delta);
}
