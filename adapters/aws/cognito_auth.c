/* cognito_auth.c - what a valid Cognito token is (see cognito_auth.h).
 * base64url is OpenSSL's decoder (fin_b64url_decode), JSON jansson's, the
 * RS256 check OpenSSL's EVP_DigestVerify; the keys come from jwks.c. */
#include "cognito_auth.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/codec.h"
#include "../../core/util/log.h"
#include "../../core/util/timefmt.h"
#include "jwks.h"

#define MAX_TOKEN 16384 /* Cognito tokens are 1-2 KiB; bounds the work on junk */

struct cognito {
  char *issuer, *client_id;
  fin_ms leeway_ms;
  const struct fin_clock *clock;
  struct jwks *keys;
  EVP_MD *sha256; /* fetched once: implicit fetches are slow on OpenSSL 3.0 */
};

static fin_ms now_ms(const struct cognito *c) {
  return c->clock != NULL ? c->clock->ops->now(c->clock->self) : fin_now_ms();
}

static enum fin_auth_result reason(enum fin_auth_result r, char *detail, size_t n,
                                   const char *why) {
  if (detail != NULL && n > 0) snprintf(detail, n, "%s", why);
  return r;
}
/* In functions with `detail` and `n` parameters. */
#define INVALID(why) reason(FIN_AUTH_INVALID, detail, n, why)

/* ---- the compact serialization ---- */
struct jws {
  const char *hdr, *payload, *sig; /* segments of the token (not copies) */
  size_t hdr_len, payload_len, sig_len;
};

/* Unpadded base64url only: the decoder also takes '=' and we want one spelling. */
static bool b64url_chars(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!(s[i] >= 'A' && s[i] <= 'Z') && !(s[i] >= 'a' && s[i] <= 'z') &&
        !(s[i] >= '0' && s[i] <= '9') && s[i] != '-' && s[i] != '_')
      return false;
  return n > 0;
}

/* Splits header.payload.signature; false unless exactly three non-empty
 * base64url segments (so alg "none"'s empty signature fails here too). */
static bool split(const char *token, struct jws *t) {
  size_t len = strnlen(token, MAX_TOKEN + 1);
  const char *d1 = memchr(token, '.', len);
  const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
  if (len > MAX_TOKEN || d2 == NULL) return false;
  *t = (struct jws){.hdr = token,
                    .hdr_len = (size_t)(d1 - token),
                    .payload = d1 + 1,
                    .payload_len = (size_t)(d2 - d1 - 1),
                    .sig = d2 + 1,
                    .sig_len = len - (size_t)(d2 + 1 - token)};
  return b64url_chars(t->hdr, t->hdr_len) && b64url_chars(t->payload, t->payload_len) &&
         b64url_chars(t->sig, t->sig_len);
}

/* A decoded segment (free()), or NULL. */
static uint8_t *decode(const char *s, size_t n, size_t *out_len) {
  return fin_b64url_decode(s, n, out_len);
}

/* A segment holding a JSON object (duplicate names refused: two parsers
 * must never read different claims from one token), or NULL. */
static json_t *decode_object(const char *s, size_t n) {
  size_t len = 0;
  uint8_t *raw = decode(s, n, &len);
  if (raw == NULL) return NULL;
  json_t *j = json_loadb((const char *)raw, len, JSON_REJECT_DUPLICATES, NULL);
  free(raw);
  if (json_is_object(j)) return j;
  json_decref(j);
  return NULL;
}

static const char *str(const json_t *o, const char *k) {
  return json_string_value(json_object_get(o, k));
}

/* RS256 over "header.payload". */
static bool signature_ok(const struct cognito *c, const struct jws *t, EVP_PKEY *key) {
  size_t sig_len = 0;
  uint8_t *sig = decode(t->sig, t->sig_len, &sig_len);
  EVP_MD_CTX *ctx = sig != NULL ? EVP_MD_CTX_new() : NULL;
  bool ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, c->sha256, NULL, key) == 1 &&
            EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)t->hdr,
                             t->hdr_len + 1 + t->payload_len) == 1;
  EVP_MD_CTX_free(ctx);
  free(sig);
  return ok;
}

/* ---- claims (only ever read after the signature held) ---- */
static bool audience_is(const json_t *aud, const char *client_id) {
  if (json_is_string(aud)) return strcmp(json_string_value(aud), client_id) == 0;
  size_t i;
  json_t *a;
  json_array_foreach(aud, i, a) {
    if (json_is_string(a) && strcmp(json_string_value(a), client_id) == 0) return true;
  }
  return false;
}

