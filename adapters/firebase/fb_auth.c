/* fb_auth.c - Firebase ID tokens (see fb_auth.h). Base64url via OpenSSL's
 * EVP decoder (after mapping the alphabet), signatures with EVP_DigestVerify
 * on the certificate's key: nothing cryptographic is hand-written. */
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

#include "../../core/util/httpc.h"
#include "../../core/util/log.h"
#include "../../core/util/urlhost.h"

#define GOOGLE_CERTS                                                                               \
  "https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com"
#define MAX_KEYS 16
#define REFETCH_AFTER_S 30

struct key {
  char kid[128];
  EVP_PKEY *pkey;
};

struct fb {
  char *project, *issuer, *certs_url, *emulator;
  long timeout_ms;
  long long (*now_s)(void);
  pthread_mutex_t mu; /* guards keys and times */
  struct key keys[MAX_KEYS];
  int n_keys;
  long long fetched_at, expires_at;
};

static long long system_now_s(void) {
  return (long long)time(NULL);
}

/* base64url (no padding) -> bytes (malloc'd), using OpenSSL's decoder. */
static unsigned char *b64url(const char *s, size_t len, size_t *out_len) {
  size_t padded = (len + 3) / 4 * 4;
  char *t = malloc(padded + 1);
  unsigned char *out = malloc(padded / 4 * 3 + 1);
  if (t == NULL || out == NULL) goto fail;
  for (size_t i = 0; i < len; i++)
    t[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
  for (size_t i = len; i < padded; i++)
    t[i] = '=';
  int n = EVP_DecodeBlock(out, (const unsigned char *)t, (int)padded);
  if (n < 0) goto fail;
  while (padded > len && n > 0)
    padded--, n--; /* EVP counts the padding bytes */
  free(t);
  *out_len = (size_t)n;
  return out;
fail:
  free(t);
  free(out);
  return NULL;
}

static json_t *part(const char *s, size_t len) {
  size_t n;
  unsigned char *raw = b64url(s, len, &n);
  json_t *j = raw ? json_loadb((const char *)raw, n, 0, NULL) : NULL;
  free(raw);
  return json_is_object(j) ? j : (json_decref(j), NULL);
}

/* ---- Google certificates ---- */
static size_t on_header(char *d, size_t s, size_t m, void *u) {
  long *max_age = u;
  const char *ma = strncasecmp(d, "cache-control:", 14) == 0 ? strstr(d, "max-age=") : NULL;
  if (ma != NULL) *max_age = strtol(ma + 8, NULL, 10);
  return s * m;
}

/* Replaces the keys from the certificate document. Under mu. */
static bool refresh(struct fb *f, char *why, size_t n) {
  f->fetched_at = f->now_s();
  CURL *h = curl_easy_init();
  struct fin_http_buf b = {.max = 256 * 1024};
  long max_age = 0;
  if (h == NULL) return false;
  curl_easy_setopt(h, CURLOPT_URL, f->certs_url);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fin_http_buf_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &max_age);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, f->timeout_ms);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  json_t *doc = rc == CURLE_OK && status == 200 && b.p ? json_loads(b.p, 0, NULL) : NULL;
  free(b.p);
  if (!json_is_object(doc)) {
    snprintf(why, n, "certificates %s: %s", f->certs_url,
             rc != CURLE_OK ? curl_easy_strerror(rc) : "not a key set");
    json_decref(doc);
    return false;
  }
  for (int i = 0; i < f->n_keys; i++)
    EVP_PKEY_free(f->keys[i].pkey);
  f->n_keys = 0;
  const char *kid;
  json_t *pem;
  json_object_foreach(doc, kid, pem) {
    if (!json_is_string(pem) || f->n_keys == MAX_KEYS) continue;
    BIO *bio = BIO_new_mem_buf(json_string_value(pem), -1);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    EVP_PKEY *k = x ? X509_get_pubkey(x) : NULL;
    X509_free(x);
    BIO_free(bio);
    if (k == NULL) continue;
    snprintf(f->keys[f->n_keys].kid, sizeof f->keys[0].kid, "%s", kid);
    f->keys[f->n_keys++].pkey = k;
  }
  json_decref(doc);
  f->expires_at = f->fetched_at + (max_age > 0 ? max_age : 3600);
  return true;
}

