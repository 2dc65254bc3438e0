/* mem_txns.c - the transactions repository (repos.h) and the per-card
 * buckets the store writes into (TXN_PUT).
 *
 * A bucket holds one card's transactions as compact records sorted by
 * (timestamp, insertion), an open-addressing index id -> position, and for
 * each transaction type the ascending list of its positions. Listing newest
 * first walks positions downward from the cursor's position, so a page costs
 * O(log n + limit) with or without a type filter. Appending in timestamp
 * order (the normal case) is O(1); an out-of-order timestamp re-indexes the
 * bucket. */
#include <stdlib.h>
#include <string.h>

#include "mem_db.h"

/* ---- packed strings: [flags][merchant \0][idempotency key \0][reason \0] ---- */
enum { HAS_MERCHANT = 1, HAS_KEY = 2, HAS_REASON = 4 };

int mem_txn_pack(const struct fin_txn *t, struct mem_txn *r) {
  memset(r, 0, sizeof *r);
  fin_strlcpy(r->id, t->transaction_id, sizeof r->id);
  fin_strlcpy(r->type, t->type, sizeof r->type);
  fin_strlcpy(r->status, t->status, sizeof r->status);
  fin_strlcpy(r->payment_status, t->payment_status, sizeof r->payment_status);
  r->has_score_impact = t->has_score_impact;
  r->days_overdue = t->days_overdue;
  r->score_impact = t->score_impact;
  r->amount = t->amount;
  r->timestamp = t->timestamp;
  r->processed_at = t->processed_at;
  const char *s[3] = {t->merchant, t->idempotency_key, t->failure_reason};
  size_t len = 1;
  unsigned flags = 0;
  for (int i = 0; i < 3; i++)
    if (s[i] != NULL) flags |= 1u << i, len += strlen(s[i]) + 1;
  if (flags == 0) return 0;
  char *p = r->strs = malloc(len);
  if (p == NULL) return -1;
  *p++ = (char)flags;
  for (int i = 0; i < 3; i++)
    if (s[i] != NULL) p = stpcpy(p, s[i]) + 1;
  return 0;
}

int mem_txn_to_model(const struct mem_acct *a, const struct mem_bucket *b, const struct mem_txn *r,
                     struct fin_txn *out) {
  memset(out, 0, sizeof *out);
  memcpy(out->transaction_id, r->id, sizeof out->transaction_id);
  memcpy(out->card_id, b->card_id, sizeof out->card_id);
  memcpy(out->type, r->type, sizeof out->type);
  memcpy(out->status, r->status, sizeof out->status);
  memcpy(out->payment_status, r->payment_status, sizeof out->payment_status);
  out->has_score_impact = r->has_score_impact;
  out->days_overdue = r->days_overdue;
  out->score_impact = r->score_impact;
  out->amount = r->amount;
  out->timestamp = r->timestamp;
  out->processed_at = r->processed_at;
  bool ok = (out->ecosystem_id = strdup(a->eco)) != NULL;
  if (r->strs != NULL) {
    unsigned flags = (unsigned char)r->strs[0];
    const char *p = r->strs + 1;
    char **dst[3] = {&out->merchant, &out->idempotency_key, &out->failure_reason};
    for (int i = 0; i < 3; i++) {
      if (!(flags & (1u << i))) continue;
      if (ok) ok = (*dst[i] = strdup(p)) != NULL;
      p += strlen(p) + 1;
    }
  }
  if (ok) return 0;
  fin_txn_clear(out);
  return -1;
}

/* ---- buckets ---- */
struct mem_bucket *mem_bucket_find(const struct mem_acct *a, const char *card_id) {
  for (uint32_t i = 0; a != NULL && i < a->n_buckets; i++)
    if (strcmp(a->buckets[i]->card_id, card_id) == 0) return a->buckets[i];
  return NULL;
}

struct mem_bucket *mem_bucket_make(struct mem_acct *a, const char *card_id) {
  struct mem_bucket *b = mem_bucket_find(a, card_id);
  if (b != NULL) return b;
  if (MEM_GROW(a->buckets, a->cap_buckets, a->n_buckets + 1)) return NULL;
  if ((b = calloc(1, sizeof *b)) == NULL) return NULL;
  fin_strlcpy(b->card_id, card_id, sizeof b->card_id);
  a->buckets[a->n_buckets++] = b;
  return b;
}

