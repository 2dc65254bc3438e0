/* ddb_users.c - users, score history and cards on DynamoDB (tables
 * acme-users, acme-scores, acme-cards; docs/aws.md, "Tables and items"). Writes
 * that belong to a business operation go through the store (ddb_store.c). */
#include <stdlib.h>
#include <string.h>

#include "ddb.h"
#include "ddb_av.h"
#include "ddb_items.h"

ENT_VEC_FNS(user, ddb_user_from, fin_user_clear)
ENT_VEC_FNS(score, ddb_score_from, fin_score_clear)
ENT_VEC_FNS(card, ddb_card_from, fin_card_clear)

void ddb_port_release(void *self) {
  ddb_unref(self);
}

/* ---- users ---- */
static enum fin_status users_get(void *self, const char *eco, struct fin_user *out,
                                 struct fin_err *e) {
  memset(out, 0, sizeof *out);
  json_t *item;
  enum fin_status st = ddb_get(self, ddb_table(self, DDB_T_USERS),
                               json_pack("{s:{s:s}}", "ecosystemId", "S", eco), &item, e);
  if (st != FIN_OK) return st;
  int rc = ddb_user_from(item, out);
  json_decref(item);
  if (rc != 0) {
    fin_user_clear(out);
    return fin_err_set(e, FIN_INTERNAL, "acme-users item %s is malformed", eco);
  }
  return FIN_OK;
}

static enum fin_status users_list_all(void *self, struct fin_user **out, size_t *n,
                                      struct fin_err *e) {
  struct ent_vec v = {.size = sizeof(struct fin_user), .from = user_from_v, .clear = user_clear_v};
  json_t *req =
      json_pack("{s:s, s:b}", "TableName", ddb_table(self, DDB_T_USERS), "ConsistentRead", 1);
  return ddb_collect(self, "Scan", req, &v, out, n, e);
}

static enum fin_status users_delete_all(void *self, long *deleted, struct fin_err *e) {
  static const char *const keys[] = {"ecosystemId", NULL};
  return ddb_wipe(self, ddb_table(self, DDB_T_USERS), keys, deleted, e);
}

static const struct fin_users_ops users_ops = {
    .get = users_get,
    .list_all = users_list_all,
    .delete_all = users_delete_all,
    .destroy = ddb_port_release,
};

struct fin_users ddb_users_port(struct ddb *d) {
  return (struct fin_users){&users_ops, ddb_ref(d)};
}

/* ---- score history ---- */
static enum fin_status scores_list(void *self, const char *eco, int limit, struct fin_score **out,
                                   size_t *n, struct fin_err *e) {
  struct ent_vec v = {.size = sizeof(struct fin_score),
                      .from = score_from_v,
                      .clear = score_clear_v,
                      .max = limit > 0 ? (size_t)limit : 0};
  json_t *req =
      json_pack("{s:s, s:s, s:{s:{s:s}}, s:b, s:b}", "TableName", ddb_table(self, DDB_T_SCORES),
                "KeyConditionExpression", "ecosystemId = :e", "ExpressionAttributeValues", ":e",
                "S", eco, "ScanIndexForward", 0, "ConsistentRead", 1);
  if (req != NULL && limit > 0) json_object_set_new(req, "Limit", json_integer(limit));
  return ddb_collect(self, "Query", req, &v, out, n, e);
}

static enum fin_status scores_delete_all(void *self, long *deleted, struct fin_err *e) {
  static const char *const keys[] = {"ecosystemId", "timestampScoreId", NULL};
  return ddb_wipe(self, ddb_table(self, DDB_T_SCORES), keys, deleted, e);
}

static const struct fin_scores_ops scores_ops = {
    .list = scores_list,
    .delete_all = scores_delete_all,
    .destroy = ddb_port_release,
};

struct fin_scores ddb_scores_port(struct ddb *d) {
  return (struct fin_scores){&scores_ops, ddb_ref(d)};
}

/* ---- cards ---- */
static enum fin_status cards_get(void *self, const char *eco, const char *card_id,
                                 struct fin_card *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  json_t *item;
  enum fin_status st = ddb_get(
      self, ddb_table(self, DDB_T_CARDS),
      json_pack("{s:{s:s}, s:{s:s}}", "ecosystemId", "S", eco, "cardId", "S", card_id), &item, e);
  if (st != FIN_OK) return st;
  int rc = ddb_card_from(item, out);
  json_decref(item);
  if (rc != 0) {
    fin_card_clear(out);
    return fin_err_set(e, FIN_INTERNAL, "acme-cards item %s is malformed", card_id);
  }
  return FIN_OK;
}

static bool status_is(void *ctx, const void *elem) {
  return ctx == NULL || strcmp(((const struct fin_card *)elem)->status, ctx) == 0;
}

static enum fin_status cards_list_by_user(void *self, const char *eco, const char *status,
                                          struct fin_card **out, size_t *n, struct fin_err *e) {
  /* the table query is consistent and in cardId (= creation) order; the
   * status filter is applied here rather than through the CardsByStatus
   * index, whose reads are only eventually consistent */
  struct ent_vec v = {.size = sizeof(struct fin_card),
                      .from = card_from_v,
                      .clear = card_clear_v,
                      .keep = status_is,
                      .keep_ctx = (void *)status};
  json_t *req = json_pack("{s:s, s:s, s:{s:{s:s}}, s:b}", "TableName", ddb_table(self, DDB_T_CARDS),
                          "KeyConditionExpression", "ecosystemId = :e", "ExpressionAttributeValues",
                          ":e", "S", eco, "ConsistentRead", 1);
  return ddb_collect(self, "Query", req, &v, out, n, e);
}

static enum fin_status cards_delete_all(void *self, long *deleted, struct fin_err *e) {
  static const char *const keys[] = {"ecosystemId", "cardId", NULL};
  return ddb_wipe(self, ddb_table(self, DDB_T_CARDS), keys, deleted, e);
}

static const struct fin_cards_ops cards_ops = {
    .get = cards_get,
    .list_by_user = cards_list_by_user,
    .delete_all = cards_delete_all,
    .destroy = ddb_port_release,
};

struct fin_cards ddb_cards_port(struct ddb *d) {
  return (struct fin_cards){&cards_ops, ddb_ref(d)};
}
