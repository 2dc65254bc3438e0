/* ddb_walk.c - paging through Query/Scan results, bulk deletes and cursors
 * (see ddb.h). Pages are followed with LastEvaluatedKey until the caller has
 * what it needs, so filters never shorten a page or hide items (the
 * original's gaps: docs/deviations.md, "AWS mode"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/util/codec.h"
#include "../../core/util/io.h"
#include "../common/ent_sbuf.h"
#include "ddb.h"

enum fin_status ddb_walk(struct ddb *d, struct ddb_walk *w, ddb_item_fn fn, void *ctx,
                         struct fin_err *e) {
  json_t *start = w->start != NULL ? json_incref(w->start) : NULL;
  w->last = NULL;
  for (;;) {
    json_t *req = json_copy(w->req);
    if (req != NULL && start != NULL) json_object_set(req, "ExclusiveStartKey", start);
    json_decref(start);
    start = NULL;
    json_t *resp;
    enum fin_status st = ddb_call(d, w->op, req, &resp, NULL, e);
    if (st != FIN_OK) return st;
    json_t *items = json_object_get(resp, "Items");
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
      int rc = fn(ctx, it);
      if (rc < 0) {
        json_decref(resp);
        return fin_err_set(e, FIN_NOMEM, "dynamodb %s: out of memory", w->op);
      }
      if (rc > 0) {
        w->last = w->keys != NULL ? ddb_key_of(it, w->keys) : NULL;
        json_decref(resp);
        return FIN_OK;
      }
    }
    json_t *lek = json_object_get(resp, "LastEvaluatedKey");
    if (lek == NULL || json_object_size(lek) == 0) {
      json_decref(resp);
      return FIN_OK;
    }
    start = json_incref(lek);
    json_decref(resp);
  }
}

/* ---- bulk delete ---- */
struct keys_acc {
  json_t *keys; /* array of key objects */
  const char *const *names;
};

static int collect_key(void *ctx, const json_t *item) {
  struct keys_acc *a = ctx;
  json_t *k = ddb_key_of(item, a->names);
  return k != NULL && json_array_append_new(a->keys, k) == 0 ? 0 : -1;
}

static void pause_ms(long ms) {
  fin_io_sleep_us(ms * 1000);
}

/* One BatchWriteItem of up to 25 deletes, retrying UnprocessedItems. */
static enum fin_status delete_batch(struct ddb *d, const char *table, json_t *reqs,
                                    struct fin_err *e) {
  json_t *pending = json_incref(reqs);
  for (int attempt = 0; json_array_size(pending) > 0; attempt++) {
    if (attempt == 8) {
      json_decref(pending);
      return fin_err_set(e, FIN_UNAVAILABLE,
                         "dynamodb BatchWriteItem on %s: items left unprocessed", table);
    }
    if (attempt > 0) pause_ms(25L << attempt);
    json_t *req = json_pack("{s:{s:O}}", "RequestItems", table, pending);
    json_decref(pending);
    pending = NULL;
    json_t *resp;
    enum fin_status st = ddb_call(d, "BatchWriteItem", req, &resp, NULL, e);
    if (st != FIN_OK) return st;
    pending = json_incref(json_object_get(json_object_get(resp, "UnprocessedItems"), table));
    json_decref(resp);
    if (pending == NULL) return FIN_OK;
  }
  json_decref(pending);
  return FIN_OK;
}

enum fin_status ddb_wipe(struct ddb *d, const char *table, const char *const *keys, long *deleted,
                         struct fin_err *e) {
  return ddb_wipe_where(d, table, keys, NULL, NULL, deleted, e);
}

enum fin_status ddb_wipe_where(struct ddb *d, const char *table, const char *const *keys,
                               const char *filter, json_t *vals, long *deleted, struct fin_err *e) {
  *deleted = 0;
  /* project only the key attributes (aliased: some are reserved words) */
  json_t *names = json_object();
  char proj_a[256];
  struct ent_sbuf proj;
  ent_sbuf_init(&proj, proj_a, sizeof proj_a, NULL);
  for (size_t i = 0; keys[i] != NULL; i++) {
    char alias[24];
    snprintf(alias, sizeof alias, "#k%zu", i);
    json_object_set_new(names, alias, json_string(keys[i]));
    ent_sbuf_addf(&proj, "%s%s", i ? ", " : "", alias);
  }
  if (!ent_sbuf_ok(&proj)) {
    json_decref(names), json_decref(vals);
    return fin_err_set(e, FIN_INTERNAL, "dynamodb wipe: too many key attributes");
  }
  /* pages of 500 keys, as Firestore's deletes: small responses */
  json_t *tmpl =
      json_pack("{s:s, s:s, s:o, s:b, s:i}", "TableName", table, "ProjectionExpression", proj.p,
                "ExpressionAttributeNames", names, "ConsistentRead", 1, "Limit", 500);
  if (tmpl != NULL && filter != NULL) {
    json_object_set_new(tmpl, "FilterExpression", json_string(filter));
    json_object_set(tmpl, "ExpressionAttributeValues", vals);
  }
  json_decref(vals);
  struct keys_acc acc = {json_array(), keys};
  struct ddb_walk w = {.op = "Scan", .req = tmpl, .keys = keys};
  enum fin_status st = tmpl != NULL && acc.keys != NULL
                           ? ddb_walk(d, &w, collect_key, &acc, e)
                           : fin_err_set(e, FIN_NOMEM, "dynamodb wipe: out of memory");
  json_decref(tmpl);
  json_decref(w.last);
  size_t n = json_array_size(acc.keys);
  for (size_t i = 0; st == FIN_OK && i < n; i += 25) {
    json_t *reqs = json_array();
    for (size_t j = i; j < i + 25 && j < n; j++)
      json_array_append_new(
          reqs, json_pack("{s:{s:O}}", "DeleteRequest", "Key", json_array_get(acc.keys, j)));
    st = delete_batch(d, table, reqs, e);
    json_decref(reqs);
    if (st == FIN_OK) *deleted += (long)((n - i) < 25 ? (n - i) : 25);
  }
  json_decref(acc.keys);
  return st;
}