void mem_bucket_free(struct mem_bucket *b) {
  if (b == NULL) return;
  for (uint32_t i = 0; i < b->n; i++)
    free(b->a[i].strs);
  free(b->a);
  free(b->idx);
  for (uint32_t i = 0; i < b->n_types; i++)
    free(b->types[i].pos);
  free(b->types);
  free(b);
}

uint32_t mem_bucket_lookup(const struct mem_bucket *b, const char *txn_id) {
  if (b == NULL || b->idx_cap == 0) return 0;
  uint32_t mask = b->idx_cap - 1;
  for (uint32_t i = mem_hash(txn_id) & mask;; i = (i + 1) & mask) {
    uint32_t e = b->idx[i];
    if (e == 0 || strcmp(b->a[e - 1].id, txn_id) == 0) return e;
  }
}

static void idx_put(struct mem_bucket *b, uint32_t pos) {
  uint32_t mask = b->idx_cap - 1, i = mem_hash(b->a[pos].id) & mask;
  while (b->idx[i] != 0)
    i = (i + 1) & mask;
  b->idx[i] = pos + 1;
}

static struct mem_tlist *tlist_find(const struct mem_bucket *b, const char *type) {
  for (uint32_t i = 0; i < b->n_types; i++)
    if (strcmp(b->types[i].type, type) == 0) return &b->types[i];
  return NULL;
}

/* Recomputes the id index and the type lists from b->a (capacities suffice). */
static void reindex(struct mem_bucket *b) {
  memset(b->idx, 0, b->idx_cap * sizeof *b->idx);
  for (uint32_t i = 0; i < b->n_types; i++)
    b->types[i].n = 0;
  for (uint32_t pos = 0; pos < b->n; pos++) {
    idx_put(b, pos);
    struct mem_tlist *tl = tlist_find(b, b->a[pos].type);
    tl->pos[tl->n++] = pos;
  }
}

int mem_bucket_reserve(struct mem_bucket *b, const char *type, uint32_t extra,
                       uint32_t extra_type) {
  uint64_t need = (uint64_t)b->n + extra;
  if (need >= UINT32_MAX / 4) return -1;
  if (MEM_GROW(b->a, b->cap, (uint32_t)need)) return -1;
  if (need * 2 > b->idx_cap) { /* keep the index at most half full */
    uint32_t cap = b->idx_cap ? b->idx_cap : 8;
    while (need * 2 > cap)
      cap *= 2;
    uint32_t *idx = calloc(cap, sizeof *idx);
    if (idx == NULL) return -1;
    free(b->idx);
    b->idx = idx;
    b->idx_cap = cap;
    for (uint32_t pos = 0; pos < b->n; pos++)
      idx_put(b, pos);
  }
  struct mem_tlist *tl = tlist_find(b, type);
  if (tl == NULL) {
    if (MEM_GROW(b->types, b->cap_types, b->n_types + 1)) return -1;
    tl = &b->types[b->n_types++];
    memset(tl, 0, sizeof *tl);
    fin_strlcpy(tl->type, type, sizeof tl->type);
  }
  return MEM_GROW(tl->pos, tl->cap, tl->n + extra_type);
}

/* First position whose timestamp is later than ts (equal ones stay before:
 * insertion order among equal timestamps). */
