/* ddb_outbox.c - the transactional outbox on DynamoDB (acme-outbox with
 * indexes PendingEvents = status/createdAt and RetryEvents = status/
 * updatedAt; counters in acme-outbox-sequences). Events are appended by the
 * store (ddb_store.c); this file reads them and moves them through their
 * statuses. Status changes only touch existing events. */
#include <stdlib.h>
#include <string.h>

#include "../../core/util/timefmt.h"
#include "../common/ent_order.h"
#include "ddb.h"
#include "ddb_av.h"
#include "ddb_items.h"
#include "ddb_seq.h"

ENT_VEC_FNS(event, ddb_event_from, fin_event_clear)

static json_t *status_query(struct ddb *d, const char *index, const char *status) {
  return json_pack("{s:s, s:s, s:s, s:{s:s}, s:{s:{s:s}}}", "TableName", ddb_table(d, DDB_T_OUTBOX),
                   "IndexName", index, "KeyConditionExpression", "#s = :s",
                   "ExpressionAttributeNames", "#s", "status", "ExpressionAttributeValues", ":s",
                   "S", status);
}

static enum fin_status ob_find_pending(void *self, int limit, struct fin_event **out, size_t *n,
                                       struct fin_err *e) {
  struct ent_vec v = {.size = sizeof(struct fin_event),
                      .from = event_from_v,
                      .clear = event_clear_v,
                      .max = limit > 0 ? (size_t)limit : 0};
  json_t *req = status_query(self, "PendingEvents", "pending");
  if (req != NULL && limit > 0) json_object_set_new(req, "Limit", json_integer(limit));
  enum fin_status st = ddb_collect(self, "Query", req, &v, out, n, e);
  /* the index orders by createdAt only; equal times go by sequence */
  if (st == FIN_OK && *n > 1) qsort(*out, *n, sizeof **out, ent_event_by_created);
  return st;
}

static enum fin_status ob_find_retry(void *self, fin_ms now, int limit, struct fin_event **out,
                                     size_t *n, struct fin_err *e) {
  char iso[32];
  json_t *req = status_query(self, "RetryEvents", "failed");
  if (req != NULL) {
    json_object_set_new(req, "FilterExpression", json_string("nextRetryAt <= :now"));
    json_object_set_new(json_object_get(req, "ExpressionAttributeValues"), ":now",
                        ddb_s(fin_iso(now, iso)));
  }
  /* every due event, then the earliest first: the index is ordered by
   * updatedAt, not by when the retry is due */
  struct ent_vec v = {
      .size = sizeof(struct fin_event), .from = event_from_v, .clear = event_clear_v};
  enum fin_status st = ddb_collect(self, "Query", req, &v, out, n, e);
  if (st != FIN_OK) return st;
  if (*n > 1) qsort(*out, *n, sizeof **out, ent_event_by_retry);
  while (limit > 0 && *n > (size_t)limit)
    fin_event_clear(&(*out)[--*n]);
  return FIN_OK;
}

static json_t *event_key(const char *id) {
  return json_pack("{s:{s:s}}", "eventId", "S", id);
}

static enum fin_status ob_get(void *self, const char *id, struct fin_event *out,
                              struct fin_err *e) {
  memset(out, 0, sizeof *out);
  json_t *item;
  enum fin_status st = ddb_get(self, ddb_table(self, DDB_T_OUTBOX), event_key(id), &item, e);
  if (st != FIN_OK) return st;
  int rc = ddb_event_from(item, out);
  json_decref(item);
  if (rc == 0) return FIN_OK;
  fin_event_clear(out);
  return fin_err_set(e, FIN_INTERNAL, "acme-outbox item %s is malformed", id);
}

static enum fin_status set_status(struct ddb *d, const char *id, const char *set, json_t *vals,
                                  struct fin_err *e) {
  char iso[32];
  if (vals != NULL) json_object_set_new(vals, ":now", ddb_s(fin_iso(fin_now_ms(), iso)));
  return ddb_update(d, ddb_table(d, DDB_T_OUTBOX), event_key(id), "eventId", set, NULL,
                    json_pack("{s:s}", "#s", "status"), vals, e);
}

/* The lease lives on the event (leaseOwner, leaseUntil as ISO text, which
 * orders as time does); the condition decides between instances. */
static enum fin_status ob_claim(void *self, const char *id, const char *owner, fin_ms now,
                                fin_ms until, struct fin_err *e) {
  char n[32], u[32];
  return ddb_update(self, ddb_table(self, DDB_T_OUTBOX), event_key(id), "eventId",
                    "SET leaseOwner = :o, leaseUntil = :u",
                    "(#s = :p OR #s = :f) AND (attribute_not_exists(leaseUntil) OR "
                    "leaseUntil <= :n OR leaseOwner = :o)",
                    json_pack("{s:s}", "#s", "status"),
                    ddb_vals(5, ":o", ddb_s(owner), ":u", ddb_s(fin_iso(until, u)), ":n",
                             ddb_s(fin_iso(now, n)), ":p", ddb_s("pending"), ":f", ddb_s("failed")),
                    e);
}

/* The claim's and the mark's update of one event, as a TransactWriteItems
 * action. */
static json_t *update_action(struct ddb *d, const char *id, const char *set, const char *cond,
                             json_t *vals) {
  return json_pack("{s:{s:s, s:o, s:s, s:s, s:{s:s}, s:o}}", "Update", "TableName",
                   ddb_table(d, DDB_T_OUTBOX), "Key", event_key(id), "UpdateExpression", set,
                   "ConditionExpression", cond, "ExpressionAttributeNames", "#s", "status",
                   "ExpressionAttributeValues", vals);
}

