/* aws_http.c - INTERIM client: libcurl signs (CURLOPT_AWS_SIGV4); replaced by the OpenSSL signer. */
#include "aws_http.h"
#include <curl/curl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
struct aws_client { char endpoint[256], region[32], service[32], key[128], secret[128]; long timeout_ms, connect_ms; atomic_ulong calls; };
struct aws_client *aws_client_new(const struct aws_cfg *cfg, const char *service, char *err, size_t n) {
  struct aws_client *c = calloc(1, sizeof *c);
  const char *ep = cfg->endpoint ? cfg->endpoint : getenv("AWS_ENDPOINT_URL");
  if (strcmp(service, "dynamodb") == 0 && getenv("AWS_ENDPOINT_URL_DYNAMODB")) ep = getenv("AWS_ENDPOINT_URL_DYNAMODB");
  snprintf(c->endpoint, sizeof c->endpoint, "%s", ep ? ep : "http://127.0.0.1:4566");
  c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 5000;
  c->connect_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 1000;
  snprintf(c->region, sizeof c->region, "%s", cfg->region ? cfg->region : "us-east-1");
  snprintf(c->service, sizeof c->service, "%s", service);
  snprintf(c->key, sizeof c->key, "%s", getenv("AWS_ACCESS_KEY_ID") ? getenv("AWS_ACCESS_KEY_ID") : "test");
  snprintf(c->secret, sizeof c->secret, "%s", getenv("AWS_SECRET_ACCESS_KEY") ? getenv("AWS_SECRET_ACCESS_KEY") : "test");
  return c;
}
void aws_client_free(struct aws_client *c) { free(c); }
unsigned long aws_client_calls(struct aws_client *c) { return atomic_load(&c->calls); }
struct buf { char *p; size_t n; };
static size_t wr(char *d, size_t s, size_t m, void *u) { struct buf *b = u; b->p = realloc(b->p, b->n + s*m + 1); memcpy(b->p + b->n, d, s*m); b->n += s*m; b->p[b->n] = 0; return s*m; }
int aws_call(struct aws_client *c, const char *prefix, const char *op, json_t *req, json_t **resp, struct aws_err *ae) {
  memset(ae, 0, sizeof *ae); *resp = NULL;
  atomic_fetch_add(&c->calls, 1);
  CURL *h = curl_easy_init();
  char *body = json_dumps(req, JSON_COMPACT);
  char target[128], sig[128], up[300];
  snprintf(target, sizeof target, "X-Amz-Target: %s.%s", prefix, op);
  int v10 = strcmp(c->service, "dynamodb") == 0 || strcmp(c->service, "sqs") == 0;
  snprintf(sig, sizeof sig, "aws:amz:%s:%s", c->region, c->service);
  snprintf(up, sizeof up, "%s:%s", c->key, c->secret);
  struct curl_slist *hd = curl_slist_append(NULL, target);
  hd = curl_slist_append(hd, v10 ? "Content-Type: application/x-amz-json-1.0" : "Content-Type: application/x-amz-json-1.1");
  struct buf b = {0};
  curl_easy_setopt(h, CURLOPT_URL, c->endpoint);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
  curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sig);
  curl_easy_setopt(h, CURLOPT_USERPWD, up);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, wr);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_ms);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(h);
  long code = 0; curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(h); curl_slist_free_all(hd); free(body);
  if (rc != CURLE_OK) { ae->unavailable = 1; snprintf(ae->msg, sizeof ae->msg, "%s %s unavailable: %s (%s)", c->service, op, curl_easy_strerror(rc), c->endpoint); free(b.p); return -1; }
  json_t *j = b.p ? json_loads(b.p, 0, NULL) : json_object();
  free(b.p);
  if (code >= 200 && code < 300) { *resp = j ? j : json_object(); return 0; }
  ae->http = (int)code; ae->body = j;
  const char *t = json_string_value(json_object_get(j, "__type"));
  if (t && strchr(t, '#')) t = strchr(t, '#') + 1;
  snprintf(ae->type, sizeof ae->type, "%s", t ? t : "");
  const char *m = json_string_value(json_object_get(j, "message")); if (!m) m = json_string_value(json_object_get(j, "Message"));
  snprintf(ae->msg, sizeof ae->msg, "%s %s failed: %s %s", c->service, op, ae->type, m ? m : "");
  if (code >= 500) ae->unavailable = 1;
  return -1;
}
enum fin_status aws_err_to_fin(const struct aws_err *ae, struct fin_err *e) { return fin_err_set(e, ae->unavailable ? FIN_UNAVAILABLE : FIN_INTERNAL, "%s", ae->msg); }
void aws_err_clear(struct aws_err *ae) { json_decref(ae->body); ae->body = NULL; }
