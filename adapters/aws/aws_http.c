/* aws_http.c - AWS JSON-protocol client (see aws_http.h). */
#include "aws_http.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/util/httpc.h"
#include "../../core/util/io.h"
#include "../../core/util/jsnum.h"
#include "../../core/util/jsonin.h"
#include "../../core/util/jsonout.h"
#include "../../core/util/log.h"
#include "aws_creds.h"
#include "aws_wire.h"
#include "sigv4.h"

#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_CONNECT_MS 1000
#define DEFAULT_RETRIES 3
#define DEFAULT_BASE_MS 25
#define DEFAULT_CAP_MS 1000
/* BatchGetItem answers up to 16 MB; anything far past that is not AWS. */
#define MAX_RESPONSE_BYTES ((size_t)32 << 20)
/* Idle handles kept per client. Larger than httpc.h's shared pool because
 * the conformance suite drives one client from 50 threads: below that,
 * handles (and their connections) would be closed and reopened. */
#define POOL_MAX 64

/* What differs between the services this client speaks to. */
struct svc {
  const char *name;         /* signing name */
  const char *endpoint_env; /* the SDKs' service-specific variable */
  const char *content_type;
};

static const struct svc SERVICES[] = {
    {"dynamodb", "AWS_ENDPOINT_URL_DYNAMODB", "application/x-amz-json-1.0"},
    {"sqs", "AWS_ENDPOINT_URL_SQS", "application/x-amz-json-1.0"},
    {"cognito-idp", "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "application/x-amz-json-1.1"},
    {"events", "AWS_ENDPOINT_URL_EVENTBRIDGE", "application/x-amz-json-1.1"},
    {"ssm", "AWS_ENDPOINT_URL_SSM", "application/x-amz-json-1.1"},
};

/* A pooled easy handle; errbuf must live as long as the handle. */
struct conn {
  CURL *h;
  char errbuf[CURL_ERROR_SIZE];
};

struct aws_client {
  const struct svc *svc;
  char *endpoint, *host, *path, *region;
  struct aws_creds *creds; /* shared with the process's other clients */
  char *host_h, *ctype_h;  /* header lines built once */
  long timeout_ms, connect_ms, base_ms, cap_ms;
  int max_retries;
  atomic_ulong calls;
  pthread_mutex_t mu;    /* guards idle/n_idle and the signing key */
  char key_day[9];       /* "YYYYMMDD" of key, "" before the first call */
  unsigned long key_gen; /* the aws_keys it was derived from */
  unsigned char key[SIGV4_KEY_LEN];
  struct conn *idle[POOL_MAX];
  int n_idle;
  struct wire *wire; /* FIN_AWS_WIRE=1 and an http:// endpoint: aws_wire.h */
};

/* ---- configuration ---- */
/* An empty string configures nothing, in a struct as in the environment. */
static const char *nonempty(const char *s) {
  return s != NULL && s[0] != '\0' ? s : NULL;
}

static const char *first_of(const char *a, const char *b, const char *c) {
  return a != NULL ? a : b != NULL ? b : c;
}

static const struct svc *svc_named(const char *service) {
  for (size_t i = 0; service != NULL && i < sizeof SERVICES / sizeof SERVICES[0]; i++)
    if (strcmp(SERVICES[i].name, service) == 0) return &SERVICES[i];
  return NULL;
}

const char *aws_service_at(size_t i) {
  return i < sizeof SERVICES / sizeof SERVICES[0] ? SERVICES[i].name : NULL;
}

const char *aws_endpoint_for(const char *service, const char *override, const char *fallback) {
  const struct svc *svc = svc_named(service);
  if (svc == NULL) return NULL;
  return first_of(nonempty(override), aws_env(svc->endpoint_env),
                  nonempty(fallback) ? fallback : aws_env("AWS_ENDPOINT_URL"));
}

/* "http://user@127.0.0.1:4566/x?y" -> host "127.0.0.1:4566" (the signed
 * Host header) and path "/x" (the signed path). */
static int split_url(const char *url, char **host, char **path) {
  const char *a = strstr(url, "://") + 3;
  size_t alen = strcspn(a, "/?#");
  const char *at = memchr(a, '@', alen);
  if (at != NULL) {
    alen -= (size_t)(at + 1 - a);
    a = at + 1;
  }
  const char *p = a + alen;
  size_t plen = *p == '/' ? strcspn(p, "?#") : 0;
  *host = strndup(a, alen);
  *path = plen > 0 ? strndup(p, plen) : strdup("/");
  return *host != NULL && *path != NULL && alen > 0 ? 0 : -1;
}

static void conn_free(struct conn *k) {
  if (k == NULL) return;
  curl_easy_cleanup(k->h);
  free(k);
}

void aws_client_free(struct aws_client *c) {
  if (c == NULL) return;
  for (int i = 0; i < c->n_idle; i++)
    conn_free(c->idle[i]);
  pthread_mutex_destroy(&c->mu);
  OPENSSL_cleanse(c->key, sizeof c->key);
  free(c->endpoint), free(c->host), free(c->path), free(c->region);
  aws_creds_release(c->creds);
  free(c->host_h), free(c->ctype_h);
  wire_free(c->wire);
  free(c);
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT); /* refcounted: harmless after main's */
}

