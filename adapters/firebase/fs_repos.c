/* fs_repos.c - users, score history, cards, card requests, transactions
 * and idempotency records on Firestore (layout: fs_items.h). Writes that
 * belong to a business operation go through the store (fs_store.c).
 *
 * Lists whose order the collection cannot give without a composite index
 * per filter are read whole for one user and ordered here (a user's cards,
 * a user's requests); an admin list (the requests of one status, all users)
 * is read whole like the original's pending queue and paged by
 * ent_requests. */
#include <stdlib.h>
#include <string.h>

#include "../common/ent_requests.h"
#include "fs_db.h"
#include "fs_items.h"
#include "fs_value.h"

ENT_VEC_FNS(user, fs_user_from, fin_user_clear)
ENT_VEC_FNS(score, fs_score_from, fin_score_clear)
ENT_VEC_FNS(card, fs_card_from, fin_card_clear)
ENT_VEC_FNS(req, fs_request_from, fin_card_request_clear)
ENT_VEC_FNS(txn, fs_txn_from, fin_txn_clear)

/* ---- users ---- */
static enum fin_status users_get(void *self, const char *eco, struct fin_user *out,
                                 struct fin_err *e) {
  memset(out, 0, sizeof *out);
  return fs_get_entity(self, fs_path(2, FS_C_USERS, eco), user_from_v, user_clear_v, out, e);
}

static enum fin_status users_list_all(void *self, struct fin_user **out, size_t *n,
                                      struct fin_err *e) {
  struct ent_vec v = {.size = sizeof(struct fin_user), .from = user_from_v, .clear = user_clear_v};
  return fs_collect(self, NULL, fs_q_new(FS_C_USERS, false), &v, out, n, e);
}

static enum fin_status users_delete_all(void *self, long *deleted, struct fin_err *e) {
  return fs_delete_where(self, NULL, fs_q_new(FS_C_USERS, false), deleted, e);
}

static const struct fin_users_ops users_ops = {
    .get = users_get,
    .list_all = users_list_all,
    .delete_all = users_delete_all,
    .destroy = fs_port_release,
};

struct fin_users fs_users_port(struct fs *f) {
  return (struct fin_users){&users_ops, fs_ref(f)};
}

/* ---- score history ---- */
static enum fin_status scores_list(void *self, const char *eco, int limit, struct fin_score **out,
                                   size_t *n, struct fin_err *e) {
  *out = NULL, *n = 0;
  char *parent = fs_path(2, FS_C_USERS, eco);
  if (parent == NULL) return FIN_OK;
  json_t *q = fs_q_new(FS_C_SCORES, false);
  fs_q_order(q, "timestamp", true);
  fs_q_order(q, "__name__", true);
  if (limit > 0) fs_q_limit(q, limit);
  struct ent_vec v = {
      .size = sizeof(struct fin_score), .from = score_from_v, .clear = score_clear_v};
  enum fin_status st = fs_collect(self, parent, q, &v, out, n, e);
  free(parent);
  return st;
}

static enum fin_status scores_delete_all(void *self, long *deleted, struct fin_err *e) {
  return fs_delete_group(self, FS_C_SCORES, deleted, e);
}

static const struct fin_scores_ops scores_ops = {
    .list = scores_list,
    .delete_all = scores_delete_all,
    .destroy = fs_port_release,
};

struct fin_scores fs_scores_port(struct fs *f) {
  return (struct fin_scores){&scores_ops, fs_ref(f)};
}

/* ---- cards ---- */
static enum fin_status cards_get(void *self, const char *eco, const char *card_id,
                                 struct fin_card *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  return fs_get_entity(self, fs_path(4, FS_C_USERS, eco, FS_C_CARDS, card_id), card_from_v,
                       card_clear_v, out, e);
}

static bool status_is(void *ctx, const void *elem) {
  return ctx == NULL || strcmp(((const struct fin_card *)elem)->status, ctx) == 0;
}

