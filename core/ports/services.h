/* services.h - the non-storage ports: auth (auth.h), events, config, clock,
 * messenger.
 * Same shape as repos.h: { ops, self }, released with ops->destroy(self).
 */
#ifndef FIN_SERVICES_H
#define FIN_SERVICES_H

#include <stdbool.h>

#include "../domain/model.h"
#include "auth.h"
#include "errors.h"

/* ---- event publisher (external sink for outbox events) ---- */
struct fin_publisher_ops {
  /* Publishes one event. FIN_OK only when the sink accepted it. */
  enum fin_status (*publish)(void *self, const struct fin_event *ev, struct fin_err *e);
  /* Optional (NULL: publish() per event): publishes n events in as few
   * requests as the sink allows; errs[i].code is FIN_OK for each event the
   * sink accepted, else why not (each event succeeds or fails alone). */
  void (*publish_many)(void *self, const struct fin_event *const *evs, size_t n,
                       struct fin_err *errs);
  const char *(*name)(void *self);
  enum fin_status (*ping)(void *self, struct fin_err *e);
  void (*destroy)(void *self);
};
struct fin_publisher {
  const struct fin_publisher_ops *ops;
  void *self;
};

/* ---- configuration source ---- */
struct fin_config_ops {
  /* Looks a key up (e.g. "limits.high", see config/defaults.lua). Returns
   * FIN_OK with *out = a malloc'd string, FIN_NOT_FOUND when the source has no
   * value (the caller keeps its default). */
  enum fin_status (*get)(void *self, const char *key, char **out, struct fin_err *e);
  void (*destroy)(void *self);
};
struct fin_config {
  const struct fin_config_ops *ops;
  void *self;
};

/* ---- clock ---- */
struct fin_clock_ops {
  fin_ms (*now)(void *self);
  void (*destroy)(void *self);
};
struct fin_clock {
  const struct fin_clock_ops *ops;
  void *self;
};

/* ---- WhatsApp messenger (WPP-Connect client) ---- */
struct fin_messenger_ops {
  /* Sends `text` to `phone`; *message_id (owned, may stay NULL) on success. */
  enum fin_status (*send)(void *self, const char *phone, const char *text, char **message_id,
                          struct fin_err *e);
  /* connected + optional session name (owned). */
  enum fin_status (*status)(void *self, bool *connected, char **session, struct fin_err *e);
  void (*destroy)(void *self);
};
struct fin_messenger {
  const struct fin_messenger_ops *ops;
  void *self;
};

#endif