struct aws_client *aws_client_new(const struct aws_cfg *cfg, const char *service, char *err,
                                  size_t err_size) {
  static const struct aws_cfg none;
  if (cfg == NULL) cfg = &none;
  const struct svc *svc = svc_named(service);
  if (svc == NULL) {
    snprintf(err, err_size, "unknown AWS service '%s' (dynamodb, sqs, cognito-idp, events, ssm)",
             service ? service : "(null)");
    return NULL;
  }
  const char *region =
      first_of(nonempty(cfg->region), aws_env("AWS_REGION"), aws_env("AWS_DEFAULT_REGION"));
  if (region == NULL) region = "us-east-1";
  const char *ep = aws_endpoint_for(service, cfg->endpoint, NULL);
  if (ep != NULL && strncmp(ep, "http://", 7) != 0 && strncmp(ep, "https://", 8) != 0) {
    snprintf(err, err_size, "%s: endpoint '%s' is not an http:// or https:// URL", service, ep);
    return NULL;
  }

  pthread_once(&curl_once, curl_init);
  char why[400];
  struct aws_creds_cfg kc = {
      cfg->access_key_id, cfg->secret_access_key, cfg->session_token, ep, region, 0};
  struct aws_creds *creds = aws_creds_open(&kc, why, sizeof why);
  if (creds == NULL) {
    snprintf(err, err_size, "%s: %s", service, why);
    return NULL;
  }
  struct aws_client *c = calloc(1, sizeof *c);
  if (c == NULL) {
    aws_creds_release(creds);
    goto oom;
  }
  c->creds = creds;
  pthread_mutex_init(&c->mu, NULL);
  c->svc = svc;
  if (ep != NULL)
    c->endpoint = strdup(ep);
  else if (asprintf(&c->endpoint, "https://%s.%s.amazonaws.com", svc->name, region) < 0)
    c->endpoint = NULL;
  if (c->endpoint == NULL) goto oom;
  if (split_url(c->endpoint, &c->host, &c->path) != 0) {
    if (c->host != NULL && c->path != NULL) {
      snprintf(err, err_size, "%s: endpoint '%s' has no host", service, c->endpoint);
      aws_client_free(c);
      return NULL;
    }
    goto oom;
  }
  c->region = strdup(region);
  if (c->region == NULL) goto oom;
  /* curl would send "Host" without a default port; we send what we sign */
  if (asprintf(&c->host_h, "Host: %s", c->host) < 0) c->host_h = NULL;
  if (asprintf(&c->ctype_h, "Content-Type: %s", svc->content_type) < 0) c->ctype_h = NULL;
  if (!c->host_h || !c->ctype_h) goto oom;
  c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
  c->connect_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : DEFAULT_CONNECT_MS;
  if (c->connect_ms > c->timeout_ms) c->connect_ms = c->timeout_ms;
  c->max_retries = cfg->max_retries < 0    ? 0
                   : cfg->max_retries == 0 ? DEFAULT_RETRIES
                                           : cfg->max_retries;
  c->base_ms = cfg->backoff_base_ms > 0 ? cfg->backoff_base_ms : DEFAULT_BASE_MS;
  c->cap_ms = cfg->backoff_cap_ms > 0 ? cfg->backoff_cap_ms : DEFAULT_CAP_MS;
  atomic_init(&c->calls, 0);
  const char *wire_env = getenv("FIN_AWS_WIRE");
  if (wire_env != NULL && strcmp(wire_env, "1") == 0) {
    c->wire = wire_new(c->endpoint);
    char esc[300];
    fin_log(c->wire ? "info" : "warn", c->wire ? "aws_wire_on" : "aws_wire_unused",
            "\"service\":\"%s\",\"endpoint\":\"%s\"", svc->name,
            fin_log_esc(c->endpoint, esc, sizeof esc));
  }
  return c;
oom:
  aws_client_free(c);
  snprintf(err, err_size, "%s: out of memory", service);
  return NULL;
}

