/* mem_publisher.c - the in-memory event publisher: accepts every event and
 * keeps copies of the most recent ones (their payloads shared) (a bounded ring, so a long
 * running memory-mode server does not grow with its outbox), plus a knob to
 * make the next publishes fail (tests of the outbox worker). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mem_ports.h"

#define KEEP 1024 /* most recent events kept */

struct pub {
  pthread_mutex_t lock;
  int fail_next;
  size_t count;           /* events accepted so far */
  struct fin_event *ring; /* event i lives at ring[i % KEEP] */
};

static enum fin_status pub_publish(void *self, const struct fin_event *ev, struct fin_err *e) {
  struct pub *p = self;
  if (ev == NULL) return fin_err_set(e, FIN_INVALID, "event is required");
  /* The payload is shared, not deep-copied (a third of a delivery's
   * instructions): no one changes a payload once it is published
   * (eb_publisher holds it the same way), and readers of the ring get
   * deep copies (mem_publisher_get). */
  struct fin_event copy, strings = *ev;
  strings.payload = NULL;
  if (fin_event_copy(&copy, &strings) != 0) return fin_err_set(e, FIN_NOMEM, "out of memory");
  copy.payload = json_incref((json_t *)ev->payload);
  struct fin_event old = {0};
  enum fin_status st = FIN_OK;
  pthread_mutex_lock(&p->lock);
  if (p->fail_next > 0) {
    p->fail_next--;
    st = fin_err_set(e, FIN_UNAVAILABLE, "memory publisher: failing as told (%d more)",
                     p->fail_next);
    old = copy;
  } else {
    struct fin_event *slot = &p->ring[p->count % KEEP];
    old = *slot;
    *slot = copy;
    p->count++;
  }
  pthread_mutex_unlock(&p->lock);
  fin_event_clear(&old);
  return st;
}

static const char *pub_name(void *self) {
  return "memory";
}

static enum fin_status pub_ping(void *self, struct fin_err *e) {
  return FIN_OK;
}

static void pub_destroy(void *self) {
  struct pub *p = self;
  if (p == NULL) return;
  for (size_t i = 0; i < KEEP; i++)
    fin_event_clear(&p->ring[i]);
  free(p->ring);
  pthread_mutex_destroy(&p->lock);
  free(p);
}

static const struct fin_publisher_ops PUB_OPS = {
    .publish = pub_publish,
    .name = pub_name,
    .ping = pub_ping,
    .destroy = pub_destroy,
};

struct fin_publisher mem_publisher_new(void) {
  struct pub *p = calloc(1, sizeof *p);
  if (p != NULL && (p->ring = calloc(KEEP, sizeof *p->ring)) == NULL) {
    free(p);
    p = NULL;
  }
  if (p == NULL) return (struct fin_publisher){NULL, NULL};
  pthread_mutex_init(&p->lock, NULL);
  return (struct fin_publisher){&PUB_OPS, p};
}

/* The knobs only touch publishers made here. */
static struct pub *mine(const struct fin_publisher *p) {
  return p != NULL && p->ops == &PUB_OPS ? p->self : NULL;
}

void mem_publisher_fail_next(struct fin_publisher *p, int n) {
  struct pub *q = mine(p);
  if (q == NULL) return;
  pthread_mutex_lock(&q->lock);
  q->fail_next = n < 0 ? 0 : n;
  pthread_mutex_unlock(&q->lock);
}

size_t mem_publisher_count(const struct fin_publisher *p) {
  struct pub *q = mine(p);
  if (q == NULL) return 0;
  pthread_mutex_lock(&q->lock);
  size_t n = q->count;
  pthread_mutex_unlock(&q->lock);
  return n;
}

enum fin_status mem_publisher_get(const struct fin_publisher *p, size_t i, struct fin_event *out) {
  memset(out, 0, sizeof *out);
  struct pub *q = mine(p);
  if (q == NULL) return FIN_INVALID;
  enum fin_status st = FIN_NOT_FOUND;
  pthread_mutex_lock(&q->lock);
  if (i < q->count && q->count - i <= KEEP)
    st = fin_event_copy(out, &q->ring[i % KEEP]) == 0 ? FIN_OK : FIN_NOMEM;
  pthread_mutex_unlock(&q->lock);
  return st;
}
