/* router.c - the allocation-free route matcher (the table: core/app/routes.c). */
#include "router.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

size_t fin_url_decode(const char *s, size_t len, char *out, size_t size, bool plus_is_space) {
  size_t o = 0;
  if (size == 0) return (size_t)-1;
  for (size_t i = 0; i < len; i++) {
    if (o + 1 >= size) return (size_t)-1;
    char c = s[i];
    int hi, lo;
    if (c == '%' && i + 2 < len && (hi = hexval(s[i + 1])) >= 0 && (lo = hexval(s[i + 2])) >= 0) {
      out[o++] = (char)(hi << 4 | lo);
      i += 2;
    } else {
      out[o++] = (plus_is_space && c == '+') ? ' ' : c;
    }
  }
  out[o] = '\0';
  return o;
}

/* Well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static bool utf8_valid(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    size_t len = c < 0x80             ? 1
                 : (c & 0xe0) == 0xc0 ? 2
                 : (c & 0xf0) == 0xe0 ? 3
                 : (c & 0xf8) == 0xf0 ? 4
                                      : 0;
    if (len == 0 || i + len > n) return false;
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1fu : len == 3 ? c & 0x0fu : c & 0x07u;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = cp << 6 | (s[i + k] & 0x3fu);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

/* Decodes a parameter into buf; a result that is not UTF-8 is replaced by
 * the raw segment, so handlers always get valid text. */
static size_t decode_param(const char *s, size_t len, char *buf, size_t size) {
  size_t n = fin_url_decode(s, len, buf, size, false);
  if (n == (size_t)-1 || utf8_valid((const unsigned char *)buf, n)) return n;
  if (len + 1 > size) return (size_t)-1;
  memcpy(buf, s, len);
  buf[len] = '\0';
  return len;
}

/* Next segment of p (after a '/'): start and length; returns the rest. */
static const char *next_segment(const char *p, const char *end, const char **seg, size_t *len) {
  const char *slash = memchr(p, '/', (size_t)(end - p));
  const char *stop = slash ? slash : end;
  *seg = p;
  *len = (size_t)(stop - p);
  return slash ? slash + 1 : NULL;
}

static bool match_one(const struct fin_route *r, const char *path, size_t plen,
                      struct fin_match *m) {
  const char *pat = r->pattern + 1, *pend = r->pattern + strlen(r->pattern);
  const char *p = path + 1, *end = path + plen;
  size_t used = 0;
  int np = 0;
  while (pat != NULL) {
    const char *ps, *s;
    size_t pl, sl;
    if (p == NULL) return false;
    pat = next_segment(pat, pend, &ps, &pl);
    p = next_segment(p, end, &s, &sl);
    if (sl == 0) return false;
    if (ps[0] == ':') {
      if (np >= FIN_MAX_PARAMS) return false;
      size_t n = decode_param(s, sl, m->buf + used, sizeof m->buf - used);
      if (n == (size_t)-1) return false;
      m->params[np++] = m->buf + used;
      used += n + 1;
    } else if (pl != sl || strncasecmp(ps, s, sl) != 0) {
      return false;
    }
  }
  return p == NULL;
}

bool fin_route_match(const struct fin_routes *t, const char *method, const char *path,
                     struct fin_match *m) {
  memset(m->params, 0, sizeof m->params);
  m->route = NULL;
  if (path == NULL || path[0] != '/' || method == NULL) return false;
  size_t plen = strlen(path);
  if (plen > 1 && path[plen - 1] == '/') plen--; /* one trailing slash */
  const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
  for (size_t i = 0; i < t->n; i++) {
    const struct fin_route *r = &t->v[i];
    if (strcmp(r->method, want) != 0) continue;
    memset(m->params, 0, sizeof m->params);
    if (match_one(r, path, plen, m)) {
      m->route = r;
      return true;
    }
  }
  memset(m->params, 0, sizeof m->params);
  return false;
}

bool fin_route_is_admin_path(const char *path) {
  static const char prefix[] = "/v1/admin";
  if (path == NULL || strncasecmp(path, prefix, sizeof prefix - 1) != 0) return false;
  char next = path[sizeof prefix - 1];
  return next == '\0' || next == '/';
}