static uint32_t after_timestamp(const struct mem_bucket *b, fin_ms ts) {
  if (b->n == 0 || b->a[b->n - 1].timestamp <= ts) return b->n; /* the usual append */
  uint32_t lo = 0, hi = b->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (b->a[mid].timestamp <= ts)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

void mem_bucket_put_reserved(struct mem_bucket *b, const struct mem_txn *r) {
  uint32_t e = mem_bucket_lookup(b, r->id);
  bool reindex_all = false;
  if (e != 0) { /* same id again: replace the row (upsert), re-placed by its timestamp */
    uint32_t old = e - 1;
    free(b->a[old].strs);
    memmove(&b->a[old], &b->a[old + 1], (b->n - old - 1) * sizeof *b->a);
    b->n--;
    reindex_all = true;
  }
  uint32_t pos = after_timestamp(b, r->timestamp);
  if (pos < b->n) {
    memmove(&b->a[pos + 1], &b->a[pos], (b->n - pos) * sizeof *b->a);
    reindex_all = true;
  }
  b->a[pos] = *r;
  b->n++;
  if (reindex_all) {
    reindex(b);
    return;
  }
  idx_put(b, pos);
  struct mem_tlist *tl = tlist_find(b, r->type);
  tl->pos[tl->n++] = pos;
}

/* ---- the port ---- */
static enum fin_status txns_get(void *self, const char *eco, const char *card_id,
                                const char *txn_id, struct fin_txn *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  if (eco == NULL || card_id == NULL || txn_id == NULL)
    return fin_err_set(e, FIN_INVALID, "ecosystem id, card id and transaction id are required");
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  mem_rdlock(db);
  const struct mem_acct *a = mem_acct_get(db, eco);
  const struct mem_bucket *b = mem_bucket_find(a, card_id);
  uint32_t at = mem_bucket_lookup(b, txn_id);
  if (at == 0)
    st = fin_err_set(e, FIN_NOT_FOUND, "Transaction not found: %s", txn_id);
  else if (mem_txn_to_model(a, b, &b->a[at - 1], out) != 0)
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  mem_unlock(db);
  return st;
}

/* Number of entries of the ascending array p[0..n) that are < x. */
static uint32_t count_below(const uint32_t *p, uint32_t n, uint32_t x) {
  uint32_t lo = 0, hi = n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (p[mid] < x)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static enum fin_status txns_list_by_card(void *self, const char *eco, const char *card_id,
                                         const char *type, const char *cursor, int limit,
                                         struct fin_txn **out, size_t *n, struct fin_page *page,
                                         struct fin_err *e) {
  *out = NULL, *n = 0;
  memset(page, 0, sizeof *page);
  page->total_count = -1;
  if (eco == NULL || card_id == NULL)
    return fin_err_set(e, FIN_INVALID, "ecosystem id and card id are required");
  uint32_t lim = limit < 1 ? 1 : (uint32_t)limit;
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  mem_rdlock(db);
  const struct mem_acct *a = mem_acct_get(db, eco);
  const struct mem_bucket *b = mem_bucket_find(a, card_id);
  /* Candidates are positions below `top`, newest (highest) first. */
  uint32_t top = b ? b->n : 0;
  if (b != NULL && cursor != NULL && *cursor != '\0') {
    uint32_t at = mem_bucket_lookup(b, cursor);
    if (at != 0) top = at - 1;
  }
  const uint32_t *sel = NULL; /* type filter: positions of that type */
  uint32_t avail = top;       /* how many candidates remain */
  if (b != NULL && type != NULL) {
    const struct mem_tlist *tl = tlist_find(b, type);
    sel = tl ? tl->pos : NULL;
    avail = tl ? count_below(tl->pos, tl->n, top) : 0;
  }
  uint32_t take = avail < lim ? avail : lim;
  bool more = avail > take;
#define POS(i) (sel ? sel[avail - 1 - (i)] : top - 1 - (uint32_t)(i))
  struct fin_txn *arr = take ? calloc(take, sizeof *arr) : NULL;
  size_t k = 0;
  if (take && arr == NULL) st = fin_err_set(e, FIN_NOMEM, "out of memory");
  for (; st == FIN_OK && k < take; k++)
    if (mem_txn_to_model(a, b, &b->a[POS(k)], &arr[k]) != 0)
      st = fin_err_set(e, FIN_NOMEM, "out of memory");
  if (st == FIN_OK && more && (page->next_cursor = strdup(b->a[POS(take - 1)].id)) == NULL)
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
#undef POS
  mem_unlock(db);
  if (st != FIN_OK) {
    fin_txn_list_free(arr, k);
    fin_page_clear(page);
    return st;
  }
  page->has_more = more;
  *out = arr, *n = take;
  return FIN_OK;
}

static enum fin_status txns_delete_all(void *self, long *deleted, struct fin_err *e) {
  struct mem_db *db = self;
  long n = 0;
  mem_wrlock(db);
  for (uint32_t i = 0; i < db->accts.cap; i++) {
    struct mem_acct *a = db->accts.slots[i].val;
    if (a == NULL) continue;
    for (uint32_t j = 0; j < a->n_buckets; j++) {
      n += a->buckets[j]->n;
      mem_bucket_free(a->buckets[j]);
    }
    free(a->buckets);
    a->buckets = NULL;
    a->n_buckets = a->cap_buckets = 0;
  }
  mem_acct_gc(db);
  mem_unlock(db);
  if (deleted) *deleted = n;
  return FIN_OK;
}

static const struct fin_txns_ops TXNS_OPS = {
    .get = txns_get,
    .list_by_card = txns_list_by_card,
    .delete_all = txns_delete_all,
    .destroy = mem_db_port_destroy,
};

struct fin_txns mem_txns_port(struct mem_db *db) {
  return (struct fin_txns){&TXNS_OPS, mem_db_ref(db)};
}
