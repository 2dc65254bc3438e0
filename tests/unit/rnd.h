/* rnd.h - a fixed pseudo-random sequence for the unit tests that compare
 * two implementations on generated inputs: the same corpus on every run, so
 * a failure reproduces. Header-only; each test binary has its own state. */
#ifndef FIN_TEST_RND_H
#define FIN_TEST_RND_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static uint64_t rnd_state = 0x9E3779B97F4A7C15u;

static inline uint64_t rnd(void) { /* xorshift64* */
  rnd_state ^= rnd_state >> 12, rnd_state ^= rnd_state << 25, rnd_state ^= rnd_state >> 27;
  return rnd_state * 2685821657736338717u;
}

/* Writes into s (max bytes with the NUL) up to max_parts-1 pieces of parts.
 * Pieces from index nvalid on are picked only one time in four: callers put
 * the invalid ones last. */
static inline void rnd_join(char *s, size_t max, const char *const *parts, size_t nparts,
                            size_t nvalid, size_t max_parts) {
  size_t n = 0, len = rnd() % max_parts;
  for (size_t i = 0; i < len; i++) {
    size_t k =
        nvalid == nparts ? rnd() % nparts : (rnd() % 4 == 0 ? rnd() % nparts : rnd() % nvalid);
    const char *p = parts[k];
    if (n + strlen(p) + 1 > max) break;
    memcpy(s + n, p, strlen(p));
    n += strlen(p);
  }
  s[n] = '\0';
}

/* One of odd[], an amount with cents, or any bit pattern; a NaN or an
 * infinity from the bits becomes 1.5 unless keep_nonfinite. */
static inline double rnd_double(const double *odd, size_t nodd, bool keep_nonfinite) {
  switch (rnd() % 3) {
  case 0:
    return odd[rnd() % nodd];
  case 1:
    return (double)(int64_t)(rnd() % 2000001) / 100.0 - 10000.0;
  default: {
    uint64_t bits = rnd();
    double d;
    memcpy(&d, &bits, sizeof d);
    return keep_nonfinite || isfinite(d) ? d : 1.5;
  }
  }
}

#endif
