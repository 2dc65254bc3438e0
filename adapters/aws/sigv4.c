/* sigv4.c - AWS Signature Version 4 (see sigv4.h). */
#include "sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/codec.h"
#include "../../core/util/timefmt.h"

/* ---- a growing string; `oom` sticks once an append fails ---- */
struct sb {
  char *p;
  size_t n, cap;
  bool oom;
};

static void sb_add(struct sb *b, const char *s, size_t len) {
  if (b->oom) return;
  if (b->n + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + len + 1)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) {
      b->oom = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, len);
  b->n += len;
  b->p[b->n] = '\0';
}

static void sb_str(struct sb *b, const char *s) {
  sb_add(b, s, strlen(s));
}

/* The string built so far (never NULL unless oom); frees it on oom. */
static char *sb_take(struct sb *b) {
  if (!b->oom && b->p == NULL) sb_add(b, "", 0);
  if (b->oom) {
    free(b->p);
    b->p = NULL;
  }
  return b->p;
}

/* ---- RFC 3986 encoding ---- */
/* ASCII tests by hand: isalnum() would follow the locale. */
static bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

/* Percent-encodes s (upper-case hex, as the suite expects); '/' is kept
 * when keep_slash, which encodes a path one segment at a time. */
static void sb_uri(struct sb *b, const char *s, bool keep_slash) {
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    if (unreserved(*c) || (keep_slash && *c == '/')) {
      sb_add(b, (const char *)c, 1);
    } else {
      char e[3] = {'%', hex[*c >> 4], hex[*c & 15]};
      sb_add(b, e, 3);
    }
  }
}

static char *uri_new(const char *s) {
  struct sb b = {0};
  sb_uri(&b, s ? s : "", false);
  return sb_take(&b);
}

/* ---- canonical query ---- */
struct enc_pair {
  char *k, *v;
};

/* Name first, then value: sorting the joined "k=v" would put "Param-3"
 * before "Param" ('-' < '='), which get-vanilla-query-order-encoded rejects. */
static int enc_pair_cmp(const void *a, const void *b) {
  const struct enc_pair *x = a, *y = b;
  int c = strcmp(x->k, y->k);
  return c != 0 ? c : strcmp(x->v, y->v);
}

static void canonical_query(struct sb *b, const struct sigv4_pair *q, size_t n) {
  if (n == 0) return;
  struct enc_pair *e = calloc(n, sizeof *e);
  if (e == NULL) {
    b->oom = true;
    return;
  }
  for (size_t i = 0; i < n; i++) {
    e[i].k = uri_new(q[i].name);
    e[i].v = uri_new(q[i].value);
    if (e[i].k == NULL || e[i].v == NULL) b->oom = true;
  }
  if (!b->oom) qsort(e, n, sizeof *e, enc_pair_cmp);
  for (size_t i = 0; !b->oom && i < n; i++) {
    if (i > 0) sb_add(b, "&", 1);
    sb_str(b, e[i].k);
    sb_add(b, "=", 1);
    sb_str(b, e[i].v);
  }
  for (size_t i = 0; i < n; i++)
    free(e[i].k), free(e[i].v);
  free(e);
}

/* ---- canonical headers ---- */
struct hdr {
  char *name; /* lower case, trimmed */
  const char *value;
  size_t order; /* position given: repeated names keep it */
};

static int hdr_cmp(const void *a, const void *b) {
  const struct hdr *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c != 0 ? c : (x->order < y->order ? -1 : 1);
}

static bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trimmed, inner blank runs collapsed to one space: this also unfolds an
 * obsolete multi-line value (get-header-value-multiline). */
static void sb_trimmed(struct sb *b, const char *v) {
  bool gap = false, any = false;
  for (; *v; v++) {
    if (blank(*v)) {
      gap = any;
      continue;
    }
    if (gap) sb_add(b, " ", 1);
    gap = false;
    any = true;
    sb_add(b, v, 1);
  }
}

static char *lower_trimmed_new(const char *s) {
  while (blank(*s))
    s++;
  size_t n = strlen(s);
  while (n > 0 && blank(s[n - 1]))
    n--;
  char *out = strndup(s, n);
  for (char *c = out; c && *c; c++)
    if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
  return out;
}

static bool has_header(const struct hdr *h, size_t n, const char *lower_name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(h[i].name, lower_name) == 0) return true;
  return false;
}

/* Appends "name:value\n" per header to b and "a;b;c" to sig, adding
 * x-amz-date and x-amz-security-token when the caller left them out. */
