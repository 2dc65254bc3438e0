/* gtoken.c - OAuth access tokens for Firestore (see gtoken.h). */
#include "gtoken.h"

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/codec.h"
#include "../../core/util/httpc.h"
#include "../../core/util/io.h"
#include "../../core/util/timefmt.h"

/* Firestore and Identity Toolkit (fb_auth.c's accounts:lookup) both take
 * cloud-platform; datastore alone would not cover the second. */
#define DEFAULT_SCOPE "https://www.googleapis.com/auth/cloud-platform"
#define DEFAULT_TOKEN_URI "https://oauth2.googleapis.com/token"
#define MARGIN_MS (5 * 60 * 1000) /* renewed this long before expiry */
#define MAX_ANSWER ((size_t)64 << 10)

struct gtoken {
  pthread_mutex_t mu; /* held across a renewal: taken with fin_io_lock */
  EVP_PKEY *key;      /* service account; NULL: metadata server */
  char *email, *token_uri, *scope, *metadata_url, *source;
  long timeout_ms;
  char *token;     /* under mu */
  int64_t expires; /* under mu: wall-clock ms */
};

void gtoken_free(struct gtoken *g) {
  if (g == NULL) return;
  pthread_mutex_destroy(&g->mu);
  EVP_PKEY_free(g->key);
  free(g->email), free(g->token_uri), free(g->scope), free(g->metadata_url);
  free(g->source), free(g->token);
  free(g);
}

/* The key file's service account into g; 0, or -1 with err filled. */
static int load_key(struct gtoken *g, const char *path, char *err, size_t err_size) {
  json_error_t je;
  json_t *k = json_load_file(path, 0, &je);
  if (k == NULL) {
    snprintf(err, err_size, "GOOGLE_APPLICATION_CREDENTIALS %s: %s", path, je.text);
    return -1;
  }
  const char *type = json_string_value(json_object_get(k, "type"));
  const char *email = json_string_value(json_object_get(k, "client_email"));
  const char *pem = json_string_value(json_object_get(k, "private_key"));
  const char *uri = json_string_value(json_object_get(k, "token_uri"));
  int rc = -1;
  if (type == NULL || strcmp(type, "service_account") != 0 || email == NULL || pem == NULL) {
    snprintf(err, err_size,
             "GOOGLE_APPLICATION_CREDENTIALS %s: not a service-account key (type, client_email, "
             "private_key)",
             path);
  } else {
    BIO *b = BIO_new_mem_buf(pem, -1);
    g->key = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    g->email = strdup(email);
    g->token_uri = strdup(uri ? uri : DEFAULT_TOKEN_URI);
    if (g->key == NULL || EVP_PKEY_get_base_id(g->key) != EVP_PKEY_RSA)
      snprintf(err, err_size, "GOOGLE_APPLICATION_CREDENTIALS %s: private_key is not an RSA key",
               path);
    else if (g->email == NULL || g->token_uri == NULL)
      snprintf(err, err_size, "out of memory");
    else
      rc = 0;
  }
  json_decref(k);
  return rc;
}

