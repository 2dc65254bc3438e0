/* aws_http.c - AWS JSON-protocol client (see aws_http.h). */
#include "aws_http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/util/httpc.h"
#include "../../core/util/log.h"
#include "sigv4.h"

struct aws_client {
  char *endpoint, *host, *region, *service, *key_id, *secret, *token;
  const char *content_type;
  long timeout_ms, connect_ms;
  int max_retries;
  atomic_ulong calls;
  struct fin_curl_pool pool; /* keep-alive connections, one handle per busy thread */
};

/* ---- configuration ---- */
static const char *env_of(const char *name) {
  const char *v = getenv(name);
  return v != NULL && v[0] != '\0' ? v : NULL;
}

/* AWS_ENDPOINT_URL_<SERVICE>: the names AWS's SDKs use. */
static const char *service_env(const char *service) {
  static const char *const map[][2] = {
      {"dynamodb", "AWS_ENDPOINT_URL_DYNAMODB"},
      {"ssm", "AWS_ENDPOINT_URL_SSM"},
      {"events", "AWS_ENDPOINT_URL_EVENTBRIDGE"},
      {"sqs", "AWS_ENDPOINT_URL_SQS"},
      {"cognito-idp", "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"},
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp(map[i][0], service) == 0) return env_of(map[i][1]);
  return NULL;
}

/* "http://127.0.0.1:4566/" -> "127.0.0.1:4566" (the signed Host header). */
static char *host_of(const char *url) {
  const char *h = strstr(url, "://");
  h = h ? h + 3 : url;
  return strndup(h, strcspn(h, "/?#"));
}

void aws_client_free(struct aws_client *c) {
  if (c == NULL) return;
  fin_curl_pool_destroy(&c->pool);
  free(c->endpoint), free(c->host), free(c->region), free(c->service);
  free(c->key_id), free(c->secret), free(c->token);
  free(c);
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT); /* refcounted: harmless after main's */
}

struct aws_client *aws_client_new(const struct aws_cfg *cfg, const char *service, char *err,
                                  size_t err_size) {
  pthread_once(&curl_once, curl_init);
  struct aws_client *c = calloc(1, sizeof *c);
  if (c == NULL) goto oom;
  fin_curl_pool_init(&c->pool);
  const char *region = cfg->region                    ? cfg->region
                       : env_of("AWS_REGION")         ? env_of("AWS_REGION")
                       : env_of("AWS_DEFAULT_REGION") ? env_of("AWS_DEFAULT_REGION")
                                                      : "us-east-1";
  const char *ep = cfg->endpoint ? cfg->endpoint : service_env(service);
  if (ep == NULL) ep = env_of("AWS_ENDPOINT_URL");
  if (ep != NULL)
    c->endpoint = strdup(ep);
  else if (asprintf(&c->endpoint, "https://%s.%s.amazonaws.com",
                    strcmp(service, "cognito-idp") == 0 ? "cognito-idp" : service, region) < 0)
    c->endpoint = NULL;
  const char *id = cfg->access_key_id ? cfg->access_key_id : env_of("AWS_ACCESS_KEY_ID");
  const char *secret =
      cfg->secret_access_key ? cfg->secret_access_key : env_of("AWS_SECRET_ACCESS_KEY");
  const char *token = cfg->session_token ? cfg->session_token : env_of("AWS_SESSION_TOKEN");
  if (id == NULL || secret == NULL) {
    snprintf(err, err_size,
             "%s: no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; emulators "
             "take any, e.g. test/test)",
             service);
    aws_client_free(c);
    return NULL;
  }
  c->region = strdup(region);
  c->service = strdup(service);
  c->key_id = strdup(id);
  c->secret = strdup(secret);
  c->token = token ? strdup(token) : NULL;
  c->host = c->endpoint ? host_of(c->endpoint) : NULL;
  if (!c->endpoint || !c->host || !c->region || !c->service || !c->key_id || !c->secret ||
      (token && !c->token))
    goto oom;
  /* DynamoDB and SQS speak JSON 1.0, the others 1.1 */
  c->content_type = strcmp(service, "dynamodb") == 0 || strcmp(service, "sqs") == 0
                        ? "Content-Type: application/x-amz-json-1.0"
                        : "Content-Type: application/x-amz-json-1.1";
  c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 3000;
  c->connect_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 1000;
  c->max_retries = cfg->max_retries < 0 ? 0 : cfg->max_retries > 0 ? cfg->max_retries : 3;
  atomic_init(&c->calls, 0);
  return c;
oom:
  aws_client_free(c);
  snprintf(err, err_size, "out of memory");
  return NULL;
}

