/* reply.c - from the handler's fin_resp to the bytes and headers to send:
 * error envelope (behaviour.md §2.1), JSON.stringify text, ETag/Last-Modified and
 * the framework's conditional GET (§0.7), CORS/cache headers (§0.4). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/codec.h"
#include "../util/jsonout.h"
#include "../util/timefmt.h"
#include "errmap.h"
#include "mw.h"

static const char JSON_TYPE[] = "application/json; charset=utf-8";
static const char OOM_BODY[] = "{\"error\":{\"code\":\"INTERNAL_ERROR\",\"message\":"
                               "\"An unexpected error occurred\"}}";

void fin_reply_header(struct fin_http_out *out, const char *name, const char *value) {
  if (out->nh < FIN_HTTP_MAX_HEADERS && value != NULL) {
    out->h[out->nh].name = name;
    out->h[out->nh].value = value;
    out->nh++;
  }
}

/* A JSON string of s even when s is not valid UTF-8 (bad bytes -> U+FFFD). */
static json_t *lossy_string(const char *s) {
  if (s == NULL) return json_string("");
  json_t *v = json_string(s);
  if (v != NULL) return v;
  size_t n = strlen(s);
  char *buf = malloc(n * 3 + 1);
  if (buf == NULL) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
      buf[o++] = (char)c;
    } else {
      memcpy(buf + o, "\xef\xbf\xbd", 3);
      o += 3;
    }
  }
  v = json_stringn(buf, o);
  free(buf);
  return v;
}

static json_t *envelope(const struct fin_reply_ctx *x, struct fin_resp *r) {
  json_t *err = json_object(), *env = json_object();
  json_object_set_new_nocheck(err, "code", json_string(r->err_code));
  json_object_set_new_nocheck(err, "message", lossy_string(r->err_msg));
  if (r->err_details != NULL) json_object_set_new_nocheck(err, "details", r->err_details);
  r->err_details = NULL;
  json_object_set_new_nocheck(env, "error", err);
  if (!r->err_no_meta) {
    json_t *meta = json_object();
    json_object_set_new_nocheck(meta, "requestId", lossy_string(x->request_id));
    if (x->trace_id != NULL) json_object_set_new_nocheck(meta, "traceId", json_string(x->trace_id));
    json_object_set_new_nocheck(env, "meta", meta);
  }
  return env;
}

/* Express's parseTokenList: entries separated by spaces and commas. */
static bool etag_listed(const char *list, const char *etag) {
  const char *bare = strncmp(etag, "W/", 2) == 0 ? etag + 2 : etag;
  size_t blen = strlen(bare);
  const char *p = list;
  while (*p != '\0') {
    while (*p == ' ' || *p == ',')
      p++;
    const char *start = p;
    while (*p != '\0' && *p != ' ' && *p != ',')
      p++;
    size_t n = (size_t)(p - start);
    if (n >= 2 && strncmp(start, "W/", 2) == 0) {
      start += 2;
      n -= 2;
    }
    if (n > 0 && n == blen && memcmp(start, bare, n) == 0) return true;
  }
  return false;
}

/* Cache-Control request directive no-cache (Express: /(?:^|,)\s*?no-cache\s*?(?:,|$)/). */
static bool no_cache(const char *cc) {
  for (const char *p = cc; p != NULL && *p != '\0'; p++) {
    if (strncasecmp(p, "no-cache", 8) != 0) continue;
    const char *b = p;
    while (b > cc && (b[-1] == ' ' || b[-1] == '\t'))
      b--;
    const char *a = p + 8;
    while (*a == ' ' || *a == '\t')
      a++;
    if ((b == cc || b[-1] == ',') && (*a == '\0' || *a == ',')) return true;
  }
  return false;
}

static const char *hdr(const struct fin_http_in *in, const char *name) {
  return in->header ? in->header(in->ctx, name) : NULL;
}

/* The `fresh` module as Express uses it. */
static bool is_fresh(const struct fin_http_in *in, const char *etag, const char *last_modified) {
  const char *ims = hdr(in, "If-Modified-Since"), *inm = hdr(in, "If-None-Match");
  if ((ims == NULL || *ims == '\0') && (inm == NULL || *inm == '\0')) return false;
  if (no_cache(hdr(in, "Cache-Control"))) return false;
  if (inm != NULL && *inm != '\0' && strcmp(inm, "*") != 0) {
    if (etag == NULL || !etag_listed(inm, etag)) return false;
  }
  if (ims != NULL && *ims != '\0') {
    int64_t lm, since;
    if (last_modified == NULL || fin_http_date_parse(last_modified, &lm) != 0 ||
        fin_http_date_parse(ims, &since) != 0 || lm > since)
      return false;
  }
  return true;
}