/* ---- cursors ---- */
char *ddb_cursor_encode(const json_t *key) {
  char *text = json_dumps(key, JSON_COMPACT | JSON_SORT_KEYS);
  if (text == NULL) return NULL;
  char *c = fin_b64url_encode((const unsigned char *)text, strlen(text));
  free(text);
  return c;
}

json_t *ddb_cursor_decode(const char *cursor) {
  if (cursor == NULL || cursor[0] == '\0' || strlen(cursor) > 4096) return NULL;
  size_t n;
  unsigned char *raw = fin_b64_decode_lenient(cursor, strlen(cursor), &n);
  if (raw == NULL) return NULL;
  json_t *k = json_loadb((const char *)raw, n, 0, NULL);
  free(raw);
  /* only a flat map of string attributes is a key we could have made */
  const char *name;
  json_t *v;
  bool ok = json_is_object(k) && json_object_size(k) > 0;
  json_object_foreach(k, name, v) {
    if (!json_is_object(v) || json_object_size(v) != 1 || !json_is_string(json_object_get(v, "S")))
      ok = false;
  }
  if (!ok) {
    json_decref(k);
    return NULL;
  }
  return k;
}

/* ---- decoded results ---- */
enum fin_status ddb_collect(struct ddb *d, const char *op, json_t *req, struct ent_vec *v,
                            void *out, size_t *n, struct fin_err *e) {
  *(void **)out = NULL;
  *n = 0;
  if (req == NULL) return fin_err_set(e, FIN_NOMEM, "dynamodb %s: out of memory", op);
  struct ddb_walk w = {.op = op, .req = req};
  enum fin_status st = ddb_walk(d, &w, ent_vec_add, v, e);
  json_decref(req);
  json_decref(w.last);
  if (st != FIN_OK) {
    ent_vec_free(v);
    return st;
  }
  *(void **)out = v->items;
  *n = v->n;
  return FIN_OK;
}

enum fin_status ddb_count(struct ddb *d, const char *op, const json_t *req, long *count,
                          struct fin_err *e) {
  *count = 0;
  json_t *start = NULL;
  for (;;) {
    json_t *r = json_copy((json_t *)req);
    if (r != NULL) json_object_set_new(r, "Select", json_string("COUNT"));
    if (r != NULL && start != NULL) json_object_set(r, "ExclusiveStartKey", start);
    json_decref(start);
    json_t *resp;
    enum fin_status st = ddb_call(d, op, r, &resp, NULL, e);
    if (st != FIN_OK) return st;
    *count += (long)json_integer_value(json_object_get(resp, "Count"));
    json_t *lek = json_object_get(resp, "LastEvaluatedKey");
    start = lek != NULL && json_object_size(lek) > 0 ? json_incref(lek) : NULL;
    json_decref(resp);
    if (start == NULL) return FIN_OK;
  }
}

enum fin_status ddb_page(struct ddb *d, json_t *req, json_t *start, int limit, struct ent_vec *v,
                         char *(*cursor_fn)(const void *elem), void *out, size_t *n,
                         struct fin_page *page, struct fin_err *e) {
  *(void **)out = NULL;
  *n = 0;
  page->next_cursor = NULL;
  page->has_more = false;
  if (req == NULL) {
    json_decref(start);
    return fin_err_set(e, FIN_NOMEM, "dynamodb Query: out of memory");
  }
  v->max = (size_t)limit + 1;
  json_object_set_new(req, "Limit", json_integer(limit + 1));
  struct ddb_walk w = {.op = "Query", .req = req, .start = start};
  enum fin_status st = ddb_walk(d, &w, ent_vec_add, v, e);
  json_decref(req);
  json_decref(start);
  json_decref(w.last);
  if (st == FIN_OK && v->n > (size_t)limit) {
    v->n--;
    v->clear((char *)v->items + v->n * v->size);
    page->next_cursor = cursor_fn((char *)v->items + (v->n - 1) * v->size);
    page->has_more = true;
    if (page->next_cursor == NULL) st = fin_err_set(e, FIN_NOMEM, "dynamodb Query: out of memory");
  }
  if (st != FIN_OK) {
    ent_vec_free(v);
    free(page->next_cursor);
    page->next_cursor = NULL;
    page->has_more = false;
    return st;
  }
  *(void **)out = v->items;
  *n = v->n;
  return FIN_OK;
}