unsigned long aws_client_calls(const struct aws_client *c) {
  return atomic_load(&c->calls);
}

const char *aws_client_endpoint(const struct aws_client *c) {
  return c->endpoint;
}

const char *aws_client_region(const struct aws_client *c) {
  return c->region;
}

/* ---- connection pool ---- */
/* Options that never change are set once per handle; per call only the
 * body, headers and sink are, so no curl_easy_reset is needed. */
static struct conn *conn_new(const struct aws_client *c) {
  struct conn *k = calloc(1, sizeof *k);
  if (k == NULL || (k->h = curl_easy_init()) == NULL) {
    free(k);
    return NULL;
  }
  CURL *h = k->h;
  curl_easy_setopt(h, CURLOPT_URL, c->endpoint);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_ms);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 30L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 15L);
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fin_http_buf_write);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, fin_http_head_write);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, k->errbuf);
  return k;
}

static struct conn *conn_take(struct aws_client *c) {
  pthread_mutex_lock(&c->mu);
  struct conn *k = c->n_idle > 0 ? c->idle[--c->n_idle] : NULL;
  pthread_mutex_unlock(&c->mu);
  return k != NULL ? k : conn_new(c);
}

static void conn_give(struct aws_client *c, struct conn *k) {
  pthread_mutex_lock(&c->mu);
  if (c->n_idle < POOL_MAX) {
    c->idle[c->n_idle++] = k;
    k = NULL;
  }
  pthread_mutex_unlock(&c->mu);
  conn_free(k);
}

/* ---- signing ---- */
/* The signing key of date's day for keys k into out: derived once a day
 * (and once per renewal of the keys) per client (four HMACs, a sixth of a
 * call's CPU), not once per call. */
static bool signing_key_for(struct aws_client *c, const struct aws_keys *k, const char *date,
                            unsigned char *out) {
  pthread_mutex_lock(&c->mu);
  bool kept = strncmp(c->key_day, date, 8) == 0 && c->key_gen == k->gen;
  if (kept) memcpy(out, c->key, SIGV4_KEY_LEN);
  pthread_mutex_unlock(&c->mu);
  if (kept) return true;
  char day[9];
  memcpy(day, date, 8);
  day[8] = '\0';
  if (sigv4_signing_key(k->secret, day, c->region, c->svc->name, out) != SIGV4_OK) return false;
  pthread_mutex_lock(&c->mu);
  memcpy(c->key, out, SIGV4_KEY_LEN);
  memcpy(c->key_day, day, sizeof c->key_day);
  c->key_gen = k->gen;
  pthread_mutex_unlock(&c->mu);
  return true;
}

