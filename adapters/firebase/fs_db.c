/* fs_db.c - names, reads, queries, commits and chunked deletes on
 * Firestore (see fs_db.h). */
#include "fs_db.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/ent_sbuf.h"

#define FS_MAX_WRITES 500 /* per commit (the API's limit) */

/* Whether Firestore can hold `id` as a collection or document id: not
 * empty, no '/', not "." or "..", not reserved (`__.*__`: the service
 * answers 400 INVALID_ARGUMENT for a read as for a write), at most 1500
 * bytes (a longer one cannot be written). */
static bool id_ok(const char *id) {
  size_t n = id != NULL ? strlen(id) : 0;
  if (n == 0 || n > 1500 || strchr(id, '/') != NULL) return false;
  if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0) return false;
  return !(n >= 4 && strncmp(id, "__", 2) == 0 && strcmp(id + n - 2, "__") == 0);
}

char *fs_path(int nseg, ...) {
  va_list ap;
  va_start(ap, nseg);
  size_t len = 0;
  const char *seg[8];
  bool ok = nseg > 0 && nseg <= 8;
  for (int i = 0; ok && i < nseg; i++) {
    seg[i] = va_arg(ap, const char *);
    ok = id_ok(seg[i]);
    if (ok) len += strlen(seg[i]) + 1;
  }
  va_end(ap);
  char *p = ok ? malloc(len) : NULL;
  if (p == NULL) return NULL;
  char *w = p;
  for (int i = 0; i < nseg; i++) {
    size_t l = strlen(seg[i]);
    memcpy(w, seg[i], l);
    w += l;
    *w++ = i + 1 < nseg ? '/' : '\0';
  }
  return p;
}

char *fs_full(struct fs *f, const char *path) {
  char *s = NULL;
  return asprintf(&s, "%s/%s", fs_root_name(f), path) < 0 ? NULL : s;
}

/* "/seg/seg..." with each segment URL-escaped, for a parent in a URL;
 * malloc'd, NULL on OOM. An escape is at most 3 bytes per byte, and each
 * segment adds one '/': 3 * strlen + 2 always holds it (the bound is still
 * checked). */
static char *url_path(const char *path) {
  size_t cap = strlen(path) * 3 + 2;
  char *out = malloc(cap);
  char *copy = strdup(path);
  if (out == NULL || copy == NULL) {
    free(out), free(copy);
    return NULL;
  }
  struct ent_sbuf b;
  ent_sbuf_init(&b, out, cap, NULL);
  bool ok = true;
  char *save = NULL;
  for (char *s = strtok_r(copy, "/", &save); s != NULL && ok; s = strtok_r(NULL, "/", &save)) {
    char *esc = curl_easy_escape(NULL, s, 0);
    if (esc != NULL) ent_sbuf_addf(&b, "/%s", esc);
    ok = esc != NULL && ent_sbuf_ok(&b);
    curl_free(esc);
  }
  free(copy);
  if (ok) return out;
  free(out);
  return NULL;
}

static enum fin_status oom(struct fin_err *e) {
  return fin_err_set(e, FIN_NOMEM, "firestore: out of memory");
}

/* batchGet of paths; fields (NULL-terminated, or NULL for all) is the mask:
 * the answer carries those fields only, besides name and updateTime. */
static enum fin_status batch_get(struct fs *f, const char *const *paths, size_t n,
                                 const char *const *fields, json_t **docs, char **txn,
                                 struct fin_err *e) {
  json_t *names = json_array();
  for (size_t i = 0; i < n; i++) {
    docs[i] = NULL;
    char *full = fs_full(f, paths[i]);
    if (full == NULL || json_array_append_new(names, json_string(full)) != 0) names = NULL;
    free(full);
    if (names == NULL) break;
  }
  if (txn != NULL) *txn = NULL;
  json_t *body = names ? json_pack("{s:o}", "documents", names) : NULL;
  if (body == NULL) return oom(e);
  if (txn != NULL) json_object_set_new(body, "newTransaction", json_pack("{s:{}}", "readWrite"));
  if (fields != NULL) {
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && fields[i] != NULL; i++)
      json_array_append_new(list, json_string(fields[i]));
    if (list == NULL || json_object_set_new(body, "mask", json_pack("{s:o}", "fieldPaths", list))) {
      json_decref(body);
      return oom(e);
    }
  }
  json_t *resp;
  enum fin_status st = fs_call(f, "POST", ":batchGet", body, &resp, NULL, e);
  if (st != FIN_OK) return st;
  size_t i;
  json_t *r;
  json_array_foreach(resp, i, r) {
    const char *t = json_string_value(json_object_get(r, "transaction"));
    if (t != NULL && txn != NULL) *txn = strdup(t);
    json_t *doc = json_object_get(r, "found");
    const char *name = json_string_value(json_object_get(doc, "name"));
    for (size_t k = 0; name != NULL && k < n; k++) {
      size_t rl = strlen(fs_root_name(f));
      if (strncmp(name, fs_root_name(f), rl) == 0 && name[rl] == '/' &&
          strcmp(name + rl + 1, paths[k]) == 0 && docs[k] == NULL)
        docs[k] = json_incref(doc);
    }
  }
  json_decref(resp);
  if (txn != NULL && *txn == NULL) {
    for (size_t k = 0; k < n; k++)
      json_decref(docs[k]), docs[k] = NULL;
    return fin_err_set(e, FIN_INTERNAL, "firestore batchGet: no transaction in the answer");
  }
  return FIN_OK;
}

