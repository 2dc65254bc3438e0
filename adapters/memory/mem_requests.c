/* mem_requests.c - the card requests repository (repos.h) and the sorted
 * per-status lists of requests the store maintains. Requests are created
 * and decided by the store (REQUEST_CREATE, REQUEST_DECIDE). */
#include <stdlib.h>
#include <string.h>

#include "mem_db.h"

static bool req_eq(const void *val, const void *probe) {
  return strcmp(((const struct fin_card_request *)val)->request_id, probe) == 0;
}

struct fin_card_request *mem_req_find(const struct mem_db *db, const char *request_id) {
  return mem_map_get(&db->reqs, mem_hash(request_id), req_eq, request_id);
}

int mem_req_cmp(const struct fin_card_request *a, const struct fin_card_request *b) {
  if (a->created_at != b->created_at) return a->created_at < b->created_at ? -1 : 1;
  return strcmp(a->request_id, b->request_id);
}

/* ---- per-status lists ---- */
bool mem_req_status_eq(const char *a, const char *b) {
  return strncmp(a, b, sizeof((struct fin_card_request *)0)->status - 1) == 0;
}

static struct mem_req_list *list_of(const struct mem_db *db, const char *status) {
  for (uint32_t i = 0; i < db->n_req_lists; i++)
    if (mem_req_status_eq(db->req_lists[i].status, status)) return &db->req_lists[i];
  return NULL;
}

const struct mem_req_list *mem_req_list_of(const struct mem_db *db, const char *status) {
  return list_of(db, status);
}

int mem_req_list_reserve(struct mem_db *db, const char *status, uint32_t extra) {
  struct mem_req_list *l = list_of(db, status);
  if (l == NULL) {
    if (MEM_GROW(db->req_lists, db->cap_req_lists, db->n_req_lists + 1)) return -1;
    l = &db->req_lists[db->n_req_lists++];
    memset(l, 0, sizeof *l);
    fin_strlcpy(l->status, status, sizeof l->status);
  }
  return MEM_GROW(l->items, l->cap, l->n + extra);
}

