/* container.c - releasing the wired container (see container.h). */
#include "container.h"

#include <stdlib.h>
#include <string.h>

#include "../util/bgprobe.h"

/* Every port struct is { const X_ops *ops; void *self; } and every ops table
 * has a destroy(self); the macro keeps the field types checked. */
#define DESTROY(port)                                                                              \
  do {                                                                                             \
    if ((port).ops != NULL && (port).ops->destroy != NULL) (port).ops->destroy((port).self);       \
    (port).ops = NULL;                                                                             \
    (port).self = NULL;                                                                            \
  } while (0)

void fin_container_destroy(struct fin_container *c) {
  if (c == NULL) return;
  fin_bgprobe_free(c->readiness); /* its thread pings the ports below */
  c->readiness = NULL;
  /* services first, then the store, then the repositories (reverse wiring
   * order; adapters that share state reference-count it anyway) */
  DESTROY(c->messenger);
  DESTROY(c->clock);
  DESTROY(c->config);
  DESTROY(c->publisher);
  DESTROY(c->auth);
  DESTROY(c->store);
  DESTROY(c->approvals);
  DESTROY(c->wa_inbound);
  DESTROY(c->wa_notifications);
  DESTROY(c->audit);
  DESTROY(c->outbox);
  DESTROY(c->idem);
  DESTROY(c->txns);
  DESTROY(c->requests);
  DESTROY(c->cards);
  DESTROY(c->scores);
  DESTROY(c->users);
  fin_rules_release(c);

  for (size_t i = 0; i < c->n_seeds; i++) {
    free(c->seeds[i].ecosystem_id);
    free(c->seeds[i].role);
    free(c->seeds[i].email);
  }
  free(c->seeds);
  free(c->whatsapp.admin_phones[0]);
  free(c->whatsapp.admin_phones[1]);
  free(c->whatsapp.webhook_secret);
  free(c->mode);
  free(c->wiring_file);
  memset(c, 0, sizeof *c);
}
