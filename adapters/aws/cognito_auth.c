/* cognito_auth.c - Cognito token verification (see cognito_auth.h). The
 * JOSE work (base64url, RSA signature) is cjose's; this file decides what a
 * valid Cognito token is. */
#include "cognito_auth.h"

#include <cjose/cjose.h>
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/util/httpc.h"
#include "../../core/util/log.h"

#define REFETCH_AFTER_S 30 /* an unknown kid refetches the JWKS at most this often */
#define MAX_KEYS 16
#define MAX_JWKS_BYTES (256 * 1024)

struct key {
  char kid[128];
  cjose_jwk_t *jwk;
};

struct cognito {
  char *issuer, *client_id, *jwks_url;
  long timeout_ms, leeway_s;
  long long (*now_s)(void);
  pthread_mutex_t mu; /* guards the key set and fetch times */
  struct key keys[MAX_KEYS];
  int n_keys;
  long long fetched_at; /* last attempt (0 = never) */
  bool fetched_ok;
};

static long long system_now_s(void) {
  return (long long)time(NULL);
}

/* ---- JWKS ---- */
/* GETs the JWKS; returns the parsed document or NULL with a reason. */
static json_t *fetch_jwks(const struct cognito *c, char *why, size_t why_size) {
  CURL *h = curl_easy_init();
  if (h == NULL) {
    snprintf(why, why_size, "out of memory");
    return NULL;
  }
  struct fin_http_buf b = {.max = MAX_JWKS_BYTES}; /* refuses a huge document */
  curl_easy_setopt(h, CURLOPT_URL, c->jwks_url);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fin_http_buf_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  json_t *doc = NULL;
  if (rc != CURLE_OK)
    snprintf(why, why_size, "JWKS %s: %s", c->jwks_url, curl_easy_strerror(rc));
  else if (status != 200)
    snprintf(why, why_size, "JWKS %s: HTTP %ld", c->jwks_url, status);
  else if ((doc = json_loadb(b.p ? b.p : "", b.n, 0, NULL)) == NULL ||
           !json_is_array(json_object_get(doc, "keys")))
    snprintf(why, why_size, "JWKS %s: not a key set", c->jwks_url);
  free(b.p);
  if (doc != NULL && !json_is_array(json_object_get(doc, "keys"))) {
    json_decref(doc);
    doc = NULL;
  }
  return doc;
}

static void drop_keys(struct cognito *c) {
  for (int i = 0; i < c->n_keys; i++)
    cjose_jwk_release(c->keys[i].jwk);
  c->n_keys = 0;
}

/* Replaces the key set from the JWKS (RSA signing keys only). Under mu. */
static bool refresh(struct cognito *c, char *why, size_t why_size) {
  c->fetched_at = c->now_s();
  json_t *doc = fetch_jwks(c, why, why_size);
  if (doc == NULL) return false;
  drop_keys(c);
  size_t i;
  json_t *k;
  json_array_foreach(json_object_get(doc, "keys"), i, k) {
    const char *kid = json_string_value(json_object_get(k, "kid"));
    const char *kty = json_string_value(json_object_get(k, "kty"));
    if (kid == NULL || kty == NULL || strcmp(kty, "RSA") != 0 || c->n_keys == MAX_KEYS) continue;
    char *text = json_dumps(k, JSON_COMPACT);
    cjose_err err;
    cjose_jwk_t *jwk = text ? cjose_jwk_import(text, strlen(text), &err) : NULL;
    free(text);
    if (jwk == NULL) continue;
    snprintf(c->keys[c->n_keys].kid, sizeof c->keys[0].kid, "%s", kid);
    c->keys[c->n_keys++].jwk = jwk;
  }
  json_decref(doc);
  c->fetched_ok = true;
  return true;
}

/* The key for kid (retained: release it), fetching the JWKS when needed.
 * Returns FIN_AUTH_OK, FIN_AUTH_INVALID (unknown kid) or UNAVAILABLE. */
