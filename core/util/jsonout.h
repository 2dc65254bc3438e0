/* jsonout.h - JSON text exactly as JavaScript's JSON.stringify writes it.
 * Compact separators, keys in insertion order, reals through fin_jsnum,
 * strings escaped like JSON.stringify (", \\, \b \f \n \r \t, other control
 * characters as \u00xx lower-case; '/' and non-ASCII left as is).
 */
#ifndef FIN_JSONOUT_H
#define FIN_JSONOUT_H

#include <jansson.h>
#include <stddef.h>

/* Returns a new NUL-terminated string (free()), *len its length; NULL on OOM. */
char *fin_json_dump(const json_t *v, size_t *len);

/* The same, but a real with an integral value keeps a ".0" (5.0, not 5), so
 * the text parses back into the same jansson types: for values stored as
 * text and read back, not for answers. Same ownership as fin_json_dump. */
char *fin_json_dump_typed(const json_t *v, size_t *len);

#endif
