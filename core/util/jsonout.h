/* jsonout.h - JSON text exactly as JavaScript's JSON.stringify writes it.
 * Compact separators, keys in insertion order, reals through fin_jsnum,
 * strings escaped like JSON.stringify (", \\, \b \f \n \r \t, other control
 * characters as \u00xx lower-case; '/' and non-ASCII left as is).
 */
#ifndef FIN_JSONOUT_H
#define FIN_JSONOUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Returns a new NUL-terminated string (free()), *len its length; NULL on OOM. */
char *fin_json_dump(const json_t *v, size_t *len);

/* The same, but a real with an integral value keeps a ".0" (5.0, not 5), so
 * the text parses back into the same jansson types: for values stored as
 * text and read back, not for answers. Same ownership as fin_json_dump. */
char *fin_json_dump_typed(const json_t *v, size_t *len);

/* The same text written directly, for a hot answer whose jansson tree would
 * cost more than the text: start from a zeroed struct, write, then take the
 * text with fin_jw_end. After OOM every write does nothing. */
struct fin_jw {
  char *p;
  size_t len, cap;
  int oom;
  bool typed; /* integral reals get ".0" (fin_json_dump_typed) */
};
/* n bytes as they are: punctuation and keys that need no escape. */
void fin_jw_raw(struct fin_jw *w, const char *s, size_t n);
#define FIN_JW_LIT(w, lit) fin_jw_raw((w), (lit), sizeof(lit) - 1)
void fin_jw_str(struct fin_jw *w, const char *s, size_t n); /* quoted and escaped */
void fin_jw_num(struct fin_jw *w, double x);                /* as a json_real is written */
void fin_jw_int(struct fin_jw *w, long long v);             /* as a json_integer is written */
/* The NUL-terminated text (free()), *len its length; NULL (all freed) on OOM. */
char *fin_jw_end(struct fin_jw *w, size_t *len);

#endif