static void canonical_headers(struct sb *b, struct sb *sig, const struct sigv4_request *r,
                              const struct sigv4_creds *c, const char *amz_date) {
  size_t n = 0;
  struct hdr *h = calloc(r->n_headers + 2, sizeof *h);
  if (h == NULL) {
    b->oom = true;
    return;
  }
  for (size_t i = 0; i < r->n_headers; i++, n++) {
    h[n] = (struct hdr){lower_trimmed_new(r->headers[i].name), r->headers[i].value, n};
    if (h[n].name == NULL) b->oom = true;
  }
  if (!b->oom && !has_header(h, n, "x-amz-date")) {
    h[n] = (struct hdr){strdup("x-amz-date"), amz_date, n};
    if (h[n++].name == NULL) b->oom = true;
  }
  if (!b->oom && c->session_token != NULL && !has_header(h, n, "x-amz-security-token")) {
    h[n] = (struct hdr){strdup("x-amz-security-token"), c->session_token, n};
    if (h[n++].name == NULL) b->oom = true;
  }
  if (!b->oom) qsort(h, n, sizeof *h, hdr_cmp);
  for (size_t i = 0; !b->oom && i < n; i++) {
    if (i > 0 && strcmp(h[i].name, h[i - 1].name) == 0) {
      sb_add(b, ",", 1); /* a repeated header: one line, values in order */
    } else {
      if (i > 0) sb_add(b, "\n", 1);
      sb_str(b, h[i].name);
      sb_add(b, ":", 1);
      if (sig->n > 0) sb_add(sig, ";", 1);
      sb_str(sig, h[i].name);
    }
    sb_trimmed(b, h[i].value ? h[i].value : "");
  }
  if (n > 0) sb_add(b, "\n", 1);
  if (sig->oom) b->oom = true;
  for (size_t i = 0; i < n; i++)
    free(h[i].name);
  free(h);
}

/* ---- crypto ---- */
/* An HMAC-SHA256 context prepared once and duplicated per use: OpenSSL 3
 * would otherwise fetch the algorithm on every call, which is slow. */
static EVP_MAC_CTX *hmac_template;
static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;
/* Each thread keeps a copy of the template and re-keys it per use: a copy
 * per call (allocated and freed) cost more than the HMAC itself. */
static pthread_key_t hmac_key;
static bool hmac_keyed;

static void hmac_ctx_free(void *ctx) {
  EVP_MAC_CTX_free(ctx);
}

static void crypto_init(void) {
  EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  if (mac == NULL) return;
  EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac); /* the context keeps its own reference */
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                         OSSL_PARAM_construct_end()};
  if (ctx != NULL && EVP_MAC_CTX_set_params(ctx, params) == 1)
    hmac_template = ctx;
  else
    EVP_MAC_CTX_free(ctx);
  hmac_keyed = hmac_template != NULL && pthread_key_create(&hmac_key, hmac_ctx_free) == 0;
}

static EVP_MAC_CTX *hmac_ctx(void) {
  EVP_MAC_CTX *ctx = hmac_keyed ? pthread_getspecific(hmac_key) : NULL;
  if (ctx != NULL || !hmac_keyed) return ctx;
  if ((ctx = EVP_MAC_CTX_dup(hmac_template)) != NULL && pthread_setspecific(hmac_key, ctx) != 0) {
    EVP_MAC_CTX_free(ctx);
    ctx = NULL;
  }
  return ctx;
}

static bool hmac(const void *key, size_t key_len, const void *data, size_t len,
                 unsigned char out[SIGV4_KEY_LEN]) {
  pthread_once(&crypto_once, crypto_init);
  if (hmac_template == NULL) return false;
  EVP_MAC_CTX *kept = hmac_ctx();
  EVP_MAC_CTX *ctx = kept != NULL ? kept : EVP_MAC_CTX_dup(hmac_template);
  size_t n = 0;
  bool ok = ctx != NULL && EVP_MAC_init(ctx, key, key_len, NULL) == 1 &&
            EVP_MAC_update(ctx, data, len) == 1 &&
            EVP_MAC_final(ctx, out, &n, SIGV4_KEY_LEN) == 1 && n == SIGV4_KEY_LEN;
  if (ctx != kept) EVP_MAC_CTX_free(ctx);
  return ok;
}

static bool hmac_str(const void *key, size_t key_len, const char *s,
                     unsigned char out[SIGV4_KEY_LEN]) {
  return hmac(key, key_len, s, strlen(s), out);
}

enum sigv4_status sigv4_signing_key(const char *secret, const char *day, const char *region,
                                    const char *service, unsigned char out[SIGV4_KEY_LEN]) {
  size_t slen = strlen(secret);
  char small[128], *seed = slen + 5 <= sizeof small ? small : malloc(slen + 5);
  if (seed == NULL) return SIGV4_NOMEM;
  memcpy(seed, "AWS4", 4);
  memcpy(seed + 4, secret, slen + 1);
  unsigned char k1[SIGV4_KEY_LEN], k2[SIGV4_KEY_LEN];
  bool ok = hmac_str(seed, slen + 4, day, k1) && hmac_str(k1, sizeof k1, region, k2) &&
            hmac_str(k2, sizeof k2, service, k1) && hmac_str(k1, sizeof k1, "aws4_request", out);
  OPENSSL_cleanse(seed, slen + 4);
  OPENSSL_cleanse(k1, sizeof k1);
  OPENSSL_cleanse(k2, sizeof k2);
  if (seed != small) free(seed);
  return ok ? SIGV4_OK : SIGV4_CRYPTO;
}

