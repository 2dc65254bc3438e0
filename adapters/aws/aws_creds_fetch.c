/* aws_creds_fetch.c - the remote sources of AWS keys (see
 * aws_creds_fetch.h). Their requests are rare (one per renewal) and go
 * through a fresh curl handle each, on the calling fiber (fin_io_perform). */
#include "aws_creds_fetch.h"

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/httpc.h"
#include "../../core/util/io.h"
#include "../../core/util/timefmt.h"
#include "../../core/util/urlhost.h"

#define MAX_ANSWER ((size_t)64 << 10)
#define CONNECT_MS 1000L
#define ECS_HOST "http://169.254.170.2"
#define IMDS_HOST "http://169.254.169.254"

void creds_remote_clear(struct creds_remote *r) {
  free(r->describe), free(r->url), free(r->auth), free(r->auth_file);
  free(r->role_arn), free(r->session), free(r->token_file);
  memset(r, 0, sizeof *r);
}

static int oom(struct creds_remote *r, char *err, size_t err_size) {
  creds_remote_clear(r);
  snprintf(err, err_size, "out of memory");
  return -1;
}

static char *dup_or_null(const char *s) {
  return s ? strdup(s) : NULL;
}

/* ---- which source ---- */
/* A full container URL the SDKs accept: https, or http to loopback or to
 * the link-local addresses of ECS (169.254.170.2) and EKS Pod Identity
 * (169.254.170.23, fd00:ec2::23). Host names other than localhost are not
 * resolved to check them, so they need https. */
static int container_url_allowed(const char *url) {
  if (strncmp(url, "https://", 8) == 0) return 1;
  if (strncmp(url, "http://", 7) != 0) return 0;
  if (fin_url_loopback(url)) return 1;
  CURLU *u = curl_url();
  char *host = NULL;
  int ok = u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
           curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
           (strcmp(host, "169.254.170.2") == 0 || strcmp(host, "169.254.170.23") == 0 ||
            strcmp(host, "[fd00:ec2::23]") == 0);
  curl_free(host);
  curl_url_cleanup(u);
  return ok;
}

