/* sigv4.c - AWS Signature Version 4 (see sigv4.h). */
#include "sigv4.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/codec.h"

/* A growing string; `oom` sticks once an append fails. */
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

static bool unreserved(unsigned char c) {
  return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 3986 percent-encoding; '/' kept when keep_slash. */
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

static char *uri(const char *s) {
  struct sb b = {0};
  sb_uri(&b, s ? s : "", false);
  if (b.p == NULL && !b.oom) sb_add(&b, "", 0);
  return b.oom ? (free(b.p), NULL) : b.p;
}

/* ---- query ---- */
struct qp {
  char *k, *v;
};

static int qp_cmp(const void *a, const void *b) {
  const struct qp *x = a, *y = b;
  int c = strcmp(x->k, y->k);
  return c != 0 ? c : strcmp(x->v, y->v);
}

static void canonical_query(struct sb *b, const struct sigv4_pair *q, size_t n) {
  struct qp *e = n ? calloc(n, sizeof *e) : NULL;
  if (n && e == NULL) {
    b->oom = true;
    return;
  }
  for (size_t i = 0; i < n; i++) {
    e[i].k = uri(q[i].name);
    e[i].v = uri(q[i].value);
    if (e[i].k == NULL || e[i].v == NULL) b->oom = true;
  }
  if (!b->oom && n > 1) qsort(e, n, sizeof *e, qp_cmp);
  for (size_t i = 0; !b->oom && i < n; i++) {
    if (i) sb_str(b, "&");
    sb_str(b, e[i].k);
    sb_str(b, "=");
    sb_str(b, e[i].v);
  }
  for (size_t i = 0; i < n; i++)
    free(e[i].k), free(e[i].v);
  free(e);
}

/* ---- headers ---- */
struct hd {
  char *name; /* lower case */
  const struct sigv4_pair *src;
  size_t order;
};

static int hd_cmp(const void *a, const void *b) {
  const struct hd *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c != 0 ? c : (x->order < y->order ? -1 : 1); /* repeated: keep their order */
}

/* value trimmed, inner runs of blanks collapsed to one space */
static void sb_trimmed(struct sb *b, const char *v) {
  while (*v == ' ' || *v == '\t')
    v++;
  bool gap = false;
  for (; *v; v++) {
    if (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r') {
      gap = true;
      continue;
    }
    if (gap) sb_add(b, " ", 1);
    gap = false;
    sb_add(b, v, 1);
  }
}

/* canonical headers into b, signed header list into sig. */
static void canonical_headers(struct sb *b, struct sb *sig, const struct sigv4_pair *h, size_t n) {
  struct hd *e = n ? calloc(n, sizeof *e) : NULL;
  if (n && e == NULL) {
    b->oom = true;
    return;
  }
  for (size_t i = 0; i < n; i++) {
    e[i].name = strdup(h[i].name);
    e[i].src = &h[i];
    e[i].order = i;
    if (e[i].name == NULL) b->oom = true;
    for (char *c = e[i].name; c && *c; c++)
      *c = (char)tolower((unsigned char)*c);
  }
  if (!b->oom && n > 1) qsort(e, n, sizeof *e, hd_cmp);
  for (size_t i = 0; !b->oom && i < n; i++) {
    bool repeat = i > 0 && strcmp(e[i].name, e[i - 1].name) == 0;
    if (repeat) {
      sb_str(b, ",");
    } else {
      if (i > 0) sb_str(b, "\n");
      sb_str(b, e[i].name);
      sb_str(b, ":");
      if (sig->n) sb_str(sig, ";");
      sb_str(sig, e[i].name);
    }
    sb_trimmed(b, e[i].src->value ? e[i].src->value : "");
  }
  if (n) sb_str(b, "\n");
  if (sig->oom) b->oom = true;
  for (size_t i = 0; i < n; i++)
    free(e[i].name);
  free(e);
}

/* ---- crypto ---- */
static void hmac(const void *key, size_t key_len, const char *data, unsigned char out[32]) {
  unsigned int len = 32;
  HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)data, strlen(data), out, &len);
}

static void hex(const unsigned char *in, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * n] = '\0';
}

int sigv4_sign(const struct sigv4_request *r, const struct sigv4_key *k, const char *amz_date,
               struct sigv4_result *out) {
  memset(out, 0, sizeof *out);
  if (amz_date == NULL || strlen(amz_date) != 16 || amz_date[8] != 'T') return -1;
  char day[9];
  memcpy(day, amz_date, 8);
  day[8] = '\0';

  struct sb creq = {0}, signed_headers = {0};
  sb_str(&creq, r->method);
  sb_str(&creq, "\n");
  sb_uri(&creq, r->path && r->path[0] ? r->path : "/", true);
  sb_str(&creq, "\n");
  canonical_query(&creq, r->query, r->n_query);
  sb_str(&creq, "\n");
  canonical_headers(&creq, &signed_headers, r->headers, r->n_headers);
  sb_str(&creq, "\n");
  sb_str(&creq, signed_headers.p ? signed_headers.p : "");
  sb_str(&creq, "\n");
  char body_hash[65];
  fin_sha256_hex(r->body ? r->body : "", r->body ? r->body_len : 0, body_hash);
  sb_str(&creq, body_hash);

  char creq_hash[65], scope[160];
  fin_sha256_hex(creq.p ? creq.p : "", creq.n, creq_hash);
  snprintf(scope, sizeof scope, "%s/%s/%s/aws4_request", day, k->region, k->service);
  struct sb sts = {0};
  sb_str(&sts, "AWS4-HMAC-SHA256\n");
  sb_str(&sts, amz_date);
  sb_str(&sts, "\n");
  sb_str(&sts, scope);
  sb_str(&sts, "\n");
  sb_str(&sts, creq_hash);

  /* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request") */
  unsigned char key[32], next[32];
  size_t slen = strlen(k->secret_access_key);
  char *seed = malloc(slen + 5);
  bool keyed = seed != NULL;
  if (keyed) {
    memcpy(seed, "AWS4", 4);
    memcpy(seed + 4, k->secret_access_key, slen + 1);
    hmac(seed, slen + 4, day, key);
    free(seed);
    hmac(key, 32, k->region, next);
    hmac(next, 32, k->service, key);
    hmac(key, 32, "aws4_request", next);
    hmac(next, 32, sts.p ? sts.p : "", key);
  }
  char signature[65];
  hex(key, 32, signature);
  char *authz = NULL;
  if (!keyed || creq.oom || sts.oom || signed_headers.oom ||
      asprintf(&authz, "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
               k->access_key_id, scope, signed_headers.p ? signed_headers.p : "", signature) < 0) {
    free(creq.p), free(sts.p), free(signed_headers.p);
    return -1;
  }
  free(signed_headers.p);
  out->canonical_request = creq.p;
  out->string_to_sign = sts.p;
  out->authorization = authz;
  return 0;
}

void sigv4_result_clear(struct sigv4_result *r) {
  free(r->canonical_request);
  free(r->string_to_sign);
  free(r->authorization);
  memset(r, 0, sizeof *r);
}

void sigv4_amz_date(time_t t, char *out) {
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}