static bool valid_amz_date(const char *d) {
  if (d == NULL || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z') return false;
  for (int i = 0; i < 15; i++)
    if (i != 8 && (d[i] < '0' || d[i] > '9')) return false;
  return true;
}

static void hex32(const unsigned char in[SIGV4_KEY_LEN], char out[65]) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < SIGV4_KEY_LEN; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[64] = '\0';
}

enum sigv4_status sigv4_sign(const struct sigv4_request *r, const struct sigv4_creds *c,
                             const char *amz_date, struct sigv4_result *out) {
  memset(out, 0, sizeof *out);
  if (!valid_amz_date(amz_date)) return SIGV4_BAD_DATE;
  char day[9];
  memcpy(day, amz_date, 8);
  day[8] = '\0';
  enum sigv4_status st = SIGV4_NOMEM;
  struct sb creq = {0}, sts = {0}, signed_headers = {0};
  unsigned char key[SIGV4_KEY_LEN], sig[SIGV4_KEY_LEN];
  char *authz = NULL;

  sb_str(&creq, r->method);
  sb_add(&creq, "\n", 1);
  sb_uri(&creq, r->path && r->path[0] ? r->path : "/", true);
  sb_add(&creq, "\n", 1);
  canonical_query(&creq, r->query, r->n_query);
  sb_add(&creq, "\n", 1);
  canonical_headers(&creq, &signed_headers, r, c, amz_date);
  sb_add(&creq, "\n", 1);
  if (signed_headers.p != NULL) sb_str(&creq, signed_headers.p);
  sb_add(&creq, "\n", 1);
  char hash[65];
  fin_sha256_hex(r->body ? r->body : "", r->body ? r->body_len : 0, hash);
  sb_str(&creq, hash);
  if (creq.oom || signed_headers.oom) goto fail;

  fin_sha256_hex(creq.p, creq.n, hash);
  sb_str(&sts, "AWS4-HMAC-SHA256\n");
  sb_str(&sts, amz_date);
  sb_add(&sts, "\n", 1);
  char scope[256];
  int scope_len =
      snprintf(scope, sizeof scope, "%s/%s/%s/aws4_request", day, c->region, c->service);
  if (scope_len < 0 || (size_t)scope_len >= sizeof scope) {
    st = SIGV4_NOMEM; /* a region or service name no AWS endpoint has */
    goto fail;
  }
  sb_str(&sts, scope);
  sb_add(&sts, "\n", 1);
  sb_str(&sts, hash);
  if (sts.oom) goto fail;

  if (c->signing_key != NULL)
    memcpy(key, c->signing_key, sizeof key);
  else if ((st = sigv4_signing_key(c->secret_access_key, day, c->region, c->service, key)) !=
           SIGV4_OK)
    goto fail;
  if (!hmac(key, sizeof key, sts.p, sts.n, sig)) {
    st = SIGV4_CRYPTO;
    goto fail;
  }
  hex32(sig, out->signature);
  if (asprintf(&authz, "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
               c->access_key_id, scope, signed_headers.p, out->signature) < 0) {
    authz = NULL;
    st = SIGV4_NOMEM;
    goto fail;
  }
  OPENSSL_cleanse(key, sizeof key);
  free(signed_headers.p);
  out->canonical_request = creq.p;
  out->string_to_sign = sts.p;
  out->authorization = authz;
  return SIGV4_OK;
fail:
  OPENSSL_cleanse(key, sizeof key);
  free(creq.p);
  free(sts.p);
  free(signed_headers.p);
  memset(out, 0, sizeof *out);
  return st;
}

void sigv4_result_clear(struct sigv4_result *r) {
  if (r == NULL) return;
  free(r->canonical_request);
  free(r->string_to_sign);
  free(r->authorization);
  memset(r, 0, sizeof *r);
}

void sigv4_amz_date(time_t t, char out[SIGV4_AMZ_DATE_SIZE]) {
  struct tm tm;
  gmtime_r(&t, &tm);
  int year = tm.tm_year + 1900;
  if (year < 0 || year > 9999) year = 0; /* not a time AWS accepts anyway */
  fin_put_digits(out, year, 4);
  fin_put_digits(out + 4, tm.tm_mon + 1, 2);
  fin_put_digits(out + 6, tm.tm_mday, 2);
  out[8] = 'T';
  fin_put_digits(out + 9, tm.tm_hour, 2);
  fin_put_digits(out + 11, tm.tm_min, 2);
  fin_put_digits(out + 13, tm.tm_sec, 2);
  out[15] = 'Z';
  out[16] = '\0';
}