static int card_created_cmp(const void *x, const void *y) {
  const struct fin_card *a = x, *b = y;
  if (a->created_at != b->created_at) return a->created_at < b->created_at ? -1 : 1;
  return strcmp(a->card_id, b->card_id);
}

/* A user has a handful of cards: all of them, filtered and ordered here. */
static enum fin_status cards_list_by_user(void *self, const char *eco, const char *status,
                                          struct fin_card **out, size_t *n, struct fin_err *e) {
  *out = NULL, *n = 0;
  char *parent = fs_path(2, FS_C_USERS, eco);
  if (parent == NULL) return FIN_OK;
  struct ent_vec v = {.size = sizeof(struct fin_card),
                      .from = card_from_v,
                      .clear = card_clear_v,
                      .keep = status_is,
                      .keep_ctx = (void *)status};
  enum fin_status st = fs_collect(self, parent, fs_q_new(FS_C_CARDS, false), &v, out, n, e);
  free(parent);
  if (st == FIN_OK && *n > 1) qsort(*out, *n, sizeof **out, card_created_cmp);
  return st;
}

static enum fin_status cards_delete_all(void *self, long *deleted, struct fin_err *e) {
  return fs_delete_group(self, FS_C_CARDS, deleted, e);
}

static const struct fin_cards_ops cards_ops = {
    .get = cards_get,
    .list_by_user = cards_list_by_user,
    .delete_all = cards_delete_all,
    .destroy = fs_port_release,
};

struct fin_cards fs_cards_port(struct fs *f) {
  return (struct fin_cards){&cards_ops, fs_ref(f)};
}

/* ---- card requests ---- */
static enum fin_status req_get(void *self, const char *eco, const char *id,
                               struct fin_card_request *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  return fs_get_entity(self, fs_path(4, FS_C_USERS, eco, FS_C_REQUESTS, id), req_from_v,
                       req_clear_v, out, e);
}

/* Admin routes know only the id: one collection-group query on the
 * `requestId` field the documents carry (fs_items.h). */
static enum fin_status req_get_any(void *self, const char *id, struct fin_card_request *out,
                                   struct fin_err *e) {
  memset(out, 0, sizeof *out);
  json_t *q = fs_q_new(FS_C_REQUESTS, true);
  fs_q_where(q, "requestId", "EQUAL", fs_s(id));
  fs_q_limit(q, 1);
  struct ent_vec v = {
      .size = sizeof(struct fin_card_request), .from = req_from_v, .clear = req_clear_v};
  struct fin_card_request *all;
  size_t n;
  enum fin_status st = fs_collect(self, NULL, q, &v, &all, &n, e);
  if (st != FIN_OK) return st;
  v.items = all, v.n = n;
  return ent_take_oldest(&v, out);
}

/* The user's requests with one status. */
static enum fin_status by_user_status(struct fs *f, const char *eco, const char *status,
                                      struct ent_vec *v, struct fin_card_request **out, size_t *n,
                                      struct fin_err *e) {
  *out = NULL, *n = 0;
  char *parent = fs_path(2, FS_C_USERS, eco);
  if (parent == NULL) return FIN_OK;
  json_t *q = fs_q_new(FS_C_REQUESTS, false);
  fs_q_where(q, "status", "EQUAL", fs_s(status));
  enum fin_status st = fs_collect(f, parent, q, v, out, n, e);
  free(parent);
  return st;
}

static enum fin_status req_find_pending_by_user(void *self, const char *eco,
                                                struct fin_card_request *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  struct ent_vec v = {
      .size = sizeof(struct fin_card_request), .from = req_from_v, .clear = req_clear_v};
  struct fin_card_request *all;
  size_t n;
  enum fin_status st = by_user_status(self, eco, "pending", &v, &all, &n, e);
  if (st != FIN_OK) return st;
  v.items = all, v.n = n;
  return ent_take_oldest(&v, out);
}

static bool updated_since(void *ctx, const void *elem) {
  return ((const struct fin_card_request *)elem)->updated_at >= *(const fin_ms *)ctx;
}