static enum fin_auth_result check_claims(const struct cognito *c, const json_t *cl,
                                         struct fin_principal *out, char *detail, size_t n) {
  const char *iss = str(cl, "iss"), *use = str(cl, "token_use"), *sub = str(cl, "sub");
  if (iss == NULL || strcmp(iss, c->issuer) != 0) return INVALID("issuer is not this pool");
  if (use != NULL && strcmp(use, "id") == 0) {
    if (!audience_is(json_object_get(cl, "aud"), c->client_id))
      return INVALID("aud is not this app client");
  } else if (use != NULL && strcmp(use, "access") == 0) {
    const char *cid = str(cl, "client_id");
    if (cid == NULL || strcmp(cid, c->client_id) != 0)
      return INVALID("client_id is not this app client");
  } else {
    return INVALID("token_use is neither id nor access");
  }
  if (sub == NULL || sub[0] == '\0') return INVALID("no sub");
  const json_t *exp = json_object_get(cl, "exp"), *nbf = json_object_get(cl, "nbf");
  if (!json_is_number(exp)) return INVALID("no exp");
  if (nbf != NULL && !json_is_number(nbf)) return INVALID("nbf is not a number");
  double now = (double)now_ms(c), leeway = (double)c->leeway_ms;
  if (nbf != NULL && now + leeway < json_number_value(nbf) * 1000.0)
    return INVALID("not valid yet (nbf)");
  if (now >= json_number_value(exp) * 1000.0 + leeway)
    return reason(FIN_AUTH_EXPIRED, detail, n, "token expired");

  const char *role = str(cl, "custom:role"), *eco = str(cl, "custom:ecosystemId");
  const char *email = str(cl, "email");
  bool known_role = role != NULL && (strcmp(role, "admin") == 0 || strcmp(role, "user") == 0);
  out->uid = strdup(sub);
  out->email = strdup(email != NULL ? email : "");
  out->role = strdup(known_role ? role : "user");
  out->ecosystem_id = strdup(eco != NULL && eco[0] != '\0' ? eco : sub);
  if (!out->uid || !out->email || !out->role || !out->ecosystem_id) {
    fin_principal_clear(out);
    return INVALID("out of memory");
  }
  return FIN_AUTH_OK;
}

/* ---- the port ---- */
static enum fin_auth_result cg_verify(void *self, const char *token, struct fin_principal *out,
                                      char *detail, size_t n) {
  struct cognito *c = self;
  memset(out, 0, sizeof *out);
  struct jws t;
  if (token == NULL || !split(token, &t)) return INVALID("not a signed compact JWS");

  json_t *hdr = decode_object(t.hdr, t.hdr_len);
  const char *alg = str(hdr, "alg"), *kid = str(hdr, "kid");
  enum fin_auth_result r = FIN_AUTH_OK;
  EVP_PKEY *key = NULL;
  if (hdr == NULL)
    r = INVALID("header is not a JSON object");
  else if (alg == NULL || strcmp(alg, "RS256") != 0) /* "none", HS256 (key confusion) ... */
    r = INVALID("alg is not RS256");
  else if (json_object_get(hdr, "crit") != NULL) /* extensions we would have to understand */
    r = INVALID("crit header");
  else if (kid == NULL || kid[0] == '\0')
    r = INVALID("no kid");
  else {
    char why[128] = "";
    enum jwks_result k = jwks_lookup(c->keys, kid, &key, why, sizeof why);
    if (k != JWKS_OK)
      r = reason(k == JWKS_UNAVAILABLE ? FIN_AUTH_UNAVAILABLE : FIN_AUTH_INVALID, detail, n, why);
  }
  json_decref(hdr);
  if (r != FIN_AUTH_OK) return r;

  bool ok = signature_ok(c, &t, key);
  EVP_PKEY_free(key);
  if (!ok) return INVALID("bad signature");
  json_t *claims = decode_object(t.payload, t.payload_len);
  r = claims != NULL ? check_claims(c, claims, out, detail, n)
                     : INVALID("payload is not a JSON object");
  json_decref(claims);
  return r;
}

static enum fin_status cg_is_disabled(void *self, const char *uid, bool *disabled,
                                      struct fin_err *e) {
  /* The original asked AdminGetUser on every request. Here a disabled user
   * is stopped by Cognito itself: it issues no new tokens (sign-in and
   * refresh both fail), so an already issued token works until its exp
   * (1 h by default). Closing that window needs AdminGetUser through the
   * AWS JSON client (aws_http.h) plus a short cache, which is follow-up
   * work; until then every uid counts as active. */
  *disabled = false;
  return FIN_OK;
}

static const char *cg_name(void *self) {
  return "cognito";
}

static enum fin_status cg_ping(void *self, struct fin_err *e) {
  struct cognito *c = self;
  char why[128] = "";
  if (jwks_ensure(c->keys, why, sizeof why) == JWKS_OK) return FIN_OK;
  return fin_err_set(e, FIN_UNAVAILABLE, "cognito: %s", why);
}

static void cg_destroy(void *self) {
  struct cognito *c = self;
  if (c == NULL) return;
  jwks_free(c->keys);
  EVP_MD_free(c->sha256);
  free(c->issuer);
  free(c->client_id);
  free(c);
}

static const struct fin_auth_ops cg_ops = {
    .verify = cg_verify,
    .is_disabled = cg_is_disabled,
    .name = cg_name,
    .ping = cg_ping,
    .destroy = cg_destroy,
};

