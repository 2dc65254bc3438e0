/* jwks.c - the JWKS cache (see jwks.h). base64url is OpenSSL's decoder
 * (fin_b64url_decode), JSON is jansson's, the keys are built with OpenSSL
 * 3's EVP_PKEY_fromdata: nothing here decodes or does RSA by hand. */
#include "jwks.h"

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/codec.h"
#include "../../core/util/httpc.h"
#include "../../core/util/io.h"
#include "../../core/util/log.h"
#include "../../core/util/timefmt.h"

#define MAX_KEYS 16 /* Cognito publishes 2 */
#define MAX_KID 128
#define MAX_JWKS_BYTES (256 * 1024) /* a key set is a few KiB */
#define MIN_RSA_BITS 2048           /* RFC 7518 §3.3 */
#define RETRY_AFTER_FAIL_MS 1000    /* no key set yet: how often a dead server is retried */

struct key {
  char kid[MAX_KID];
  EVP_PKEY *pkey;
};

/* Immutable once published; replaced whole by a fetch. */
struct keyset {
  int n;
  struct key keys[MAX_KEYS];
};

struct jwks {
  char *url;
  long timeout_ms, connect_timeout_ms;
  fin_ms refetch_after_ms, max_age_ms;
  const struct fin_clock *clock;

  /* lock guards everything below; it is held only to read or swap, never
   * across a fetch or a signature check. */
  pthread_rwlock_t lock;
  struct keyset *set; /* NULL until a fetch succeeds */
  unsigned long gen;  /* completed fetch attempts; also written under fetch_mu */
  fin_ms attempt_at;  /* last fetch attempt (0: none) */
  fin_ms ok_at;       /* last successful fetch */
  bool last_ok;       /* did the last attempt succeed */
  char last_error[128];

  pthread_mutex_t fetch_mu; /* single flight; also owns `curl` */
  CURL *curl;               /* kept between fetches for connection reuse */
};

static fin_ms now_ms(const struct jwks *j) {
  return j->clock != NULL ? j->clock->ops->now(j->clock->self) : fin_now_ms();
}

static void set_why(char *why, size_t n, const char *fmt, const char *arg) {
  if (why != NULL && n > 0) snprintf(why, n, fmt, arg);
}

/* ---- key set parsing ---- */
static void keyset_free(struct keyset *s) {
  if (s == NULL) return;
  for (int i = 0; i < s->n; i++)
    EVP_PKEY_free(s->keys[i].pkey);
  free(s);
}

/* A base64url member (unpadded) as a BIGNUM, or NULL. */
static BIGNUM *b64url_bn(const json_t *k, const char *name) {
  const char *s = json_string_value(json_object_get(k, name));
  if (s == NULL || s[0] == '\0') return NULL;
  size_t n = 0;
  unsigned char *raw = fin_b64url_decode(s, strlen(s), &n);
  if (raw == NULL) return NULL;
  BIGNUM *bn = n > 0 ? BN_bin2bn(raw, (int)n, NULL) : NULL;
  free(raw);
  return bn;
}

/* One JWK as an RSA public key, or NULL when it is not a usable RS256
 * signing key (other kty, use "enc", another alg, short modulus). */