static enum fin_auth_result key_for(struct cognito *c, const char *kid, cjose_jwk_t **out,
                                    char *why, size_t why_size) {
  *out = NULL;
  pthread_mutex_lock(&c->mu);
  for (int pass = 0; pass < 2 && *out == NULL; pass++) {
    for (int i = 0; i < c->n_keys; i++)
      if (strcmp(c->keys[i].kid, kid) == 0) *out = cjose_jwk_retain(c->keys[i].jwk, NULL);
    if (*out != NULL || pass == 1) break;
    bool due = !c->fetched_ok || c->now_s() - c->fetched_at >= REFETCH_AFTER_S;
    if (!due) break;
    if (!refresh(c, why, why_size)) {
      pthread_mutex_unlock(&c->mu);
      return FIN_AUTH_UNAVAILABLE;
    }
  }
  pthread_mutex_unlock(&c->mu);
  if (*out == NULL) snprintf(why, why_size, "unknown kid %s", kid);
  return *out != NULL ? FIN_AUTH_OK : FIN_AUTH_INVALID;
}

/* ---- tokens ---- */
static json_t *decode_part(const char *p, size_t len) {
  uint8_t *raw = NULL;
  size_t n = 0;
  cjose_err err;
  if (!cjose_base64url_decode(p, len, &raw, &n, &err)) return NULL;
  json_t *j = json_loadb((const char *)raw, n, 0, NULL);
  cjose_get_dealloc()(raw);
  return json_is_object(j) ? j : (json_decref(j), NULL);
}

static const char *str(const json_t *o, const char *k) {
  return json_string_value(json_object_get(o, k));
}

static enum fin_auth_result fail(char *detail, size_t n, const char *why) {
  if (detail != NULL) snprintf(detail, n, "%s", why);
  return FIN_AUTH_INVALID;
}

/* The claims after the signature held. */
static enum fin_auth_result check_claims(struct cognito *c, const json_t *cl,
                                         struct fin_principal *out, char *detail, size_t n) {
  const char *iss = str(cl, "iss"), *use = str(cl, "token_use"), *sub = str(cl, "sub");
  if (iss == NULL || strcmp(iss, c->issuer) != 0) return fail(detail, n, "issuer of another pool");
  const char *audience = use == NULL                  ? NULL
                         : strcmp(use, "id") == 0     ? str(cl, "aud")
                         : strcmp(use, "access") == 0 ? str(cl, "client_id")
                                                      : NULL;
  if (audience == NULL || strcmp(audience, c->client_id) != 0)
    return fail(detail, n, "token_use/audience not this app client");
  if (sub == NULL || sub[0] == '\0') return fail(detail, n, "no sub");
  json_t *exp = json_object_get(cl, "exp");
  if (!json_is_number(exp)) return fail(detail, n, "no exp");
  if ((double)c->now_s() >= json_number_value(exp) + (double)c->leeway_s) {
    if (detail != NULL) snprintf(detail, n, "expired");
    return FIN_AUTH_EXPIRED;
  }
  const char *role = str(cl, "custom:role"), *eco = str(cl, "custom:ecosystemId");
  const char *email = str(cl, "email");
  out->uid = strdup(sub);
  out->email = strdup(email ? email : "");
  out->role = strdup(role != NULL && strcmp(role, "admin") == 0 ? "admin" : "user");
  out->ecosystem_id = strdup(eco != NULL && eco[0] != '\0' ? eco : sub);
  if (!out->uid || !out->email || !out->role || !out->ecosystem_id) {
    fin_principal_clear(out);
    return fail(detail, n, "out of memory");
  }
  return FIN_AUTH_OK;
}

