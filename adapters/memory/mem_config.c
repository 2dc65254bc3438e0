/* mem_config.c - a configuration source holding a fixed key -> string map
 * (filled from a Lua table by fin.memory.config). */
#include <stdlib.h>
#include <string.h>

#include "mem_ports.h"

struct cfg {
  size_t n;
  char **keys, **values;
};

static enum fin_status cfg_get(void *self, const char *key, char **out, struct fin_err *e) {
  const struct cfg *c = self;
  *out = NULL;
  if (key == NULL) return fin_err_set(e, FIN_INVALID, "key is required");
  for (size_t i = 0; i < c->n; i++) {
    if (strcmp(c->keys[i], key) != 0) continue;
    if ((*out = strdup(c->values[i])) == NULL) return fin_err_set(e, FIN_NOMEM, "out of memory");
    return FIN_OK;
  }
  return fin_err_set(e, FIN_NOT_FOUND, "no value for %s", key);
}

static void cfg_destroy(void *self) {
  struct cfg *c = self;
  if (c == NULL) return;
  for (size_t i = 0; i < c->n; i++)
    free(c->keys[i]), free(c->values[i]);
  free(c->keys), free(c->values), free(c);
}

static const struct fin_config_ops CFG_OPS = {.get = cfg_get, .destroy = cfg_destroy};

struct fin_config mem_config_new(const char *const *keys, const char *const *values, size_t n) {
  struct cfg *c = calloc(1, sizeof *c);
  if (c == NULL) return (struct fin_config){NULL, NULL};
  c->keys = calloc(n ? n : 1, sizeof *c->keys);
  c->values = calloc(n ? n : 1, sizeof *c->values);
  if (c->keys == NULL || c->values == NULL) goto fail;
  for (; c->n < n; c->n++) {
    c->keys[c->n] = strdup(keys[c->n]);
    c->values[c->n] = strdup(values[c->n]);
    if (c->keys[c->n] == NULL || c->values[c->n] == NULL) {
      c->n++; /* release this pair too */
      goto fail;
    }
  }
  return (struct fin_config){&CFG_OPS, c};
fail:
  cfg_destroy(c);
  return (struct fin_config){NULL, NULL};
}