static enum fin_status ob_claim_many(void *self, const char *const *ids, size_t n,
                                     const char *owner, fin_ms now, fin_ms until,
                                     struct fin_err *e) {
  char nb[32], ub[32];
  fin_iso(now, nb);
  fin_iso(until, ub);
  json_t *actions = json_array();
  for (size_t i = 0; actions != NULL && i < n; i++) {
    json_t *a = update_action(
        self, ids[i], "SET leaseOwner = :o, leaseUntil = :u",
        "(#s = :p OR #s = :f) AND (attribute_not_exists(leaseUntil) OR leaseUntil <= :n OR "
        "leaseOwner = :o)",
        ddb_vals(5, ":o", ddb_s(owner), ":u", ddb_s(ub), ":n", ddb_s(nb), ":p", ddb_s("pending"),
                 ":f", ddb_s("failed")));
    if (a == NULL || json_array_append_new(actions, a) != 0) {
      json_decref(actions);
      actions = NULL;
    }
  }
  return ddb_transact(self, actions, "outbox: not every event could be taken", e);
}

static enum fin_status ob_mark_sent_many(void *self, const char *const *ids, size_t n, fin_ms now,
                                         struct fin_err *e) {
  char sent[32], at[32];
  fin_iso(now, sent);
  fin_iso(fin_now_ms(), at);
  json_t *actions = json_array();
  for (size_t i = 0; actions != NULL && i < n; i++) {
    json_t *a = update_action(
        self, ids[i],
        "SET #s = :st, sentAt = :sent, updatedAt = :now REMOVE leaseOwner, leaseUntil",
        "attribute_exists(eventId)",
        ddb_vals(3, ":st", ddb_s("sent"), ":sent", ddb_s(sent), ":now", ddb_s(at)));
    if (a == NULL || json_array_append_new(actions, a) != 0) {
      json_decref(actions);
      actions = NULL;
    }
  }
  return ddb_transact(self, actions, "outbox: not every event could be taken", e);
}

/* Every status change ends the lease. */
static enum fin_status ob_mark_sent(void *self, const char *id, fin_ms now, struct fin_err *e) {
  char iso[32];
  return set_status(self, id,
                    "SET #s = :st, sentAt = :sent, updatedAt = :now REMOVE leaseOwner, leaseUntil",
                    ddb_vals(2, ":st", ddb_s("sent"), ":sent", ddb_s(fin_iso(now, iso))), e);
}

static enum fin_status ob_mark_failed(void *self, const char *id, const char *error,
                                      fin_ms retry_at, struct fin_err *e) {
  char iso[32];
  return set_status(self, id,
                    "SET #s = :st, lastError = :err, nextRetryAt = :r, updatedAt = :now "
                    "ADD retryCount :one REMOVE leaseOwner, leaseUntil",
                    ddb_vals(4, ":st", ddb_s("failed"), ":err", ddb_s(error ? error : ""), ":r",
                             ddb_s(fin_iso(retry_at, iso)), ":one", ddb_int(1)),
                    e);
}

static enum fin_status ob_mark_dead(void *self, const char *id, const char *error,
                                    struct fin_err *e) {
  return set_status(
      self, id, "SET #s = :st, lastError = :err, updatedAt = :now REMOVE leaseOwner, leaseUntil",
      ddb_vals(2, ":st", ddb_s("dead_letter"), ":err", ddb_s(error ? error : "")), e);
}

static enum fin_status ob_clear(void *self, long *deleted, struct fin_err *e) {
  static const char *const ev_keys[] = {"eventId", NULL};
  static const char *const seq_keys[] = {"entityKey", NULL};
  long seqs;
  enum fin_status st = ddb_wipe(self, ddb_table(self, DDB_T_OUTBOX), ev_keys, deleted, e);
  if (st == FIN_OK) st = ddb_wipe(self, ddb_table(self, DDB_T_SEQ), seq_keys, &seqs, e);
  ddb_seq_clear(ddb_seq_of(self)); /* counters restart at 1 */
  return st;
}

/* For scripts and tests: a filtered Scan (no index has the entity key). */
static enum fin_status ob_list_by_entity(void *self, const char *eco, const char *type,
                                         const char *id, struct fin_event **out, size_t *n,
                                         struct fin_err *e) {
  json_t *req = json_pack("{s:s, s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}}, s:b}", "TableName",
                          ddb_table(self, DDB_T_OUTBOX), "FilterExpression",
                          "ecosystemId = :e AND entityType = :t AND entityId = :i",
                          "ExpressionAttributeValues", ":e", "S", eco, ":t", "S", type, ":i", "S",
                          id, "ConsistentRead", 1);
  struct ent_vec v = {
      .size = sizeof(struct fin_event), .from = event_from_v, .clear = event_clear_v};
  enum fin_status st = ddb_collect(self, "Scan", req, &v, out, n, e);
  if (st == FIN_OK && *n > 1) qsort(*out, *n, sizeof **out, ent_event_by_sequence);
  return st;
}

static const struct fin_outbox_ops outbox_ops = {
    .find_pending = ob_find_pending,
    .find_retry = ob_find_retry,
    .get = ob_get,
    .claim = ob_claim,
    .mark_sent = ob_mark_sent,
    .claim_many = ob_claim_many,
    .mark_sent_many = ob_mark_sent_many,
    .mark_failed = ob_mark_failed,
    .mark_dead = ob_mark_dead,
    .clear = ob_clear,
    .list_by_entity = ob_list_by_entity,
    .destroy = ddb_port_release,
};

struct fin_outbox ddb_outbox_port(struct ddb *d) {
  return (struct fin_outbox){&outbox_ops, ddb_ref(d)};
}
