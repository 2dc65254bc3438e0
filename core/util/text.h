/* text.h - checks and cleaning of user-supplied text (ICU does the UTF-8
 * decoding and the Unicode character categories). */
#ifndef FIN_TEXT_H
#define FIN_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or
 * code points above U+10FFFF). */
bool fin_utf8_valid(const char *s, size_t n);

/* A copy of s fit to put in a message to a person: ill-formed UTF-8 bytes,
 * control characters (Cc, so also newlines), format characters (Cf: bidi
 * overrides, zero-width joiners ...), line/paragraph separators, private-use
 * and unassigned code points are dropped, and the result is cut after
 * max_chars code points (an ellipsis U+2026 marks the cut). NULL s gives "".
 * Returns a new string (free()) or NULL on OOM. */
char *fin_text_clean(const char *s, size_t max_chars);

/* True when s is a plain address "local@domain": at most 254 bytes, a
 * dot-atom local part of at most 64, a domain of two or more LDH labels.
 * No quoted local parts, comments or address literals. */
bool fin_email_valid(const char *s);

#endif
