/* jsonin.h - a JSON text parser into jansson values, for the answers of the
 * stores (DynamoDB, Firestore) on every request's path.
 *
 * It accepts exactly what json_loadb(buf, len, 0, err) accepts and builds
 * the same values (tests/unit/test_jsonin.c checks both on generated and
 * mutated texts): an object or an array at the top, RFC 8259 numbers (an
 * integer when it has no fraction or exponent and fits json_int_t, else a
 * real; too large an integer or a real that overflows is an error), strings
 * in valid UTF-8 without NUL (escaped or not), the later of two equal keys,
 * at most 2,048 levels of nesting. One difference, a quirk of jansson's
 * reader: it skips a NUL byte that directly follows a number or a literal
 * ("[1\0]" reads as [1]); this parser refuses such a text. It is several
 * times cheaper than jansson's own reader, which fetches the text one byte
 * at a time through a stream and copies every string through a growing
 * buffer.
 */
#ifndef FIN_JSONIN_H
#define FIN_JSONIN_H

#include <jansson.h>
#include <stddef.h>

/* A new value (the caller decrefs), or NULL with err->text, err->position
 * (the byte offset where the fault was seen) and err->line set (err may be
 * NULL). NULL on OOM too ("out of memory"). */
json_t *fin_json_parse(const char *text, size_t len, json_error_t *err);

#endif
