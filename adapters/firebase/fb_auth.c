/* fb_auth.c - Firebase ID tokens (see fb_auth.h). Base64url via OpenSSL's
 * EVP decoder (fin_b64url_decode), signatures with EVP_DigestVerify on the
 * certificate's key: nothing cryptographic is hand-written. */
#include "fb_auth.h"

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/util/codec.h"
#include "../../core/util/httpc.h"
#include "../../core/util/io.h"
#include "../../core/util/log.h"
#include "../../core/util/urlhost.h"
#include "../common/ustat.h"

#define GOOGLE_TOOLKIT "https://identitytoolkit.googleapis.com"
#define GOOGLE_CERTS                                                                               \
  "https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com"
#define MAX_KEYS 16
#define REFETCH_AFTER_S 30
#define MAX_BACKOFF_S 60 /* failed fetches back off 1, 2, 4 ... 60 s */

struct key {
  char kid[128];
  EVP_PKEY *pkey;
};

struct fb {
  char *project, *issuer, *certs_url, *emulator;
  long timeout_ms;
  long long (*now_s)(void);
  /* mu guards keys and times and is never held across a fetch; fetch_mu
   * makes fetching single-flight (as adapters/aws/jwks.c): a caller that
   * queued behind a fetch takes its result instead of fetching again. */
  pthread_mutex_t mu;
  struct key keys[MAX_KEYS];
  int n_keys;
  long long fetched_at, expires_at; /* last attempt; end of the keys' max-age */
  long long retry_at;               /* no fetch before this (after failures) */
  long backoff_s;                   /* the next failure's wait; 0 after a success */
  unsigned long gen;                /* completed fetch attempts */
  char last_error[200];
  pthread_mutex_t fetch_mu;
  /* account statuses (is_disabled) */
  char *lookup_url; /* <toolkit>/v1/projects/<project>/accounts:lookup */
  struct fs *creds; /* Google: the bearer of the look-ups (a reference); NULL on the emulator */
  struct ustat *status;
  struct fin_curl_pool pool;
};

static long long system_now_s(void) {
  return (long long)time(NULL);
}

static json_t *part(const char *s, size_t len) {
  size_t n;
  unsigned char *raw = fin_b64url_decode(s, len, &n);
  json_t *j = raw ? json_loadb((const char *)raw, n, 0, NULL) : NULL;
  free(raw);
  return json_is_object(j) ? j : (json_decref(j), NULL);
}

/* ---- Google certificates ---- */

/* Fetches the certificate document into keys[] (outside any lock). */
static bool fetch_keys(struct fb *f, struct key *keys, int *n_keys, long *max_age, char *why,
                       size_t n) {
  *n_keys = 0;
  struct fin_http_answer a;
  fin_http_call(&(struct fin_http_call){.url = f->certs_url,
                                        .timeout_ms = f->timeout_ms,
                                        .max_answer = 256 * 1024},
                &a);
  *max_age = a.head.max_age_s > 0 ? a.head.max_age_s : 0;
  json_t *doc =
      a.rc == CURLE_OK && a.status == 200 && a.body.p ? json_loads(a.body.p, 0, NULL) : NULL;
  free(a.body.p);
  if (!json_is_object(doc)) {
    if (a.rc == CURLE_OK && a.status != 200)
      snprintf(why, n, "certificates %s: HTTP %ld", f->certs_url, a.status);
    else
      snprintf(why, n, "certificates %s: %s", f->certs_url,
               a.rc != CURLE_OK ? curl_easy_strerror(a.rc) : "not a key set");
    json_decref(doc);
    return false;
  }
  const char *kid;
  json_t *pem;
  json_object_foreach(doc, kid, pem) {
    if (!json_is_string(pem) || *n_keys == MAX_KEYS) continue;
    BIO *bio = BIO_new_mem_buf(json_string_value(pem), -1);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    EVP_PKEY *k = x ? X509_get_pubkey(x) : NULL;
    X509_free(x);
    BIO_free(bio);
    if (k == NULL) continue;
    snprintf(keys[*n_keys].kid, sizeof keys[0].kid, "%s", kid);
    keys[(*n_keys)++].pkey = k;
  }
  json_decref(doc);
  return true;
}

/* One fetch attempt: publishes the new keys, or keeps the old ones and
 * backs off. Caller holds fetch_mu (not mu). */
