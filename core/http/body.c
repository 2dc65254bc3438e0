/* body.c - request body decoding (behaviour.md §0.2 with the documented
 * decisions): JSON (object or array at top level), urlencoded forms (string
 * values), nothing else. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/jsonin.h"
#include "mw.h"
#include "router.h"

static bool has_body_method(const char *m) {
  return strcmp(m, "POST") == 0 || strcmp(m, "PATCH") == 0 || strcmp(m, "PUT") == 0;
}

/* Media type without parameters, compared case-insensitively. */
static bool media_is(const char *ct, const char *want) {
  while (*ct == ' ' || *ct == '\t')
    ct++;
  size_t n = strlen(want);
  if (strncasecmp(ct, want, n) != 0) return false;
  ct += n;
  while (*ct == ' ' || *ct == '\t')
    ct++;
  return *ct == '\0' || *ct == ';';
}

/* Whether the text opens more than max objects/arrays inside each other
 * (brackets within strings do not count). Malformed text is the parser's. */
static bool too_deep(const char *s, size_t len, int max) {
  int depth = 0;
  bool in_str = false;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (in_str) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_str = false;
    } else if (c == '"') {
      in_str = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max) return true;
    } else if (c == '}' || c == ']') {
      depth--;
    }
  }
  return false;
}

static enum fin_body_status parse_json(const char *data, size_t len, json_t **out) {
  if (too_deep(data, len, FIN_BODY_MAX_DEPTH)) return FIN_BODY_TOO_DEEP;
  json_error_t err;
  /* the fast reader accepts what json_loadb(.., 0, ..) does (jsonin.h); on a
   * refusal jansson reads again, for its error code */
  json_t *v = fin_json_parse(data, len, NULL);
  if (v != NULL) {
    *out = v;
    return FIN_BODY_OK;
  }
  v = json_loadb(data, len, 0, &err);
  if (v == NULL && json_error_code(&err) == json_error_numeric_overflow) {
    /* JSON.parse reads huge integers as doubles; so do we */
    v = json_loadb(data, len, JSON_DECODE_INT_AS_REAL, &err);
  }
  if (v == NULL)
    return json_error_code(&err) == json_error_out_of_memory ? FIN_BODY_NOMEM : FIN_BODY_BAD_JSON;
  *out = v;
  return FIN_BODY_OK;
}

/* Adds one "k=v" pair (first occurrence of a key wins). */
static void form_pair(json_t *obj, const char *s, size_t len) {
  const char *eq = memchr(s, '=', len);
  size_t klen = eq ? (size_t)(eq - s) : len;
  if (klen == 0) return;
  char *buf = malloc(len + 2);
  if (buf == NULL) return;
  size_t k = fin_url_decode(s, klen, buf, klen + 1, true);
  char *val = buf + k + 1;
  size_t vraw = eq ? len - klen - 1 : 0;
  size_t v = fin_url_decode(eq ? eq + 1 : "", vraw, val, vraw + 1, true);
  if (json_object_get(obj, buf) == NULL) {
    json_t *js = json_stringn(val, v);
    if (js != NULL) json_object_setn_new(obj, buf, k, js);
  }
  free(buf);
}

static json_t *parse_form(const char *data, size_t len) {
  json_t *obj = json_object();
  if (obj == NULL) return NULL;
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i == len || data[i] == '&') {
      if (i > start) form_pair(obj, data + start, i - start);
      start = i + 1;
    }
  }
  return obj;
}

enum fin_body_status fin_mw_body(const char *method, const char *content_type, const char *data,
                                 size_t len, json_t **out, bool *has_body) {
  *has_body = false;
  *out = NULL;
  enum fin_body_status st = FIN_BODY_OK;
  if (len > 0 && has_body_method(method)) {
    if (content_type != NULL && media_is(content_type, "application/json")) {
      st = parse_json(data, len, out);
    } else if (content_type != NULL &&
               media_is(content_type, "application/x-www-form-urlencoded")) {
      *out = parse_form(data, len);
      if (*out == NULL) st = FIN_BODY_NOMEM;
    } else {
      st = FIN_BODY_UNSUPPORTED;
    }
    *has_body = (st == FIN_BODY_OK);
  }
  if (*out == NULL) *out = json_object();
  return st;
}
