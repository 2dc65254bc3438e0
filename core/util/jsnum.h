/* jsnum.h - numbers printed the way JavaScript's Number#toString prints them.
 * Shortest digit string that parses back to the same double; plain notation
 * for 1e-7 <= |x| < 1e21, exponent form (1e+21, 1.5e-7) outside; -0 prints 0;
 * integers without a decimal point. NaN/Infinity print "null" (JSON.stringify).
 */
#ifndef FIN_JSNUM_H
#define FIN_JSNUM_H

#include <stddef.h>
#include <stdint.h>

#define FIN_JSNUM_MAX 32

/* Writes the text into buf (at least FIN_JSNUM_MAX bytes); returns its length. */
size_t fin_jsnum(double x, char *buf);

/* Writes v's decimal digits into buf (at least FIN_U64DEC_MAX bytes), without
 * a terminating NUL; returns their count. */
#define FIN_U64DEC_MAX 20
size_t fin_u64dec(uint64_t v, char *buf);

/* What snprintf("%.17g") writes for x (jansson's form of a real), into buf
 * (at least FIN_JSNUM_MAX bytes, NUL-terminated); returns its length. The
 * digits are worked out exactly for 1e-4 <= |x| < 1e17; other values go
 * through snprintf itself. */
size_t fin_g17(double x, char *buf);

#endif
