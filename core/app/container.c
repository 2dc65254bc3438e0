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

#define DESTROY_FN_(field, type, slot, tname, req)                                                 \
  static void destroy_##field(struct fin_container *c) {                                           \
    DESTROY(c->field);                                                                             \
  }
FIN_ALL_PORTS(DESTROY_FN_)
#define DESTROY_REF_(field, type, slot, tname, req) destroy_##field,
static void (*const DESTROYERS[])(struct fin_container *) = {FIN_ALL_PORTS(DESTROY_REF_)};

void fin_container_destroy(struct fin_container *c) {
  if (c == NULL) return;
  fin_bgprobe_free(c->readiness); /* its thread pings the ports below */
  c->readiness = NULL;
  /* services first, then the store, then the repositories (reverse wiring
   * order; adapters that share state reference-count it anyway) */
  for (size_t i = sizeof DESTROYERS / sizeof DESTROYERS[0]; i-- > 0;)
    DESTROYERS[i](c);
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
