/* devtok_auth.c - the dev/mock token provider (behaviour.md §3.2, devtok.h).
 *
 * Token: "mock." + Base64(UTF-8 JSON object) [+ "." + anything]. The payload
 * is the second '.'-separated piece, decoded leniently (both alphabets,
 * optional padding, other characters skipped: fin_b64_decode_lenient), then
 * read as UTF-8 the way Node's Buffer#toString does (invalid sequences become
 * U+FFFD) and parsed as JSON. It must be an object with a non-empty string
 * `ecosystemId`, which becomes both uid and ecosystem id. `role` is copied
 * (missing, null, empty or not a string: "user"). `email` is trimmed like
 * String#trim; missing, null or blank gives "<ecosystemId>@test.local"; any
 * other non-string makes the token invalid. No signature, no expiry, never
 * disabled: for local development and tests only. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../core/util/codec.h"
#include "../../core/util/jsonin.h"
#include "devtok.h"

/* ---- UTF-8 as Node reads it: each maximal invalid subpart -> U+FFFD ---- */
static size_t put_replacement(unsigned char *o) {
  o[0] = 0xEF, o[1] = 0xBF, o[2] = 0xBD;
  return 3;
}

/* Returns a new NUL-terminated buffer (free()) holding valid UTF-8. */
static char *utf8_sanitize(const unsigned char *s, size_t n, size_t *out_n) {
  unsigned char *out = malloc(n * 3 + 1);
  if (out == NULL) return NULL;
  size_t i = 0, o = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      out[o++] = c, i++;
      continue;
    }
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the 2nd byte */
    if (c >= 0xC2 && c <= 0xDF)
      need = 1;
    else if (c >= 0xE0 && c <= 0xEF)
      need = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
      need = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else { /* not a lead byte */
      o += put_replacement(out + o), i++;
      continue;
    }
    size_t k = 1;
    for (; k <= need && i + k < n; k++) {
      unsigned char b = s[i + k];
      unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
      if (b < min || b > max) break;
    }
    if (k == need + 1) { /* complete and valid */
      memcpy(out + o, s + i, need + 1);
      o += need + 1, i += need + 1;
    } else { /* the valid prefix is one maximal subpart */
      o += put_replacement(out + o), i += k;
    }
  }
  out[o] = '\0';
  *out_n = o;
  return (char *)out;
}

/* ---- String#trim: WhiteSpace and LineTerminator code points ---- */
static bool js_space(uint32_t cp) {
  switch (cp) {
  case 0x09:
  case 0x0A:
  case 0x0B:
  case 0x0C:
  case 0x0D:
  case 0x20:
  case 0xA0:
  case 0x1680:
  case 0x2028:
  case 0x2029:
  case 0x202F:
  case 0x205F:
  case 0x3000:
  case 0xFEFF:
    return true;
  default:
    return cp >= 0x2000 && cp <= 0x200A;
  }
}

/* Decodes the (valid) UTF-8 code point at s; stores its length. */
static uint32_t cp_at(const unsigned char *s, size_t *len) {
  if (s[0] < 0x80) return *len = 1, s[0];
  if (s[0] < 0xE0) return *len = 2, ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
  if (s[0] < 0xF0)
    return *len = 3,
           ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
  return *len = 4, ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
                       ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
}

/* A copy of the n bytes at str without leading and trailing JS white space. */
static char *js_trim(const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  size_t start = n, end = 0, len;
  for (size_t i = 0; i < n; i += len) {
    if (js_space(cp_at(s + i, &len))) continue;
    if (start == n) start = i;
    end = i + len;
  }
  return start == n ? strdup("") : strndup(str + start, end - start);
}

/* ---- the provider ---- */
static void say(char *detail, size_t size, const char *why) {
  if (detail != NULL && size > 0) snprintf(detail, size, "%s", why);
}

