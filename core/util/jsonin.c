/* jsonin.c - JSON text into jansson values, json_loadb's grammar (see
 * jsonin.h). One pass over the buffer: strings without escapes or
 * non-ASCII bytes become values straight from the text; the rest are
 * decoded into a scratch buffer kept for the whole parse. No recursion: the
 * open containers are kept on the heap (struct nest), so 2,048 levels of
 * nesting take no stack from a request fiber's 512 KiB. */
#include "jsonin.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/utf8.h>

#define MAX_DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH; it counts every value */

struct ps {
  const char *start, *p, *end;
  char *tmp; /* decoded strings with escapes or non-ASCII bytes */
  size_t tmp_cap;
  json_error_t *err;
  bool failed;
};

/* Byte classes inside a string: 0 plain ASCII, 1 '"', 2 '\\', 3 control, 4 non-ASCII. */
static const unsigned char str_class[256] = {
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

static void *fail(struct ps *s, const char *what) {
  if (!s->failed && s->err != NULL) {
    s->err->line = 1;
    s->err->column = (int)(s->p - s->start) + 1;
    s->err->position = (int)(s->p - s->start);
    snprintf(s->err->source, sizeof s->err->source, "<buffer>");
    snprintf(s->err->text, sizeof s->err->text, "%s", what);
  }
  s->failed = true;
  return NULL;
}

static void skip_ws(struct ps *s) {
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
    s->p++;
}

static bool tmp_reserve(struct ps *s, size_t need) {
  if (need <= s->tmp_cap) return true;
  size_t cap = s->tmp_cap ? s->tmp_cap : 256;
  while (cap < need)
    cap *= 2;
  char *t = realloc(s->tmp, cap);
  if (t == NULL) return false;
  s->tmp = t;
  s->tmp_cap = cap;
  return true;
}

static int hex4(const char *q) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char c = q[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/* One escape after the backslash at s->p: its code point, s->p moved past it. */
static int64_t escape(struct ps *s) {
  if (s->end - s->p < 2) return -1;
  char c = s->p[1];
  s->p += 2;
  switch (c) {
  case '"':
    return '"';
  case '\\':
    return '\\';
  case '/':
    return '/';
  case 'b':
    return '\b';
  case 'f':
    return '\f';
  case 'n':
    return '\n';
  case 'r':
    return '\r';
  case 't':
    return '\t';
  case 'u':
    break;
  default:
    return -1;
  }
  int hi = s->end - s->p >= 4 ? hex4(s->p) : -1;
  if (hi <= 0) return -1; /* bad hex, or \u0000: NUL is refused as jansson does */
  s->p += 4;
  if (hi >= 0xDC00 && hi <= 0xDFFF) return -1;
  if (hi < 0xD800 || hi > 0xDBFF) return hi;
  int lo = s->end - s->p >= 6 && s->p[0] == '\\' && s->p[1] == 'u' ? hex4(s->p + 2) : -1;
  if (lo < 0xDC00 || lo > 0xDFFF) return -1;
  s->p += 6;
  return 0x10000 + (((int64_t)hi - 0xD800) << 10) + (lo - 0xDC00);
}

/* The string whose text starts at s->p (after the quote) decoded into
 * s->tmp; s->p moved past the closing quote. Returns the length or -1. */
static __attribute__((noinline)) long decode_string(struct ps *s) {
  size_t n = 0;
  while (s->p < s->end) {
    const unsigned char *q = (const unsigned char *)s->p;
    if (!tmp_reserve(s, n + 8)) return fail(s, "out of memory"), -1;
    switch (str_class[*q]) {
    case 0:
      s->tmp[n++] = (char)*q, s->p++;
      break;
    case 1:
      s->p++;
      return (long)n;
    case 2: {
      int64_t v = escape(s);
      if (v < 0) return fail(s, "invalid escape in string"), -1;
      U8_APPEND_UNSAFE(s->tmp, n, (UChar32)v);
      break;
    }
    case 3:
      return fail(s, "control character in string"), -1;
    default: { /* ICU's check, as fin_utf8_valid: no overlongs, surrogates or past U+10FFFF */
      size_t k = 0, avail = (size_t)(s->end - s->p);
      UChar32 c;
      U8_NEXT((const uint8_t *)q, k, avail, c);
      if (c < 0) return fail(s, "invalid UTF-8 in string"), -1;
      memcpy(s->tmp + n, q, k);
      n += k, s->p += k;
    }
    }
  }
  return fail(s, "unterminated string"), -1;
}

/* A string's bytes: *out points into the text (no escapes, ASCII only) or
 * into s->tmp. s->p is at the opening quote. Returns the length or -1. */
static long string_bytes(struct ps *s, const char **out) {
  const char *b = ++s->p;
  const unsigned char *q = (const unsigned char *)b, *end = (const unsigned char *)s->end;
  while (q < end && str_class[*q] == 0)
    q++;
  if (q < end && *q == '"') {
    s->p = (const char *)q + 1;
    *out = b;
    return (long)((const char *)q - b);
  }
  long n = decode_string(s);
  *out = s->tmp;
  return n;
}

static json_t *parse_string(struct ps *s) {
  const char *b;
  long n = string_bytes(s, &b);
  if (n < 0) return NULL;
  json_t *v = json_stringn_nocheck(b, (size_t)n);
  return v != NULL ? v : fail(s, "out of memory");
}

static bool is_digit(const char *q, const char *end) {
  return q < end && *q >= '0' && *q <= '9';
}

/* strtod's double for "ddd.ddd" (no exponent) when that takes one
 * correctly rounded division: all digits as an integer M <= 2^53 and at
 * most 22 of them after the point, so M and 10^k are exact doubles
 * (Clinger's fast path). Amounts take it; strtod costs ten times more. */
static bool exact_decimal(const char *d, const char *end, double *out) {
  static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  uint64_t m = 0;
  int digits = 0, frac = -1; /* digits after the point, once it is met */
  for (; d < end; d++) {
    if (*d == '.') {
      frac = 0;
      continue;
    }
    if (*d < '0' || *d > '9' || ++digits > 19) return false; /* an exponent, or too long */
    m = m * 10 + (uint64_t)(*d - '0');
    if (frac >= 0) frac++;
  }
  if (frac < 0 || frac > 22 || m > (1ULL << 53)) return false;
  *out = (double)m / p10[frac];
  return true;
}

static __attribute__((noinline)) json_t *parse_number(struct ps *s) {
  const char *b = s->p, *q = b, *end = s->end;
  bool neg = *q == '-', real = false;
  if (neg) q++;
  if (!is_digit(q, end)) return fail(s, "invalid number");
  if (*q == '0') {
    if (is_digit(++q, end)) return fail(s, "invalid number: leading zero");
  } else
    while (is_digit(q, end))
      q++;
  if (q < end && *q == '.') {
    if (!is_digit(++q, end)) return fail(s, "invalid number");
    while (is_digit(q, end))
      q++;
    real = true;
  }
  if (q < end && (*q == 'e' || *q == 'E')) {
    if (++q < end && (*q == '+' || *q == '-')) q++;
    if (!is_digit(q, end)) return fail(s, "invalid number");
    while (is_digit(q, end))
      q++;
    real = true;
  }
  s->p = q;
  json_t *v;
  double x;
  if (!real) {
    uint64_t u = 0;
    for (const char *d = b + neg; d < q; d++) {
      unsigned dig = (unsigned)(*d - '0');
      if (u > (UINT64_MAX - dig) / 10) return fail(s, "too big integer");
      u = u * 10 + dig;
    }
    if (u > (uint64_t)INT64_MAX + neg) return fail(s, "too big integer");
    v = json_integer(neg ? (json_int_t)(0 - u) : (json_int_t)u);
  } else if (exact_decimal(b + neg, q, &x)) {
    v = json_real(neg ? -x : x);
  } else {
    char buf[64], *t = (size_t)(q - b) < sizeof buf ? buf : malloc((size_t)(q - b) + 1);
    if (t == NULL) return fail(s, "out of memory");
    memcpy(t, b, (size_t)(q - b));
    t[q - b] = '\0';
    errno = 0;
    x = strtod(t, NULL);
    bool overflow = errno == ERANGE && (x > 1.0 || x < -1.0);
    if (t != buf) free(t);
    if (overflow) return fail(s, "real number overflow");
    v = json_real(x);
  }
  return v != NULL ? v : fail(s, "out of memory");
}

static bool literal(struct ps *s, const char *word, size_t n) {
  if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0) return false;
  s->p += n;
  return true;
}

/* A string, number or literal at s->p. */
static json_t *parse_scalar(struct ps *s) {
  switch (*s->p) {
  case '"':
    return parse_string(s);
  case 't':
    return literal(s, "true", 4) ? json_true() : fail(s, "invalid token");
  case 'f':
    return literal(s, "false", 5) ? json_false() : fail(s, "invalid token");
  case 'n':
    return literal(s, "null", 4) ? json_null() : fail(s, "invalid token");
  default:
    return *s->p == '-' || (*s->p >= '0' && *s->p <= '9') ? parse_number(s)
                                                          : fail(s, "invalid token");
  }
}

/* The containers being filled, innermost last (borrowed: each is already
 * in its parent, the first is the result), and the key of an object's
 * member whose value comes next. Nesting lives here, on the heap, not on
 * the stack: 2,048 levels cost a fiber nothing. */
struct nest {
  json_t **open; /* `first` until deeper than it holds, then the heap */
  json_t *first[32];
  size_t depth, cap;
  const char *key;
  size_t key_len;
  char *own_key; /* a decoded key, copied: the value may reuse s->tmp */
};

/* `"key" :` at s->p into n. */
static bool member_key(struct ps *s, struct nest *n) {
  skip_ws(s);
  if (s->p >= s->end || *s->p != '"') return fail(s, "string or '}' expected"), false;
  long len = string_bytes(s, &n->key);
  if (len < 0) return false;
  n->key_len = (size_t)len;
  if (n->key == s->tmp) {
    if ((n->own_key = malloc((size_t)len + 1)) == NULL) return fail(s, "out of memory"), false;
    memcpy(n->own_key, s->tmp, (size_t)len);
    n->key = n->own_key;
  }
  skip_ws(s);
  if (s->p >= s->end || *s->p != ':') return fail(s, "':' expected"), false;
  s->p++;
  return true;
}

/* v into the innermost open container (under n->key in an object); takes v. */
static bool attach(struct ps *s, struct nest *n, json_t *v) {
  json_t *in = n->open[n->depth - 1];
  int rc = json_is_object(in) ? json_object_setn_new_nocheck(in, n->key, n->key_len, v)
                              : json_array_append_new(in, v);
  free(n->own_key);
  n->own_key = NULL;
  return rc == 0 || (fail(s, "out of memory"), false);
}

static bool push(struct ps *s, struct nest *n, json_t *c) {
  if (n->depth == n->cap) {
    size_t cap = n->cap * 2;
    json_t **o = malloc(cap * sizeof *o);
    if (o == NULL) return fail(s, "out of memory"), false;
    memcpy(o, n->open, n->depth * sizeof *o);
    if (n->open != n->first) free(n->open);
    n->open = o, n->cap = cap;
  }
  n->open[n->depth++] = c;
  return true;
}

/* After a value: past its ',' (and the next member's key) to where the
 * next value starts, closing the containers that end here. Returns 1 when
 * a value comes next, 0 when the outermost container has closed, -1 on a
 * fault. `fresh`: the innermost container was just opened. */
static int next_value(struct ps *s, struct nest *n, bool fresh) {
  for (;;) {
    bool obj = json_is_object(n->open[n->depth - 1]);
    skip_ws(s);
    if (s->p >= s->end) return fail(s, obj ? "'}' expected" : "']' expected"), -1;
    if (*s->p == (obj ? '}' : ']')) {
      s->p++;
      fresh = false;
      if (--n->depth == 0) return 0;
      continue;
    }
    if (!fresh) {
      if (*s->p != ',') return fail(s, obj ? "',' or '}' expected" : "',' or ']' expected"), -1;
      s->p++;
    }
    return !obj || member_key(s, n) ? 1 : -1;
  }
}

json_t *fin_json_parse(const char *text, size_t len, json_error_t *err) {
  struct ps s = {.start = text, .p = text, .end = text + len, .err = err};
  struct nest n = {.cap = sizeof n.first / sizeof n.first[0]};
  n.open = n.first;
  json_t *root = NULL;
  skip_ws(&s);
  if (s.p >= s.end || (*s.p != '{' && *s.p != '[')) {
    fail(&s, "'[' or '{' expected");
    goto done;
  }
  for (;;) { /* one value at s.p per turn */
    skip_ws(&s);
    if (s.p >= s.end) {
      fail(&s, "unexpected end of text");
      break;
    }
    if (n.depth + 1 > MAX_DEPTH) {
      fail(&s, "maximum parsing depth reached");
      break;
    }
    bool open = *s.p == '{' || *s.p == '[';
    json_t *v = !open ? parse_scalar(&s) : *s.p == '{' ? json_object() : json_array();
    if (v == NULL) {
      if (open) fail(&s, "out of memory");
      break;
    }
    if (n.depth == 0)
      root = v;
    else if (!attach(&s, &n, v))
      break;
    if (open && (s.p++, !push(&s, &n, v))) break;
    int more = next_value(&s, &n, open);
    if (more <= 0) {
      if (more == 0) {
        skip_ws(&s);
        if (s.p != s.end) fail(&s, "end of file expected");
      }
      break;
    }
  }
done:
  if (s.failed) {
    json_decref(root);
    root = NULL;
  }
  free(n.own_key);
  if (n.open != n.first) free(n.open);
  free(s.tmp);
  return root;
}