static enum fin_status req_list_rejected_by_user(void *self, const char *eco, fin_ms since,
                                                 struct fin_card_request **out, size_t *n,
                                                 struct fin_err *e) {
  struct ent_vec v = {.size = sizeof(struct fin_card_request),
                      .from = req_from_v,
                      .clear = req_clear_v,
                      .keep = updated_since,
                      .keep_ctx = &since};
  return by_user_status(self, eco, "rejected", &v, out, n, e);
}

static enum fin_status lookup_any(void *self, const char *id, struct fin_card_request *out) {
  return req_get_any(self, id, out, NULL);
}

/* One collection-group query on `status` (its single-field index, declared
 * for the collection group in firestore.indexes.json); the total needs every
 * match, and ordering with request-id ties is done in C. Each page costs
 * reads in proportion to the requests of that status (docs/firebase.md). */
static enum fin_status req_list_by_status(void *self, const char *status, enum fin_sort sort,
                                          const char *cursor, int limit,
                                          struct fin_card_request **out, size_t *n,
                                          struct fin_page *page, struct fin_err *e) {
  *out = NULL, *n = 0;
  memset(page, 0, sizeof *page);
  if (status == NULL) return fin_err_set(e, FIN_INVALID, "status is required");
  json_t *q = fs_q_new(FS_C_REQUESTS, true);
  fs_q_where(q, "status", "EQUAL", fs_s(status));
  struct ent_vec v = {
      .size = sizeof(struct fin_card_request), .from = req_from_v, .clear = req_clear_v};
  struct fin_card_request *all;
  size_t total;
  enum fin_status st = fs_collect(self, NULL, q, &v, &all, &total, e);
  if (st != FIN_OK) return st;
  return ent_requests_page(all, total, sort, cursor, limit, lookup_any, self, out, n, page, e);
}

static enum fin_status req_delete_all(void *self, long *deleted, struct fin_err *e) {
  return fs_delete_group(self, FS_C_REQUESTS, deleted, e);
}

static const struct fin_card_requests_ops requests_ops = {
    .get = req_get,
    .get_any = req_get_any,
    .find_pending_by_user = req_find_pending_by_user,
    .list_rejected_by_user = req_list_rejected_by_user,
    .list_by_status = req_list_by_status,
    .delete_all = req_delete_all,
    .destroy = fs_port_release,
};

struct fin_card_requests fs_requests_port(struct fs *f) {
  return (struct fin_card_requests){&requests_ops, fs_ref(f)};
}

/* ---- transactions ---- */
static enum fin_status txn_get(void *self, const char *eco, const char *card_id, const char *id,
                               struct fin_txn *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  return fs_get_entity(self, fs_path(6, FS_C_USERS, eco, FS_C_CARDS, card_id, FS_C_TXNS, id),
                       txn_from_v, txn_clear_v, out, e);
}

/* Newest first: timestamp, then the UUIDv7 id (later insert first on equal
 * times, repos.h), both descending (Firestore cannot scan names alone
 * backwards; the composite index is in firestore.indexes.json); the cursor is the id of the last
 * transaction returned and resumes only when that transaction exists on
 * this card (else the first page). One more than the limit tells has_more. */
