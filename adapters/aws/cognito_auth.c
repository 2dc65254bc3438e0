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
#include "../../core/util/timefmt.h"
#include "../common/ustat.h"
#include "aws_http.h"
#include "cognito_pool.h"
#include "jwks.h"

#define MAX_TOKEN 16384 /* Cognito tokens are 1-2 KiB; bounds the work on junk */

struct cognito {
  fin_ms leeway_ms;
  const struct fin_clock *clock;
  struct cpools *pools;   /* the pool in force (cognito_pool.h) */
  EVP_MD *sha256;         /* fetched once: implicit fetches are slow on OpenSSL 3.0 */
  struct aws_client *idp; /* AdminGetUser */
  struct ustat *status;   /* its answers, per account */
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

static enum fin_auth_result check_claims(const struct cognito *c, const struct cpool *pool,
                                         const json_t *cl, struct fin_principal *out, char *detail,
                                         size_t n) {
  const char *iss = str(cl, "iss"), *use = str(cl, "token_use"), *sub = str(cl, "sub");
  if (iss == NULL || strcmp(iss, pool->issuer) != 0) return INVALID("issuer is not this pool");
  if (use != NULL && strcmp(use, "id") == 0) {
    if (!audience_is(json_object_get(cl, "aud"), pool->client_id))
      return INVALID("aud is not this app client");
  } else if (use != NULL && strcmp(use, "access") == 0) {
    const char *cid = str(cl, "client_id");
    if (cid == NULL || strcmp(cid, pool->client_id) != 0)
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
  /* AdminGetUser takes the username; the sub only for local users (and not
   * on moto), so the signed username claim names the account. */
  const char *user = str(cl, strcmp(use, "id") == 0 ? "cognito:username" : "username");
  bool known_role = role != NULL && (strcmp(role, "admin") == 0 || strcmp(role, "user") == 0);
  out->uid = strdup(sub);
  out->email = strdup(email != NULL ? email : "");
  out->role = strdup(known_role ? role : "user");
  out->ecosystem_id = strdup(eco != NULL && eco[0] != '\0' ? eco : sub);
  out->account = strdup(user != NULL && user[0] != '\0' ? user : sub);
  if (!out->uid || !out->email || !out->role || !out->ecosystem_id || !out->account) {
    fin_principal_clear(out);
    return INVALID("out of memory");
  }
  return FIN_AUTH_OK;
}

/* ---- the port ---- */
/* The header's checks: NULL when it passes, else why not. */
static const char *header_problem(const json_t *hdr) {
  const char *alg = str(hdr, "alg"), *kid = str(hdr, "kid");
  if (hdr == NULL) return "header is not a JSON object";
  if (alg == NULL || strcmp(alg, "RS256") != 0) return "alg is not RS256"; /* none, HS256 ... */
  if (json_object_get(hdr, "crit") != NULL) return "crit header"; /* extensions unknown here */
  if (kid == NULL || kid[0] == '\0') return "no kid";
  return NULL;
}

/* Checks the signature with the pool's key `kid`, then the claims. */
static enum fin_auth_result verify_with(struct cognito *c, const struct cpool *pool,
                                        const struct jws *t, const char *kid, const json_t *claims,
                                        struct fin_principal *out, char *detail, size_t n) {
  EVP_PKEY *key = NULL;
  char why[128] = "";
  enum jwks_result k = jwks_lookup(pool->keys, kid, &key, why, sizeof why);
  if (k != JWKS_OK)
    return reason(k == JWKS_UNAVAILABLE ? FIN_AUTH_UNAVAILABLE : FIN_AUTH_INVALID, detail, n, why);
  bool ok = signature_ok(c, t, key);
  EVP_PKEY_free(key);
  if (!ok) return INVALID("bad signature");
  if (claims == NULL) return INVALID("payload is not a JSON object");
  return check_claims(c, pool, claims, out, detail, n);
}

static enum fin_auth_result cg_verify(void *self, const char *token, struct fin_principal *out,
                                      char *detail, size_t n) {
  struct cognito *c = self;
  memset(out, 0, sizeof *out);
  struct jws t;
  if (token == NULL || !split(token, &t)) return INVALID("not a signed compact JWS");

  json_t *hdr = decode_object(t.hdr, t.hdr_len);
  const char *problem = header_problem(hdr);
  if (problem != NULL) {
    json_decref(hdr);
    return INVALID(problem);
  }
  /* The claims are trusted only once the signature holds; before that, the
   * issuer only tells whether the pool may have been replaced. */
  json_t *claims = decode_object(t.payload, t.payload_len);
  struct cpool *pool = cpools_get(c->pools);
  const char *iss = str(claims, "iss");
  if (iss != NULL && strcmp(iss, pool->issuer) != 0) pool = cpools_follow(c->pools, pool, iss);
  enum fin_auth_result r = verify_with(c, pool, &t, str(hdr, "kid"), claims, out, detail, n);
  cpools_put(c->pools, pool);
  json_decref(claims);
  json_decref(hdr);
  return r;
}

/* AdminGetUser of `account` in the pool in force (a ustat_lookup_fn). */
static enum fin_status admin_get_user(void *ctx, const char *account, bool *disabled,
                                      struct fin_err *e) {
  struct cognito *c = ctx;
  struct cpool *pool = cpools_get(c->pools);
  json_t *req = json_pack("{s:s, s:s}", "UserPoolId", pool->id, "Username", account);
  cpools_put(c->pools, pool);
  if (req == NULL) return fin_err_set(e, FIN_NOMEM, "cognito: out of memory");
  json_t *resp = NULL;
  struct aws_err ae;
  int rc = aws_call(c->idp, "AWSCognitoIdentityProviderService", "AdminGetUser", req, &resp, &ae);
  json_decref(req);
  enum fin_status st = FIN_OK;
  if (rc == 0)
    *disabled = json_is_false(json_object_get(resp, "Enabled")); /* absent: enabled */
  else if (ae.kind == AWS_ERR_SERVICE && strcmp(ae.type, "UserNotFoundException") == 0)
    *disabled = false; /* an account Cognito does not know counts as active */
  else
    st = aws_err_to_fin(&ae, e); /* fail closed, whatever went wrong (auth.h) */
  if (rc != 0) aws_err_clear(&ae);
  json_decref(resp);
  return st;
}

static enum fin_status cg_is_disabled(void *self, const char *account, bool *disabled,
                                      struct fin_err *e) {
  struct cognito *c = self;
  return ustat_get(c->status, account, admin_get_user, c, disabled, e);
}

static const char *cg_name(void *self) {
  return "cognito";
}

/* Keys that cannot be fetched may mean the pool was replaced (its key URL
 * names the old pool): the pool is looked up again, rate-limited. */
static enum fin_status cg_ping(void *self, struct fin_err *e) {
  struct cognito *c = self;
  char why[128] = "";
  struct cpool *pool = cpools_get(c->pools);
  enum jwks_result r = jwks_ensure(pool->keys, why, sizeof why);
  if (r != JWKS_OK) {
    pool = cpools_follow(c->pools, pool, NULL);
    r = jwks_ensure(pool->keys, why, sizeof why);
  }
  cpools_put(c->pools, pool);
  if (r != JWKS_OK) return fin_err_set(e, FIN_UNAVAILABLE, "cognito: %s", why);
  /* Every authenticated request asks AdminGetUser (cg_is_disabled): without
   * the permission, or with a pool that is gone, all of them would answer
   * 503, so readiness says so first. */
  return ustat_probe(c->status, admin_get_user, c, e);
}

static void cg_destroy(void *self) {
  struct cognito *c = self;
  if (c == NULL) return;
  cpools_free(c->pools);
  EVP_MD_free(c->sha256);
  aws_client_free(c->idp);
  ustat_free(c->status);
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
  if (a.ops != &cg_ops) return 0;
  struct cognito *c = a.self;
  struct cpool *pool = cpools_get(c->pools);
  unsigned long n = jwks_fetch_count(pool->keys);
  cpools_put(c->pools, pool);
  return n;
}

unsigned long cognito_auth_pool_reads(struct fin_auth a) {
  return a.ops == &cg_ops ? cpools_reads(((struct cognito *)a.self)->pools) : 0;
}

static struct fin_auth fail(struct cognito *c, char *err, size_t n, const char *why) {
  cg_destroy(c);
  if (err != NULL && n > 0) snprintf(err, n, "cognito: %s", why);
  return (struct fin_auth){NULL, NULL};
}

/* The AdminGetUser client (the pool's region unless the connection names
 * one) and its answers' cache. */
static struct fin_auth with_status(struct cognito *c, const struct cognito_auth_cfg *cfg,
                                   const char *region, int region_len, char *err, size_t err_size) {
  struct aws_cfg conn = cfg->aws;
  char pool_region[64];
  snprintf(pool_region, sizeof pool_region, "%.*s", region_len, region);
  if (conn.region == NULL || conn.region[0] == '\0') conn.region = pool_region;
  char why[256] = "out of memory";
  c->idp = aws_client_new(&conn, "cognito-idp", why, sizeof why);
  c->status = ustat_new(&(struct ustat_cfg){
      .ttl_s = cfg->status_ttl_s, .capacity = cfg->status_cache_size, .clock = cfg->clock});
  if (c->idp == NULL || c->status == NULL) return fail(c, err, err_size, why);
  return (struct fin_auth){&cg_ops, c};
}

/* Owns cfg->source from here on, also on failure. */
struct fin_auth cognito_auth_new(const struct cognito_auth_cfg *cfg, char *err, size_t err_size) {
  const char *why = NULL;
  if (cfg->user_pool_id == NULL || cfg->client_id == NULL || cfg->client_id[0] == '\0')
    why = "user pool id and client id are required";
  else if (!cpool_id_ok(cfg->user_pool_id))
    why = "user pool id must look like <region>_<id>";
  else if (cfg->leeway_s < 0)
    why = "leeway must not be negative";
  struct cognito *c = why == NULL ? calloc(1, sizeof *c) : NULL;
  if (c == NULL) {
    if (cfg->source.destroy != NULL) cfg->source.destroy(cfg->source.self);
    return fail(NULL, err, err_size, why != NULL ? why : "out of memory");
  }
  int region_len = (int)(strchr(cfg->user_pool_id, '_') - cfg->user_pool_id);
  bool has_region = cfg->region != NULL && cfg->region[0] != '\0';
  const char *region = has_region ? cfg->region : cfg->user_pool_id;
  if (has_region) region_len = (int)strlen(cfg->region);
  char *aws_issuer = NULL;
  if (cfg->issuer == NULL &&
      asprintf(&aws_issuer, "https://cognito-idp.%.*s.amazonaws.com/{userPoolId}", region_len,
               region) < 0)
    aws_issuer = NULL;
  c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  c->leeway_ms = (fin_ms)cfg->leeway_s * 1000;
  c->clock = cfg->clock;
  struct cpools_cfg pc = {
      .pool_id = cfg->user_pool_id,
      .client_id = cfg->client_id,
      .issuer_tmpl = cfg->issuer != NULL ? cfg->issuer : aws_issuer,
      .jwks_tmpl = cfg->jwks_url,
      .jwks = {.timeout_ms = cfg->timeout_ms,
               .connect_timeout_ms = cfg->connect_timeout_ms,
               .refetch_after_s = cfg->refetch_after_s,
               .max_age_s = cfg->max_key_age_s},
      .source = cfg->source,
      .reread_after_s = cfg->reread_after_s,
      .clock = cfg->clock,
  };
  char why_buf[128] = "out of memory";
  if (pc.issuer_tmpl != NULL)
    c->pools = cpools_new(&pc, why_buf, sizeof why_buf);
  else if (cfg->source.destroy != NULL)
    cfg->source.destroy(cfg->source.self);
  free(aws_issuer);
  if (c->pools == NULL || c->sha256 == NULL) return fail(c, err, err_size, why_buf);
  return with_status(c, cfg, region, region_len, err, err_size);
}