/* ---- one exchange ---- */
struct outcome {
  CURLcode rc;
  long status;
  struct fin_http_head head;
  int os_errno; /* CURLINFO_OS_ERRNO of a failed connect */
  bool sent;    /* request bytes left this process */
  bool no_keys; /* the credentials could not be had (detail says why) */
  char detail[CURL_ERROR_SIZE];
  struct fin_http_buf body; /* the answer, NUL-terminated (free body.p) */
};

/* Why an answer that libcurl took as complete is not, or NULL. Read as
 * "{}", a cut GetItem answer would say "no such item". */
static const char *damaged(const struct aws_client *c, const struct outcome *o) {
  const char *why = fin_http_damaged(&o->head, &o->body);
  if (why != NULL) return why;
  if (o->body.n == 0 && strcmp(c->svc->name, "dynamodb") == 0)
    return "empty body"; /* every DynamoDB answer is a JSON document */
  return NULL;
}

/* Whether sending op again is harmless when its outcome is unknown (the
 * request left, and no intact answer came back): reads only. A write may
 * have been applied; sending it again could apply it twice or fail on its
 * own condition, so its caller must find out by reading. */
static bool resend_safe(const char *op) {
  static const char *const reads[] = {"Get",  "BatchGet", "TransactGet", "Describe",
                                      "List", "Query",    "Scan"};
  for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++)
    if (strncmp(op, reads[i], strlen(reads[i])) == 0) return true;
  return false;
}

/* The Authorization line of the request for keys k at date into auth_h;
 * NULL, or why it cannot be signed. */
static const char *sign(struct aws_client *c, const struct aws_keys *k, const char *target,
                        const char *body, size_t len, const char *date, char *auth_h, size_t size) {
  struct sigv4_pair signed_h[] = {
      {"Host", c->host}, {"Content-Type", c->svc->content_type}, {"X-Amz-Target", target}};
  struct sigv4_request r = {"POST", c->path, NULL, 0, signed_h, 3, body, len};
  unsigned char key[SIGV4_KEY_LEN];
  if (!signing_key_for(c, k, date, key)) return "cannot sign (OpenSSL)";
  struct sigv4_creds kc = {k->id, k->secret, k->token, c->region, c->svc->name, key};
  struct sigv4_result sig;
  enum sigv4_status st = sigv4_sign(&r, &kc, date, &sig);
  OPENSSL_cleanse(key, sizeof key);
  if (st != SIGV4_OK) return st == SIGV4_NOMEM ? "out of memory" : "cannot sign (OpenSSL)";
  int n = snprintf(auth_h, size, "Authorization: %s", sig.authorization);
  sigv4_result_clear(&sig);
  return n < 0 || (size_t)n >= size ? "access key id too long" : NULL;
}

/* The exchange through aws_wire.h: the head written here in one piece (the
 * same lines libcurl would send, less "Expect:"). */
static char *put(char *p, const char *s) {
  size_t n = strlen(s);
  memcpy(p, s, n);
  return p + n;
}

static void wire_call(struct aws_client *c, const char *body, size_t len, bool replayable,
                      const struct curl_slist *lines, int n_lines, struct outcome *o) {
  char stack[8192];
  size_t need = 64 + strlen(c->path);
  for (int i = 0; i < n_lines; i++)
    need += strlen(lines[i].data) + 2;
  /* a long session token can outgrow the stack buffer */
  char *head = need <= sizeof stack ? stack : malloc(need), *p = head;
  if (head == NULL) {
    o->rc = CURLE_OUT_OF_MEMORY;
    return;
  }
  p = put(p, "POST ");
  p = put(p, c->path[0] ? c->path : "/");
  p = put(p, " HTTP/1.1\r\n");
  for (int i = 0; i < n_lines; i++) {
    if (strcmp(lines[i].data, "Expect:") == 0) continue;
    p = put(p, lines[i].data);
    p = put(p, "\r\n");
  }
  p = put(p, "Content-Length: ");
  p += fin_u64dec(len, p);
  p = put(p, "\r\n\r\n");
  struct wire_result wr;
  wire_exchange(c->wire, head, (size_t)(p - head), body, len, replayable, c->timeout_ms,
                c->connect_ms, &o->head, &o->body, &wr);
  o->rc = wr.rc;
  o->status = wr.status;
  o->os_errno = wr.os_errno;
  o->sent = wr.sent;
  snprintf(o->detail, sizeof o->detail, "%s", wr.detail);
  if (head != stack) free(head);
}