int creds_container(struct creds_remote *r, long timeout_ms, char *err, size_t err_size) {
  const char *rel = aws_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  const char *full = aws_env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  memset(r, 0, sizeof *r);
  r->kind = CREDS_CONTAINER;
  r->timeout_ms = timeout_ms;
  if (rel != NULL) {
    if (asprintf(&r->url, ECS_HOST "%s%s", rel[0] == '/' ? "" : "/", rel) < 0) r->url = NULL;
  } else if (!container_url_allowed(full)) {
    snprintf(err, err_size,
             "AWS_CONTAINER_CREDENTIALS_FULL_URI %s: not allowed (https, or http to loopback, "
             "169.254.170.2, 169.254.170.23 or [fd00:ec2::23])",
             full);
    return -1;
  } else {
    r->url = strdup(full);
    r->auth_file = dup_or_null(aws_env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
    r->auth = r->auth_file ? NULL : dup_or_null(aws_env("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
  }
  if (r->url == NULL || asprintf(&r->describe, "container %s", r->url) < 0)
    return oom(r, err, err_size);
  return 0;
}

int creds_web_identity(struct creds_remote *r, const char *region, long timeout_ms, char *err,
                       size_t err_size) {
  memset(r, 0, sizeof *r);
  r->kind = CREDS_WEB_IDENTITY;
  r->timeout_ms = timeout_ms;
  const char *role = aws_env("AWS_ROLE_ARN");
  if (role == NULL) {
    snprintf(err, err_size, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
    return -1;
  }
  const char *sts = aws_env("AWS_ENDPOINT_URL_STS");
  if (sts == NULL) sts = aws_env("AWS_ENDPOINT_URL");
  if (sts != NULL)
    r->url = strdup(sts);
  else if (asprintf(&r->url, "https://sts.%s.amazonaws.com", region ? region : "us-east-1") < 0)
    r->url = NULL;
  const char *session = aws_env("AWS_ROLE_SESSION_NAME");
  r->role_arn = strdup(role);
  r->session = strdup(session ? session : "financial-api");
  r->token_file = strdup(aws_env("AWS_WEB_IDENTITY_TOKEN_FILE"));
  if (!r->url || !r->role_arn || !r->session || !r->token_file ||
      asprintf(&r->describe, "web identity %s at %s", role, r->url) < 0)
    return oom(r, err, err_size);
  return 0;
}

int creds_imds(struct creds_remote *r, long timeout_ms, char *err, size_t err_size) {
  memset(r, 0, sizeof *r);
  r->kind = CREDS_IMDS;
  r->timeout_ms = timeout_ms;
  const char *base = aws_env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  r->url = strdup(base ? base : IMDS_HOST);
  if (r->url == NULL) return oom(r, err, err_size);
  size_t n = strlen(r->url);
  while (n > 0 && r->url[n - 1] == '/')
    r->url[--n] = '\0';
  if (asprintf(&r->describe, "instance metadata %s", r->url) < 0) return oom(r, err, err_size);
  return 0;
}

/* ---- one request ---- */

/* method "GET", "PUT" or "POST" (with body) to url, header lines h[] (NULL
 * ends); direct: no proxy (link-local and loopback endpoints). */
static void ask(const struct creds_remote *r, const char *method, const char *url,
                const char *const *h, const char *body, int direct, struct fin_http_answer *a) {
  fin_http_call(&(struct fin_http_call){.url = url,
                                        .method = method,
                                        .body = body,
                                        .headers = h,
                                        .timeout_ms = r->timeout_ms,
                                        .connect_timeout_ms = CONNECT_MS,
                                        .max_answer = MAX_ANSWER,
                                        .no_proxy = direct != 0},
                a);
}

/* Drops an answer that may hold keys. */
static void forget(struct fin_http_answer *a) {
  if (a->body.p != NULL) OPENSSL_cleanse(a->body.p, a->body.n);
  free(a->body.p);
  a->body.p = NULL;
}

/* FIN_OK when a is a 200; else e says what `what` (e.g. "role") got. */
static enum fin_status answered(const struct creds_remote *r, const char *what,
                                const struct fin_http_answer *a, struct fin_err *e) {
  if (a->rc == CURLE_OUT_OF_MEMORY) return fin_err_set(e, FIN_NOMEM, "out of memory");
  if (a->rc != CURLE_OK)
    return fin_err_set(e, FIN_UNAVAILABLE, "AWS credentials (%s) unavailable: %s: %s", r->describe,
                       what, curl_easy_strerror(a->rc));
  if (a->status != 200)
    return fin_err_set(e, FIN_UNAVAILABLE, "AWS credentials (%s) refused: %s: HTTP %ld %.160s",
                       r->describe, what, a->status, a->body.p ? a->body.p : "");
  return FIN_OK;
}

/* The first line of a file, without its line end (malloc'd), or NULL. */
static char *read_token(const char *path) {
  FILE *f = fopen(path, "r");
  if (f == NULL) return NULL;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n = getline(&line, &cap, f);
  fclose(f);
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
    line[--n] = '\0';
  if (n <= 0) {
    free(line);
    return NULL;
  }
  return line;
}

/* Keys from id, secret, token and an ISO expiry, or e set. */
static enum fin_status make(const struct creds_remote *r, const char *id, const char *secret,
                            const char *token, const char *expiration, struct aws_keys **out,
                            struct fin_err *e) {
  int64_t exp;
  if (id == NULL || secret == NULL || token == NULL || fin_iso_parse(expiration, &exp) != 0)
    return fin_err_set(e, FIN_UNAVAILABLE,
                       "AWS credentials (%s): answer without AccessKeyId, SecretAccessKey, "
                       "Token/SessionToken and Expiration",
                       r->describe);
  if (exp <= fin_now_ms()) {
    char when[32];
    return fin_err_set(e, FIN_UNAVAILABLE, "AWS credentials (%s): keys already expired at %s",
                       r->describe, fin_iso(exp, when));
  }
  *out = aws_keys_make(id, secret, token, exp);
  return *out ? FIN_OK : fin_err_set(e, FIN_NOMEM, "out of memory");
}

/* The JSON answer of the container endpoint and of IMDS. */
static enum fin_status from_json(const struct creds_remote *r, const struct fin_http_answer *a,
                                 struct aws_keys **out, struct fin_err *e) {
  json_t *d = json_loadb(a->body.p, a->body.n, 0, NULL);
  const char *code = json_string_value(json_object_get(d, "Code"));
  enum fin_status st;
  if (code != NULL && strcmp(code, "Success") != 0)
    st = fin_err_set(e, FIN_UNAVAILABLE, "AWS credentials (%s) refused: %s %.160s", r->describe,
                     code, json_string_value(json_object_get(d, "Message")) ?: "");
  else
    st = make(r, json_string_value(json_object_get(d, "AccessKeyId")),
              json_string_value(json_object_get(d, "SecretAccessKey")),
              json_string_value(json_object_get(d, "Token")),
              json_string_value(json_object_get(d, "Expiration")), out, e);
  json_decref(d);
  return st;
}

static enum fin_status container(const struct creds_remote *r, struct aws_keys **out,
                                 struct fin_err *e) {
  char *auth = r->auth_file ? read_token(r->auth_file) : r->auth ? strdup(r->auth) : NULL;
  if (r->auth_file != NULL && auth == NULL)
    return fin_err_set(e, FIN_UNAVAILABLE, "AWS credentials (%s): cannot read %s", r->describe,
                       r->auth_file);
  char *line = NULL;
  if (auth != NULL && asprintf(&line, "Authorization: %s", auth) < 0) line = NULL;
  int lost = auth != NULL && line == NULL;
  free(auth);
  if (lost) return fin_err_set(e, FIN_NOMEM, "out of memory");
  const char *h[] = {line, NULL};
  struct fin_http_answer a;
  ask(r, "GET", r->url, line ? h : NULL, NULL, 1, &a);
  free(line);
  enum fin_status st = answered(r, "credentials", &a, e);
  if (st == FIN_OK) st = from_json(r, &a, out, e);
  forget(&a);
  return st;
}

/* IMDSv2: a session token (PUT), the instance's role, then its keys. */
static enum fin_status imds(const struct creds_remote *r, struct aws_keys **out,
                            struct fin_err *e) {
  char url[512], tok_h[256];
  snprintf(url, sizeof url, "%s/latest/api/token", r->url);
  const char *put_h[] = {"X-aws-ec2-metadata-token-ttl-seconds: 21600", NULL};
  struct fin_http_answer a;
  ask(r, "PUT", url, put_h, NULL, 1, &a);
  enum fin_status st = answered(r, "session token", &a, e);
  size_t tlen = st == FIN_OK ? strcspn(a.body.p ? a.body.p : "", "\r\n") : 0;
  if (st == FIN_OK && (tlen == 0 || tlen > 200)) /* one header line, nothing after it */
    st = fin_err_set(e, FIN_UNAVAILABLE, "AWS credentials (%s): no usable session token",
                     r->describe);
  if (st == FIN_OK)
    snprintf(tok_h, sizeof tok_h, "X-aws-ec2-metadata-token: %.*s", (int)tlen, a.body.p);
  free(a.body.p);
  if (st != FIN_OK) return st;
  const char *h[] = {tok_h, NULL};
  snprintf(url, sizeof url, "%s/latest/meta-data/iam/security-credentials/", r->url);
  ask(r, "GET", url, h, NULL, 1, &a);
  if (a.rc == CURLE_OK && a.status == 404)
    st = fin_err_set(e, FIN_UNAVAILABLE, "AWS credentials (%s): the instance has no IAM role",
                     r->describe);
  else
    st = answered(r, "role", &a, e);
  size_t role_len = a.body.p ? strcspn(a.body.p, "\r\n") : 0;
  if (st == FIN_OK && (role_len == 0 || role_len > 128))
    st = fin_err_set(e, FIN_UNAVAILABLE, "AWS credentials (%s): no role name in the answer",
                     r->describe);
  if (st == FIN_OK)
    snprintf(url, sizeof url, "%s/latest/meta-data/iam/security-credentials/%.*s", r->url,
             (int)role_len, a.body.p);
  free(a.body.p);
  if (st != FIN_OK) return st;
  ask(r, "GET", url, h, NULL, 1, &a);
  st = answered(r, "keys", &a, e);
  if (st == FIN_OK) st = from_json(r, &a, out, e);
  forget(&a);
  return st;
}

/* The text of the first <tag>...</tag> of an XML answer, its five
 * predefined entities decoded (malloc'd), or NULL. */
static char *xml_text(const char *doc, const char *tag) {
  char open[64], close[64];
  snprintf(open, sizeof open, "<%s>", tag);
  snprintf(close, sizeof close, "</%s>", tag);
  const char *a = doc ? strstr(doc, open) : NULL;
  const char *b = a ? strstr(a, close) : NULL;
  if (b == NULL) return NULL;
  a += strlen(open);
  char *out = malloc((size_t)(b - a) + 1), *o = out;
  static const char *const ent[][2] = {
      {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}};
  while (out != NULL && a < b) {
    size_t i = 0;
    while (i < 5 && strncmp(a, ent[i][0], strlen(ent[i][0])) != 0)
      i++;
    *o++ = i < 5 ? ent[i][1][0] : *a;
    a += i < 5 ? strlen(ent[i][0]) : 1;
  }
  if (out != NULL) *o = '\0';
  return out;
}

/* The form of AssumeRoleWithWebIdentity (malloc'd), or NULL. */
static char *sts_form(const struct creds_remote *r, const char *token) {
  char *role = curl_easy_escape(NULL, r->role_arn, 0);
  char *session = curl_easy_escape(NULL, r->session, 0);
  char *tok = curl_easy_escape(NULL, token, 0);
  char *form = NULL;
  if (role && session && tok &&
      asprintf(&form,
               "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=%s"
               "&RoleSessionName=%s&WebIdentityToken=%s",
               role, session, tok) < 0)
    form = NULL;
  curl_free(role), curl_free(session), curl_free(tok);
  return form;
}

/* AssumeRoleWithWebIdentity at STS: unsigned, the token is the proof. */
static enum fin_status web_identity(const struct creds_remote *r, struct aws_keys **out,
                                    struct fin_err *e) {
  char *token = read_token(r->token_file);
  if (token == NULL)
    return fin_err_set(e, FIN_UNAVAILABLE, "AWS credentials (%s): cannot read %s", r->describe,
                       r->token_file);
  char *form = sts_form(r, token);
  free(token);
  if (form == NULL) return fin_err_set(e, FIN_NOMEM, "out of memory");
  const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
  struct fin_http_answer a;
  ask(r, "POST", r->url, h, form, 0, &a);
  free(form);
  enum fin_status st;
  if (a.rc == CURLE_OK && a.status != 200 && a.body.p != NULL) {
    char *code = xml_text(a.body.p, "Code"), *msg = xml_text(a.body.p, "Message");
    st = fin_err_set(e, FIN_UNAVAILABLE, "AWS credentials (%s) refused: HTTP %ld %s %.160s",
                     r->describe, a.status, code ? code : "", msg ? msg : "");
    free(code), free(msg);
  } else if ((st = answered(r, "AssumeRoleWithWebIdentity", &a, e)) == FIN_OK) {
    char *id = xml_text(a.body.p, "AccessKeyId"), *secret = xml_text(a.body.p, "SecretAccessKey");
    char *tok = xml_text(a.body.p, "SessionToken"), *exp = xml_text(a.body.p, "Expiration");
    st = make(r, id, secret, tok, exp, out, e);
    if (secret != NULL) OPENSSL_cleanse(secret, strlen(secret));
    free(id), free(secret), free(tok), free(exp);
  }
  forget(&a);
  return st;
}

enum fin_status creds_fetch(const struct creds_remote *r, struct aws_keys **out,
                            struct fin_err *e) {
  *out = NULL;
  switch (r->kind) {
  case CREDS_CONTAINER:
    return container(r, out, e);
  case CREDS_WEB_IDENTITY:
    return web_identity(r, out, e);
  case CREDS_IMDS:
    return imds(r, out, e);
  default:
    return fin_err_set(e, FIN_INTERNAL, "AWS credentials: not a remote source");
  }
}
