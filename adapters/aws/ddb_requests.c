/* ddb_requests.c - card requests on DynamoDB (acme-card-requests, index
 * PendingRequests = status / createdAt). Unlike the original, a user's
 * pending request is found whatever older requests exist (the filter runs on
 * every page, not on the first item), and the pending list pages without
 * skipping items and reports the real total (infrastructure.md §11). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/timefmt.h"
#include "ddb.h"
#include "ddb_av.h"
#include "ddb_items.h"

DDB_VEC_FNS(req, ddb_request_from, fin_card_request_clear)

static enum fin_status decode_one(json_t *item, struct fin_card_request *out, const char *id,
                                  struct fin_err *e) {
  int rc = ddb_request_from(item, out);
  json_decref(item);
  if (rc == 0) return FIN_OK;
  fin_card_request_clear(out);
  return fin_err_set(e, FIN_INTERNAL, "acme-card-requests item %s is malformed", id);
}

static enum fin_status req_get(void *self, const char *eco, const char *id,
                               struct fin_card_request *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  json_t *item;
  enum fin_status st = ddb_get(
      self, ddb_table(self, DDB_T_REQUESTS),
      json_pack("{s:{s:s}, s:{s:s}}", "ecosystemId", "S", eco, "requestId", "S", id), &item, e);
  return st == FIN_OK ? decode_one(item, out, id, e) : st;
}

static int first_item(void *ctx, const json_t *item) {
  *(json_t **)ctx = json_incref((json_t *)item);
  return 1;
}

/* Admin routes know only the id; the table is keyed by owner, so this is a
 * filtered Scan that stops at the first match (admin decisions are rare). */
static enum fin_status req_get_any(void *self, const char *id, struct fin_card_request *out,
                                   struct fin_err *e) {
  memset(out, 0, sizeof *out);
  json_t *req = json_pack("{s:s, s:s, s:{s:{s:s}}, s:b}", "TableName",
                          ddb_table(self, DDB_T_REQUESTS), "FilterExpression", "requestId = :r",
                          "ExpressionAttributeValues", ":r", "S", id, "ConsistentRead", 1);
  if (req == NULL) return fin_err_set(e, FIN_NOMEM, "out of memory");
  json_t *item = NULL;
  struct ddb_walk w = {.op = "Scan", .req = req};
  enum fin_status st = ddb_walk(self, &w, first_item, &item, e);
  json_decref(req);
  if (st != FIN_OK) return st;
  if (item == NULL) return FIN_NOT_FOUND;
  return decode_one(item, out, id, e);
}

/* The user's requests with one status (a filter over every page). */
static json_t *by_user_status(struct ddb *d, const char *eco, const char *status) {
  return json_pack("{s:s, s:s, s:s, s:{s:s}, s:{s:{s:s}, s:{s:s}}, s:b}", "TableName",
                   ddb_table(d, DDB_T_REQUESTS), "KeyConditionExpression", "ecosystemId = :e",
                   "FilterExpression", "#s = :s", "ExpressionAttributeNames", "#s", "status",
                   "ExpressionAttributeValues", ":e", "S", eco, ":s", "S", status, "ConsistentRead",
                   1);
}

static enum fin_status req_find_pending_by_user(void *self, const char *eco,
                                                struct fin_card_request *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  struct ddb_vec v = {
      .size = sizeof(struct fin_card_request), .from = req_from_v, .clear = req_clear_v};
  struct fin_card_request *all;
  size_t n;
  enum fin_status st =
      ddb_collect(self, "Query", by_user_status(self, eco, "pending"), &v, &all, &n, e);
  if (st != FIN_OK) return st;
  size_t best = 0;
  for (size_t i = 1; i < n; i++)
    if (all[i].created_at < all[best].created_at) best = i;
  if (n > 0) {
    *out = all[best]; /* moved out; the others are released */
    memset(&all[best], 0, sizeof all[best]);
  }
  v.items = all;
  v.n = n;
  ddb_vec_free(&v);
  return n > 0 ? FIN_OK : FIN_NOT_FOUND;
}

static bool updated_since(void *ctx, const void *elem) {
  return ((const struct fin_card_request *)elem)->updated_at >= *(const fin_ms *)ctx;
}