/* Signs and sends body once. Returns NULL when the request was attempted
 * (the transport's verdict is in *o), else why it could not be (with
 * o->no_keys when the credentials could not be had). */
static const char *exchange(struct aws_client *c, const char *target, const char *body, size_t len,
                            struct outcome *o) {
  memset(o, 0, sizeof *o);
  o->body.max = MAX_RESPONSE_BYTES;
  fin_http_head_reset(&o->head);
  struct aws_keys *k;
  struct fin_err ke = {0};
  if (aws_creds_get(c->creds, &k, &ke) != FIN_OK) {
    o->no_keys = ke.code != FIN_NOMEM;
    snprintf(o->detail, sizeof o->detail, "%s", ke.msg);
    return o->detail;
  }
  char date[SIGV4_AMZ_DATE_SIZE];
  sigv4_amz_date(time(NULL), date);
  /* header lines on the stack: curl only reads the list */
  char target_h[192], date_h[48], auth_h[512];
  const char *why = sign(c, k, target, body, len, date, auth_h, sizeof auth_h);
  if (why != NULL) {
    aws_keys_release(k);
    return why;
  }
  snprintf(target_h, sizeof target_h, "X-Amz-Target: %s", target);
  snprintf(date_h, sizeof date_h, "X-Amz-Date: %s", date);
  struct curl_slist lines[7] = {
      {c->host_h, NULL},  {c->ctype_h, NULL}, {target_h, NULL},
      {date_h, NULL},     {auth_h, NULL},     {"Expect:", NULL}, /* no 100-continue round trip */
      {k->token_h, NULL},
  };
  int n_lines = k->token_h != NULL ? 7 : 6;
  for (int i = 0; i + 1 < n_lines; i++)
    lines[i].next = &lines[i + 1];

  if (c->wire != NULL) {
    const char *op = strrchr(target, '.'); /* "DynamoDB_20120810.GetItem" */
    wire_call(c, body, len, resend_safe(op ? op + 1 : target), lines, n_lines, o);
    aws_keys_release(k);
    atomic_fetch_add(&c->calls, 1);
    fin_backend_call_note();
    return NULL;
  }
  struct conn *conn = conn_take(c);
  if (conn == NULL) {
    aws_keys_release(k);
    return "out of memory";
  }
  CURL *h = conn->h;
  conn->errbuf[0] = '\0';
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, lines);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &o->body);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &o->head);
  o->rc = fin_io_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &o->status);
  long os_errno = 0, request_size = 0;
  curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
  curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &request_size);
  o->os_errno = (int)os_errno;
  o->sent = request_size > 0;
  snprintf(o->detail, sizeof o->detail, "%s", conn->errbuf);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL); /* `lines` dies with this frame */
  curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, NULL);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, NULL);
  conn_give(c, conn);
  aws_keys_release(k); /* after the transfer: `lines` holds its token */
  atomic_fetch_add(&c->calls, 1);
  fin_backend_call_note();
  return NULL;
}

/* ---- classification ---- */
static bool in_list(const char *s, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(s, list[i]) == 0) return true;
  return false;
}

/* The throttling codes of AWS's SDKs (botocore's standard retry mode). */
static bool throttling(const char *type) {
  static const char *const t[] = {"Throttling",
                                  "ThrottlingException",
                                  "ThrottledException",
                                  "RequestThrottledException",
                                  "TooManyRequestsException",
                                  "ProvisionedThroughputExceededException",
                                  "TransactionInProgressException",
                                  "RequestLimitExceeded",
                                  "BandwidthLimitExceeded",
                                  "LimitExceededException",
                                  "RequestThrottled",
                                  "SlowDown",
                                  "PriorRequestNotComplete",
                                  "EC2ThrottledException"};
  return in_list(type, t, sizeof t / sizeof t[0]);
}