/* "<id>@test.local" (asprintf's text, without its printf); NULL on OOM. */
static char *default_email(const char *id) {
  static const char domain[] = "@test.local";
  size_t n = strlen(id);
  char *mail = malloc(n + sizeof domain);
  if (mail != NULL) {
    memcpy(mail, id, n);
    memcpy(mail + n, domain, sizeof domain);
  }
  return mail;
}

/* Fills *out from the payload object; NULL on success, else why not. */
static const char *principal_of(const json_t *o, struct fin_principal *out) {
  const json_t *eco = json_object_get(o, "ecosystemId");
  const json_t *role = json_object_get(o, "role");
  const json_t *email = json_object_get(o, "email");
  if (!json_is_string(eco) || json_string_length(eco) == 0)
    return "payload has no non-empty string ecosystemId";
  const char *id = json_string_value(eco);
  if (strlen(id) != json_string_length(eco)) return "ecosystemId contains NUL";
  if (email != NULL && !json_is_null(email) && !json_is_string(email))
    return "payload email is not a string";
  char *mail =
      json_is_string(email) ? js_trim(json_string_value(email), json_string_length(email)) : NULL;
  if (!json_is_string(email) || (mail != NULL && mail[0] == '\0')) {
    free(mail);
    mail = default_email(id);
  }
  const char *r =
      json_is_string(role) && json_string_value(role)[0] ? json_string_value(role) : "user";
  out->uid = strdup(id);
  out->ecosystem_id = strdup(id);
  out->role = strdup(r);
  out->email = mail;
  if (out->uid && out->ecosystem_id && out->role && out->email) return NULL;
  fin_principal_clear(out);
  return "out of memory";
}

static enum fin_auth_result dev_verify(void *self, const char *token, struct fin_principal *out,
                                       char *detail, size_t detail_size) {
  memset(out, 0, sizeof *out);
  if (token == NULL || strncmp(token, "mock.", 5) != 0) {
    say(detail, detail_size, "not a dev token (no \"mock.\" prefix)");
    return FIN_AUTH_INVALID;
  }
  const char *payload = token + 5;
  size_t raw_n = 0, text_n = 0;
  unsigned char *raw = fin_b64_decode_lenient(payload, strcspn(payload, "."), &raw_n);
  char *text = raw ? utf8_sanitize(raw, raw_n, &text_n) : NULL;
  free(raw);
  if (text == NULL) {
    say(detail, detail_size, "out of memory");
    return FIN_AUTH_INVALID;
  }
  /* the fast reader first (jsonin.h): what it accepts, jansson reads to the
   * same strings, the only values read here; jansson reads what it refuses
   * (a scalar, a NUL, an integer too large for json_int_t) */
  json_t *o = fin_json_parse(text, text_n, NULL);
  json_error_t jerr;
  if (o == NULL)
    o = json_loadb(text, text_n, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, &jerr);
  free(text);
  const char *why = json_is_object(o) ? principal_of(o, out) : "payload is not a JSON object";
  json_decref(o);
  if (why == NULL) return FIN_AUTH_OK;
  say(detail, detail_size, why);
  return FIN_AUTH_INVALID;
}

static enum fin_status dev_is_disabled(void *self, const char *uid, bool *disabled,
                                       struct fin_err *e) {
  *disabled = false;
  return FIN_OK;
}

static const char *dev_name(void *self) {
  return "dev-mock";
}

static enum fin_status dev_ping(void *self, struct fin_err *e) {
  return FIN_OK;
}

static void dev_destroy(void *self) {}

static void dev_traits(void *self, struct fin_auth_traits *out) {
  *out = (struct fin_auth_traits){.unsigned_tokens = true};
}

static const struct fin_auth_ops AUTH_OPS = {
    .verify = dev_verify,
    .is_disabled = dev_is_disabled,
    .name = dev_name,
    .ping = dev_ping,
    .destroy = dev_destroy,
    .traits = dev_traits,
};

struct fin_auth devtok_auth_new(void) {
  return (struct fin_auth){&AUTH_OPS, NULL};
}
