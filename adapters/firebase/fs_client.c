/* fs_client.c - Firestore REST calls (see fs_client.h). */
#include "fs_client.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/httpc.h"
#include "../../core/util/io.h"
#include "../../core/util/jsonin.h"
#include "../../core/util/jsonout.h"
#include "../../core/util/log.h"
#include "gtoken.h"

struct fs {
  atomic_int refs;
  char *base;   /* http://host/v1/projects/P/databases/(default)/documents */
  char *root;   /* projects/P/databases/(default)/documents */
  char *origin; /* http://host (emulator reset) */
  bool emulator;
  char *project;
  char *database;
  char *auth;            /* "Authorization: Bearer ..." of a fixed token */
  struct gtoken *tokens; /* or renewed tokens (owned) */
  long timeout_ms;
  struct fin_curl_pool pool;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct fs *fs_new(const struct fs_cfg *cfg, char *err, size_t err_size) {
  pthread_once(&curl_once, curl_init);
  if (cfg->project == NULL || cfg->project[0] == '\0') {
    snprintf(err, err_size, "a project id is required (GCLOUD_PROJECT)");
    return NULL;
  }
  struct fs *f = calloc(1, sizeof *f);
  if (f == NULL) goto oom;
  atomic_init(&f->refs, 1);
  fin_curl_pool_init(&f->pool);
  const char *token = cfg->emulator_host ? "owner" : cfg->token;
  if (token == NULL && (cfg->key_file != NULL || cfg->metadata || cfg->metadata_host != NULL)) {
    struct gtoken_cfg g = {cfg->key_file, cfg->metadata_host, NULL, cfg->timeout_ms};
    if ((f->tokens = gtoken_new(&g, err, err_size)) == NULL) {
      fs_unref(f);
      return NULL;
    }
    fin_log("info", "firestore_credentials", "\"source\":\"%s\"", gtoken_source(f->tokens));
  } else if (token == NULL) {
    snprintf(err, err_size,
             "Firestore outside the emulator needs credentials: FIN_FIRESTORE_TOKEN (an OAuth "
             "token), GOOGLE_APPLICATION_CREDENTIALS (a service-account key) or "
             "FIN_GOOGLE_METADATA=true / GCE_METADATA_HOST (the metadata server)");
    fs_unref(f);
    return NULL;
  }
  if (asprintf(&f->origin, cfg->emulator_host ? "http://%s" : "https://firestore.googleapis.com",
               cfg->emulator_host) < 0 ||
      asprintf(&f->root, "projects/%s/databases/%s/documents", cfg->project,
               cfg->database ? cfg->database : "(default)") < 0 ||
      asprintf(&f->base, "%s/v1/%s", f->origin, f->root) < 0 ||
      (token != NULL && asprintf(&f->auth, "Authorization: Bearer %s", token) < 0))
    goto oom;
  f->emulator = cfg->emulator_host != NULL;
  f->project = strdup(cfg->project);
  f->database = strdup(cfg->database ? cfg->database : "(default)");
  if (f->project == NULL || f->database == NULL) goto oom;
  f->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 3000;
  return f;
oom:
  snprintf(err, err_size, "out of memory");
  fs_unref(f);
  return NULL;
}

struct fs *fs_ref(struct fs *f) {
  atomic_fetch_add(&f->refs, 1);
  return f;
}

void fs_unref(struct fs *f) {
  if (f == NULL || atomic_fetch_sub(&f->refs, 1) != 1) return;
  fin_curl_pool_destroy(&f->pool);
  free(f->base), free(f->root), free(f->origin), free(f->project), free(f->database);
  free(f->auth);
  gtoken_free(f->tokens);
  free(f);
}

const char *fs_root_name(const struct fs *f) {
  return f->root;
}

const char *fs_emulator_origin(const struct fs *f) {
  return f->emulator ? f->origin : NULL;
}

enum fin_status fs_auth_header(struct fs *f, char *out, size_t size, struct fin_err *e) {
  if (f->tokens != NULL) return gtoken_header(f->tokens, out, size, e);
  if ((size_t)snprintf(out, size, "%s", f->auth) >= size)
    return fin_err_set(e, FIN_INTERNAL, "firestore: token too long");
  return FIN_OK;
}

static enum fin_status exchange(struct fs *f, const char *method, const char *url, const char *body,
                                long *status, struct fin_http_buf *out, struct fin_err *e) {
  char renewed[4096];
  if (f->tokens != NULL) {
    enum fin_status st = gtoken_header(f->tokens, renewed, sizeof renewed, e);
    if (st != FIN_OK) return st;
  }
  CURL *h = fin_curl_take(&f->pool);
  struct curl_slist *hl = curl_slist_append(NULL, f->tokens ? renewed : f->auth);
  hl = curl_slist_append(hl, "Content-Type: application/json");
  hl = curl_slist_append(hl, "Expect:");
  if (h == NULL || hl == NULL) {
    curl_slist_free_all(hl);
    if (h) curl_easy_cleanup(h);
    return fin_err_set(e, FIN_NOMEM, "firestore: out of memory");
  }
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
  if (body != NULL) curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fin_http_buf_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
  struct fin_http_head head;
  fin_http_head_reset(&head);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, fin_http_head_write);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &head);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, f->timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, f->timeout_ms < 1000 ? f->timeout_ms : 1000L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  CURLcode rc = fin_io_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
  curl_slist_free_all(hl);
  fin_curl_give(&f->pool, h);
  fin_backend_call_note();
  if (rc != CURLE_OK)
    return fin_err_set(e, FIN_UNAVAILABLE, "firestore %s unavailable: %s (%s)", method,
                       curl_easy_strerror(rc), f->origin);
  /* a cut answer is an unknown outcome, never an empty result */
  const char *broken = fin_http_damaged(&head, out);
  if (broken != NULL)
    return fin_err_set(e, FIN_UNAVAILABLE, "firestore %s unavailable: bad response: %s (%s)",
                       method, broken, f->origin);
  return FIN_OK;
}

