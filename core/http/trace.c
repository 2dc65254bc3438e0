/* trace.c - W3C traceparent and X-Request-ID validation (behaviour.md §0.5). */
#include <ctype.h>
#include <string.h>

#include "mw.h"

/* n hex digits at s, not all zero, followed by '-' or end (when last). */
static bool hex_field(const char *s, size_t n, bool last) {
  bool nonzero = false;
  for (size_t i = 0; i < n; i++) {
    if (!isxdigit((unsigned char)s[i])) return false;
    if (s[i] != '0') nonzero = true;
  }
  return nonzero && (last ? s[n] == '\0' : s[n] == '-');
}

/* Length of the field at s up to the next '-' or end. */
static size_t field_len(const char *s) {
  const char *d = strchr(s, '-');
  return d ? (size_t)(d - s) : strlen(s);
}

bool fin_mw_traceparent(const char *v, char out[33]) {
  if (v == NULL) return false;
  /* exactly four dash-separated parts: version-traceid-spanid-flags */
  const char *parts[4];
  const char *p = v;
  for (int i = 0; i < 4; i++) {
    parts[i] = p;
    const char *d = strchr(p, '-');
    if (i < 3) {
      if (d == NULL) return false;
      p = d + 1;
    } else if (d != NULL) {
      return false;
    }
  }
  if (field_len(parts[1]) != 32 || !hex_field(parts[1], 32, false)) return false;
  if (field_len(parts[2]) != 16 || !hex_field(parts[2], 16, false)) return false;
  for (int i = 0; i < 32; i++)
    out[i] = (char)tolower((unsigned char)parts[1][i]);
  out[32] = '\0';
  return true;
}

/* Echoed in a header, the access log and error bodies: a long value once
 * overflowed the response and closed the connection unanswered. */
bool fin_mw_request_id_ok(const char *v) {
  size_t n = 0;
  for (; v[n] != '\0'; n++) {
    unsigned char ch = (unsigned char)v[n];
    if (n == 128 || !(isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == ':'))
      return false;
  }
  return n > 0;
}
