/* text.c - see text.h. */
#include "text.h"

#include <pthread.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

bool fin_utf8_valid(const char *s, size_t n) {
  if (s == NULL) return false;
  const uint8_t *p = (const uint8_t *)s;
  size_t i = 0;
  /* ASCII eight bytes at a time (most text is): U8_NEXT takes one a step */
  for (uint64_t w; i + 8 <= n && (memcpy(&w, p + i, 8), (w & 0x8080808080808080ULL) == 0);)
    i += 8;
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

/* RFC 5322 dot-atom local part, RFC 1035 LDH labels (1-63 characters, no
 * hyphen at either end), at least two labels. */
#define ATEXT "[-A-Za-z0-9!#$%&'*+/=?^_`{|}~]"
#define LABEL "[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?"
static const char EMAIL_RE[] = "^" ATEXT "+(\\." ATEXT "+)*@" LABEL "(\\." LABEL ")+$";

static regex_t email_re;
static int email_re_rc = -1;
static pthread_once_t email_once = PTHREAD_ONCE_INIT;

static void compile_email_re(void) {
  email_re_rc = regcomp(&email_re, EMAIL_RE, REG_EXTENDED | REG_NOSUB);
}

bool fin_email_valid(const char *s) {
  if (s == NULL) return false;
  size_t n = strlen(s);
  const char *at = strchr(s, '@');
  if (n > 254 || at == NULL || at - s > 64) return false;
  pthread_once(&email_once, compile_email_re);
  return email_re_rc == 0 && regexec(&email_re, s, 0, NULL, 0) == 0;
}
