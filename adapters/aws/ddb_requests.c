/* ddb_requests.c - card requests on DynamoDB (acme-card-requests, index
 * PendingRequests = status / createdAt: despite the original's name it holds
 * every request, keyed by its status, so it serves the admin list of any
 * status). Unlike the original, a user's pending request is found whatever
 * older requests exist (the filter runs on every page, not on the first
 * item), and the admin lists page without skipping items and report the
 * real total (docs/deviations.md, "AWS mode"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/timefmt.h"
#include "../common/ent_requests.h"
#include "ddb.h"
#include "ddb_av.h"
#include "ddb_items.h"

ENT_VEC_FNS(req, ddb_request_from, fin_card_request_clear)

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
  struct ent_vec v = {
      .size = sizeof(struct fin_card_request), .from = req_from_v, .clear = req_clear_v};
  struct fin_card_request *all;
  size_t n;
  enum fin_status st =
      ddb_collect(self, "Query", by_user_status(self, eco, "pending"), &v, &all, &n, e);
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
  return ddb_collect(self, "Query", by_user_status(self, eco, "rejected"), &v, out, n, e);
}

static json_t *status_query(struct ddb *d, const char *status) {
  return json_pack("{s:s, s:s, s:s, s:{s:s}, s:{s:{s:s}}}", "TableName",
                   ddb_table(d, DDB_T_REQUESTS), "IndexName", "PendingRequests",
                   "KeyConditionExpression", "#s = :s", "ExpressionAttributeNames", "#s", "status",
                   "ExpressionAttributeValues", ":s", "S", status);
}

static enum fin_status lookup_any(void *self, const char *id, struct fin_card_request *out) {
  return req_get_any(self, id, out, NULL);
}

/* Every request of the status is read (all index pages) and ordered here:
 * the index orders by createdAt only, and requests created in one
 * millisecond need the request id as tie-break for a stable walk. The total
 * needs every match anyway (a COUNT query reads the whole partition too).
 * Each page costs reads in proportion to the requests of that status: small
 * for the pending queue, growing with history for approved and rejected
 * (docs/aws.md). */
static enum fin_status req_list_by_status(void *self, const char *status, enum fin_sort sort,
                                          const char *cursor, int limit,
                                          struct fin_card_request **out, size_t *n,
                                          struct fin_page *page, struct fin_err *e) {
  *out = NULL, *n = 0;
  memset(page, 0, sizeof *page);
  if (status == NULL) return fin_err_set(e, FIN_INVALID, "status is required");
  struct ent_vec v = {
      .size = sizeof(struct fin_card_request), .from = req_from_v, .clear = req_clear_v};
  struct fin_card_request *all;
  size_t total;
  enum fin_status st = ddb_collect(self, "Query", status_query(self, status), &v, &all, &total, e);
  if (st != FIN_OK) return st;
  return ent_requests_page(all, total, sort, cursor, limit, lookup_any, self, out, n, page, e);
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
    .list_by_status = req_list_by_status,
    .delete_all = req_delete_all,
    .destroy = ddb_port_release,
};

struct fin_card_requests ddb_requests_port(struct ddb *d) {
  return (struct fin_card_requests){&requests_ops, ddb_ref(d)};
}
