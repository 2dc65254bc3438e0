/* health.c - liveness, readiness (behaviour.md §1.1, §1.2, §10; deviation 21) and
 * the OpenAPI document. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../http/errmap.h"
#include "../util/bgprobe.h"
#include "../util/log.h"
#include "../util/timefmt.h"
#include "auth_guard.h"
#include "handlers.h"
#include "health.h"
#include "records.h"

#define READY_MAX_AGE_MS 1000
#define READY_FIRST_WAIT_MS 10000

void fin_h_liveness(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  char iso[32];
  json_t *body = json_object();
  json_object_set_new_nocheck(body, "status", json_string("ok"));
  json_object_set_new_nocheck(body, "timestamp", json_string(fin_iso(fin_app_now(c), iso)));
  fin_resp_json(r, 200, body);
}

/* "healthy" when the dependency answers its ping (or has no ping). */
static bool probe(const char *name, enum fin_status (*ping)(void *, struct fin_err *), void *self) {
  if (ping == NULL) return true;
  struct fin_err pe = {0};
  enum fin_status st = ping(self, &pe);
  if (st == FIN_OK) return true;
  char esc[300];
  fin_log("warn", "readiness_dependency_unhealthy",
          "\"dependency\":\"%s\",\"status\":\"%s\",\"detail\":\"%s\"", name, fin_status_name(st),
          fin_log_esc(pe.msg, esc, sizeof esc));
  return false;
}

/* The pings, on the readiness probe's own thread. */
static json_t *check(void *arg) {
  struct fin_container *c = arg;
  bool db = c->store.ops == NULL || probe("database", c->store.ops->ping, c->store.self);
  bool stream = c->publisher.ops == NULL ||
                probe("message_stream", c->publisher.ops->ping, c->publisher.self);
  bool auth = c->auth.ops == NULL || probe("auth_provider", c->auth.ops->ping, c->auth.self);
  return json_pack("{s:b,s:b,s:b}", "database", db, "message_stream", stream, "auth_provider",
                   auth);
}

static pthread_mutex_t probe_mu = PTHREAD_MUTEX_INITIALIZER;

/* The route is unauthenticated and the pings go out to the store, the
 * publisher and the auth provider: they run on a background thread (one
 * check at a time, core/util/bgprobe.c) and the route answers from the
 * last result, asking for a new one when it is over READY_MAX_AGE_MS old.
 * Only the first call after start waits for a result. */
static void last_check(struct fin_container *c, bool *db, bool *stream, bool *auth) {
  pthread_mutex_lock(&probe_mu);
  if (c->readiness == NULL) c->readiness = fin_bgprobe_new(check, c, READY_MAX_AGE_MS);
  struct fin_bgprobe *p = c->readiness;
  pthread_mutex_unlock(&probe_mu);
  json_t *res = p != NULL ? fin_bgprobe_get_wait(p, READY_FIRST_WAIT_MS) : check(c);
  *db = json_is_true(json_object_get(res, "database")); /* no result yet: unhealthy */
  *stream = json_is_true(json_object_get(res, "message_stream"));
  *auth = json_is_true(json_object_get(res, "auth_provider"));
  json_decref(res);
}

void fin_h_readiness(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  bool db, stream, auth;
  last_check(c, &db, &stream, &auth);
  bool ok = db && stream && auth;
  json_t *deps = json_object();
  json_object_set_new_nocheck(deps, "database", json_string(db ? "healthy" : "unhealthy"));
  json_object_set_new_nocheck(deps, "message_stream",
                              json_string(stream ? "healthy" : "unhealthy"));
  json_object_set_new_nocheck(deps, "auth_provider", json_string(auth ? "healthy" : "unhealthy"));
  json_t *body = json_object();
  json_object_set_new_nocheck(body, "status", json_string(ok ? "healthy" : "unhealthy"));
  json_object_set_new_nocheck(body, "dependencies", deps);
  /* unsigned tokens accepted by a non-production provider are said aloud */
  json_t *warnings = json_array();
  fin_auth_guard_warnings(c, warnings);
  if (json_array_size(warnings) > 0)
    json_object_set_new_nocheck(body, "warnings", warnings);
  else
    json_decref(warnings);
  fin_resp_json(r, ok ? 200 : 503, body);
}

/* ---- openapi.yaml -------------------------------------------------------- */

#define OPENAPI_MAX_BYTES (4 * 1024 * 1024)

static pthread_once_t doc_once = PTHREAD_ONCE_INIT;
static char *doc_text;
static size_t doc_len;
static char doc_path[PATH_MAX];

/* Reads a whole regular file (bounded); NULL when it cannot. */
static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  char *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n == cap) {
      if (cap >= OPENAPI_MAX_BYTES) goto fail;
      size_t ncap = cap ? cap * 2 : 64 * 1024;
      char *nb = realloc(buf, ncap + 1);
      if (nb == NULL) goto fail;
      buf = nb;
      cap = ncap;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  if (ferror(f)) goto fail;
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return buf;
fail:
  fclose(f);
  free(buf);
  return NULL;
}

static void load_doc(void) {
  char exe_rel[PATH_MAX];
  const char *candidates[3];
  size_t nc = 0;
  const char *env = getenv("FIN_OPENAPI");
  if (env != NULL && env[0] != '\0') candidates[nc++] = env;
  candidates[nc++] = "openapi.yaml";
  char exe[PATH_MAX];
  ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (k > 0) {
    exe[k] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash != NULL) {
      *slash = '\0';
      int w = snprintf(exe_rel, sizeof exe_rel, "%s/../openapi.yaml", exe);
      if (w > 0 && (size_t)w < sizeof exe_rel) candidates[nc++] = exe_rel;
    }
  }
  for (size_t i = 0; i < nc && doc_text == NULL; i++) {
    doc_text = slurp(candidates[i], &doc_len);
    if (doc_text != NULL) snprintf(doc_path, sizeof doc_path, "%s", candidates[i]);
  }
  char esc[PATH_MAX + 64];
  if (doc_text != NULL)
    fin_log("info", "openapi_loaded", "\"path\":\"%s\",\"bytes\":%zu",
            fin_log_esc(doc_path, esc, sizeof esc), doc_len);
  else
    fin_log("warn", "openapi_missing", "\"tried\":%zu", nc);
}

const char *fin_openapi_document(size_t *len) {
  pthread_once(&doc_once, load_doc);
  if (len != NULL) *len = doc_len;
  return doc_text;
}

void fin_h_openapi(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  size_t len;
  const char *doc = fin_openapi_document(&len);
  if (doc == NULL) return fin_resp_fail(r, FIN_E_OPENAPI_NOT_FOUND);
  fin_resp_raw(r, 200, "application/yaml", doc, len);
}
