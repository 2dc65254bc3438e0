/* ddb_client.c - the shared DynamoDB handle, calls and single-item helpers
 * (see ddb.h). Paging and bulk deletes are in ddb_walk.c. */
#include "ddb.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/jsonout.h"
#include "ddb_items.h"
#include "ddb_seq.h"

static const char *const k_suffixes[] = {
    DDB_T_USERS,  DDB_T_SCORES, DDB_T_CARDS, DDB_T_REQUESTS, DDB_T_TXNS,       DDB_T_IDEM,
    DDB_T_OUTBOX, DDB_T_SEQ,    DDB_T_AUDIT, DDB_T_WA_NOTIF, DDB_T_WA_INBOUND, DDB_T_APPROVALS,
};
#define N_TABLES (sizeof k_suffixes / sizeof k_suffixes[0])

struct ddb {
  atomic_int refs;
  struct aws_client *aws;
  char *names[N_TABLES];
  struct ddb_seq seq;
};

struct ddb *ddb_new(const struct ddb_cfg *cfg, char *err, size_t err_size) {
  struct ddb *d = calloc(1, sizeof *d);
  if (d == NULL) {
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  atomic_init(&d->refs, 1);
  const char *prefix = cfg->table_prefix != NULL ? cfg->table_prefix : "acme-";
  for (size_t i = 0; i < N_TABLES; i++) {
    if (asprintf(&d->names[i], "%s%s", prefix, k_suffixes[i]) < 0) {
      d->names[i] = NULL;
      snprintf(err, err_size, "out of memory");
      ddb_unref(d);
      return NULL;
    }
  }
  ddb_seq_init(&d->seq);
  d->aws = aws_client_new(&cfg->aws, "dynamodb", err, err_size);
  if (d->aws == NULL) {
    ddb_unref(d);
    return NULL;
  }
  return d;
}

struct ddb *ddb_ref(struct ddb *d) {
  atomic_fetch_add(&d->refs, 1);
  return d;
}

void ddb_unref(struct ddb *d) {
  if (d == NULL || atomic_fetch_sub(&d->refs, 1) != 1) return;
  for (size_t i = 0; i < N_TABLES; i++)
    free(d->names[i]);
  ddb_seq_destroy(&d->seq);
  aws_client_free(d->aws);
  free(d);
}

const char *ddb_table(struct ddb *d, const char *suffix) {
  for (size_t i = 0; i < N_TABLES; i++)
    if (strcmp(k_suffixes[i], suffix) == 0) return d->names[i];
  return suffix; /* a programming error; the service will say the table is unknown */
}

unsigned long ddb_calls(struct ddb *d) {
  return aws_client_calls(d->aws);
}

struct ddb_seq *ddb_seq_of(struct ddb *d) {
  return &d->seq;
}

void ddb_fail_clear(struct ddb_fail *f) {
  if (f == NULL) return;
  json_decref(f->reasons);
  json_decref(f->old_item);
  memset(f, 0, sizeof *f);
}

enum fin_status ddb_call(struct ddb *d, const char *op, json_t *req, json_t **resp,
                         struct ddb_fail *f, struct fin_err *e) {
  *resp = NULL;
  if (req == NULL) {
    json_decref(req);
    return fin_err_set(e, FIN_NOMEM, "dynamodb %s: out of memory", op);
  }
  /* The tree goes before the wait, while it is still in the cache: freed
   * after the answer (other fibers ran meanwhile), a commit's tree cost
   * several times as much to free (docs/performance.md). */
  size_t len = 0;
  char *text = fin_json_dump_typed(req, &len);
  json_decref(req);
  if (text == NULL) return fin_err_set(e, FIN_NOMEM, "dynamodb %s: out of memory", op);
  struct aws_err ae;
  json_t *body = NULL;
  int rc = aws_call_text(d->aws, "DynamoDB_20120810", op, text, len, &body, &ae);
  free(text);
  if (rc == 0) {
    *resp = body;
    return FIN_OK;
  }
  if (f != NULL) {
    snprintf(f->type, sizeof f->type, "%s", ae.type);
    if (ae.body != NULL) {
      f->reasons = json_incref(json_object_get(ae.body, "CancellationReasons"));
      f->old_item = json_incref(json_object_get(ae.body, "Item"));
    }
  }
  enum fin_status st = aws_err_to_fin(&ae, e);
  aws_err_clear(&ae);
  return st;
}

enum fin_status ddb_transact(struct ddb *d, json_t *actions, const char *what, struct fin_err *e) {
  json_t *resp = NULL;
  struct ddb_fail f = {0};
  enum fin_status st =
      ddb_call(d, "TransactWriteItems",
               actions ? json_pack("{s:o}", "TransactItems", actions) : NULL, &resp, &f, e);
  if (st != FIN_OK && strcmp(f.type, "TransactionCanceledException") == 0)
    st = fin_err_set(e, FIN_PRECONDITION, "%s", what);
  ddb_fail_clear(&f);
  json_decref(resp);
  return st;
}

enum fin_status ddb_get(struct ddb *d, const char *table, json_t *key, json_t **item,
                        struct fin_err *e) {
  *item = NULL;
  json_t *req = json_pack("{s:s, s:o, s:b}", "TableName", table, "Key", key, "ConsistentRead", 1);
  json_t *resp;
  enum fin_status st = ddb_call(d, "GetItem", req, &resp, NULL, e);
  if (st != FIN_OK) return st;
  json_t *it = json_object_get(resp, "Item");
  if (it == NULL) {
    json_decref(resp);
    return FIN_NOT_FOUND;
  }
  *item = json_incref(it);
  json_decref(resp);
  return FIN_OK;
}

enum fin_status ddb_put(struct ddb *d, const char *table, json_t *item, struct fin_err *e) {
  if (item == NULL) return fin_err_set(e, FIN_NOMEM, "dynamodb PutItem: out of memory");
  json_t *req = json_pack("{s:s, s:o}", "TableName", table, "Item", item);
  json_t *resp;
  enum fin_status st = ddb_call(d, "PutItem", req, &resp, NULL, e);
  json_decref(resp);
  return st;
}

enum fin_status ddb_update(struct ddb *d, const char *table, json_t *key, const char *key_attr,
                           const char *set, const char *cond, json_t *names, json_t *vals,
                           struct fin_err *e) {
  char *condition = NULL;
  if (asprintf(&condition, "attribute_exists(%s)%s%s%s", key_attr, cond ? " AND (" : "",
               cond ? cond : "", cond ? ")" : "") < 0)
    condition = NULL;
  json_t *req =
      json_pack("{s:s, s:O, s:s, s:s, s:s}", "TableName", table, "Key", key, "UpdateExpression",
                set, "ConditionExpression", condition ? condition : "",
                "ReturnValuesOnConditionCheckFailure", "ALL_OLD");
  free(condition);
  if (req != NULL && names != NULL) json_object_set(req, "ExpressionAttributeNames", names);
  if (req != NULL && vals != NULL) json_object_set(req, "ExpressionAttributeValues", vals);
  json_decref(names);
  json_decref(vals);
  struct ddb_fail f = {0};
  json_t *resp;
  enum fin_status st = ddb_call(d, "UpdateItem", req, &resp, &f, e);
  json_decref(resp);
  if (st != FIN_OK && strcmp(f.type, "ConditionalCheckFailedException") == 0) {
    bool exists = f.old_item != NULL;
    if (!exists && cond != NULL) { /* emulators that do not return ALL_OLD */
      json_t *it;
      exists = ddb_get(d, table, json_incref(key), &it, NULL) == FIN_OK;
      json_decref(it);
    }
    st = fin_err_set(e, exists ? FIN_PRECONDITION : FIN_NOT_FOUND, "%s: %s", table,
                     exists ? "condition failed" : "no such item");
  }
  ddb_fail_clear(&f);
  json_decref(key);
  return st;
}

json_t *ddb_key_of(const json_t *item, const char *const *keys) {
  json_t *k = json_object();
  for (size_t i = 0; k != NULL && keys[i] != NULL; i++) {
    json_t *v = json_object_get(item, keys[i]);
    if (v != NULL && json_object_set(k, keys[i], v) != 0) {
      json_decref(k);
      return NULL;
    }
  }
  return k;
}
