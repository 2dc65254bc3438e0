/* mem_users.c - the users repository (repos.h) over the memory database. */
#include <stdlib.h>
#include <string.h>

#include "mem_db.h"

static enum fin_status users_get(void *self, const char *eco, struct fin_user *out,
                                 struct fin_err *e) {
  memset(out, 0, sizeof *out);
  if (eco == NULL) return fin_err_set(e, FIN_INVALID, "ecosystem id is required");
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  mem_rdlock(db);
  const struct mem_acct *a = mem_acct_get(db, eco);
  if (a == NULL || !a->has_user)
    st = fin_err_set(e, FIN_NOT_FOUND, "User not found: %s", eco);
  else if (fin_user_copy(out, &a->user) != 0)
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  mem_unlock(db);
  return st;
}

static enum fin_status users_list_all(void *self, struct fin_user **out, size_t *n,
                                      struct fin_err *e) {
  *out = NULL, *n = 0;
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  mem_rdlock(db);
  size_t count = 0;
  for (uint32_t i = 0; i < db->accts.cap; i++) {
    const struct mem_acct *a = db->accts.slots[i].val;
    count += a != NULL && a->has_user;
  }
  struct fin_user *arr = count ? calloc(count, sizeof *arr) : NULL;
  size_t k = 0;
  if (count && arr == NULL) st = fin_err_set(e, FIN_NOMEM, "out of memory");
  for (uint32_t i = 0; st == FIN_OK && i < db->accts.cap; i++) {
    const struct mem_acct *a = db->accts.slots[i].val;
    if (a == NULL || !a->has_user) continue;
    if (fin_user_copy(&arr[k], &a->user) != 0)
      st = fin_err_set(e, FIN_NOMEM, "out of memory");
    else
      k++;
  }
  mem_unlock(db);
  if (st != FIN_OK) {
    fin_user_list_free(arr, k);
    return st;
  }
  *out = arr, *n = k;
  return FIN_OK;
}

static enum fin_status users_delete_all(void *self, long *deleted, struct fin_err *e) {
  struct mem_db *db = self;
  long n = 0;
  mem_wrlock(db);
  for (uint32_t i = 0; i < db->accts.cap; i++) {
    struct mem_acct *a = db->accts.slots[i].val;
    if (a == NULL || !a->has_user) continue;
    fin_user_clear(&a->user);
    a->has_user = false;
    n++;
  }
  mem_acct_gc(db);
  mem_unlock(db);
  if (deleted) *deleted = n;
  return FIN_OK;
}

static const struct fin_users_ops USERS_OPS = {
    .get = users_get,
    .list_all = users_list_all,
    .delete_all = users_delete_all,
    .destroy = mem_db_port_destroy,
};

struct fin_users mem_users_port(struct mem_db *db) {
  return (struct fin_users){&USERS_OPS, mem_db_ref(db)};
}
