/* idem_fp.c - request fingerprints for idempotency keys: a key reused with
 * another request is refused (422) rather than answered with the first
 * request's result (IETF Idempotency-Key draft, section 2.7).
 *
 * The fingerprint is the SHA-256 of a canonical text of the request. That
 * text is stored with every idempotency record, so it must never change: it
 * is, byte for byte, what jansson 2.14's json_dumps(JSON_COMPACT |
 * JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17)) writes for
 * [operation, [path parameters], body] with every number made a double,
 * which is how it was first computed. It is written here directly: jansson
 * would first copy the body, check every container for loops (a snprintf
 * of its address each) and allocate a key array per object.
 * tests/unit/test_idempotency.c compares the two on random bodies. */
#include <stdlib.h>
#include <string.h>

#include "../http/errmap.h"
#include "../util/codec.h"
#include "../util/jsnum.h"
#include "../util/text.h"
#include "idem.h"

struct fp_buf {
  char *p;
  size_t n, cap;
  bool failed; /* out of memory, or a string that is not UTF-8 */
  char first[512];
};

static void put(struct fp_buf *b, const char *s, size_t n) {
  if (b->failed) return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap * 2 > b->n + n + 1 ? b->cap * 2 : b->n + n + 1;
    char *p = b->p == b->first ? malloc(cap) : realloc(b->p, cap);
    if (p == NULL) {
      b->failed = true;
      return;
    }
    if (b->p == b->first) memcpy(p, b->first, b->n);
    b->p = p, b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
}

/* jansson's escapes: \" \\ \b \f \n \r \t, other controls as \u00XX (upper
 * case); everything else, '/' and non-ASCII included, as is. A string that
 * is not UTF-8 fails, as json_dumps does. */
static void put_string(struct fp_buf *b, const char *s, size_t n) {
  if (!fin_utf8_valid(s, n)) {
    b->failed = true;
    return;
  }
  static const char hex[] = "0123456789ABCDEF";
  put(b, "\"", 1);
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch >= 0x20 && ch != '"' && ch != '\\') continue;
    put(b, s + run, i - run);
    run = i + 1;
    char esc[6] = {'\\', 0};
    size_t len = 2;
    switch (ch) {
    case '"':
      esc[1] = '"';
      break;
    case '\\':
      esc[1] = '\\';
      break;
    case '\b':
      esc[1] = 'b';
      break;
    case '\f':
      esc[1] = 'f';
      break;
    case '\n':
      esc[1] = 'n';
      break;
    case '\r':
      esc[1] = 'r';
      break;
    case '\t':
      esc[1] = 't';
      break;
    default:
      memcpy(esc + 1, "u00", 3);
      esc[4] = hex[ch >> 4], esc[5] = hex[ch & 15];
      len = 6;
    }
    put(b, esc, len);
  }
  put(b, s + run, n - run);
  put(b, "\"", 1);
}

/* jansson's reals: "%.17g", ".0" added when neither '.' nor 'e' is there,
 * and the exponent without '+' or leading zeros ("1e+20" -> "1e20"). */
static void put_real(struct fp_buf *b, double v) {
  char t[FIN_JSNUM_MAX + 3];
  int n = (int)fin_g17(v, t); /* snprintf's "%.17g" (test_jsnum), a tenth of its cost */
  char *e = strchr(t, 'e');
  if (e == NULL && strchr(t, '.') == NULL) {
    memcpy(t + n, ".0", 3);
    n += 2;
  } else if (e != NULL) {
    char *digits = e + 1 + (e[1] == '-'), *from = e + 2;
    while (*from == '0')
      from++;
    memmove(digits, from, (size_t)(t + n + 1 - from));
    n -= (int)(from - digits);
  }
  put(b, t, (size_t)n);
}

/* A key as the first fingerprints saw it: their copy of the body cut each
 * key at a NUL byte (form bodies can hold one), and of keys equal after
 * the cut, the one met last in the object's order kept its place. */
struct fp_key {
  const char *s;
  size_t n, at; /* length up to a NUL; position in the object's order */
  json_t *v;
};