enum fin_status fs_read(struct fs *f, const char *const *paths, size_t n, json_t **docs, char **txn,
                        struct fin_err *e) {
  return batch_get(f, paths, n, NULL, docs, txn, e);
}

enum fin_status fs_read_fields(struct fs *f, const char *const *paths, size_t n,
                               const char *const *fields, json_t **docs, struct fin_err *e) {
  return batch_get(f, paths, n, fields, docs, NULL, e);
}

enum fin_status fs_read1(struct fs *f, const char *path, json_t **doc, struct fin_err *e) {
  if (path == NULL) {
    *doc = NULL;
    return FIN_NOT_FOUND; /* an id Firestore cannot hold names nothing */
  }
  enum fin_status st = fs_read(f, &path, 1, doc, NULL, e);
  if (st == FIN_OK && *doc == NULL) st = FIN_NOT_FOUND;
  return st;
}

enum fin_status fs_get_entity(struct fs *f, char *path, int (*from)(const json_t *, void *),
                              void (*clear)(void *), void *out, struct fin_err *e) {
  json_t *doc = NULL;
  enum fin_status st = fs_read1(f, path, &doc, e);
  if (st == FIN_OK && from(doc, out) != 0) {
    clear(out);
    st = fin_err_set(e, FIN_INTERNAL, "firestore document %s is malformed", path);
  }
  json_decref(doc);
  free(path);
  return st;
}

json_t *fs_q_new(const char *collection, bool all_descendants) {
  return json_pack("{s:[{s:s,s:b}]}", "from", "collectionId", collection, "allDescendants",
                   all_descendants);
}

void fs_q_where(json_t *q, const char *field, const char *op, json_t *value) {
  json_t *ff = json_pack("{s:{s:{s:s},s:s,s:o}}", "fieldFilter", "field", "fieldPath", field, "op",
                         op, "value", value);
  if (q == NULL || ff == NULL) return json_decref(ff);
  json_t *w = json_object_get(q, "where");
  if (w == NULL) {
    json_object_set_new(
        q, "where", json_pack("{s:{s:s,s:[o]}}", "compositeFilter", "op", "AND", "filters", ff));
    return;
  }
  json_array_append_new(json_object_get(json_object_get(w, "compositeFilter"), "filters"), ff);
}

void fs_q_order(json_t *q, const char *field, bool descending) {
  if (q == NULL) return;
  json_t *o = json_object_get(q, "orderBy");
  if (o == NULL) json_object_set_new(q, "orderBy", o = json_array());
  json_array_append_new(o, json_pack("{s:{s:s},s:s}", "field", "fieldPath", field, "direction",
                                     descending ? "DESCENDING" : "ASCENDING"));
}

void fs_q_limit(json_t *q, int limit) {
  if (q != NULL) json_object_set_new(q, "limit", json_integer(limit));
}

void fs_q_start_after(json_t *q, json_t *values) {
  if (q == NULL || values == NULL) return json_decref(values);
  json_object_set_new(q, "startAt", json_pack("{s:o,s:b}", "values", values, "before", 0));
}

json_t *fs_ref_value(struct fs *f, const char *path) {
  char *full = fs_full(f, path);
  json_t *v = full ? json_pack("{s:s}", "referenceValue", full) : NULL;
  free(full);
  return v;
}