static EVP_PKEY *rsa_key(const json_t *k) {
  const char *kty = json_string_value(json_object_get(k, "kty"));
  const char *use = json_string_value(json_object_get(k, "use"));
  const char *alg = json_string_value(json_object_get(k, "alg"));
  if (kty == NULL || strcmp(kty, "RSA") != 0) return NULL;
  if (use != NULL && strcmp(use, "sig") != 0) return NULL;
  if (alg != NULL && strcmp(alg, "RS256") != 0) return NULL;
  BIGNUM *n = b64url_bn(k, "n"), *e = b64url_bn(k, "e");
  OSSL_PARAM_BLD *bld = n && e ? OSSL_PARAM_BLD_new() : NULL;
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = NULL;
  EVP_PKEY *pkey = NULL;
  if (bld == NULL || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
      !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
      (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
      (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
      EVP_PKEY_fromdata_init(ctx) <= 0 ||
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
    pkey = NULL;
  if (pkey != NULL && EVP_PKEY_get_bits(pkey) < MIN_RSA_BITS) {
    EVP_PKEY_free(pkey);
    pkey = NULL;
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(n);
  BN_free(e);
  return pkey;
}

/* The usable keys of a JWKS document (first of a duplicated kid wins), or
 * NULL with a reason when the document is not a key set. */
static struct keyset *keyset_parse(const char *body, size_t len, char *why, size_t why_size) {
  json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
  json_t *keys = json_object_get(doc, "keys");
  struct keyset *s = json_is_array(keys) ? calloc(1, sizeof *s) : NULL;
  if (s == NULL) {
    set_why(why, why_size, "%s", json_is_array(keys) ? "out of memory" : "not a JWKS document");
    json_decref(doc);
    return NULL;
  }
  size_t i;
  json_t *k;
  json_array_foreach(keys, i, k) {
    const char *kid = json_string_value(json_object_get(k, "kid"));
    if (s->n == MAX_KEYS || kid == NULL || kid[0] == '\0' || strlen(kid) >= MAX_KID) continue;
    bool dup = false;
    for (int d = 0; d < s->n && !dup; d++)
      dup = strcmp(s->keys[d].kid, kid) == 0;
    EVP_PKEY *pkey = dup ? NULL : rsa_key(k);
    if (pkey == NULL) continue;
    snprintf(s->keys[s->n].kid, MAX_KID, "%s", kid);
    s->keys[s->n++].pkey = pkey;
  }
  json_decref(doc);
  return s;
}

/* ---- fetching (under fetch_mu) ---- */
/* GETs the document; the body (free it) or NULL with a reason. */
static char *http_get(struct jwks *j, size_t *len, char *why, size_t why_size) {
  if (j->curl == NULL && (j->curl = curl_easy_init()) == NULL) {
    set_why(why, why_size, "%s", "out of memory");
    return NULL;
  }
  fin_backend_call_note();
  struct fin_http_answer a;
  fin_http_call(&(struct fin_http_call){.url = j->url,
                                        .timeout_ms = j->timeout_ms,
                                        .connect_timeout_ms = j->connect_timeout_ms,
                                        .max_answer = MAX_JWKS_BYTES,
                                        .reuse = j->curl},
                &a);
  if (a.rc == CURLE_OK && a.status == 200) {
    *len = a.body.n;
    return a.body.p != NULL ? a.body.p : calloc(1, 1);
  }
  free(a.body.p);
  if (why != NULL && why_size > 0) {
    if (a.rc != CURLE_OK)
      snprintf(why, why_size, "JWKS fetch failed: %s", curl_easy_strerror(a.rc));
    else
      snprintf(why, why_size, "JWKS fetch failed: HTTP %ld", a.status);
  }
  return NULL;
}

/* Fetches and publishes a new set; a failure keeps the old one. Records the
 * attempt either way. Caller holds fetch_mu. */
static void refresh_locked(struct jwks *j) {
  char why[128] = "";
  size_t len = 0;
  char *body = http_get(j, &len, why, sizeof why);
  struct keyset *fresh = body != NULL ? keyset_parse(body, len, why, sizeof why) : NULL;
  free(body);
  fin_ms now = now_ms(j);

  pthread_rwlock_wrlock(&j->lock);
  struct keyset *old = NULL;
  if (fresh != NULL) {
    old = j->set;
    j->set = fresh;
    j->ok_at = now;
    j->last_error[0] = '\0';
  } else {
    snprintf(j->last_error, sizeof j->last_error, "%s", why);
  }
  j->last_ok = fresh != NULL;
  j->attempt_at = now;
  j->gen++;
  int n = fresh != NULL ? fresh->n : 0;
  pthread_rwlock_unlock(&j->lock);
  /* Lookups hand out their own references, so nobody still uses `old`'s. */
  keyset_free(old);

  char u[256], w[160];
  fin_log_esc(j->url, u, sizeof u);
  if (fresh != NULL)
    fin_log("info", "jwks_fetched", "\"url\":\"%s\",\"keys\":%d", u, n);
  else
    fin_log("warn", "jwks_fetch_failed", "\"url\":\"%s\",\"error\":\"%s\"", u,
            fin_log_esc(why, w, sizeof w));
}

/* ---- lookups ---- */
/* What a caller saw under the read lock. */
struct view {
  unsigned long gen;
  bool have_set, last_ok;
  fin_ms attempt_at, ok_at;
  int n_keys;
};

/* Finds kid (adding a reference) and takes a view. Caller holds lock. */
static EVP_PKEY *find_locked(const struct jwks *j, const char *kid, struct view *v) {
  *v = (struct view){.gen = j->gen,
                     .have_set = j->set != NULL,
                     .last_ok = j->last_ok,
                     .attempt_at = j->attempt_at,
                     .ok_at = j->ok_at,
                     .n_keys = j->set != NULL ? j->set->n : 0};
  for (int i = 0; kid != NULL && j->set != NULL && i < j->set->n; i++)
    if (strcmp(j->set->keys[i].kid, kid) == 0)
      return EVP_PKEY_up_ref(j->set->keys[i].pkey) == 1 ? j->set->keys[i].pkey : NULL;
  return NULL;
}

static EVP_PKEY *find(struct jwks *j, const char *kid, struct view *v, char *why, size_t n) {
  pthread_rwlock_rdlock(&j->lock);
  EVP_PKEY *k = find_locked(j, kid, v);
  if (!v->last_ok) set_why(why, n, "%s", j->last_error);
  pthread_rwlock_unlock(&j->lock);
  return k;
}

/* May a caller that lacks a key fetch now? */
static bool fetch_allowed(const struct jwks *j, const struct view *v, fin_ms now) {
  if (v->attempt_at == 0) return true;
  fin_ms gap = v->have_set ? j->refetch_after_ms : RETRY_AFTER_FAIL_MS;
  return now - v->attempt_at >= gap;
}

/* Fetches unless another caller completed a fetch since `seen` (then its
 * result is ours too). */
static void fetch_once(struct jwks *j, unsigned long seen) {
  fin_io_lock(&j->fetch_mu); /* held across the fetch */
  if (j->gen == seen) refresh_locked(j);
  pthread_mutex_unlock(&j->fetch_mu);
}

enum jwks_result jwks_lookup(struct jwks *j, const char *kid, EVP_PKEY **out, char *why,
                             size_t why_size) {
  struct view v;
  fin_ms now = now_ms(j);
  bool fetched = false;
  EVP_PKEY *k = find(j, kid, &v, NULL, 0);
  if (k != NULL) {
    bool stale = now - v.ok_at >= j->max_age_ms && now - v.attempt_at >= j->refetch_after_ms;
    /* One caller refreshes an old set; the rest go on with the keys they
     * have. A refresh can drop a key (rotated out), so look again. */
    if (stale && pthread_mutex_trylock(&j->fetch_mu) == 0) {
      if (j->gen == v.gen) refresh_locked(j);
      pthread_mutex_unlock(&j->fetch_mu);
      EVP_PKEY_free(k);
      k = find(j, kid, &v, NULL, 0);
    }
  } else if (fetch_allowed(j, &v, now)) {
    fetch_once(j, v.gen);
    k = find(j, kid, &v, why, why_size);
    fetched = true;
  } else if (!v.have_set) {
    find(j, NULL, &v, why, why_size); /* just for the last error */
  }
  *out = k;
  if (k != NULL) return JWKS_OK;
  /* A set is loaded and either this fetch worked or none was allowed. */
  if (v.have_set && (!fetched || v.last_ok)) {
    set_why(why, why_size, "%s", "unknown kid");
    return JWKS_UNKNOWN_KID;
  }
  if (why != NULL && why_size > 0 && why[0] == '\0')
    set_why(why, why_size, "%s", "JWKS unavailable");
  return JWKS_UNAVAILABLE;
}

enum jwks_result jwks_ensure(struct jwks *j, char *why, size_t why_size) {
  struct view v;
  if (why != NULL && why_size > 0) why[0] = '\0';
  find(j, NULL, &v, NULL, 0);
  if (v.n_keys > 0) return JWKS_OK;
  if (fetch_allowed(j, &v, now_ms(j))) fetch_once(j, v.gen);
  find(j, NULL, &v, why, why_size);
  if (v.n_keys > 0) return JWKS_OK;
  if (v.have_set && v.last_ok) set_why(why, why_size, "%s", "JWKS has no usable RS256 key");
  if (why != NULL && why_size > 0 && why[0] == '\0')
    set_why(why, why_size, "%s", "JWKS unavailable");
  return JWKS_UNAVAILABLE;
}

unsigned long jwks_fetch_count(struct jwks *j) {
  pthread_rwlock_rdlock(&j->lock);
  unsigned long n = j->gen;
  pthread_rwlock_unlock(&j->lock);
  return n;
}

/* ---- lifetime ---- */
struct jwks *jwks_new(const struct jwks_cfg *cfg, char *err, size_t err_size) {
  const char *url = cfg != NULL ? cfg->url : NULL;
  if (url == NULL || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
    set_why(err, err_size, "%s", "JWKS url must be http:// or https://");
    return NULL;
  }
  struct jwks *j = calloc(1, sizeof *j);
  if (j == NULL || (j->url = strdup(url)) == NULL) {
    free(j);
    set_why(err, err_size, "%s", "out of memory");
    return NULL;
  }
  j->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 2000;
  j->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms
                          : j->timeout_ms < 1000      ? j->timeout_ms
                                                      : 1000;
  j->refetch_after_ms = (fin_ms)(cfg->refetch_after_s > 0 ? cfg->refetch_after_s : 30) * 1000;
  j->max_age_ms = (fin_ms)(cfg->max_age_s > 0 ? cfg->max_age_s : 3600) * 1000;
  j->clock = cfg->clock;
  pthread_rwlock_init(&j->lock, NULL);
  pthread_mutex_init(&j->fetch_mu, NULL);
  return j;
}

void jwks_free(struct jwks *j) {
  if (j == NULL) return;
  keyset_free(j->set);
  if (j->curl != NULL) curl_easy_cleanup(j->curl);
  pthread_rwlock_destroy(&j->lock);
  pthread_mutex_destroy(&j->fetch_mu);
  free(j->url);
  free(j);
}