struct gtoken *gtoken_new(const struct gtoken_cfg *cfg, char *err, size_t err_size) {
  struct gtoken *g = calloc(1, sizeof *g);
  if (g == NULL) {
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  pthread_mutex_init(&g->mu, NULL);
  g->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 5000;
  g->scope = strdup(cfg->scope ? cfg->scope : DEFAULT_SCOPE);
  int bad = g->scope == NULL;
  if (!bad && cfg->key_file != NULL) {
    bad = load_key(g, cfg->key_file, err, err_size) != 0;
    if (!bad && asprintf(&g->source, "service account %s", g->email) < 0) g->source = NULL;
  } else if (!bad) {
    const char *host = cfg->metadata_host ? cfg->metadata_host : "metadata.google.internal";
    if (asprintf(&g->metadata_url,
                 "http://%s/computeMetadata/v1/instance/service-accounts/default/token", host) < 0)
      g->metadata_url = NULL;
    if (asprintf(&g->source, "metadata server %s", host) < 0) g->source = NULL;
  }
  if (!bad && (g->source == NULL || (cfg->key_file == NULL && g->metadata_url == NULL))) {
    snprintf(err, err_size, "out of memory");
    bad = 1;
  }
  if (bad) {
    gtoken_free(g);
    return NULL;
  }
  return g;
}

const char *gtoken_source(const struct gtoken *g) {
  return g->source;
}

/* base64url(a).base64url(b), signed RS256 with key: the assertion (malloc'd). */
static char *signed_jwt(EVP_PKEY *key, const char *head, const char *claims) {
  char *h = fin_b64url_encode((const unsigned char *)head, strlen(head));
  char *c = fin_b64url_encode((const unsigned char *)claims, strlen(claims));
  char *input = NULL, *jwt = NULL, *s64 = NULL;
  unsigned char sig[1024];
  size_t slen = sizeof sig;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (h && c && md && asprintf(&input, "%s.%s", h, c) >= 0 &&
      EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
      EVP_DigestSign(md, sig, &slen, (const unsigned char *)input, strlen(input)) == 1 &&
      (s64 = fin_b64url_encode(sig, slen)) != NULL && asprintf(&jwt, "%s.%s", input, s64) < 0)
    jwt = NULL;
  EVP_MD_CTX_free(md);
  free(h), free(c), free(input), free(s64);
  return jwt;
}

/* One request to the token endpoint: its answer's JSON, or NULL with e set. */
static json_t *ask(struct gtoken *g, const char *url, const char *form, struct fin_err *e) {
  const char *const h[] = {
      form ? "Content-Type: application/x-www-form-urlencoded" : "Metadata-Flavor: Google", NULL};
  struct fin_http_answer a;
  fin_http_call(&(struct fin_http_call){.url = url,
                                        .body = form,
                                        .headers = h,
                                        .timeout_ms = g->timeout_ms,
                                        .max_answer = MAX_ANSWER},
                &a);
  if (a.rc == CURLE_OUT_OF_MEMORY) {
    free(a.body.p);
    fin_err_set(e, FIN_NOMEM, "out of memory");
    return NULL;
  }
  json_t *doc = a.rc == CURLE_OK && a.body.p ? json_loadb(a.body.p, a.body.n, 0, NULL) : NULL;
  free(a.body.p);
  if (a.rc != CURLE_OK)
    fin_err_set(e, FIN_UNAVAILABLE, "Google token (%s) unavailable: %s", g->source,
                curl_easy_strerror(a.rc));
  else if (a.status != 200 || !json_is_string(json_object_get(doc, "access_token")))
    fin_err_set(e, FIN_UNAVAILABLE, "Google token (%s) refused: HTTP %ld %s", g->source, a.status,
                json_string_value(json_object_get(doc, "error_description"))
                    ? json_string_value(json_object_get(doc, "error_description"))
                    : "");
  else
    return doc;
  json_decref(doc);
  return NULL;
}

/* A new token into g (under g->mu). */
static enum fin_status renew(struct gtoken *g, struct fin_err *e) {
  json_t *doc;
  if (g->key == NULL) {
    doc = ask(g, g->metadata_url, NULL, e);
  } else {
    int64_t now = fin_now_ms() / 1000;
    json_t *claims =
        json_pack("{s:s,s:s,s:s,s:I,s:I}", "iss", g->email, "scope", g->scope, "aud", g->token_uri,
                  "iat", (json_int_t)now, "exp", (json_int_t)(now + 3600));
    char *text = claims ? json_dumps(claims, JSON_COMPACT) : NULL;
    json_decref(claims);
    char *jwt = text ? signed_jwt(g->key, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", text) : NULL;
    free(text);
    char *form = NULL;
    if (jwt == NULL ||
        asprintf(&form,
                 "grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Ajwt-bearer"
                 "&assertion=%s",
                 jwt) < 0) {
      free(jwt);
      return fin_err_set(e, FIN_NOMEM, "Google token: cannot sign (out of memory or OpenSSL)");
    }
    free(jwt);
    doc = ask(g, g->token_uri, form, e);
    free(form);
  }
  if (doc == NULL) return e->code;
  json_int_t life = json_integer_value(json_object_get(doc, "expires_in"));
  char *token = strdup(json_string_value(json_object_get(doc, "access_token")));
  json_decref(doc);
  if (token == NULL) return fin_err_set(e, FIN_NOMEM, "out of memory");
  free(g->token);
  g->token = token;
  g->expires = fin_now_ms() + (life > 0 ? life : 0) * 1000;
  return FIN_OK;
}

enum fin_status gtoken_header(struct gtoken *g, char *out, size_t size, struct fin_err *e) {
  fin_io_lock(&g->mu);
  enum fin_status st = FIN_OK;
  if (g->token == NULL || fin_now_ms() + MARGIN_MS >= g->expires) st = renew(g, e);
  if (st == FIN_OK && snprintf(out, size, "Authorization: Bearer %s", g->token) >= (int)size)
    st = fin_err_set(e, FIN_INTERNAL, "Google token longer than %zu bytes", size);
  pthread_mutex_unlock(&g->mu);
  return st;
}
