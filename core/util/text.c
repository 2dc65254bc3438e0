/* text.c - see text.h. */
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

bool fin_utf8_valid(const char *s, size_t n) {
  if (s == NULL) return false;
  const uint8_t *p = (const uint8_t *)s;
  size_t i = 0;
  while (i < n) {
    UChar32 c;
    U8_NEXT(p, i, n, c); /* c < 0 for an ill-formed sequence */
    if (c < 0) return false;
  }
  return true;
}

/* Characters a person reading the message must not be shown: they hide or
 * reorder text (bidi overrides, zero-width), break lines to forge message
 * structure, or render as nothing at all. */
static bool unsafe(UChar32 c) {
  switch (u_charType(c)) {
  case U_CONTROL_CHAR:
  case U_FORMAT_CHAR:
  case U_LINE_SEPARATOR:
  case U_PARAGRAPH_SEPARATOR:
  case U_PRIVATE_USE_CHAR:
  case U_SURROGATE:
  case U_UNASSIGNED:
    return true;
  default:
    return false;
  }
}

char *fin_text_clean(const char *s, size_t max_chars) {
  if (s == NULL) s = "";
  size_t n = strlen(s);
  char *out = malloc(n + 4); /* room for the ellipsis */
  if (out == NULL) return NULL;
  const uint8_t *p = (const uint8_t *)s;
  size_t i = 0, o = 0, kept = 0;
  while (i < n) {
    size_t start = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0 || unsafe(c)) continue;
    if (kept == max_chars) {
      memcpy(out + o, "\xe2\x80\xa6", 3); /* U+2026 */
      o += 3;
      break;
    }
    memcpy(out + o, s + start, i - start);
    o += i - start;
    kept++;
  }
  out[o] = '\0';
  return out;
}
