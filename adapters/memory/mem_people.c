/* mem_people.c - users, score history, cards and card requests in memory. */
#include <stdlib.h>
#include <string.h>

#include "memdb.h"

#define DB(self) ((struct memdb *)(self))

/* ---- users ---- */
static enum fin_status users_get(void *self, const char *eco, struct fin_user *out,
                                 struct fin_err *e) {
  memset(out, 0, sizeof *out);
  memdb_lock(DB(self));
  struct acct *a = memdb_acct(DB(self), eco);
  enum fin_status st = FIN_NOT_FOUND;
  if (a && a->has_user) st = fin_user_copy(out, &a->user) ? FIN_NOMEM : FIN_OK;
  memdb_unlock(DB(self));
  return st;
}

static enum fin_status users_list_all(void *self, struct fin_user **out, size_t *n,
                                      struct fin_err *e) {
  *out = NULL, *n = 0;
  memdb_lock(DB(self));
  size_t count = DB(self)->accts.n, k = 0;
  const struct fin_user **src = calloc(count ? count : 1, sizeof *src);
  if (src == NULL) {
    memdb_unlock(DB(self));
    return fin_err_set(e, FIN_NOMEM, "out of memory");
  }
  HMAP_EACH(&DB(self)->accts, he) {
    struct acct *a = he->val;
    if (a->has_user) src[k++] = &a->user;
  }
  enum fin_status st = FIN_OK;
  COPY_OUT(struct fin_user, fin_user_copy, fin_user_clear, src, k, 1, out, n);
  memdb_unlock(DB(self));
  free(src);
  return st;
}

static enum fin_status users_delete_all(void *self, long *deleted, struct fin_err *e) {
  long n = 0;
  memdb_lock(DB(self));
  HMAP_EACH(&DB(self)->accts, he) {
    struct acct *a = he->val;
    if (!a->has_user) continue;
    fin_user_clear(&a->user);
    a->has_user = false;
    n++;
  }
  memdb_unlock(DB(self));
  *deleted = n;
  return FIN_OK;
}

static const struct fin_users_ops USERS = {users_get, users_list_all, users_delete_all,
                                           memdb_port_destroy};
struct fin_users memdb_users(struct memdb *db) {
  return (struct fin_users){&USERS, memdb_ref(db)};
}

/* ---- scores ---- */
static enum fin_status scores_list(void *self, const char *eco, int limit, struct fin_score **out,
                                   size_t *n, struct fin_err *e) {
  *out = NULL, *n = 0;
  memdb_lock(DB(self));
  struct acct *a = memdb_acct(DB(self), eco);
  size_t total = a ? a->scores.n : 0;
  size_t want = limit > 0 && (size_t)limit < total ? (size_t)limit : total;
  const struct fin_score **src = calloc(want ? want : 1, sizeof *src);
  enum fin_status st = FIN_OK;
  if (src == NULL) st = fin_err_set(e, FIN_NOMEM, "out of memory");
  for (size_t i = 0; src && i < want; i++)
    src[i] = VEC_AT(&a->scores, struct fin_score, total - 1 - i);
  if (src) COPY_OUT(struct fin_score, fin_score_copy, fin_score_clear, src, want, 1, out, n);
  memdb_unlock(DB(self));
  free(src);
  return st;
}

static enum fin_status scores_delete_all(void *self, long *deleted, struct fin_err *e) {
  long n = 0;
  memdb_lock(DB(self));
  HMAP_EACH(&DB(self)->accts, he) {
    struct acct *a = he->val;
    for (size_t i = 0; i < a->scores.n; i++)
      fin_score_clear(VEC_AT(&a->scores, struct fin_score, i));
    n += (long)a->scores.n;
    a->scores.n = 0;
  }
  memdb_unlock(DB(self));
  *deleted = n;
  return FIN_OK;
}

static const struct fin_scores_ops SCORES = {scores_list, scores_delete_all, memdb_port_destroy};
struct fin_scores memdb_scores(struct memdb *db) {
  return (struct fin_scores){&SCORES, memdb_ref(db)};
}