static enum fin_status txn_list_by_card(void *self, const char *eco, const char *card_id,
                                        const char *type, const char *cursor, int limit,
                                        struct fin_txn **out, size_t *n, struct fin_page *page,
                                        struct fin_err *e) {
  *out = NULL, *n = 0;
  page->total_count = -1, page->has_more = false, page->next_cursor = NULL;
  char *parent = fs_path(4, FS_C_USERS, eco, FS_C_CARDS, card_id);
  if (parent == NULL) return FIN_OK;
  json_t *q = fs_q_new(FS_C_TXNS, false);
  if (type != NULL) fs_q_where(q, "type", "EQUAL", fs_s(type));
  fs_q_order(q, "timestamp", true);
  fs_q_order(q, "__name__", true);
  fs_q_limit(q, limit + 1);
  char *at = cursor && cursor[0]
                 ? fs_path(6, FS_C_USERS, eco, FS_C_CARDS, card_id, FS_C_TXNS, cursor)
                 : NULL;
  json_t *doc = NULL;
  const json_t *ts = NULL;
  if (at != NULL && fs_read1(self, at, &doc, NULL) == FIN_OK &&
      (ts = json_object_get(fs_doc_fields(doc), "timestamp")) != NULL)
    fs_q_start_after(q, json_pack("[O,o]", ts, fs_ref_value(self, at)));
  json_decref(doc);
  free(at);
  struct ent_vec v = {.size = sizeof(struct fin_txn), .from = txn_from_v, .clear = txn_clear_v};
  enum fin_status st = fs_collect(self, parent, q, &v, out, n, e);
  free(parent);
  if (st != FIN_OK || *n <= (size_t)limit) return st;
  fin_txn_clear(&(*out)[limit]);
  *n = (size_t)limit;
  page->has_more = true;
  page->next_cursor = strdup((*out)[limit - 1].transaction_id);
  if (page->next_cursor != NULL) return FIN_OK;
  fin_txn_list_free(*out, *n);
  *out = NULL, *n = 0;
  page->has_more = false;
  return fin_err_set(e, FIN_NOMEM, "out of memory");
}

static enum fin_status txn_delete_all(void *self, long *deleted, struct fin_err *e) {
  return fs_delete_group(self, FS_C_TXNS, deleted, e);
}

static const struct fin_txns_ops txns_ops = {
    .get = txn_get,
    .list_by_card = txn_list_by_card,
    .delete_all = txn_delete_all,
    .destroy = fs_port_release,
};

struct fin_txns fs_txns_port(struct fs *f) {
  return (struct fin_txns){&txns_ops, fs_ref(f)};
}

/* ---- idempotency ---- */
/* An expired record reads as absent and is deleted, as in memory mode; the
 * delete is conditional on the version read, so a record written again
 * meanwhile survives. */
static enum fin_status idem_get(void *self, const char *eco, const char *hash, fin_ms now,
                                struct fin_idem *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  char *path = fs_path(4, FS_C_USERS, eco, FS_C_IDEM, hash);
  json_t *doc = NULL;
  enum fin_status st = fs_read1(self, path, &doc, e);
  if (st == FIN_OK && fs_idem_from(doc, out) != 0) {
    fin_idem_clear(out);
    st = fin_err_set(e, FIN_INTERNAL, "firestore document %s is malformed", path);
  }
  if (st == FIN_OK && out->expires_at <= now) {
    fin_idem_clear(out);
    st = FIN_NOT_FOUND;
    json_t *w = fs_w_delete(self, path);
    const char *ut = json_string_value(json_object_get(doc, "updateTime"));
    if (w != NULL && ut != NULL)
      json_object_set_new(w, "currentDocument", json_pack("{s:s}", "updateTime", ut));
    if (w != NULL) fs_commit(self, json_pack("[o]", w), NULL, NULL, NULL);
  }
  json_decref(doc);
  free(path);
  return st;
}

static enum fin_status idem_delete_expired(void *self, fin_ms now, long *deleted,
                                           struct fin_err *e) {
  json_t *q = fs_q_new(FS_C_IDEM, true);
  fs_q_where(q, "expiresAt", "LESS_THAN_OR_EQUAL", fs_time(now));
  return fs_delete_where(self, NULL, q, deleted, e);
}

static enum fin_status idem_delete_all(void *self, long *deleted, struct fin_err *e) {
  return fs_delete_group(self, FS_C_IDEM, deleted, e);
}

static const struct fin_idempotency_ops idem_ops = {
    .get = idem_get,
    .delete_expired = idem_delete_expired,
    .delete_all = idem_delete_all,
    .destroy = fs_port_release,
};

struct fin_idempotency fs_idem_port(struct fs *f) {
  return (struct fin_idempotency){&idem_ops, fs_ref(f)};
}