static enum fin_status req_list_rejected_by_user(void *self, const char *eco, fin_ms since,
                                                 struct fin_card_request **out, size_t *n,
                                                 struct fin_err *e) {
  struct ddb_vec v = {.size = sizeof(struct fin_card_request),
                      .from = req_from_v,
                      .clear = req_clear_v,
                      .keep = updated_since,
                      .keep_ctx = &since};
  return ddb_collect(self, "Query", by_user_status(self, eco, "rejected"), &v, out, n, e);
}

static json_t *pending_query(struct ddb *d) {
  return json_pack("{s:s, s:s, s:s, s:{s:s}, s:{s:{s:s}}}", "TableName",
                   ddb_table(d, DDB_T_REQUESTS), "IndexName", "PendingRequests",
                   "KeyConditionExpression", "#s = :p", "ExpressionAttributeNames", "#s", "status",
                   "ExpressionAttributeValues", ":p", "S", "pending");
}

/* (created_at, request_id): the order of the pending list. */
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

/* The pending queue is read whole (all index pages) and ordered here: the
 * index orders by createdAt only, and requests created in one millisecond
 * need the request id as tie-break for a stable walk. The admin queue is
 * small; the original's Firestore backend read every match as well. */
static enum fin_status req_list_pending(void *self, enum fin_sort sort, const char *cursor,
                                        int limit, struct fin_card_request **out, size_t *n,
                                        struct fin_page *page, struct fin_err *e) {
  struct ddb_vec v = {
      .size = sizeof(struct fin_card_request), .from = req_from_v, .clear = req_clear_v};
  struct fin_card_request *all;
  size_t total;
  enum fin_status st = ddb_collect(self, "Query", pending_query(self), &v, &all, &total, e);
  if (st != FIN_OK) return st;
  if (total > 1) qsort(all, total, sizeof *all, sort == FIN_SORT_NEWEST ? cmp_newest : cmp_oldest);
  /* the cursor is the id of the last request returned, as in memory mode;
   * one decided meanwhile is placed by its (createdAt, id) */
  size_t from = 0;
  if (cursor != NULL && cursor[0] != '\0' && strlen(cursor) < 64) {
    struct fin_card_request at = {0};
    size_t i = 0;
    while (i < total && strcmp(all[i].request_id, cursor) != 0)
      i++;
    if (i < total) {
      from = i + 1;
    } else if (req_get_any(self, cursor, &at, NULL) == FIN_OK) {
      while (from < total) {
        int c = by_created(&all[from], at.created_at, at.request_id);
        if (sort == FIN_SORT_NEWEST ? c < 0 : c > 0) break;
        from++;
      }
    }
    fin_card_request_clear(&at);
  }
  size_t take = total - from < (size_t)limit ? total - from : (size_t)limit;
  page->total_count = (long)total;
  page->has_more = from + take < total;
  page->next_cursor = NULL;
  if (page->has_more) page->next_cursor = strdup(all[from + take - 1].request_id);
  /* keep [from, from + take) at the front; release the rest */
  for (size_t i = 0; i < total; i++)
    if (i < from || i >= from + take) fin_card_request_clear(&all[i]);
  if (take > 0 && from > 0) memmove(all, all + from, take * sizeof *all);
  *out = all;
  *n = take;
  if (page->has_more && page->next_cursor == NULL) {
    fin_card_request_list_free(all, take);
    *out = NULL, *n = 0;
    page->has_more = false;
    return fin_err_set(e, FIN_NOMEM, "out of memory");
  }
  return FIN_OK;
}

static enum fin_status req_delete_all(void *self, long *deleted, struct fin_err *e) {
  static const char *const keys[] = {"ecosystemId", "requestId", NULL};
  return ddb_wipe(self, ddb_table(self, DDB_T_REQUESTS), keys, deleted, e);
}

static const struct fin_card_requests_ops requests_ops = {
    .get = req_get,
    .get_any = req_get_any,
    .find_pending_by_user = req_find_pending_by_user,
    .list_rejected_by_user = req_list_rejected_by_user,
    .list_pending = req_list_pending,
    .delete_all = req_delete_all,
    .destroy = ddb_port_release,
};

struct fin_card_requests ddb_requests_port(struct ddb *d) {
  return (struct fin_card_requests){&requests_ops, ddb_ref(d)};
}