/* Number of requests of l ordered before r (strictly, or also equal). */
static uint32_t list_bound(const struct mem_req_list *l, const struct fin_card_request *r,
                           bool include_equal) {
  uint32_t lo = 0, hi = l->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int c = mem_req_cmp(l->items[mid], r);
    if (c < 0 || (include_equal && c == 0))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

void mem_req_list_insert_reserved(struct mem_db *db, struct fin_card_request *r) {
  struct mem_req_list *l = list_of(db, r->status);
  uint32_t at = list_bound(l, r, true);
  memmove(&l->items[at + 1], &l->items[at], (l->n - at) * sizeof *l->items);
  l->items[at] = r;
  l->n++;
}

void mem_req_list_remove(struct mem_db *db, const struct fin_card_request *r) {
  struct mem_req_list *l = list_of(db, r->status);
  if (l == NULL) return;
  uint32_t at = list_bound(l, r, false);
  if (at >= l->n || l->items[at] != r) return;
  memmove(&l->items[at], &l->items[at + 1], (l->n - at - 1) * sizeof *l->items);
  l->n--;
}

void mem_req_lists_free(struct mem_db *db) {
  for (uint32_t i = 0; i < db->n_req_lists; i++)
    free(db->req_lists[i].items);
  free(db->req_lists);
  db->req_lists = NULL;
  db->n_req_lists = db->cap_req_lists = 0;
}

/* ---- the port ---- */
static enum fin_status copy_one(const struct fin_card_request *r, struct fin_card_request *out,
                                const char *id, struct fin_err *e) {
  if (r == NULL) return fin_err_set(e, FIN_NOT_FOUND, "Card request not found: %s", id);
  if (fin_card_request_copy(out, r) != 0) return fin_err_set(e, FIN_NOMEM, "out of memory");
  return FIN_OK;
}

static enum fin_status req_get(void *self, const char *eco, const char *request_id,
                               struct fin_card_request *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  if (eco == NULL || request_id == NULL)
    return fin_err_set(e, FIN_INVALID, "ecosystem id and request id are required");
  struct mem_db *db = self;
  mem_rdlock(db);
  const struct fin_card_request *r = mem_req_find(db, request_id);
  if (r != NULL && strcmp(r->ecosystem_id, eco) != 0) r = NULL;
  enum fin_status st = copy_one(r, out, request_id, e);
  mem_unlock(db);
  return st;
}

static enum fin_status req_get_any(void *self, const char *request_id, struct fin_card_request *out,
                                   struct fin_err *e) {
  memset(out, 0, sizeof *out);
  if (request_id == NULL) return fin_err_set(e, FIN_INVALID, "request id is required");
  struct mem_db *db = self;
  mem_rdlock(db);
  enum fin_status st = copy_one(mem_req_find(db, request_id), out, request_id, e);
  mem_unlock(db);
  return st;
}

static enum fin_status req_find_pending_by_user(void *self, const char *eco,
                                                struct fin_card_request *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  if (eco == NULL) return fin_err_set(e, FIN_INVALID, "ecosystem id is required");
  struct mem_db *db = self;
  mem_rdlock(db);
  const struct mem_acct *a = mem_acct_get(db, eco);
  const struct fin_card_request *oldest = NULL;
  for (uint32_t i = 0; a != NULL && i < a->n_reqs; i++) {
    const struct fin_card_request *r = a->reqs[i];
    if (strcmp(r->status, "pending") == 0 && (oldest == NULL || mem_req_cmp(r, oldest) < 0))
      oldest = r;
  }
  enum fin_status st = oldest ? copy_one(oldest, out, NULL, e)
                              : fin_err_set(e, FIN_NOT_FOUND, "No pending request for %s", eco);
  mem_unlock(db);
  return st;
}

static enum fin_status req_list_rejected_by_user(void *self, const char *eco, fin_ms since,
                                                 struct fin_card_request **out, size_t *n,
                                                 struct fin_err *e) {
  *out = NULL, *n = 0;
  if (eco == NULL) return fin_err_set(e, FIN_INVALID, "ecosystem id is required");
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  mem_rdlock(db);
  const struct mem_acct *a = mem_acct_get(db, eco);
  uint32_t total = a ? a->n_reqs : 0, count = 0;
  const struct fin_card_request **pick = total ? malloc(total * sizeof *pick) : NULL;
  if (total && pick == NULL) st = fin_err_set(e, FIN_NOMEM, "out of memory");
  for (uint32_t i = 0; st == FIN_OK && i < total; i++) {
    const struct fin_card_request *r = a->reqs[i];
    if (strcmp(r->status, "rejected") == 0 && r->updated_at >= since) pick[count++] = r;
  }
  if (st == FIN_OK && MEM_COPY_OUT(struct fin_card_request, fin_card_request_copy,
                                   fin_card_request_clear, count, pick[i_], out, n))
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  mem_unlock(db);
  free(pick);
  return st;
}

/* Pages the sorted list of one status. The cursor is the request id of the
 * last item returned; it keeps working when that request changed status
 * meanwhile (its (created_at, id) key still places it). Unknown cursor:
 * first page. */
static enum fin_status req_list_by_status(void *self, const char *status, enum fin_sort sort,
                                          const char *cursor, int limit,
                                          struct fin_card_request **out, size_t *n,
                                          struct fin_page *page, struct fin_err *e) {
  *out = NULL, *n = 0;
  memset(page, 0, sizeof *page);
  page->total_count = -1;
  if (status == NULL) return fin_err_set(e, FIN_INVALID, "status is required");
  uint32_t lim = limit < 1 ? 1 : (uint32_t)limit;
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  mem_rdlock(db);
  static const struct mem_req_list none;
  const struct mem_req_list *l = mem_req_list_of(db, status);
  if (l == NULL || strlen(status) >= sizeof l->status) l = &none; /* no request stores it */
  const struct fin_card_request *at =
      cursor != NULL && *cursor != '\0' ? mem_req_find(db, cursor) : NULL;
  uint32_t total = l->n, take, first;
  bool more;
  if (sort == FIN_SORT_NEWEST) { /* items before `hi`, walking down */
    uint32_t hi = at ? list_bound(l, at, false) : total;
    take = hi < lim ? hi : lim;
    first = hi;
    more = hi > take;
  } else { /* items from `lo`, walking up */
    uint32_t lo = at ? list_bound(l, at, true) : 0;
    take = total - lo < lim ? total - lo : lim;
    first = lo;
    more = lo + take < total;
  }
#define PICK(i) (sort == FIN_SORT_NEWEST ? l->items[first - 1 - (i)] : l->items[first + (i)])
  if (MEM_COPY_OUT(struct fin_card_request, fin_card_request_copy, fin_card_request_clear, take,
                   PICK(i_), out, n))
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  if (st == FIN_OK && more) {
    page->next_cursor = strdup(PICK(take - 1)->request_id);
    if (page->next_cursor == NULL) st = fin_err_set(e, FIN_NOMEM, "out of memory");
  }
#undef PICK
  mem_unlock(db);
  if (st != FIN_OK) {
    fin_card_request_list_free(*out, *n);
    *out = NULL, *n = 0;
    fin_page_clear(page);
    return st;
  }
  page->has_more = more;
  page->total_count = (long)total;
  return FIN_OK;
}

static enum fin_status req_delete_all(void *self, long *deleted, struct fin_err *e) {
  struct mem_db *db = self;
  long n = 0;
  mem_wrlock(db);
  mem_map_free(&db->reqs);
  mem_req_lists_free(db);
  for (uint32_t i = 0; i < db->accts.cap; i++) {
    struct mem_acct *a = db->accts.slots[i].val;
    if (a == NULL) continue;
    for (uint32_t j = 0; j < a->n_reqs; j++) {
      fin_card_request_clear(a->reqs[j]);
      free(a->reqs[j]);
    }
    n += a->n_reqs;
    free(a->reqs);
    a->reqs = NULL;
    a->n_reqs = a->cap_reqs = 0;
  }
  mem_acct_gc(db);
  mem_unlock(db);
  if (deleted) *deleted = n;
  return FIN_OK;
}

static const struct fin_card_requests_ops REQUESTS_OPS = {
    .get = req_get,
    .get_any = req_get_any,
    .find_pending_by_user = req_find_pending_by_user,
    .list_rejected_by_user = req_list_rejected_by_user,
    .list_by_status = req_list_by_status,
    .delete_all = req_delete_all,
    .destroy = mem_db_port_destroy,
};

struct fin_card_requests mem_requests_port(struct mem_db *db) {
  return (struct fin_card_requests){&REQUESTS_OPS, mem_db_ref(db)};
}