static void set_body(struct fin_http_out *out, json_t *body) {
  size_t len = 0;
  char *text = fin_json_dump(body, &len);
  if (text == NULL) {
    out->status = 500;
    out->body = OOM_BODY;
    out->body_len = sizeof OOM_BODY - 1;
    return;
  }
  out->body = text;
  out->body_len = len;
  out->body_owned = true;
}

static void cache_headers(const struct fin_reply_ctx *x, const struct fin_resp *r,
                          struct fin_http_out *out) {
  bool private = x->authenticated || r->private_cache;
  fin_reply_header(out, "Vary", private ? "Origin, Authorization" : "Origin");
  fin_reply_header(out, "Access-Control-Expose-Headers", "X-Request-ID");
  fin_reply_header(out, "X-Request-ID", x->request_id);
  if (private) fin_reply_header(out, "Cache-Control", "private, no-cache");
  if (x->rl != NULL) {
    snprintf(out->rl_limit, sizeof out->rl_limit, "%d", x->rl->limit);
    snprintf(out->rl_remaining, sizeof out->rl_remaining, "%d", x->rl->remaining);
    snprintf(out->rl_reset, sizeof out->rl_reset, "%lld", (long long)x->rl->reset_s);
    fin_reply_header(out, "X-RateLimit-Limit", out->rl_limit);
    fin_reply_header(out, "X-RateLimit-Remaining", out->rl_remaining);
    fin_reply_header(out, "X-RateLimit-Reset", out->rl_reset);
    if (x->rl->limited) {
      snprintf(out->retry_after, sizeof out->retry_after, "%lld", (long long)x->rl->retry_after);
      fin_reply_header(out, "Retry-After", out->retry_after);
    }
  }
}

/* A handler's validators, NUL-terminated in arrays no larger than the
 * answer's own, copied whole: snprintf("%s") cost a thousand instructions
 * per copy. */
#define COPY_TEXT(dst, src)                                                                        \
  do {                                                                                             \
    _Static_assert(sizeof(dst) >= sizeof(src), "the answer's array is smaller");                   \
    memcpy((dst), (src), sizeof(src));                                                             \
  } while (0)

void fin_reply_build(const struct fin_http_in *in, const struct fin_reply_ctx *x,
                     struct fin_resp *r, struct fin_http_out *out) {
  if (r->status < 100 || r->status > 999) { /* a handler that answered nothing */
    json_decref(r->body);
    r->body = NULL;
    fin_resp_fail(r, FIN_E_INTERNAL);
  }
  if (r->err_code != NULL) {
    json_decref(r->body);
    r->body = envelope(x, r);
  }
  json_decref(r->err_details);
  r->err_details = NULL;
  out->status = r->status;
  cache_headers(x, r, out);
  const char *type = JSON_TYPE;
  if (r->err_code == NULL && r->raw != NULL) {
    out->body = r->raw; /* borrowed, outlives the response */
    out->body_len = r->raw_len;
    type = r->raw_type ? r->raw_type : "application/octet-stream";
  } else if (r->body != NULL) {
    set_body(out, r->body);
  } else if (r->text != NULL) { /* fin_resp_text: the text is the body */
    out->body = r->text;
    out->body_len = r->text_len;
    out->body_owned = true;
    r->text = NULL;
  }
  json_decref(r->body);
  r->body = NULL;
  free(r->text);
  r->text = NULL;

  const char *etag = NULL, *lm = NULL;
  if (!r->no_etag_headers) {
    if (r->etag[0] != '\0') {
      COPY_TEXT(out->etag, r->etag);
      etag = out->etag;
      if (r->last_modified[0] != '\0') {
        COPY_TEXT(out->last_modified, r->last_modified);
        lm = out->last_modified;
      }
    } else if (out->body != NULL) {
      fin_weak_etag(out->body, out->body_len, out->etag);
      etag = out->etag;
    }
  }
  fin_reply_header(out, "ETag", etag);
  fin_reply_header(out, "Last-Modified", lm);

  bool get = strcmp(x->method, "GET") == 0 || strcmp(x->method, "HEAD") == 0;
  if (get && out->status >= 200 && out->status < 300 && is_fresh(in, etag, lm)) out->status = 304;
  if (out->status == 204) fin_http_out_release(out);
  /* a 304 keeps the text only so the transport can state the representation's
   * Content-Length (RFC 9110 §8.6); it sends no body and no Content-Type */
  if (out->body != NULL && out->status != 304) fin_reply_header(out, "Content-Type", type);
}