static void refresh(struct fb *f) {
  struct key fresh[MAX_KEYS];
  int n = 0;
  long max_age = 0;
  char why[200] = "";
  long long now = f->now_s();
  bool ok = fetch_keys(f, fresh, &n, &max_age, why, sizeof why);
  pthread_mutex_lock(&f->mu);
  f->fetched_at = now;
  f->gen++;
  if (ok) {
    for (int i = 0; i < f->n_keys; i++)
      EVP_PKEY_free(f->keys[i].pkey); /* lookups hold their own references */
    memcpy(f->keys, fresh, sizeof fresh[0] * (size_t)n);
    f->n_keys = n;
    f->expires_at = now + (max_age > 0 ? max_age : 3600);
    f->backoff_s = 0;
    f->retry_at = now;
    f->last_error[0] = '\0';
  } else {
    f->backoff_s = f->backoff_s == 0 ? 1 : f->backoff_s * 2;
    if (f->backoff_s > MAX_BACKOFF_S) f->backoff_s = MAX_BACKOFF_S;
    f->retry_at = now + f->backoff_s;
    snprintf(f->last_error, sizeof f->last_error, "%s", why);
  }
  long backoff = f->backoff_s;
  pthread_mutex_unlock(&f->mu);
  char esc[260];
  if (!ok)
    fin_log("warn", "firebase_certs_fetch_failed", "\"error\":\"%s\",\"retryInS\":%ld",
            fin_log_esc(why, esc, sizeof esc), backoff);
}

/* Fetches unless another caller completed a fetch since `seen`. */
static void fetch_once(struct fb *f, unsigned long seen) {
  fin_io_lock(&f->fetch_mu); /* held across the fetch */
  pthread_mutex_lock(&f->mu);
  bool again = f->gen == seen;
  pthread_mutex_unlock(&f->mu);
  if (again) refresh(f);
  pthread_mutex_unlock(&f->fetch_mu);
}

/* What a caller saw under mu: the key (a new reference) and whether it may
 * fetch. Keys past their max-age still verify until a fetch replaces them
 * (a failed refresh keeps them, as jwks.c does). */
struct view {
  EVP_PKEY *key;
  unsigned long gen;
  bool may_fetch, have_keys;
};

static struct view look(struct fb *f, const char *kid, char *why, size_t n) {
  struct view v = {0};
  pthread_mutex_lock(&f->mu);
  long long now = f->now_s();
  for (int i = 0; kid != NULL && i < f->n_keys && v.key == NULL; i++)
    if (strcmp(f->keys[i].kid, kid) == 0 && EVP_PKEY_up_ref(f->keys[i].pkey))
      v.key = f->keys[i].pkey;
  bool stale = f->n_keys == 0 || now >= f->expires_at;
  bool unknown = v.key == NULL && now - f->fetched_at >= REFETCH_AFTER_S; /* bounded refetch */
  v.may_fetch = now >= f->retry_at && (stale || unknown);
  v.have_keys = f->n_keys > 0;
  v.gen = f->gen;
  if (why != NULL && f->last_error[0] != '\0') snprintf(why, n, "%s", f->last_error);
  pthread_mutex_unlock(&f->mu);
  return v;
}

/* The key for kid (a new reference), fetching when needed. */
static enum fin_auth_result key_for(struct fb *f, const char *kid, EVP_PKEY **out, char *why,
                                    size_t n) {
  struct view v = look(f, kid, NULL, 0);
  if (v.key != NULL && v.may_fetch && pthread_mutex_trylock(&f->fetch_mu) == 0) {
    /* old keys: one caller refreshes, the others go on with what they have */
    pthread_mutex_lock(&f->mu);
    bool again = f->gen == v.gen;
    pthread_mutex_unlock(&f->mu);
    if (again) refresh(f);
    pthread_mutex_unlock(&f->fetch_mu);
    EVP_PKEY_free(v.key);
    v = look(f, kid, NULL, 0);
  } else if (v.key == NULL && v.may_fetch) {
    fetch_once(f, v.gen);
    v = look(f, kid, why, n);
  } else if (v.key == NULL) {
    v = look(f, kid, why, n); /* for the last error */
  }
  *out = v.key;
  if (v.key != NULL) return FIN_AUTH_OK;
  if (!v.have_keys) {
    if (why[0] == '\0') snprintf(why, n, "certificates unavailable");
    return FIN_AUTH_UNAVAILABLE;
  }
  snprintf(why, n, "unknown kid %s", kid);
  return FIN_AUTH_INVALID;
}