/* ---- cards ---- */
static enum fin_status cards_get(void *self, const char *eco, const char *card_id,
                                 struct fin_card *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  memdb_lock(DB(self));
  struct fin_card *c = memdb_card(memdb_acct(DB(self), eco), card_id);
  enum fin_status st = c ? (fin_card_copy(out, c) ? FIN_NOMEM : FIN_OK) : FIN_NOT_FOUND;
  memdb_unlock(DB(self));
  return st;
}

static enum fin_status cards_list(void *self, const char *eco, const char *status,
                                  struct fin_card **out, size_t *n, struct fin_err *e) {
  *out = NULL, *n = 0;
  enum fin_status st = FIN_OK;
  memdb_lock(DB(self));
  struct acct *a = memdb_acct(DB(self), eco);
  size_t count = a ? a->cards.n : 0;
  const struct fin_card **src = calloc(count ? count : 1, sizeof *src);
  for (size_t i = 0; src && i < count; i++)
    src[i] = VEC_AT(&a->cards, struct fin_card, i);
  if (src == NULL)
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  else
    COPY_OUT(struct fin_card, fin_card_copy, fin_card_clear, src, count,
             status == NULL || strcmp(x_->status, status) == 0, out, n);
  memdb_unlock(DB(self));
  free(src);
  return st;
}

static enum fin_status cards_delete_all(void *self, long *deleted, struct fin_err *e) {
  long n = 0;
  memdb_lock(DB(self));
  HMAP_EACH(&DB(self)->accts, he) {
    struct acct *a = he->val;
    for (size_t i = 0; i < a->cards.n; i++)
      fin_card_clear(VEC_AT(&a->cards, struct fin_card, i));
    n += (long)a->cards.n;
    a->cards.n = 0;
  }
  memdb_unlock(DB(self));
  *deleted = n;
  return FIN_OK;
}

static const struct fin_cards_ops CARDS = {cards_get, cards_list, cards_delete_all,
                                           memdb_port_destroy};
struct fin_cards memdb_cards(struct memdb *db) {
  return (struct fin_cards){&CARDS, memdb_ref(db)};
}

/* ---- card requests ---- */
static enum fin_status req_copy_out(const struct fin_card_request *r,
                                    struct fin_card_request *out) {
  if (r == NULL) return FIN_NOT_FOUND;
  return fin_card_request_copy(out, r) ? FIN_NOMEM : FIN_OK;
}

static enum fin_status req_get(void *self, const char *eco, const char *request_id,
                               struct fin_card_request *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  memdb_lock(DB(self));
  enum fin_status st = req_copy_out(memdb_request(memdb_acct(DB(self), eco), request_id), out);
  memdb_unlock(DB(self));
  return st;
}

static enum fin_status req_get_any(void *self, const char *request_id, struct fin_card_request *out,
                                   struct fin_err *e) {
  memset(out, 0, sizeof *out);
  memdb_lock(DB(self));
  const char *eco = hmap_get(&DB(self)->request_owner, request_id);
  enum fin_status st = FIN_NOT_FOUND;
  if (eco) st = req_copy_out(memdb_request(memdb_acct(DB(self), eco), request_id), out);
  memdb_unlock(DB(self));
  return st;
}

static enum fin_status req_pending_by_user(void *self, const char *eco,
                                           struct fin_card_request *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  memdb_lock(DB(self));
  struct acct *a = memdb_acct(DB(self), eco);
  const struct fin_card_request *found = NULL;
  for (size_t i = 0; a && i < a->requests.n && !found; i++) {
    struct fin_card_request *r = VEC_AT(&a->requests, struct fin_card_request, i);
    if (strcmp(r->status, "pending") == 0) found = r;
  }
  enum fin_status st = req_copy_out(found, out);
  memdb_unlock(DB(self));
  return st;
}

