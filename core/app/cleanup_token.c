/* cleanup_token.c - cleanup confirmation tokens in the store (see
 * cleanup_token.h). */
#include "cleanup_token.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/codec.h"
#include "../util/ids.h"

#define NAMESPACE "#cleanup"            /* the records' ecosystem id */
#define KEEP_MS (24LL * 60 * 60 * 1000) /* how long records outlive the token */
#define MAX_TOKEN 64                    /* longer texts are no token of ours */

/* SHA-256 hex of "<what>\0<id>": a header value never holds NUL, so no
 * Idempotency-Key hashes to it. */
static void key_of(const char *what, const char *id, char out[65]) {
  char buf[16 + MAX_TOKEN + 1];
  size_t wl = strlen(what), il = strlen(id);
  memcpy(buf, what, wl + 1); /* with its NUL */
  memcpy(buf + wl + 1, id, il);
  fin_sha256_hex(buf, wl + 1 + il, out);
}

static enum fin_status put(struct fin_container *c, const char *what, const char *id,
                           const char *response, fin_ms now, fin_ms until, struct fin_err *e) {
  struct fin_idem rec = {.ecosystem_id = (char *)NAMESPACE,
                         .response = (char *)response,
                         .status_code = 200,
                         .created_at = now,
                         .expires_at = until};
  snprintf(rec.operation, sizeof rec.operation, "cleanup-token");
  key_of(what, id, rec.key_hash);
  struct fin_write w = {.kind = FIN_W_IDEM_PUT, .u.idem = {&rec, now}};
  return c->store.ops->commit(c->store.self, &w, 1, e);
}

enum fin_status cleanup_token_mint(struct fin_container *c, const char *admin, fin_ms now,
                                   fin_ms ttl, char id[37], fin_ms *expires, struct fin_err *e) {
  if (fin_uuid_v4(id) != 0) return fin_err_set(e, FIN_UNAVAILABLE, "no random source");
  *expires = now + ttl;
  json_t *doc = json_pack("{s:s, s:I}", "admin", admin, "expiresAt", (json_int_t)*expires);
  char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
  json_decref(doc);
  if (text == NULL) return fin_err_set(e, FIN_NOMEM, "out of memory");
  enum fin_status st = put(c, "issued", id, text, now, *expires + KEEP_MS, e);
  free(text);
  return st;
}

/* The admin and expiry of an issued token; false when the record is not ours. */
static bool read_issued(const struct fin_idem *rec, char **admin, fin_ms *expires) {
  json_t *doc = rec->response != NULL ? json_loads(rec->response, 0, NULL) : NULL;
  const char *a = json_string_value(json_object_get(doc, "admin"));
  json_t *x = json_object_get(doc, "expiresAt");
  bool ok = a != NULL && json_is_integer(x) && strcmp(rec->operation, "cleanup-token") == 0;
  if (ok) {
    *admin = strdup(a);
    *expires = (fin_ms)json_integer_value(x);
    ok = *admin != NULL;
  }
  json_decref(doc);
  return ok;
}

enum fin_status cleanup_token_take(struct fin_container *c, const char *id, const char *admin,
                                   fin_ms now, enum cleanup_token_check *out, struct fin_err *e) {
  *out = CLEANUP_TOKEN_UNKNOWN;
  if (strlen(id) > MAX_TOKEN || c->idem.ops == NULL) return FIN_OK;
  char key[65];
  key_of("issued", id, key);
  struct fin_idem rec = {0};
  enum fin_status st = c->idem.ops->get(c->idem.self, NAMESPACE, key, now, &rec, e);
  if (st == FIN_NOT_FOUND) return FIN_OK;
  if (st != FIN_OK) return st;
  char *owner = NULL;
  fin_ms expires = 0;
  bool ours = read_issued(&rec, &owner, &expires);
  fin_idem_clear(&rec);
  if (!ours) return FIN_OK;
  if (now > expires)
    *out = CLEANUP_TOKEN_EXPIRED;
  else if (strcmp(owner, admin) != 0)
    *out = CLEANUP_TOKEN_OTHER_ADMIN;
  else {
    st = put(c, "used", id, "{}", now, expires + KEEP_MS, e);
    if (st == FIN_EXISTS)
      st = FIN_OK; /* taken already, here or elsewhere */
    else if (st == FIN_OK)
      *out = CLEANUP_TOKEN_OK;
  }
  free(owner);
  return st;
}