static enum fin_auth_result cg_verify(void *self, const char *token, struct fin_principal *out,
                                      char *detail, size_t n) {
  struct cognito *c = self;
  memset(out, 0, sizeof *out);
  const char *dot1 = token ? strchr(token, '.') : NULL;
  const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
  if (dot2 == NULL || strchr(dot2 + 1, '.') != NULL || dot2[1] == '\0' || strlen(token) > 16384)
    return fail(detail, n, "not a signed compact JWS");
  json_t *hdr = decode_part(token, (size_t)(dot1 - token));
  const char *alg = str(hdr, "alg"), *kid = str(hdr, "kid");
  if (alg == NULL || strcmp(alg, "RS256") != 0 || kid == NULL) {
    json_decref(hdr);
    return fail(detail, n, "alg is not RS256 or no kid");
  }
  cjose_jwk_t *jwk;
  char why[256] = "";
  enum fin_auth_result r = key_for(c, kid, &jwk, why, sizeof why);
  json_decref(hdr);
  if (r != FIN_AUTH_OK) {
    if (detail != NULL) snprintf(detail, n, "%s", why);
    return r;
  }
  cjose_err err;
  cjose_jws_t *jws = cjose_jws_import(token, strlen(token), &err);
  uint8_t *plain = NULL;
  size_t plain_len = 0;
  bool ok = jws != NULL && cjose_jws_verify(jws, jwk, &err) &&
            cjose_jws_get_plaintext(jws, &plain, &plain_len, &err);
  pthread_mutex_lock(&c->mu); /* cjose's reference count is not atomic */
  cjose_jwk_release(jwk);
  pthread_mutex_unlock(&c->mu);
  json_t *claims = ok ? json_loadb((const char *)plain, plain_len, 0, NULL) : NULL;
  cjose_jws_release(jws);
  if (!ok) return fail(detail, n, "bad signature");
  r = json_is_object(claims) ? check_claims(c, claims, out, detail, n)
                             : fail(detail, n, "claims are not an object");
  json_decref(claims);
  return r;
}

static enum fin_status cg_is_disabled(void *self, const char *uid, bool *disabled,
                                      struct fin_err *e) {
  /* Cognito refuses to issue tokens to a disabled user, and tokens live an
   * hour; checking AdminGetUser per request would cost a round trip. */
  *disabled = false;
  return FIN_OK;
}

static const char *cg_name(void *self) {
  return "cognito";
}

static enum fin_status cg_ping(void *self, struct fin_err *e) {
  struct cognito *c = self;
  char why[256] = "";
  pthread_mutex_lock(&c->mu);
  bool ok = c->fetched_ok && c->n_keys > 0;
  if (!ok) ok = refresh(c, why, sizeof why) && c->n_keys > 0;
  pthread_mutex_unlock(&c->mu);
  return ok ? FIN_OK : fin_err_set(e, FIN_UNAVAILABLE, "cognito %s", why[0] ? why : "no keys");
}

static void cg_destroy(void *self) {
  struct cognito *c = self;
  if (c == NULL) return;
  drop_keys(c);
  pthread_mutex_destroy(&c->mu);
  free(c->issuer);
  free(c->client_id);
  free(c->jwks_url);
  free(c);
}

static const struct fin_auth_ops cg_ops = {
    .verify = cg_verify,
    .is_disabled = cg_is_disabled,
    .name = cg_name,
    .ping = cg_ping,
    .destroy = cg_destroy,
};

struct fin_auth cognito_auth_new(const struct cognito_auth_cfg *cfg, char *err, size_t err_size) {
  if (cfg->user_pool_id == NULL || cfg->client_id == NULL) {
    snprintf(err, err_size, "user pool id and client id are required");
    return (struct fin_auth){NULL, NULL};
  }
  struct cognito *c = calloc(1, sizeof *c);
  if (c == NULL) goto oom;
  pthread_mutex_init(&c->mu, NULL);
  const char *region = cfg->region ? cfg->region : "us-east-1";
  if (cfg->issuer != NULL)
    c->issuer = strdup(cfg->issuer);
  else if (asprintf(&c->issuer, "https://cognito-idp.%s.amazonaws.com/%s", region,
                    cfg->user_pool_id) < 0)
    c->issuer = NULL;
  if (c->issuer == NULL) goto oom;
  if (cfg->jwks_url != NULL)
    c->jwks_url = strdup(cfg->jwks_url);
  else if (asprintf(&c->jwks_url, "%s/.well-known/jwks.json", c->issuer) < 0)
    c->jwks_url = NULL;
  c->client_id = strdup(cfg->client_id);
  if (c->jwks_url == NULL || c->client_id == NULL) goto oom;
  c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 2000;
  c->leeway_s = cfg->leeway_s;
  c->now_s = cfg->now_s ? cfg->now_s : system_now_s;
  fin_log("info", "auth_cognito", "\"issuer\":\"%s\",\"jwks\":\"%s\"", c->issuer, c->jwks_url);
  return (struct fin_auth){&cg_ops, c};
oom:
  cg_destroy(c);
  snprintf(err, err_size, "out of memory");
  return (struct fin_auth){NULL, NULL};
}
