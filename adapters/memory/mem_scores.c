/* mem_scores.c - the score history repository (repos.h). Entries are
 * appended by the store (USER_SCORE); this port reads and wipes them. */
#include <stdlib.h>
#include <string.h>

#include "mem_db.h"

struct ranked {
  const struct fin_score *s;
  uint32_t order;
};

/* Newest first: timestamp descending, later insertion first on ties. */
static int newest_first(const void *x, const void *y) {
  const struct ranked *a = x, *b = y;
  if (a->s->timestamp != b->s->timestamp) return a->s->timestamp > b->s->timestamp ? -1 : 1;
  return a->order > b->order ? -1 : a->order < b->order;
}

static enum fin_status scores_list(void *self, const char *eco, int limit, struct fin_score **out,
                                   size_t *n, struct fin_err *e) {
  *out = NULL, *n = 0;
  if (eco == NULL) return fin_err_set(e, FIN_INVALID, "ecosystem id is required");
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  mem_rdlock(db);
  const struct mem_acct *a = mem_acct_get(db, eco);
  uint32_t total = a ? a->n_scores : 0;
  struct ranked *r = total ? malloc(total * sizeof *r) : NULL;
  if (total && r == NULL) st = fin_err_set(e, FIN_NOMEM, "out of memory");
  if (st == FIN_OK && total) {
    for (uint32_t i = 0; i < total; i++)
      r[i] = (struct ranked){&a->scores[i], i};
    qsort(r, total, sizeof *r, newest_first);
    size_t want = limit > 0 && (uint32_t)limit < total ? (size_t)limit : total;
    if (MEM_COPY_OUT(struct fin_score, fin_score_copy, fin_score_clear, want, r[i_].s, out, n))
      st = fin_err_set(e, FIN_NOMEM, "out of memory");
  }
  mem_unlock(db);
  free(r);
  return st;
}

static enum fin_status scores_delete_all(void *self, long *deleted, struct fin_err *e) {
  struct mem_db *db = self;
  long n = 0;
  mem_wrlock(db);
  for (uint32_t i = 0; i < db->accts.cap; i++) {
    struct mem_acct *a = db->accts.slots[i].val;
    if (a == NULL) continue;
    for (uint32_t j = 0; j < a->n_scores; j++)
      fin_score_clear(&a->scores[j]);
    n += a->n_scores;
    free(a->scores);
    a->scores = NULL;
    a->n_scores = a->cap_scores = 0;
  }
  mem_acct_gc(db);
  mem_unlock(db);
  if (deleted) *deleted = n;
  return FIN_OK;
}

static const struct fin_scores_ops SCORES_OPS = {
    .list = scores_list,
    .delete_all = scores_delete_all,
    .destroy = mem_db_port_destroy,
};

struct fin_scores mem_scores_port(struct mem_db *db) {
  return (struct fin_scores){&SCORES_OPS, mem_db_ref(db)};
}
