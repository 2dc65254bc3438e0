/* jsonout.c - JSON.stringify-compatible writer for jansson values. */
#include "jsonout.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsnum.h"

#define MAX_DEPTH 2048 /* jansson's own parse limit; also stops cycles */

static __attribute__((noinline)) int grow(struct fin_jw *b, size_t more) {
  if (b->oom) return -1;
  size_t cap = b->cap ? b->cap : 1024; /* most bodies fit: one allocation */
  while (cap < b->len + more + 1)
    cap *= 2;
  char *p = realloc(b->p, cap);
  if (p == NULL) {
    b->oom = 1;
    return -1;
  }
  b->p = p;
  b->cap = cap;
  return 0;
}

/* Room for `more` bytes and a NUL; 0, or -1 after OOM (then nothing is written). */
static inline int reserve(struct fin_jw *b, size_t more) {
  return b->len + more + 1 <= b->cap && !b->oom ? 0 : grow(b, more);
}

static inline void put(struct fin_jw *b, const char *s, size_t n) {
  if (reserve(b, n) != 0) return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static inline void putc1(struct fin_jw *b, char c) {
  if (reserve(b, 1) != 0) return;
  b->p[b->len++] = c;
}

/* Bytes JSON.stringify escapes: '"', '\\' and the control characters. */
static const unsigned char must_escape[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

#define ONES 0x0101010101010101ULL
/* Whether any of the 8 bytes in w must be escaped (bytes below 0x20 with
 * the high bit clear, '"' or '\\'): a few operations per 8 bytes. */
static bool word_needs_escape(uint64_t w) {
  uint64_t q = w ^ (ONES * '"'), bs = w ^ (ONES * '\\');
  uint64_t low = (w - ONES * 0x20) & ~w, zq = (q - ONES) & ~q, zb = (bs - ONES) & ~bs;
  return ((low | zq | zb) & (ONES * 0x80)) != 0;
}

/* One escape for c at o; returns its length. */
static size_t put_escape(char *o, unsigned char c) {
  static const char hex[] = "0123456789abcdef";
  o[0] = '\\';
  switch (c) {
  case '"':
  case '\\':
    o[1] = (char)c;
    return 2;
  case '\b':
    o[1] = 'b';
    return 2;
  case '\f':
    o[1] = 'f';
    return 2;
  case '\n':
    o[1] = 'n';
    return 2;
  case '\r':
    o[1] = 'r';
    return 2;
  case '\t':
    o[1] = 't';
    return 2;
  default:
    memcpy(o + 1, "u00", 3);
    o[4] = hex[c >> 4];
    o[5] = hex[c & 15];
    return 6;
  }
}

/* JSON.stringify's QuoteJSONString for UTF-8 input. Room for the string
 * as it is is reserved once; only an escape (up to 6 bytes for 1) reserves
 * again, for itself and the rest. The scan takes 8 bytes at a time. */
static void put_string(struct fin_jw *b, const char *s, size_t n) {
  if (reserve(b, n + 2) != 0) return;
  b->p[b->len++] = '"';
  size_t run = 0; /* start of the pending run of unescaped bytes */
  for (size_t i = 0; i < n; i++) {
    uint64_t w;
    while (i + 8 <= n && (memcpy(&w, s + i, 8), !word_needs_escape(w)))
      i += 8;
    if (i >= n) break;
    unsigned char c = (unsigned char)s[i];
    if (!must_escape[c]) continue;
    memcpy(b->p + b->len, s + run, i - run);
    b->len += i - run;
    run = i + 1;
    if (reserve(b, 6 + (n - run) + 1) != 0) return;
    b->len += put_escape(b->p + b->len, c);
  }
  memcpy(b->p + b->len, s + run, n - run);
  b->len += n - run;
  b->p[b->len++] = '"';
}

static int write_value(struct fin_jw *b, const json_t *v, int depth);

/* What snprintf("%lld") writes, for a tenth of its instructions. */
void fin_jw_int(struct fin_jw *w, long long v) {
  char num[FIN_U64DEC_MAX + 1];
  size_t n = 0;
  if (v < 0) num[n++] = '-';
  n += fin_u64dec(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, num + n);
  put(w, num, n);
}

void fin_jw_num(struct fin_jw *w, double x) {
  char num[FIN_JSNUM_MAX];
  size_t n = fin_jsnum(x, num);
  put(w, num, n);
  if (w->typed && num[strspn(num, "-0123456789")] == '\0') put(w, ".0", 2);
}

static int write_object(struct fin_jw *b, const json_t *v, int depth) {
  const char *key;
  json_t *val;
  int first = 1;
  putc1(b, '{');
  json_object_foreach((json_t *)v, key, val) {
    if (!first) putc1(b, ',');
    first = 0;
    put_string(b, key, strlen(key));
    putc1(b, ':');
    if (write_value(b, val, depth + 1) != 0) return -1;
  }
  putc1(b, '}');
  return 0;
}

static int write_array(struct fin_jw *b, const json_t *v, int depth) {
  putc1(b, '[');
  for (size_t i = 0; i < json_array_size(v); i++) {
    if (i > 0) putc1(b, ',');
    if (write_value(b, json_array_get(v, i), depth + 1) != 0) return -1;
  }
  putc1(b, ']');
  return 0;
}

static int write_value(struct fin_jw *b, const json_t *v, int depth) {
  char num[FIN_JSNUM_MAX];
  if (depth > MAX_DEPTH) return -1;
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    return write_object(b, v, depth);
  case JSON_ARRAY:
    return write_array(b, v, depth);
  case JSON_STRING:
    put_string(b, json_string_value(v), json_string_length(v));
    break;
  case JSON_INTEGER: {
    int n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    put(b, num, (size_t)n);
    break;
  }
  case JSON_REAL:
    fin_jw_num(b, json_real_value(v));
    break;
  case JSON_TRUE:
    put(b, "true", 4);
    break;
  case JSON_FALSE:
    put(b, "false", 5);
    break;
  case JSON_NULL:
  default:
    put(b, "null", 4);
    break;
  }
  return 0;
}

void fin_jw_raw(struct fin_jw *w, const char *s, size_t n) {
  put(w, s, n);
}

void fin_jw_str(struct fin_jw *w, const char *s, size_t n) {
  put_string(w, s, n);
}

char *fin_jw_end(struct fin_jw *w, size_t *len) {
  if (reserve(w, 0) != 0) {
    free(w->p);
    w->p = NULL;
    return NULL;
  }
  w->p[w->len] = '\0';
  if (len != NULL) *len = w->len;
  return w->p;
}

static char *dump(const json_t *v, size_t *len, bool typed) {
  struct fin_jw b = {.typed = typed};
  if (v == NULL) {
    put(&b, "null", 4);
  } else if (write_value(&b, v, 0) != 0) {
    free(b.p);
    return NULL;
  }
  return fin_jw_end(&b, len);
}

char *fin_json_dump(const json_t *v, size_t *len) {
  return dump(v, len, false);
}

char *fin_json_dump_typed(const json_t *v, size_t *len) {
  return dump(v, len, true);
}
