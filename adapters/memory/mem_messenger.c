/* mem_messenger.c - a recording WhatsApp messenger for tests: send() keeps
 * (phone, text) and succeeds with message id "mem-<n>"; status() reports
 * not connected. Keeps the most recent messages only (bounded ring). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem_ports.h"

#define KEEP 1024

struct msg {
  char *phone, *text;
};

struct rec {
  pthread_mutex_t lock;
  size_t count;
  struct msg ring[KEEP];
};

static enum fin_status rec_send(void *self, const char *phone, const char *text, char **message_id,
                                struct fin_err *e) {
  struct rec *r = self;
  if (message_id) *message_id = NULL;
  if (phone == NULL || text == NULL) return fin_err_set(e, FIN_INVALID, "phone and text required");
  struct msg m = {strdup(phone), strdup(text)};
  if (m.phone == NULL || m.text == NULL) {
    free(m.phone), free(m.text);
    return fin_err_set(e, FIN_NOMEM, "out of memory");
  }
  pthread_mutex_lock(&r->lock);
  size_t n = r->count++;
  struct msg old = r->ring[n % KEEP];
  r->ring[n % KEEP] = m;
  pthread_mutex_unlock(&r->lock);
  free(old.phone), free(old.text);
  if (message_id != NULL && asprintf(message_id, "mem-%zu", n + 1) < 0) *message_id = NULL;
  return FIN_OK;
}

static enum fin_status rec_status(void *self, bool *connected, char **session, struct fin_err *e) {
  if (connected) *connected = false;
  if (session) *session = NULL;
  return FIN_OK;
}

static void rec_destroy(void *self) {
  struct rec *r = self;
  if (r == NULL) return;
  for (size_t i = 0; i < KEEP; i++)
    free(r->ring[i].phone), free(r->ring[i].text);
  pthread_mutex_destroy(&r->lock);
  free(r);
}

static const struct fin_messenger_ops REC_OPS = {
    .send = rec_send,
    .status = rec_status,
    .destroy = rec_destroy,
};

struct fin_messenger mem_messenger_new(void) {
  struct rec *r = calloc(1, sizeof *r);
  if (r == NULL) return (struct fin_messenger){NULL, NULL};
  pthread_mutex_init(&r->lock, NULL);
  return (struct fin_messenger){&REC_OPS, r};
}

static struct rec *mine(const struct fin_messenger *m) {
  return m != NULL && m->ops == &REC_OPS ? m->self : NULL;
}

size_t mem_messenger_count(const struct fin_messenger *m) {
  struct rec *r = mine(m);
  if (r == NULL) return 0;
  pthread_mutex_lock(&r->lock);
  size_t n = r->count;
  pthread_mutex_unlock(&r->lock);
  return n;
}

enum fin_status mem_messenger_get(const struct fin_messenger *m, size_t i, char **phone,
                                  char **text) {
  *phone = *text = NULL;
  struct rec *r = mine(m);
  if (r == NULL) return FIN_INVALID;
  enum fin_status st = FIN_NOT_FOUND;
  pthread_mutex_lock(&r->lock);
  if (i < r->count && r->count - i <= KEEP) {
    *phone = strdup(r->ring[i % KEEP].phone);
    *text = strdup(r->ring[i % KEEP].text);
    st = *phone && *text ? FIN_OK : FIN_NOMEM;
  }
  pthread_mutex_unlock(&r->lock);
  if (st == FIN_NOMEM) free(*phone), free(*text), *phone = *text = NULL;
  return st;
}
