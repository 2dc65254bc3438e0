/* mem_money.c - transactions and idempotency records in memory. */
#include <stdint.h>
#include <string.h>

#include "memdb.h"

#define DB(self) ((struct memdb *)(self))

static enum fin_status txns_get(void *self, const char *eco, const char *card_id,
                                const char *txn_id, struct fin_txn *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  memdb_lock(DB(self));
  struct acct *a = memdb_acct(DB(self), eco);
  struct card_txns *ct = a ? hmap_get(&a->txns, card_id) : NULL;
  size_t pos = ct ? (size_t)(uintptr_t)hmap_get(&ct->index, txn_id) : 0;
  enum fin_status st = FIN_NOT_FOUND;
  if (pos) st = fin_txn_copy(out, VEC_AT(&ct->txns, struct fin_txn, pos - 1)) ? FIN_NOMEM : FIN_OK;
  memdb_unlock(DB(self));
  return st;
}

static bool type_ok(const struct fin_txn *t, const char *type) {
  return type == NULL || strcmp(t->type, type) == 0;
}

/* Newest first: walk positions downward from just below the cursor. */
static enum fin_status txns_list(void *self, const char *eco, const char *card_id, const char *type,
                                 const char *cursor, int limit, struct fin_txn **out, size_t *n,
                                 struct fin_page *page, struct fin_err *e) {
  *out = NULL, *n = 0;
  memset(page, 0, sizeof *page);
  page->total_count = -1;
  enum fin_status st = FIN_OK;
  memdb_lock(DB(self));
  struct acct *a = memdb_acct(DB(self), eco);
  struct card_txns *ct = a ? hmap_get(&a->txns, card_id) : NULL;
  size_t total = ct ? ct->txns.n : 0;
  size_t top = total; /* exclusive upper bound of positions to visit */
  if (ct && cursor && *cursor) {
    size_t pos = (size_t)(uintptr_t)hmap_get(&ct->index, cursor);
    if (pos) top = pos - 1;
  }
  const struct fin_txn **src = calloc((size_t)limit, sizeof *src);
  size_t k = 0, i = top;
  while (src && i > 0 && k < (size_t)limit) {
    const struct fin_txn *t = VEC_AT(&ct->txns, struct fin_txn, --i);
    if (type_ok(t, type)) src[k++] = t;
  }
  bool more = false;
  for (size_t j = i; src && j > 0 && !more; j--)
    more = type_ok(VEC_AT(&ct->txns, struct fin_txn, j - 1), type);
  if (src == NULL)
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  else
    COPY_OUT(struct fin_txn, fin_txn_copy, fin_txn_clear, src, k, 1, out, n);
  if (st == FIN_OK && more && k > 0) {
    page->has_more = true;
    page->next_cursor = strdup(src[k - 1]->transaction_id);
  }
  memdb_unlock(DB(self));
  free(src);
  return st;
}

static void card_txns_count(void *p, long *n) {
  struct card_txns *ct = p;
  *n += (long)ct->txns.n;
  for (size_t i = 0; i < ct->txns.n; i++)
    fin_txn_clear(VEC_AT(&ct->txns, struct fin_txn, i));
  free(ct->txns.a);
  hmap_clear(&ct->index, NULL);
  free(ct);
}

static enum fin_status txns_delete_all(void *self, long *deleted, struct fin_err *e) {
  long n = 0;
  memdb_lock(DB(self));
  HMAP_EACH(&DB(self)->accts, he) {
    struct acct *a = he->val;
    HMAP_EACH(&a->txns, te) card_txns_count(te->val, &n);
    hmap_clear(&a->txns, NULL);
  }
  memdb_unlock(DB(self));
  *deleted = n;
  return FIN_OK;
}

static const struct fin_txns_ops TXNS = {txns_get, txns_list, txns_delete_all, memdb_port_destroy};
struct fin_txns memdb_txns(struct memdb *db) {
  return (struct fin_txns){&TXNS, memdb_ref(db)};
}

/* ---- idempotency ---- */
static enum fin_status idem_get(void *self, const char *eco, const char *hash, fin_ms now,
                                struct fin_idem *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  memdb_lock(DB(self));
  struct acct *a = memdb_acct(DB(self), eco);
  struct fin_idem *rec = a ? hmap_get(&a->idem, hash) : NULL;
  enum fin_status st = FIN_NOT_FOUND;
  if (rec && rec->expires_at <= now) { /* expired: gone */
    memdb_idem_free(hmap_del(&a->idem, hash));
  } else if (rec) {
    st = fin_idem_copy(out, rec) ? FIN_NOMEM : FIN_OK;
  }
  memdb_unlock(DB(self));
  return st;
}

static enum fin_status idem_delete_expired(void *self, fin_ms now, long *deleted,
                                           struct fin_err *e) {
  long n = 0;
  memdb_lock(DB(self));
  HMAP_EACH(&DB(self)->accts, he) {
    struct acct *a = he->val;
    bool again = true;
    while (again) { /* deleting invalidates the walk: restart after each */
      again = false;
      HMAP_EACH(&a->idem, ie) {
        struct fin_idem *r = ie->val;
        if (r->expires_at > now) continue;
        memdb_idem_free(hmap_del(&a->idem, r->key_hash));
        n++;
        again = true;
        break;
      }
    }
  }
  memdb_unlock(DB(self));
  *deleted = n;
  return FIN_OK;
}

static enum fin_status idem_delete_all(void *self, long *deleted, struct fin_err *e) {
  long n = 0;
  memdb_lock(DB(self));
  HMAP_EACH(&DB(self)->accts, he) {
    struct acct *a = he->val;
    n += (long)a->idem.n;
    hmap_clear(&a->idem, memdb_idem_free);
  }
  memdb_unlock(DB(self));
  *deleted = n;
  return FIN_OK;
}

static const struct fin_idempotency_ops IDEM = {idem_get, idem_delete_expired, idem_delete_all,
                                                memdb_port_destroy};
struct fin_idempotency memdb_idempotency(struct memdb *db) {
  return (struct fin_idempotency){&IDEM, memdb_ref(db)};
}