unsigned long aws_client_calls(struct aws_client *c) {
  return atomic_load(&c->calls);
}

const char *aws_client_endpoint(const struct aws_client *c) {
  return c->endpoint;
}

/* Sends body once; fills *status and *out (response text) or returns the
 * curl error. */
static CURLcode exchange(struct aws_client *c, const char *target, const char *body, long *status,
                         struct fin_http_buf *out) {
  char date[17], target_h[160], date_h[40], auth_h[600], *token_h = NULL;
  sigv4_amz_date(time(NULL), date);
  struct sigv4_pair h[5] = {{"Host", c->host},
                            {"X-Amz-Date", date},
                            {"X-Amz-Target", target},
                            {"Content-Type", c->content_type + strlen("Content-Type: ")}};
  size_t nh = 4;
  if (c->token != NULL) h[nh++] = (struct sigv4_pair){"X-Amz-Security-Token", c->token};
  struct sigv4_request r = {"POST", "/", NULL, 0, h, nh, body, strlen(body)};
  struct sigv4_key k = {c->key_id, c->secret, c->region, c->service};
  struct sigv4_result sig;
  if (sigv4_sign(&r, &k, date, &sig) != 0) return CURLE_OUT_OF_MEMORY;
  snprintf(target_h, sizeof target_h, "X-Amz-Target: %s", target);
  snprintf(date_h, sizeof date_h, "X-Amz-Date: %s", date);
  snprintf(auth_h, sizeof auth_h, "Authorization: %s", sig.authorization);
  sigv4_result_clear(&sig);
  if (c->token != NULL && asprintf(&token_h, "X-Amz-Security-Token: %s", c->token) < 0)
    return CURLE_OUT_OF_MEMORY;
  struct curl_slist *hl = curl_slist_append(NULL, target_h);
  hl = curl_slist_append(hl, date_h);
  hl = curl_slist_append(hl, auth_h);
  hl = curl_slist_append(hl, c->content_type);
  hl = curl_slist_append(hl, "Expect:"); /* no 100-continue round trip */
  if (token_h != NULL) hl = curl_slist_append(hl, token_h);
  CURL *e = fin_curl_take(&c->pool);
  if (e == NULL || hl == NULL) {
    curl_slist_free_all(hl);
    free(token_h);
    if (e) curl_easy_cleanup(e);
    return CURLE_OUT_OF_MEMORY;
  }
  curl_easy_setopt(e, CURLOPT_URL, c->endpoint);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, fin_http_buf_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, out);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->timeout_ms);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_ms);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
  CURLcode rc = curl_easy_perform(e);
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
  curl_slist_free_all(hl);
  free(token_h);
  fin_curl_give(&c->pool, e);
  atomic_fetch_add(&c->calls, 1);
  fin_backend_call_note();
  return rc;
}

static bool throttling(const char *type) {
  static const char *const t[] = {"ThrottlingException",  "ProvisionedThroughputExceededException",
                                  "RequestLimitExceeded", "TooManyRequestsException",
                                  "ThrottledException",   "LimitExceededException"};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (strcmp(type, t[i]) == 0) return true;
  return false;
}