unsigned long cognito_auth_jwks_fetches(struct fin_auth a) {
  return a.ops == &cg_ops ? jwks_fetch_count(((struct cognito *)a.self)->keys) : 0;
}

/* Pool ids go into URLs: "<region>_<id>" with a safe alphabet only. */
static bool pool_id_ok(const char *p) {
  const char *us = strchr(p, '_');
  if (us == NULL || us == p || us[1] == '\0') return false;
  for (; *p; p++)
    if (!(*p >= 'A' && *p <= 'Z') && !(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9') &&
        *p != '-' && *p != '_')
      return false;
  return true;
}

/* The issuer with each "{userPoolId}" replaced by the pool id (emulators put
 * the pool id, which changes with every fresh emulator, into an issuer of
 * their own: LocalStack Pro's is http://localhost.localstack.cloud:4566/<pool>).
 * NULL when out of memory. */
static char *expand_issuer(const char *tmpl, const char *pool) {
  static const char var[] = "{userPoolId}";
  size_t n = 0, vl = sizeof var - 1, pl = strlen(pool);
  for (const char *p = strstr(tmpl, var); p != NULL; p = strstr(p + vl, var))
    n++;
  char *out = malloc(strlen(tmpl) + n * pl - n * vl + 1);
  if (out == NULL) return NULL;
  char *o = out;
  for (const char *p = tmpl, *hit; *p != '\0'; p = hit + vl) {
    hit = strstr(p, var);
    size_t keep = hit != NULL ? (size_t)(hit - p) : strlen(p);
    memcpy(o, p, keep);
    o += keep;
    if (hit == NULL) break;
    memcpy(o, pool, pl);
    o += pl;
  }
  *o = '\0';
  return out;
}

static struct fin_auth fail(struct cognito *c, char *err, size_t n, const char *why) {
  cg_destroy(c);
  if (err != NULL && n > 0) snprintf(err, n, "cognito: %s", why);
  return (struct fin_auth){NULL, NULL};
}

struct fin_auth cognito_auth_new(const struct cognito_auth_cfg *cfg, char *err, size_t err_size) {
  if (cfg->user_pool_id == NULL || cfg->client_id == NULL || cfg->client_id[0] == '\0')
    return fail(NULL, err, err_size, "user pool id and client id are required");
  if (!pool_id_ok(cfg->user_pool_id))
    return fail(NULL, err, err_size, "user pool id must look like <region>_<id>");
  if (cfg->leeway_s < 0) return fail(NULL, err, err_size, "leeway must not be negative");
  struct cognito *c = calloc(1, sizeof *c);
  if (c == NULL) return fail(NULL, err, err_size, "out of memory");
  int region_len = (int)(strchr(cfg->user_pool_id, '_') - cfg->user_pool_id);
  bool has_region = cfg->region != NULL && cfg->region[0] != '\0';
  const char *region = has_region ? cfg->region : cfg->user_pool_id;
  if (has_region) region_len = (int)strlen(cfg->region);
  if (cfg->issuer != NULL)
    c->issuer = expand_issuer(cfg->issuer, cfg->user_pool_id);
  else if (asprintf(&c->issuer, "https://cognito-idp.%.*s.amazonaws.com/%s", region_len, region,
                    cfg->user_pool_id) < 0)
    c->issuer = NULL;
  char *jwks_url = NULL;
  if (c->issuer != NULL && cfg->jwks_url == NULL &&
      asprintf(&jwks_url, "%s/.well-known/jwks.json", c->issuer) < 0)
    jwks_url = NULL;
  c->client_id = strdup(cfg->client_id);
  c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  if (c->issuer == NULL || c->client_id == NULL || c->sha256 == NULL ||
      (cfg->jwks_url == NULL && jwks_url == NULL)) {
    free(jwks_url);
    return fail(c, err, err_size, "out of memory");
  }
  c->leeway_ms = (fin_ms)cfg->leeway_s * 1000;
  c->clock = cfg->clock;
  struct jwks_cfg jc = {.url = cfg->jwks_url != NULL ? cfg->jwks_url : jwks_url,
                        .timeout_ms = cfg->timeout_ms,
                        .connect_timeout_ms = cfg->connect_timeout_ms,
                        .refetch_after_s = cfg->refetch_after_s,
                        .max_age_s = cfg->max_key_age_s,
                        .clock = cfg->clock};
  char why[128] = "";
  c->keys = jwks_new(&jc, why, sizeof why);
  if (c->keys != NULL) {
    char iss[256], url[256];
    fin_log("info", "auth_cognito", "\"issuer\":\"%s\",\"jwks\":\"%s\"",
            fin_log_esc(c->issuer, iss, sizeof iss), fin_log_esc(jc.url, url, sizeof url));
  }
  free(jwks_url);
  if (c->keys == NULL) return fail(c, err, err_size, why);
  return (struct fin_auth){&cg_ops, c};
}