static bool rs256_ok(EVP_PKEY *k, const char *signed_part, size_t len, const char *sig64) {
  size_t n;
  unsigned char *sig = fin_b64url_decode(sig64, strlen(sig64), &n);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  bool ok = sig != NULL && ctx != NULL &&
            EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) == 1 &&
            EVP_DigestVerify(ctx, sig, n, (const unsigned char *)signed_part, len) == 1;
  EVP_MD_CTX_free(ctx);
  free(sig);
  return ok;
}

/* ---- verification ---- */
static enum fin_auth_result invalid(char *d, size_t n, const char *why) {
  if (d) snprintf(d, n, "%s", why);
  return FIN_AUTH_INVALID;
}

static const char *str(const json_t *o, const char *k) {
  return json_string_value(json_object_get(o, k));
}

static enum fin_auth_result claims(struct fb *f, const json_t *c, struct fin_principal *out,
                                   char *d, size_t n) {
  const char *sub = str(c, "sub");
  if (!str(c, "iss") || strcmp(str(c, "iss"), f->issuer) != 0) return invalid(d, n, "issuer");
  if (!str(c, "aud") || strcmp(str(c, "aud"), f->project) != 0) return invalid(d, n, "audience");
  if (sub == NULL || sub[0] == '\0' || strlen(sub) > 128) return invalid(d, n, "no sub");
  json_t *exp = json_object_get(c, "exp");
  if (!json_is_number(exp)) return invalid(d, n, "no exp");
  if ((double)f->now_s() >= json_number_value(exp)) {
    if (d) snprintf(d, n, "expired");
    return FIN_AUTH_EXPIRED;
  }
  const char *role = str(c, "role"), *eco = str(c, "ecosystemId"), *email = str(c, "email");
  out->uid = strdup(sub);
  out->email = strdup(email ? email : "");
  out->role = strdup(role && strcmp(role, "admin") == 0 ? "admin" : "user");
  out->ecosystem_id = strdup(eco && eco[0] ? eco : sub);
  out->account = strdup(sub);
  if (!out->uid || !out->email || !out->role || !out->ecosystem_id || !out->account) {
    fin_principal_clear(out);
    return invalid(d, n, "out of memory");
  }
  return FIN_AUTH_OK;
}

static enum fin_auth_result fb_verify(void *self, const char *token, struct fin_principal *out,
                                      char *d, size_t n) {
  struct fb *f = self;
  memset(out, 0, sizeof *out);
  const char *dot1 = token ? strchr(token, '.') : NULL;
  const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
  if (dot2 == NULL || strchr(dot2 + 1, '.') != NULL || strlen(token) > 16384)
    return invalid(d, n, "not a compact JWT");
  json_t *hdr = part(token, (size_t)(dot1 - token));
  json_t *body = part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
  const char *alg = str(hdr, "alg");
  enum fin_auth_result r = FIN_AUTH_INVALID;
  if (hdr == NULL || body == NULL || alg == NULL) {
    r = invalid(d, n, "malformed");
  } else if (f->emulator != NULL) { /* the Auth emulator signs nothing */
    r = strcmp(alg, "none") == 0 ? claims(f, body, out, d, n)
                                 : invalid(d, n, "emulator mode: only unsigned emulator tokens");
  } else if (strcmp(alg, "RS256") != 0 || str(hdr, "kid") == NULL) {
    r = invalid(d, n, "alg is not RS256 or no kid");
  } else {
    EVP_PKEY *k;
    char why[256] = "";
    r = key_for(f, str(hdr, "kid"), &k, why, sizeof why);
    if (r != FIN_AUTH_OK) {
      if (d) snprintf(d, n, "%s", why);
    } else {
      bool ok = rs256_ok(k, token, (size_t)(dot2 - token), dot2 + 1);
      EVP_PKEY_free(k);
      r = ok ? claims(f, body, out, d, n) : invalid(d, n, "bad signature");
    }
  }
  json_decref(hdr);
  json_decref(body);
  return r;
}

/* The Authorization header of a look-up into out. */
static enum fin_status lookup_auth(struct fb *f, char *out, size_t size, struct fin_err *e) {
  if (f->emulator != NULL) {
    snprintf(out, size, "Authorization: Bearer owner"); /* the emulator's admin */
    return FIN_OK;
  }
  if (f->creds == NULL)
    return fin_err_set(e, FIN_UNAVAILABLE, "firebase auth: no credentials for accounts:lookup");
  return fs_auth_header(f->creds, out, size, e);
}