static int key_cmp(const void *a, const void *b) {
  const struct fp_key *x = a, *y = b;
  int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);
  if (c == 0) c = (x->n > y->n) - (x->n < y->n);
  return c != 0 ? c : (x->at > y->at) - (x->at < y->at);
}

static void put_value(struct fp_buf *b, const json_t *v);

static void put_object(struct fp_buf *b, const json_t *v) {
  size_t n = json_object_size(v);
  struct fp_key few[8], *keys = n <= 8 ? few : malloc(n * sizeof *keys);
  if (keys == NULL) {
    b->failed = true;
    return;
  }
  size_t i = 0;
  for (void *it = json_object_iter((json_t *)v); it != NULL && i < n;
       it = json_object_iter_next((json_t *)v, it), i++) {
    const char *k = json_object_iter_key(it);
    keys[i] =
        (struct fp_key){k, strnlen(k, json_object_iter_key_len(it)), i, json_object_iter_value(it)};
  }
  qsort(keys, i, sizeof *keys, key_cmp);
  put(b, "{", 1);
  bool first = true;
  for (size_t k = 0; k < i; k++) {
    if (k + 1 < i && keys[k + 1].n == keys[k].n && memcmp(keys[k + 1].s, keys[k].s, keys[k].n) == 0)
      continue; /* a later key equal after the cut wins */
    if (!first) put(b, ",", 1);
    first = false;
    put_string(b, keys[k].s, keys[k].n);
    put(b, ":", 1);
    put_value(b, keys[k].v);
  }
  put(b, "}", 1);
  if (keys != few) free(keys);
}

static void put_value(struct fp_buf *b, const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT:
    put_object(b, v);
    return;
  case JSON_ARRAY:
    put(b, "[", 1);
    for (size_t i = 0; i < json_array_size(v); i++) {
      if (i > 0) put(b, ",", 1);
      put_value(b, json_array_get(v, i));
    }
    put(b, "]", 1);
    return;
  case JSON_STRING:
    put_string(b, json_string_value(v), json_string_length(v));
    return;
  /* 100 and 100.0 are the same amount to every handler, which reads doubles */
  case JSON_INTEGER:
    put_real(b, (double)json_integer_value(v));
    return;
  case JSON_REAL:
    put_real(b, json_real_value(v));
    return;
  case JSON_TRUE:
    put(b, "true", 4);
    return;
  case JSON_FALSE:
    put(b, "false", 5);
    return;
  case JSON_NULL:
    put(b, "null", 4);
    return;
  }
}

enum fin_status fin_idem_fingerprint(const char *operation, const struct fin_req *q, char out[65]) {
  /* [operation, [path parameters], body]: a JSON array keeps the parts
   * apart whatever characters they hold. A request without a body is
   * handled as {} everywhere, so it fingerprints as {}. */
  struct fp_buf b = {.cap = sizeof b.first};
  b.p = b.first;
  put(&b, "[", 1);
  put_string(&b, operation, strlen(operation));
  put(&b, ",[", 2);
  for (size_t i = 0; i < FIN_MAX_PARAMS && q->params[i] != NULL; i++) {
    if (i > 0) put(&b, ",", 1);
    put_string(&b, q->params[i], strlen(q->params[i]));
  }
  put(&b, "],", 2);
  if (q->body != NULL)
    put_value(&b, q->body);
  else
    put(&b, "{}", 2);
  put(&b, "]", 1);
  if (!b.failed) fin_sha256_hex(b.p, b.n, out);
  if (b.p != b.first) free(b.p);
  return b.failed ? FIN_NOMEM : FIN_OK;
}
bool fin_idem_same_request(const struct fin_idem *rec, const char *fingerprint) {
  /* a record from before fingerprints existed cannot tell: it replays */
  return rec->fingerprint[0] == '\0' || fingerprint == NULL ||
         strcmp(rec->fingerprint, fingerprint) == 0;
}

void fin_idem_refuse_reuse(struct fin_resp *r) {
  fin_resp_fail(r, FIN_E_IDEM_KEY_REUSED);
}