/* Answers that say the request itself is wrong, or lost a race the caller
 * must see: sending it again cannot help and may hide the outcome. */
static bool never_retry(const char *type) {
  static const char *const t[] = {"ConditionalCheckFailedException", "TransactionCanceledException",
                                  "ValidationException"};
  return in_list(type, t, sizeof t / sizeof t[0]);
}

/* Transport failures where no request reached the service: cheap to
 * detect, and worth one retry at most (a stopped emulator stays stopped). */
static bool unreachable(const struct outcome *o) {
  return o->rc == CURLE_COULDNT_CONNECT || o->rc == CURLE_COULDNT_RESOLVE_HOST ||
         o->rc == CURLE_COULDNT_RESOLVE_PROXY || (o->rc == CURLE_OPERATION_TIMEDOUT && !o->sent);
}

static void transport_reason(const struct aws_client *c, const struct outcome *o, char *out,
                             size_t size) {
  switch (o->rc) {
  case CURLE_COULDNT_CONNECT:
    snprintf(out, size, "%s",
             o->os_errno == ECONNREFUSED   ? "connection refused"
             : o->os_errno == EHOSTUNREACH ? "host unreachable"
             : o->os_errno == ENETUNREACH  ? "network unreachable"
             : o->detail[0] != '\0'        ? o->detail
                                           : "cannot connect");
    return;
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
    snprintf(out, size, "cannot resolve host");
    return;
  case CURLE_OPERATION_TIMEDOUT:
    snprintf(out, size, o->sent ? "no answer within %ld ms" : "no connection within %ld ms",
             o->sent ? c->timeout_ms : c->connect_ms);
    return;
  case CURLE_GOT_NOTHING:
    snprintf(out, size, "connection closed without an answer");
    return;
  default:
    snprintf(out, size, "%s", o->detail[0] != '\0' ? o->detail : curl_easy_strerror(o->rc));
  }
}

static void name_call(struct aws_err *e, const struct aws_client *c, const char *op) {
  snprintf(e->service, sizeof e->service, "%s", c->svc->name);
  snprintf(e->op, sizeof e->op, "%s", op);
}

static void attempts_note(const struct aws_err *e, char *out, size_t size) {
  if (e->attempts > 1)
    snprintf(out, size, " after %d attempts", e->attempts);
  else if (size > 0)
    out[0] = '\0';
}

/* Fills e from an HTTP error answer; returns whether to try again. */
static bool service_error(const struct aws_client *c, const char *op, struct outcome *o,
                          struct aws_err *e) {
  e->http = (int)o->status;
  e->body = o->body.p ? fin_json_parse(o->body.p, o->body.n, NULL) : NULL;
  if (!json_is_object(e->body)) {
    json_decref(e->body);
    e->body = NULL;
  }
  /* "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException" */
  const char *type = json_string_value(json_object_get(e->body, "__type"));
  if (type == NULL) type = json_string_value(json_object_get(e->body, "code"));
  const char *hash = type ? strrchr(type, '#') : NULL;
  snprintf(e->type, sizeof e->type, "%s", hash ? hash + 1 : type ? type : "");
  const char *message = json_string_value(json_object_get(e->body, "message"));
  if (message == NULL) message = json_string_value(json_object_get(e->body, "Message"));
  snprintf(e->message, sizeof e->message, "%s", message ? message : "");

  bool retry;
  if (never_retry(e->type)) {
    e->kind = AWS_ERR_SERVICE;
    retry = false;
  } else if (throttling(e->type) || o->status == 429) {
    e->kind = AWS_ERR_THROTTLED;
    retry = true;
  } else {
    e->kind = AWS_ERR_SERVICE;
    retry = o->status >= 500;
  }
  return retry;
}

