/* ent_vec.c - decoded entity arrays (see ent_vec.h). */
#include "ent_vec.h"

#include <stdlib.h>
#include <string.h>

int ent_vec_add(void *vec, const json_t *rec) {
  struct ent_vec *v = vec;
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 8;
    void *p = realloc(v->items, cap * v->size);
    if (p == NULL) return -1;
    v->items = p;
    v->cap = cap;
  }
  char *slot = (char *)v->items + v->n * v->size;
  memset(slot, 0, v->size);
  if (v->from(rec, slot) != 0 || (v->keep != NULL && !v->keep(v->keep_ctx, slot))) {
    v->clear(slot); /* malformed or filtered out: skip it */
    return 0;
  }
  v->n++;
  return v->max > 0 && v->n >= v->max ? 1 : 0;
}

void ent_vec_free(struct ent_vec *v) {
  for (size_t i = 0; i < v->n; i++)
    v->clear((char *)v->items + i * v->size);
  free(v->items);
  v->items = NULL;
  v->n = v->cap = 0;
}