static enum fin_status req_rejected(void *self, const char *eco, fin_ms since,
                                    struct fin_card_request **out, size_t *n, struct fin_err *e) {
  *out = NULL, *n = 0;
  enum fin_status st = FIN_OK;
  memdb_lock(DB(self));
  struct acct *a = memdb_acct(DB(self), eco);
  size_t count = a ? a->requests.n : 0;
  const struct fin_card_request **src = calloc(count ? count : 1, sizeof *src);
  for (size_t i = 0; src && i < count; i++)
    src[i] = VEC_AT(&a->requests, struct fin_card_request, i);
  if (src == NULL)
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  else
    COPY_OUT(struct fin_card_request, fin_card_request_copy, fin_card_request_clear, src, count,
             strcmp(x_->status, "rejected") == 0 && x_->updated_at >= since, out, n);
  memdb_unlock(DB(self));
  free(src);
  return st;
}

static int by_created(const void *x, const void *y) {
  const struct fin_card_request *a = *(const struct fin_card_request *const *)x;
  const struct fin_card_request *b = *(const struct fin_card_request *const *)y;
  if (a->created_at != b->created_at) return a->created_at < b->created_at ? -1 : 1;
  return strcmp(a->request_id, b->request_id);
}

static enum fin_status req_list_pending(void *self, enum fin_sort sort, const char *cursor,
                                        int limit, struct fin_card_request **out, size_t *n,
                                        struct fin_page *page, struct fin_err *e) {
  *out = NULL, *n = 0;
  memset(page, 0, sizeof *page);
  enum fin_status st = FIN_OK;
  memdb_lock(DB(self));
  size_t count = 0, cap = 16;
  const struct fin_card_request **all = malloc(cap * sizeof *all);
  HMAP_EACH(&DB(self)->accts, he) {
    struct acct *a = he->val;
    for (size_t i = 0; all && i < a->requests.n; i++) {
      struct fin_card_request *r = VEC_AT(&a->requests, struct fin_card_request, i);
      if (strcmp(r->status, "pending") != 0) continue;
      if (count == cap) {
        const struct fin_card_request **g = realloc(all, (cap *= 2) * sizeof *all);
        if (g == NULL) free(all);
        all = g;
        if (all == NULL) break;
      }
      all[count++] = r;
    }
  }
  if (all == NULL) {
    memdb_unlock(DB(self));
    return fin_err_set(e, FIN_NOMEM, "out of memory");
  }
  qsort(all, count, sizeof *all, by_created);
  if (sort == FIN_SORT_NEWEST)
    for (size_t i = 0; i < count / 2; i++) {
      const struct fin_card_request *t = all[i];
      all[i] = all[count - 1 - i], all[count - 1 - i] = t;
    }
  size_t start = 0;
  for (size_t i = 0; cursor && *cursor && i < count; i++)
    if (strcmp(all[i]->request_id, cursor) == 0) start = i + 1;
  size_t take = count - start < (size_t)limit ? count - start : (size_t)limit;
  page->total_count = (long)count;
  page->has_more = start + take < count;
  if (page->has_more && take > 0) page->next_cursor = strdup(all[start + take - 1]->request_id);
  COPY_OUT(struct fin_card_request, fin_card_request_copy, fin_card_request_clear, (all + start),
           take, 1, out, n);
  memdb_unlock(DB(self));
  free(all);
  return st;
}

static enum fin_status req_delete_all(void *self, long *deleted, struct fin_err *e) {
  long n = 0;
  memdb_lock(DB(self));
  HMAP_EACH(&DB(self)->accts, he) {
    struct acct *a = he->val;
    for (size_t i = 0; i < a->requests.n; i++)
      fin_card_request_clear(VEC_AT(&a->requests, struct fin_card_request, i));
    n += (long)a->requests.n;
    a->requests.n = 0;
  }
  hmap_clear(&DB(self)->request_owner, free);
  memdb_unlock(DB(self));
  *deleted = n;
  return FIN_OK;
}

static const struct fin_card_requests_ops REQUESTS = {
    req_get,          req_get_any,    req_pending_by_user, req_rejected,
    req_list_pending, req_delete_all, memdb_port_destroy};
struct fin_card_requests memdb_requests(struct memdb *db) {
  return (struct fin_card_requests){&REQUESTS, memdb_ref(db)};
}
