/* ent_requests.c - admin list ordering and paging (see ent_requests.h). */
#include "ent_requests.h"

#include <stdlib.h>
#include <string.h>

enum fin_status ent_take_oldest(struct ent_vec *v, struct fin_card_request *out) {
  struct fin_card_request *all = v->items;
  size_t best = 0;
  for (size_t i = 1; i < v->n; i++)
    if (all[i].created_at < all[best].created_at) best = i;
  bool found = v->n > 0;
  if (found) {
    *out = all[best]; /* moved out; the others are released */
    memset(&all[best], 0, sizeof all[best]);
  }
  ent_vec_free(v);
  return found ? FIN_OK : FIN_NOT_FOUND;
}

/* (created_at, request_id): the order of the admin lists. */
static int by_created(const struct fin_card_request *a, fin_ms created, const char *id) {
  if (a->created_at != created) return a->created_at < created ? -1 : 1;
  return strcmp(a->request_id, id);
}

static int cmp_oldest(const void *x, const void *y) {
  const struct fin_card_request *b = y;
  return by_created(x, b->created_at, b->request_id);
}

static int cmp_newest(const void *x, const void *y) {
  return cmp_oldest(y, x);
}

static const char *request_id_of(const void *elem) {
  return ((const struct fin_card_request *)elem)->request_id;
}

static void request_clear(void *elem) {
  fin_card_request_clear(elem);
}

static size_t start_of(struct fin_card_request *all, size_t total, enum fin_sort sort,
                       const char *cursor, ent_request_lookup lookup, void *ctx) {
  if (cursor == NULL || cursor[0] == '\0' || strlen(cursor) >= 64) return 0;
  for (size_t i = 0; i < total; i++)
    if (strcmp(all[i].request_id, cursor) == 0) return i + 1;
  struct fin_card_request at = {0};
  size_t from = 0;
  if (lookup(ctx, cursor, &at) == FIN_OK) {
    while (from < total) {
      int c = by_created(&all[from], at.created_at, at.request_id);
      if (sort == FIN_SORT_NEWEST ? c < 0 : c > 0) break;
      from++;
    }
  }
  fin_card_request_clear(&at);
  return from;
}

enum fin_status ent_requests_page(struct fin_card_request *all, size_t total, enum fin_sort sort,
                                  const char *cursor, int limit, ent_request_lookup lookup,
                                  void *ctx, struct fin_card_request **out, size_t *n,
                                  struct fin_page *page, struct fin_err *e) {
  if (total > 1) qsort(all, total, sizeof *all, sort == FIN_SORT_NEWEST ? cmp_newest : cmp_oldest);
  size_t from = start_of(all, total, sort, cursor, lookup, ctx);
  page->total_count = (long)total;
  void *page_items;
  enum fin_status st2 = ent_page_slice(all, total, sizeof *all, from, limit, request_id_of,
                                       request_clear, &page_items, n, page, e);
  *out = page_items;
  return st2;
}

enum fin_status ent_short_owner(enum fin_status st, struct fin_pending_approval *t,
                                const char *short_id, struct fin_pending_approval *out, size_t max,
                                size_t *n) {
  if (st == FIN_NOT_FOUND) return FIN_OK;
  if (st != FIN_OK) return st;
  if (strcmp(t->approval_status, "pending") != 0 || strcmp(t->short_id, short_id) != 0) {
    fin_pending_approval_clear(t);
    return FIN_OK;
  }
  if (max > 0)
    out[0] = *t;
  else
    fin_pending_approval_clear(t);
  *n = 1;
  return FIN_OK;
}
