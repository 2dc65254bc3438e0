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

enum fin_status ent_page_slice(void *all, size_t total, size_t size, size_t from, int limit,
                               const char *(*id_of)(const void *elem), void (*clear)(void *elem),
                               void **out, size_t *n, struct fin_page *page, struct fin_err *e) {
  char *base = all;
  if (from > total) from = total;
  size_t take = total - from < (size_t)limit ? total - from : (size_t)limit;
  page->has_more = from + take < total;
  page->next_cursor = page->has_more ? strdup(id_of(base + (from + take - 1) * size)) : NULL;
  for (size_t i = 0; i < total; i++)
    if (i < from || i >= from + take) clear(base + i * size);
  if (take > 0 && from > 0) memmove(base, base + from * size, take * size);
  *out = all, *n = take;
  if (!page->has_more || page->next_cursor != NULL) return FIN_OK;
  for (size_t i = 0; i < take; i++)
    clear(base + i * size);
  free(all);
  *out = NULL, *n = 0;
  page->has_more = false;
  return fin_err_set(e, FIN_NOMEM, "out of memory");
}