static void service_msg(const struct aws_client *c, struct aws_err *e) {
  char after[32];
  attempts_note(e, after, sizeof after);
  const char *sep = e->message[0] ? ": " : "";
  if (e->kind == AWS_ERR_THROTTLED)
    snprintf(e->msg, sizeof e->msg, "%s %s throttled%s: HTTP %d %s%s%s (%s)", e->service, e->op,
             after, e->http, e->type, sep, e->message, c->endpoint);
  else if (e->http >= 500)
    snprintf(e->msg, sizeof e->msg, "%s %s unavailable%s: HTTP %d %s%s%s (%s)", e->service, e->op,
             after, e->http, e->type, sep, e->message, c->endpoint);
  else
    snprintf(e->msg, sizeof e->msg, "%s %s failed: HTTP %d %s%s%s", e->service, e->op, e->http,
             e->type, sep, e->message);
}

/* ---- backoff ---- */
/* xorshift64 per thread: rand() would serialise the API's threads on
 * glibc's lock, and the jitter needs no quality beyond spreading. */
static uint64_t jitter_next(void) {
  static _Thread_local uint64_t s;
  if (s == 0) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    s = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&s;
    if (s == 0) s = 0x9e3779b97f4a7c15ULL;
  }
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

/* Full jitter: uniform in [0, min(cap, base * 2^attempt)]. */
static void backoff(const struct aws_client *c, int attempt) {
  long ceiling = c->base_ms << (attempt < 16 ? attempt : 16);
  if (ceiling > c->cap_ms || ceiling <= 0) ceiling = c->cap_ms;
  long ms = (long)(jitter_next() % (uint64_t)(ceiling + 1));
  fin_io_sleep_us(ms * 1000);
}

/* The verdict on one attempt's outcome: fills e (and *resp on success) and
 * says whether sending again may help. */
static bool judge(const struct aws_client *c, const char *op, struct outcome *o, struct aws_err *e,
                  json_t **resp, int *unreachable_tries, bool *quiet) {
  bool retry = false;
  const char *broken = o->rc == CURLE_OK ? damaged(c, o) : NULL;
  if (broken != NULL) { /* sent, and no intact answer: the outcome is unknown */
    e->kind = AWS_ERR_UNAVAILABLE;
    retry = resend_safe(op);
    snprintf(e->msg, sizeof e->msg,
             "%s %s unavailable: bad response: %s (HTTP %ld, %zu bytes) (%s)", e->service, op,
             broken, o->status, o->body.n, c->endpoint);
  } else if (o->rc == CURLE_OK && o->status >= 200 && o->status < 300) {
    e->http = (int)o->status;
    json_error_t jerr;
    *resp = o->body.n > 0 ? fin_json_parse(o->body.p, o->body.n, &jerr) : json_object();
    if (*resp == NULL) {
      e->kind = AWS_ERR_RESPONSE;
      snprintf(e->msg, sizeof e->msg, "%s %s: bad response: HTTP %ld body is not JSON (%s)",
               e->service, op, o->status, o->body.n > 0 ? jerr.text : "out of memory");
    }
  } else if (o->rc == CURLE_OK) {
    retry = service_error(c, op, o, e);
    service_msg(c, e);
  } else if (o->rc == CURLE_WRITE_ERROR || o->rc == CURLE_OUT_OF_MEMORY) {
    /* our sink refused: past MAX_RESPONSE_BYTES, or OOM */
    e->kind =
        o->body.n + CURL_MAX_WRITE_SIZE > MAX_RESPONSE_BYTES ? AWS_ERR_RESPONSE : AWS_ERR_NOMEM;
    snprintf(e->msg, sizeof e->msg, "%s %s: %s", e->service, op,
             e->kind == AWS_ERR_RESPONSE ? "bad response: larger than 32 MiB" : "out of memory");
  } else {
    e->kind = AWS_ERR_UNAVAILABLE;
    if (unreachable(o)) {
      retry = ++*unreachable_tries < 2;
      *quiet = true; /* the 503 that follows tells; one line per request is enough */
    } else           /* sent: a write may have been applied; a timeout is slow to tell again */
      retry = (!o->sent || resend_safe(op)) && o->rc != CURLE_OPERATION_TIMEDOUT &&
              o->rc != CURLE_URL_MALFORMAT && o->rc != CURLE_UNSUPPORTED_PROTOCOL &&
              o->rc != CURLE_PEER_FAILED_VERIFICATION;
    char why[CURL_ERROR_SIZE + 32], after[32];
    transport_reason(c, o, why, sizeof why);
    attempts_note(e, after, sizeof after);
    snprintf(e->msg, sizeof e->msg, "%s %s unavailable: %s%s (%s)", e->service, op, why, after,
             c->endpoint);
  }
  return retry;
}