/* The key for kid (a new reference), fetching when needed. */
static enum fin_auth_result key_for(struct fb *f, const char *kid, EVP_PKEY **out, char *why,
                                    size_t n) {
  *out = NULL;
  pthread_mutex_lock(&f->mu);
  long long now = f->now_s();
  bool stale = f->n_keys == 0 || now >= f->expires_at;
  for (int pass = 0; pass < 2 && *out == NULL; pass++) {
    if (!stale)
      for (int i = 0; i < f->n_keys; i++)
        if (strcmp(f->keys[i].kid, kid) == 0 && EVP_PKEY_up_ref(f->keys[i].pkey))
          *out = f->keys[i].pkey;
    if (*out != NULL || pass == 1) break;
    if (!stale && now - f->fetched_at < REFETCH_AFTER_S) break; /* bounded refetch */
    if (!refresh(f, why, n)) {
      pthread_mutex_unlock(&f->mu);
      return FIN_AUTH_UNAVAILABLE;
    }
    stale = false;
  }
  pthread_mutex_unlock(&f->mu);
  if (*out == NULL) snprintf(why, n, "unknown kid %s", kid);
  return *out ? FIN_AUTH_OK : FIN_AUTH_INVALID;
}

static bool rs256_ok(EVP_PKEY *k, const char *signed_part, size_t len, const char *sig64) {
  size_t n;
  unsigned char *sig = b64url(sig64, strlen(sig64), &n);
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
  if (!out->uid || !out->email || !out->role || !out->ecosystem_id) {
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

static enum fin_status fb_is_disabled(void *self, const char *uid, bool *disabled,
                                      struct fin_err *e) {
  *disabled = false; /* a disabled account gets no new tokens; ID tokens last an hour */
  return FIN_OK;
}

static const char *fb_name(void *self) {
  return ((struct fb *)self)->emulator ? "firebase-auth-emulator" : "firebase-auth";
}

static enum fin_status fb_ping(void *self, struct fin_err *e) {
  struct fb *f = self;
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
      if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
      curl_easy_cleanup(h);
    }
    return status > 0 ? FIN_OK
                      : fin_err_set(e, FIN_UNAVAILABLE, "auth emulator %s unreachable", url);
  }
  pthread_mutex_lock(&f->mu);
  bool ok = f->n_keys > 0 || refresh(f, why, sizeof why);
  pthread_mutex_unlock(&f->mu);
  return ok ? FIN_OK : fin_err_set(e, FIN_UNAVAILABLE, "firebase auth: %s", why);
}

static void fb_destroy(void *self) {
  struct fb *f = self;
  if (f == NULL) return;
  for (int i = 0; i < f->n_keys; i++)
    EVP_PKEY_free(f->keys[i].pkey);
  pthread_mutex_destroy(&f->mu);
  free(f->project), free(f->issuer), free(f->certs_url), free(f->emulator);
  free(f);
}

static const struct fin_auth_ops fb_ops = {fb_verify, fb_is_disabled, fb_name, fb_ping, fb_destroy};

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
  f->project = strdup(cfg->project);
  f->certs_url = strdup(cfg->certs_url ? cfg->certs_url : GOOGLE_CERTS);
  f->emulator = cfg->emulator_host ? strdup(cfg->emulator_host) : NULL;
  if (asprintf(&f->issuer, "https://securetoken.google.com/%s", cfg->project) < 0) f->issuer = NULL;
  if (!f->project || !f->certs_url || !f->issuer || (cfg->emulator_host && !f->emulator)) goto oom;
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