/* What accounts:lookup answered (a ustat_lookup_fn). */
static enum fin_status lookup_answer(long status, const char *body, bool *disabled,
                                     struct fin_err *e) {
  json_t *doc = status == 200 && body != NULL ? json_loads(body, 0, NULL) : NULL;
  json_t *users = json_object_get(doc, "users");
  enum fin_status st = FIN_OK;
  if (!json_is_object(doc) || (users != NULL && !json_is_array(users)))
    st =
        fin_err_set(e, FIN_UNAVAILABLE, "firebase auth: accounts:lookup answered HTTP %ld", status);
  else /* no users: an account it does not know counts as active */
    *disabled = json_is_true(json_object_get(json_array_get(users, 0), "disabled"));
  json_decref(doc);
  return st;
}

static enum fin_status accounts_lookup(void *ctx, const char *uid, bool *disabled,
                                       struct fin_err *e) {
  struct fb *f = ctx;
  char auth[4096];
  enum fin_status st = lookup_auth(f, auth, sizeof auth, e);
  if (st != FIN_OK) return st;
  json_t *req = json_pack("{s:[s]}", "localId", uid);
  char *body = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
  json_decref(req);
  if (body == NULL) return fin_err_set(e, FIN_NOMEM, "firebase auth: out of memory");
  const char *headers[] = {auth, "Content-Type: application/json", "Expect:", NULL};
  CURL *h = fin_curl_take(&f->pool);
  struct fin_http_answer a = {0};
  fin_http_call(&(struct fin_http_call){.url = f->lookup_url,
                                        .body = body,
                                        .headers = headers,
                                        .timeout_ms = f->timeout_ms,
                                        .max_answer = 256 * 1024,
                                        .no_proxy = f->emulator != NULL,
                                        .reuse = h},
                &a);
  if (h != NULL) fin_curl_give(&f->pool, h);
  free(body);
  if (a.rc != CURLE_OK)
    st = fin_err_set(e, FIN_UNAVAILABLE, "firebase auth: accounts:lookup: %s",
                     curl_easy_strerror(a.rc));
  else
    st = lookup_answer(a.status, a.body.p, disabled, e);
  free(a.body.p);
  return st;
}

static enum fin_status fb_is_disabled(void *self, const char *uid, bool *disabled,
                                      struct fin_err *e) {
  struct fb *f = self;
  return ustat_get(f->status, uid, accounts_lookup, f, disabled, e);
}

static const char *fb_name(void *self) {
  return ((struct fb *)self)->emulator ? "firebase-auth-emulator" : "firebase-auth";
}

/* The emulator answers, or Google's certificates are at hand. */
static enum fin_status reachable(struct fb *f, struct fin_err *e) {
  char why[256] = "";
  if (f->emulator != NULL) {
    CURL *h = curl_easy_init();
    char url[300];
    snprintf(url, sizeof url, "http://%s/", f->emulator);
    long status = 0;
    if (h) {
      curl_easy_setopt(h, CURLOPT_URL, url);
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
      curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, f->timeout_ms);
      curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
      if (fin_io_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
      curl_easy_cleanup(h);
    }
    return status > 0 ? FIN_OK
                      : fin_err_set(e, FIN_UNAVAILABLE, "auth emulator %s unreachable", url);
  }
  struct view v = look(f, NULL, why, sizeof why);
  if (!v.have_keys && v.may_fetch) {
    fetch_once(f, v.gen);
    v = look(f, NULL, why, sizeof why);
  }
  if (v.have_keys) return FIN_OK;
  return fin_err_set(e, FIN_UNAVAILABLE, "firebase auth: %s", why[0] ? why : "no certificates");
}

/* Every authenticated request asks accounts:lookup (fb_is_disabled): without
 * the permission all of them would answer 503, so readiness says so first. */
static enum fin_status fb_ping(void *self, struct fin_err *e) {
  struct fb *f = self;
  enum fin_status st = reachable(f, e);
  return st != FIN_OK ? st : ustat_probe(f->status, accounts_lookup, f, e);
}

static void fb_destroy(void *self) {
  struct fb *f = self;
  if (f == NULL) return;
  for (int i = 0; i < f->n_keys; i++)
    EVP_PKEY_free(f->keys[i].pkey);
  pthread_mutex_destroy(&f->mu);
  pthread_mutex_destroy(&f->fetch_mu);
  ustat_free(f->status);
  fs_unref(f->creds);
  fin_curl_pool_destroy(&f->pool);
  free(f->lookup_url);
  free(f->project), free(f->issuer), free(f->certs_url), free(f->emulator);
  free(f);
}