/* ---- the call ---- */
int aws_call_text(struct aws_client *c, const char *target, const char *op, const char *body,
                  size_t len, json_t **resp, struct aws_err *e) {
  memset(e, 0, sizeof *e);
  *resp = NULL;
  char full[160];
  snprintf(full, sizeof full, "%s.%s", target, op);
  int unreachable_tries = 0;
  for (int attempt = 0;; attempt++) {
    struct outcome o;
    bool quiet = false; /* retried without a log line */
    aws_err_clear(e);
    memset(e, 0, sizeof *e);
    name_call(e, c, op);
    e->attempts = attempt + 1;
    const char *local = exchange(c, full, body, len, &o);
    if (local != NULL) { /* nothing was sent */
      e->kind = o.no_keys ? AWS_ERR_UNAVAILABLE : AWS_ERR_NOMEM;
      snprintf(e->msg, sizeof e->msg, "%s %s%s: %s", e->service, op,
               o.no_keys ? " unavailable" : "", local);
      break;
    }
    bool retry = judge(c, op, &o, e, resp, &unreachable_tries, &quiet);
    free(o.body.p);
    if (!retry || attempt >= c->max_retries) break;
    if (!quiet) {
      char op_esc[160], why_esc[640];
      fin_log("warn", "aws_retry", "\"service\":\"%s\",\"op\":\"%s\",\"attempt\":%d,\"why\":\"%s\"",
              e->service, fin_log_esc(op, op_esc, sizeof op_esc), attempt + 1,
              fin_log_esc(e->msg, why_esc, sizeof why_esc));
    }
    backoff(c, attempt);
  }
  if (*resp != NULL) {
    aws_err_clear(e);
    memset(e, 0, sizeof *e);
    return 0;
  }
  return -1;
}

int aws_call(struct aws_client *c, const char *target, const char *op, const json_t *req,
             json_t **resp, struct aws_err *e) {
  /* our writer: the same bytes as json_dumps(JSON_COMPACT) on these bodies,
   * in a quarter of the time (docs/performance.md) */
  size_t len = 2;
  char *body = req != NULL ? fin_json_dump_typed(req, &len) : strdup("{}");
  if (body == NULL) {
    *resp = NULL;
    memset(e, 0, sizeof *e);
    name_call(e, c, op);
    e->kind = AWS_ERR_NOMEM;
    snprintf(e->msg, sizeof e->msg, "%s %s: out of memory", e->service, op);
    return -1;
  }
  int rc = aws_call_text(c, target, op, body, len, resp, e);
  free(body);
  return rc;
}

void aws_err_clear(struct aws_err *e) {
  if (e == NULL) return;
  json_decref(e->body);
  e->body = NULL;
}

enum fin_status aws_err_to_fin(const struct aws_err *e, struct fin_err *fe) {
  bool down = e->kind == AWS_ERR_UNAVAILABLE || e->kind == AWS_ERR_THROTTLED ||
              (e->kind == AWS_ERR_SERVICE && e->http >= 500);
  enum fin_status code = e->kind == AWS_ERR_NOMEM ? FIN_NOMEM
                         : down                   ? FIN_UNAVAILABLE
                                                  : FIN_INTERNAL;
  return fin_err_set(fe, code, "%s", e->msg);
}