enum fin_status fs_call(struct fs *f, const char *method, const char *suffix, json_t *body,
                        json_t **resp, struct fs_fail *fail, struct fin_err *e) {
  *resp = NULL;
  if (fail != NULL) memset(fail, 0, sizeof *fail);
  /* our writer, four times json_dumps' speed; doubles as shortest round trip */
  char *url = NULL, *text = body ? fin_json_dump_typed(body, NULL) : NULL;
  bool had_body = body != NULL;
  json_decref(body); /* hot in the cache now; after the answer it is not */
  if (asprintf(&url, "%s%s", f->base, suffix) < 0 || (had_body && !text)) {
    free(text);
    return fin_err_set(e, FIN_NOMEM, "firestore: out of memory");
  }
  struct fin_http_buf out = {0};
  long status = 0;
  enum fin_status st = exchange(f, method, url, text, &status, &out, e);
  free(url);
  free(text);
  json_t *doc = out.p ? fin_json_parse(out.p, out.n, NULL) : NULL;
  free(out.p);
  if (st != FIN_OK) {
    json_decref(doc);
    return st;
  }
  if (status >= 200 && status < 300) {
    if (doc == NULL) /* every Firestore answer is a JSON document */
      return fin_err_set(e, FIN_UNAVAILABLE,
                         "firestore %s %s: bad response: HTTP %ld body is not JSON", method, suffix,
                         status);
    *resp = doc;
    return FIN_OK;
  }
  /* {"error":{"code":409,"message":"...","status":"ALREADY_EXISTS"}} */
  json_t *err = json_object_get(doc, "error");
  const char *why = json_string_value(json_object_get(err, "status"));
  const char *msg = json_string_value(json_object_get(err, "message"));
  if (fail != NULL) {
    fail->http = (int)status;
    snprintf(fail->status, sizeof fail->status, "%s", why ? why : "");
  }
  enum fin_status code = status == 404                                    ? FIN_NOT_FOUND
                         : why && strcmp(why, "ALREADY_EXISTS") == 0      ? FIN_EXISTS
                         : why && strcmp(why, "FAILED_PRECONDITION") == 0 ? FIN_PRECONDITION
                         : status >= 500 || (why && strcmp(why, "UNAVAILABLE") == 0)
                             ? FIN_UNAVAILABLE
                             : FIN_INTERNAL;
  fin_err_set(e, code, "firestore %s %s: HTTP %ld %s %s", method, suffix, status, why ? why : "",
              msg ? msg : "");
  json_decref(doc);
  return code;
}

enum fin_status fs_emulator_reset(struct fs *f, struct fin_err *e) {
  char *url = NULL;
  if (asprintf(&url, "%s/emulator/v1/projects/%s/databases/%s/documents", f->origin, f->project,
               f->database) < 0)
    return fin_err_set(e, FIN_NOMEM, "out of memory");
  struct fin_http_buf out = {0};
  long status = 0;
  enum fin_status st = exchange(f, "DELETE", url, NULL, &status, &out, e);
  free(url);
  free(out.p);
  if (st == FIN_OK && status != 200)
    st = fin_err_set(e, FIN_INTERNAL, "firestore emulator reset: HTTP %ld", status);
  return st;
}