/* The emulator's tokens are unsigned: loopback only, and readiness says so. */
static void fb_traits(void *self, struct fin_auth_traits *out) {
  bool emulator = ((struct fb *)self)->emulator != NULL;
  *out = (struct fin_auth_traits){
      .unsigned_tokens = emulator,
      .warnings = {
          emulator ? "auth_provider: unsigned Auth emulator tokens accepted (not for production)"
                   : NULL}};
}

static const struct fin_auth_ops fb_ops = {
    .verify = fb_verify,
    .is_disabled = fb_is_disabled,
    .name = fb_name,
    .ping = fb_ping,
    .destroy = fb_destroy,
    .traits = fb_traits,
};

const char *fb_auth_emulator_host(struct fin_auth a) {
  return a.ops == &fb_ops ? ((const struct fb *)a.self)->emulator : NULL;
}

/* The look-up URL, its credentials and the answers' cache; -1 on OOM. */
static int status_init(struct fb *f, const struct fb_auth_cfg *cfg) {
  char *emu_toolkit = NULL;
  if (cfg->toolkit_url == NULL && f->emulator != NULL &&
      asprintf(&emu_toolkit, "http://%s/identitytoolkit.googleapis.com", f->emulator) < 0)
    return -1;
  const char *base = cfg->toolkit_url ? cfg->toolkit_url
                     : emu_toolkit    ? emu_toolkit
                                      : GOOGLE_TOOLKIT;
  int rc = asprintf(&f->lookup_url, "%s/v1/projects/%s/accounts:lookup", base, cfg->project);
  free(emu_toolkit);
  if (rc < 0) {
    f->lookup_url = NULL;
    return -1;
  }
  if (f->emulator == NULL && cfg->firestore != NULL) f->creds = fs_ref(cfg->firestore);
  f->status = ustat_new(&(struct ustat_cfg){
      .ttl_s = cfg->status_ttl_s, .capacity = cfg->status_cache_size, .clock = cfg->status_clock});
  return f->status != NULL ? 0 : -1;
}

struct fin_auth fb_auth_new(const struct fb_auth_cfg *cfg, char *err, size_t err_size) {
  if (cfg->project == NULL || cfg->project[0] == '\0') {
    snprintf(err, err_size, "a project id is required");
    return (struct fin_auth){NULL, NULL};
  }
  if (cfg->emulator_host != NULL && !cfg->allow_remote_emulator &&
      !fin_url_loopback(cfg->emulator_host)) {
    snprintf(err, err_size,
             "the Auth emulator host %s is not loopback: its unsigned tokens are accepted only "
             "from a loopback emulator (or with FIN_INSECURE_AUTH_EMULATOR=true)",
             cfg->emulator_host);
    return (struct fin_auth){NULL, NULL};
  }
  struct fb *f = calloc(1, sizeof *f);
  if (f == NULL) goto oom;
  pthread_mutex_init(&f->mu, NULL);
  pthread_mutex_init(&f->fetch_mu, NULL);
  fin_curl_pool_init(&f->pool);
  f->project = strdup(cfg->project);
  f->certs_url = strdup(cfg->certs_url ? cfg->certs_url : GOOGLE_CERTS);
  f->emulator = cfg->emulator_host ? strdup(cfg->emulator_host) : NULL;
  if (asprintf(&f->issuer, "https://securetoken.google.com/%s", cfg->project) < 0) f->issuer = NULL;
  if (!f->project || !f->certs_url || !f->issuer || (cfg->emulator_host && !f->emulator)) goto oom;
  if (status_init(f, cfg) != 0) goto oom;
  f->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 2000;
  f->now_s = cfg->now_s ? cfg->now_s : system_now_s;
  if (f->emulator != NULL)
    fin_log("warn", "auth_firebase_emulator",
            "\"host\":\"%s\",\"remote_allowed\":%s,\"note\":\"unsigned emulator tokens "
            "accepted; not for production\"",
            f->emulator, cfg->allow_remote_emulator ? "true" : "false");
  return (struct fin_auth){&fb_ops, f};
oom:
  fb_destroy(f);
  snprintf(err, err_size, "out of memory");
  return (struct fin_auth){NULL, NULL};
}