enum fin_status fs_query(struct fs *f, const char *parent, json_t *q, fs_doc_fn fn, void *ctx,
                         struct fin_err *e) {
  char *up = parent ? url_path(parent) : strdup("");
  char *suffix = NULL;
  json_t *body = q ? json_pack("{s:o}", "structuredQuery", q) : NULL;
  if (up == NULL || body == NULL || asprintf(&suffix, "%s:runQuery", up) < 0) {
    free(up), json_decref(body);
    return oom(e);
  }
  free(up);
  json_t *resp;
  enum fin_status st = fs_call(f, "POST", suffix, body, &resp, NULL, e);
  free(suffix);
  if (st != FIN_OK) return st;
  size_t i;
  json_t *r;
  json_array_foreach(resp, i, r) {
    const json_t *doc = json_object_get(r, "document");
    if (doc == NULL) continue;
    int rc = fn(ctx, doc);
    if (rc < 0) st = oom(e);
    if (rc != 0) break;
  }
  json_decref(resp);
  return st;
}

enum fin_status fs_collect(struct fs *f, const char *parent, json_t *q, struct ent_vec *v,
                           void *out, size_t *n, struct fin_err *e) {
  *(void **)out = NULL;
  *n = 0;
  enum fin_status st = fs_query(f, parent, q, ent_vec_add, v, e);
  if (st != FIN_OK) {
    ent_vec_free(v);
    return st;
  }
  *(void **)out = v->items;
  *n = v->n;
  return FIN_OK;
}

json_t *fs_w_update(struct fs *f, const char *path, json_t *fields, const char *const *mask,
                    int exists) {
  char *full = path ? fs_full(f, path) : NULL;
  json_t *w =
      full && fields ? json_pack("{s:{s:s,s:O}}", "update", "name", full, "fields", fields) : NULL;
  free(full);
  json_decref(fields);
  if (w == NULL) return NULL;
  if (mask != NULL) {
    json_t *paths = json_array();
    for (size_t i = 0; mask[i] != NULL; i++)
      json_array_append_new(paths, json_string(mask[i]));
    json_object_set_new(w, "updateMask", json_pack("{s:o}", "fieldPaths", paths));
  }
  if (exists >= 0) json_object_set_new(w, "currentDocument", json_pack("{s:b}", "exists", exists));
  return w;
}

json_t *fs_w_delete(struct fs *f, const char *path) {
  char *full = fs_full(f, path);
  json_t *w = full ? json_pack("{s:s}", "delete", full) : NULL;
  free(full);
  return w;
}

enum fin_status fs_commit(struct fs *f, json_t *writes, const char *txn, struct fs_fail *fail,
                          struct fin_err *e) {
  json_t *body = writes ? json_pack("{s:o}", "writes", writes) : NULL;
  if (body == NULL) return oom(e);
  if (txn != NULL) json_object_set_new(body, "transaction", json_string(txn));
  json_t *resp;
  enum fin_status st = fs_call(f, "POST", ":commit", body, &resp, fail, e);
  json_decref(resp);
  return st;
}

void fs_rollback(struct fs *f, const char *txn) {
  json_t *body = json_pack("{s:s}", "transaction", txn), *resp = NULL;
  struct fin_err e = {0};
  if (body != NULL) fs_call(f, "POST", ":rollback", body, &resp, NULL, &e);
  json_decref(resp);
}

static int name_into(void *ctx, const json_t *doc) {
  json_t *writes = ctx;
  const char *name = json_string_value(json_object_get(doc, "name"));
  if (name == NULL) return 0;
  return json_array_append_new(writes, json_pack("{s:s}", "delete", name)) == 0 ? 0 : -1;
}

enum fin_status fs_delete_where(struct fs *f, const char *parent, json_t *q, long *deleted,
                                struct fin_err *e) {
  *deleted = 0;
  if (q == NULL) return oom(e);
  json_object_set_new(q, "select", json_pack("{s:[{s:s}]}", "fields", "fieldPath", "__name__"));
  fs_q_limit(q, FS_MAX_WRITES);
  enum fin_status st = FIN_OK;
  for (;;) {
    json_t *writes = json_array();
    json_t *copy = json_deep_copy(q);
    if (writes == NULL || copy == NULL) {
      json_decref(writes), json_decref(copy);
      st = oom(e);
      break;
    }
    st = fs_query(f, parent, copy, name_into, writes, e);
    size_t n = json_array_size(writes);
    if (st != FIN_OK || n == 0) {
      json_decref(writes);
      break;
    }
    st = fs_commit(f, writes, NULL, NULL, e);
    if (st != FIN_OK) break;
    *deleted += (long)n;
    if (n < FS_MAX_WRITES) break;
  }
  json_decref(q);
  return st;
}

enum fin_status fs_delete_group(struct fs *f, const char *collection, long *deleted,
                                struct fin_err *e) {
  return fs_delete_where(f, NULL, fs_q_new(collection, true), deleted, e);
}

void fs_port_release(void *self) {
  fs_unref(self);
}
