/* mem_audit.c - the audit log repository (repos.h). Entries are appended by
 * the store (AUDIT_APPEND); they are rare (admin actions), so a lookup scans
 * them all. */
#include <stdlib.h>
#include <string.h>

#include "mem_db.h"

struct hit {
  const struct fin_audit *a;
  uint32_t order;
};

/* Newest first: timestamp descending, later insertion first on ties. */
static int newest_first(const void *x, const void *y) {
  const struct hit *a = x, *b = y;
  if (a->a->timestamp != b->a->timestamp) return a->a->timestamp > b->a->timestamp ? -1 : 1;
  return a->order > b->order ? -1 : a->order < b->order;
}

static bool same(const char *a, const char *b) {
  return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static enum fin_status audit_find_by_target(void *self, const char *target_type,
                                            const char *target_id, const char *cursor, int limit,
                                            struct fin_audit **out, size_t *n,
                                            struct fin_page *page, struct fin_err *e) {
  *out = NULL, *n = 0;
  memset(page, 0, sizeof *page);
  page->total_count = -1;
  if (target_type == NULL || target_id == NULL)
    return fin_err_set(e, FIN_INVALID, "target type and target id are required");
  uint32_t lim = limit < 1 ? 1 : (uint32_t)limit;
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  mem_rdlock(db);
  struct hit *hits = db->n_audit ? malloc(db->n_audit * sizeof *hits) : NULL;
  uint32_t count = 0, start = 0;
  if (db->n_audit && hits == NULL) st = fin_err_set(e, FIN_NOMEM, "out of memory");
  for (uint32_t i = 0; st == FIN_OK && i < db->n_audit; i++) {
    const struct fin_audit *a = &db->audit[i];
    if (same(a->target_type, target_type) && same(a->target_id, target_id))
      hits[count++] = (struct hit){a, i};
  }
  if (st == FIN_OK) {
    if (count > 1) qsort(hits, count, sizeof *hits, newest_first);
    for (uint32_t i = 0; cursor != NULL && *cursor != '\0' && i < count; i++)
      if (strcmp(hits[i].a->log_id, cursor) == 0) start = i + 1;
  }
  uint32_t take = count - start < lim ? count - start : lim;
  bool more = start + take < count;
  if (st == FIN_OK && MEM_COPY_OUT(struct fin_audit, fin_audit_copy, fin_audit_clear, take,
                                   hits[start + i_].a, out, n))
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  if (st == FIN_OK && more &&
      (page->next_cursor = strdup(hits[start + take - 1].a->log_id)) == NULL) {
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
    fin_audit_list_free(*out, *n);
    *out = NULL, *n = 0;
  }
  mem_unlock(db);
  free(hits);
  if (st == FIN_OK) page->has_more = more;
  return st;
}

static enum fin_status audit_clear(void *self, long *deleted, struct fin_err *e) {
  struct mem_db *db = self;
  mem_wrlock(db);
  long n = db->n_audit;
  for (uint32_t i = 0; i < db->n_audit; i++)
    fin_audit_clear(&db->audit[i]);
  free(db->audit);
  db->audit = NULL;
  db->n_audit = db->cap_audit = 0;
  mem_unlock(db);
  if (deleted) *deleted = n;
  return FIN_OK;
}

static const struct fin_audit_ops AUDIT_OPS = {
    .find_by_target = audit_find_by_target,
    .clear = audit_clear,
    .destroy = mem_db_port_destroy,
};

struct fin_audit_logs mem_audit_port(struct mem_db *db) {
  return (struct fin_audit_logs){&AUDIT_OPS, mem_db_ref(db)};
}
