/* mem_idem.c - the idempotency repository (repos.h) and the records the
 * store writes (IDEM_PUT). A record is one allocation (header + response
 * text) in its account's map, keyed by key_hash. */
#include <stdlib.h>
#include <string.h>

#include "mem_db.h"

static bool idem_eq(const void *val, const void *probe) {
  return strcmp(((const struct mem_idem *)val)->key_hash, probe) == 0;
}

struct mem_idem *mem_idem_find(const struct mem_acct *a, const char *key_hash, long *slot) {
  long i = a ? mem_map_find(&a->idem, mem_hash(key_hash), idem_eq, key_hash) : -1;
  if (slot) *slot = i;
  return i < 0 ? NULL : a->idem.slots[i].val;
}

struct mem_idem *mem_idem_pack(const struct fin_idem *r) {
  size_t len = r->response ? strlen(r->response) : 0;
  struct mem_idem *m = malloc(sizeof *m + len + 1);
  if (m == NULL) return NULL;
  fin_strlcpy(m->key_hash, r->key_hash, sizeof m->key_hash);
  fin_strlcpy(m->operation, r->operation, sizeof m->operation);
  fin_strlcpy(m->fingerprint, r->fingerprint, sizeof m->fingerprint);
  m->has_response = r->response != NULL;
  m->status_code = r->status_code;
  m->created_at = r->created_at;
  m->expires_at = r->expires_at;
  memcpy(m->response, r->response ? r->response : "", len + 1);
  return m;
}

/* Stores rec in its account, replacing a record with the same key (the
 * store only replaces expired ones). Room must have been reserved. */
void mem_idem_put_reserved(struct mem_acct *a, struct mem_idem *rec) {
  uint32_t h = mem_hash(rec->key_hash); /* once for the lookup and the put: 64 bytes */
  long i = mem_map_find(&a->idem, h, idem_eq, rec->key_hash);
  if (i >= 0) {
    free(a->idem.slots[i].val);
    a->idem.slots[i].val = rec;
    return;
  }
  mem_map_put_reserved(&a->idem, h, rec);
}

int mem_idem_to_model(const struct mem_acct *a, const struct mem_idem *m, struct fin_idem *out) {
  memset(out, 0, sizeof *out);
  memcpy(out->key_hash, m->key_hash, sizeof out->key_hash);
  memcpy(out->operation, m->operation, sizeof out->operation);
  memcpy(out->fingerprint, m->fingerprint, sizeof out->fingerprint);
  out->status_code = m->status_code;
  out->created_at = m->created_at;
  out->expires_at = m->expires_at;
  out->ecosystem_id = strdup(a->eco);
  out->response = m->has_response ? strdup(m->response) : NULL;
  if (out->ecosystem_id != NULL && (out->response != NULL || !m->has_response)) return 0;
  fin_idem_clear(out);
  return -1;
}

/* ---- the port ---- */
static enum fin_status idem_get(void *self, const char *eco, const char *key_hash, fin_ms now,
                                struct fin_idem *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  if (eco == NULL || key_hash == NULL)
    return fin_err_set(e, FIN_INVALID, "ecosystem id and key hash are required");
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  bool expired = false;
  mem_rdlock(db);
  const struct mem_acct *a = mem_acct_get(db, eco);
  const struct mem_idem *m = mem_idem_find(a, key_hash, NULL);
  if (m == NULL)
    st = FIN_NOT_FOUND;
  else if (m->expires_at <= now)
    st = FIN_NOT_FOUND, expired = true;
  else if (mem_idem_to_model(a, m, out) != 0)
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  mem_unlock(db);
  if (expired) { /* absent from now on: delete it (it may have been replaced meanwhile) */
    mem_wrlock(db);
    struct mem_acct *wa = mem_acct_get(db, eco);
    long slot;
    struct mem_idem *cur = mem_idem_find(wa, key_hash, &slot);
    if (cur != NULL && cur->expires_at <= now) {
      mem_map_remove_at(&wa->idem, (uint32_t)slot);
      free(cur);
      mem_acct_gc(db);
    }
    mem_unlock(db);
  }
  if (st == FIN_NOT_FOUND) fin_err_set(e, FIN_NOT_FOUND, "Idempotency record not found");
  return st;
}

/* Deletes every record (all) or the expired ones; returns how many. */
static long sweep(struct mem_db *db, bool all, fin_ms now) {
  long n = 0;
  for (uint32_t i = 0; i < db->accts.cap; i++) {
    struct mem_acct *a = db->accts.slots[i].val;
    if (a == NULL) continue;
    for (uint32_t j = 0; j < a->idem.cap;) {
      struct mem_idem *m = a->idem.slots[j].val;
      if (m != NULL && (all || m->expires_at <= now)) {
        mem_map_remove_at(&a->idem, j); /* slot j may now hold another record */
        free(m);
        n++;
        continue;
      }
      j++;
    }
    if (a->idem.n == 0) mem_map_free(&a->idem);
  }
  mem_acct_gc(db);
  return n;
}

static enum fin_status idem_delete_expired(void *self, fin_ms now, long *deleted,
                                           struct fin_err *e) {
  struct mem_db *db = self;
  mem_wrlock(db);
  long n = sweep(db, false, now);
  mem_unlock(db);
  if (deleted) *deleted = n;
  return FIN_OK;
}

static enum fin_status idem_delete_all(void *self, long *deleted, struct fin_err *e) {
  struct mem_db *db = self;
  mem_wrlock(db);
  long n = sweep(db, true, 0);
  mem_unlock(db);
  if (deleted) *deleted = n;
  return FIN_OK;
}

static const struct fin_idempotency_ops IDEM_OPS = {
    .get = idem_get,
    .delete_expired = idem_delete_expired,
    .delete_all = idem_delete_all,
    .destroy = mem_db_port_destroy,
};

struct fin_idempotency mem_idem_port(struct mem_db *db) {
  return (struct fin_idempotency){&IDEM_OPS, mem_db_ref(db)};
}
