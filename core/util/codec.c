/* codec.c - lenient base64 decoding (Node's Buffer.from(s, "base64")),
 * strict/url-safe encoding, strict base64url decoding, SHA-256 hex and the
 * framework's weak ETag. */
#include "codec.h"

#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* 0..63 for both alphabets ('+' and '-' = 62, '/' and '_' = 63), 64 = skip,
 * 65 = '=' (ends the data, like Node's decoder). */
static unsigned char b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return (unsigned char)(c - 'A');
  if (c >= 'a' && c <= 'z') return (unsigned char)(c - 'a' + 26);
  if (c >= '0' && c <= '9') return (unsigned char)(c - '0' + 52);
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  if (c == '=') return 65;
  return 64;
}

unsigned char *fin_b64_decode_lenient(const char *s, size_t len, size_t *out_len) {
  unsigned char *out = malloc(len / 4 * 3 + 4);
  if (out == NULL) return NULL;
  size_t o = 0;
  uint32_t acc = 0;
  int nbits = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char v = b64_value((unsigned char)s[i]);
    if (v == 65) break;
    if (v == 64) continue;
    acc = (acc << 6) | v;
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out[o++] = (unsigned char)(acc >> nbits);
      acc &= (1u << nbits) - 1;
    }
  }
  out[o] = '\0';
  if (out_len != NULL) *out_len = o;
  return out;
}

char *fin_b64_encode(const unsigned char *data, size_t len) {
  if (len > (size_t)INT_MAX / 4 * 3 - 3) return NULL;
  char *out = malloc((len + 2) / 3 * 4 + 1);
  if (out == NULL) return NULL;
  EVP_EncodeBlock((unsigned char *)out, data, (int)len);
  return out;
}

char *fin_b64url_encode(const unsigned char *data, size_t len) {
  char *out = fin_b64_encode(data, len);
  if (out == NULL) return NULL;
  char *w = out;
  for (char *r = out; *r != '\0'; r++) {
    if (*r == '=') break;
    *w++ = *r == '+' ? '-' : *r == '/' ? '_' : *r;
  }
  *w = '\0';
  return out;
}

/* base64url (RFC 4648 section 5) -> bytes: the URL-safe alphabet only, '='
 * padding allowed only where it completes the last quantum. The alphabet is
 * checked here; OpenSSL's block decoder does the decoding. */
unsigned char *fin_b64url_decode(const char *s, size_t len, size_t *out_len) {
  size_t data = len;
  while (data > 0 && s[data - 1] == '=')
    data--;
  if (len - data > 2 || (len != data && len % 4 != 0) || data % 4 == 1) return NULL;
  if (data > (size_t)INT_MAX / 2) return NULL;
  size_t padded = (data + 3) / 4 * 4;
  char *t = malloc(padded + 1);
  unsigned char *out = malloc(padded / 4 * 3 + 1);
  if (t == NULL || out == NULL) goto fail;
  for (size_t i = 0; i < data; i++) {
    char c = s[i];
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
      goto fail; /* '+', '/', '=' inside, blanks: not base64url */
    t[i] = c;
  }
  for (size_t i = data; i < padded; i++)
    t[i] = '=';
  int n = padded > 0 ? EVP_DecodeBlock(out, (const unsigned char *)t, (int)padded) : 0;
  if (n < 0) goto fail;
  n -= (int)(padded - data); /* EVP_DecodeBlock counts the padding as zero bytes */
  free(t);
  out[n] = '\0';
  *out_len = (size_t)n;
  return out;
fail:
  free(t);
  free(out);
  return NULL;
}

/* Message digests fetched once (implicit fetching is slow on OpenSSL 3),
 * and a digest context per thread, reused: EVP_Digest() allocates and frees
 * one per call (an ETag per answer, two hashes per signed AWS call). */
static EVP_MD *md_sha256, *md_sha1;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static pthread_key_t md_ctx_key;
static bool md_ctx_keyed;

static void md_ctx_free(void *ctx) {
  EVP_MD_CTX_free(ctx);
}

static void md_init(void) {
  md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
  md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
  md_ctx_keyed = pthread_key_create(&md_ctx_key, md_ctx_free) == 0;
}

/* This thread's context, or NULL (no key, or OOM: EVP_Digest() then). */
static EVP_MD_CTX *md_ctx(void) {
  if (!md_ctx_keyed) return NULL;
  EVP_MD_CTX *ctx = pthread_getspecific(md_ctx_key);
  if (ctx != NULL) return ctx;
  if ((ctx = EVP_MD_CTX_new()) != NULL && pthread_setspecific(md_ctx_key, ctx) != 0) {
    EVP_MD_CTX_free(ctx);
    ctx = NULL;
  }
  return ctx;
}

static unsigned digest(const EVP_MD *fetched, const EVP_MD *fallback, const void *data, size_t len,
                       unsigned char *out) {
  unsigned n = 0;
  EVP_MD_CTX *ctx = fetched != NULL ? md_ctx() : NULL;
  if (ctx != NULL && EVP_DigestInit_ex2(ctx, fetched, NULL) == 1 &&
      EVP_DigestUpdate(ctx, data, len) == 1 && EVP_DigestFinal_ex(ctx, out, &n) == 1)
    return n;
  if (EVP_Digest(data, len, out, &n, fetched ? fetched : fallback, NULL) != 1) {
    memset(out, 0, EVP_MAX_MD_SIZE);
    n = (unsigned)EVP_MD_get_size(fallback);
  }
  return n;
}

void fin_sha256_hex(const void *data, size_t len, char *out) {
  static const char hex[] = "0123456789abcdef";
  unsigned char md[EVP_MAX_MD_SIZE];
  pthread_once(&md_once, md_init);
  unsigned n = digest(md_sha256, EVP_sha256(), data, len, md);
  for (unsigned i = 0; i < n; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  out[2 * n] = '\0';
}

void fin_weak_etag(const void *body, size_t len, char *out) {
  unsigned char md[EVP_MAX_MD_SIZE];
  char b64[EVP_MAX_MD_SIZE * 2];
  pthread_once(&md_once, md_init);
  unsigned n = digest(md_sha1, EVP_sha1(), body, len, md);
  EVP_EncodeBlock((unsigned char *)b64, md, (int)n);
  /* "W/\"%zx-%.27s\"" by hand: snprintf cost a thousand instructions */
  static const char hex[] = "0123456789abcdef";
  char digits[2 * sizeof len];
  size_t k = 0, b = strnlen(b64, 27);
  do
    digits[k++] = hex[len & 15];
  while ((len >>= 4) != 0);
  memcpy(out, "W/\"", 3);
  out += 3;
  while (k > 0)
    *out++ = digits[--k];
  *out++ = '-';
  memcpy(out, b64, b);
  memcpy(out + b, "\"", 2);
}