static void backoff(int attempt) {
  long cap = 25L << (attempt < 6 ? attempt : 6);
  if (cap > 1000) cap = 1000;
  long ms = (long)(rand() % (cap + 1)); /* full jitter */
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Fills e from an error response. */
static void service_error(struct aws_client *c, const char *op, long status, const char *text,
                          struct aws_err *e) {
  e->kind = AWS_ERR_SERVICE;
  e->http = (int)status;
  e->body = text ? json_loads(text, 0, NULL) : NULL;
  const char *type = json_string_value(json_object_get(e->body, "__type"));
  if (type == NULL) type = json_string_value(json_object_get(e->body, "code"));
  const char *hash = type ? strrchr(type, '#') : NULL;
  snprintf(e->type, sizeof e->type, "%s", hash ? hash + 1 : type ? type : "");
  const char *msg = json_string_value(json_object_get(e->body, "message"));
  if (msg == NULL) msg = json_string_value(json_object_get(e->body, "Message"));
  snprintf(e->msg, sizeof e->msg, "%s %s failed: HTTP %ld %s%s%s", c->service, op, status, e->type,
           msg ? ": " : "", msg ? msg : "");
}

int aws_call(struct aws_client *c, const char *target, const char *op, const json_t *req,
             json_t **resp, struct aws_err *e) {
  memset(e, 0, sizeof *e);
  *resp = NULL;
  char full[128];
  snprintf(full, sizeof full, "%s.%s", target, op);
  char *body = json_dumps(req, JSON_COMPACT);
  if (body == NULL) {
    e->kind = AWS_ERR_NOMEM;
    snprintf(e->msg, sizeof e->msg, "%s %s: out of memory", c->service, op);
    return -1;
  }
  int refused = 0;
  for (int attempt = 0;; attempt++) {
    struct fin_http_buf out = {0};
    long status = 0;
    CURLcode rc = exchange(c, full, body, &status, &out);
    bool retry = false;
    memset(e, 0, sizeof *e);
    if (rc == CURLE_OK && status >= 200 && status < 300) {
      *resp = json_loadb(out.p ? out.p : "{}", out.p ? out.n : 2, 0, NULL);
      free(out.p);
      if (*resp != NULL) break;
      e->kind = AWS_ERR_RESPONSE;
      snprintf(e->msg, sizeof e->msg, "%s %s: response is not JSON", c->service, op);
      break;
    }
    if (rc != CURLE_OK) {
      e->kind = rc == CURLE_OUT_OF_MEMORY ? AWS_ERR_NOMEM : AWS_ERR_UNAVAILABLE;
      snprintf(e->msg, sizeof e->msg, "%s %s unavailable: %s (%s)", c->service, op,
               curl_easy_strerror(rc), c->endpoint);
      /* a timeout may have reached the service: do not send a write twice */
      retry = rc == CURLE_COULDNT_CONNECT                                   ? ++refused < 2
              : rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_OUT_OF_MEMORY ? false
                                                                            : true;
    } else {
      service_error(c, op, status, out.p, e);
      if (throttling(e->type)) {
        e->kind = AWS_ERR_THROTTLED;
        retry = true;
      } else {
        retry = status >= 500;
      }
    }
    free(out.p);
    if (!retry || attempt >= c->max_retries) break;
    aws_err_clear(e);
    backoff(attempt);
  }
  free(body);
  return *resp != NULL ? 0 : -1;
}

void aws_err_clear(struct aws_err *e) {
  json_decref(e->body);
  e->body = NULL;
}

enum fin_status aws_err_to_fin(const struct aws_err *e, struct fin_err *fe) {
  bool down = e->kind == AWS_ERR_UNAVAILABLE || e->kind == AWS_ERR_THROTTLED ||
              (e->kind == AWS_ERR_SERVICE && e->http >= 500);
  return fin_err_set(fe,
                     e->kind == AWS_ERR_NOMEM ? FIN_NOMEM
                     : down                   ? FIN_UNAVAILABLE
                                              : FIN_INTERNAL,
                     "%s", e->msg);
}
