/* jsnum.c - JavaScript Number#toString for doubles (ECMA-262 Number::toString).
 *
 * The shortest decimal that reads back as the same double is found by trying
 * 1..17 significant digits with %.*e (glibc rounds exactly) and strtod. The
 * digits and exponent are then laid out the way JavaScript does. */
#include "jsnum.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Digits of |x| without the point, trailing zeros removed, and the decimal
 * exponent e such that |x| = 0.d1d2... * 10^e (JavaScript's "n"). */
struct digits {
  char d[24];
  int k; /* number of digits */
  int n;
};

/* Parses "d.ddde[+-]xx" (as printed by %.*e) into struct digits. */
static void split_sci(const char *s, struct digits *out) {
  int k = 0;
  const char *p = s;
  for (; *p != '\0' && *p != 'e'; p++) {
    if (*p >= '0' && *p <= '9') out->d[k++] = *p;
  }
  int exp10 = (*p == 'e') ? atoi(p + 1) : 0;
  while (k > 1 && out->d[k - 1] == '0')
    k--;
  out->d[k] = '\0';
  out->k = k;
  out->n = exp10 + 1;
}

/* Adds one unit in the last place to a digit string printed with %.*e and
 * reports whether the result, re-parsed, equals x. Needed only where x is a
 * power of two: the gap below such a double is half the gap above, so the
 * nearest p-digit decimal may miss while the next one up still reads back. */
static int try_next_up(double x, const char *sci, char *buf, size_t size) {
  char mant[24];
  size_t m = 0;
  const char *p = sci;
  for (; *p != '\0' && *p != 'e' && m + 1 < sizeof mant; p++) {
    if (*p >= '0' && *p <= '9') mant[m++] = *p;
  }
  if (*p != 'e' || m == 0) return 0;
  int exp10 = atoi(p + 1);
  int i = (int)m - 1;
  while (i >= 0 && mant[i] == '9')
    mant[i--] = '0';
  if (i < 0) {
    /* 9.99 -> 10.00: one more digit; shift to 1.000 e+1 */
    memmove(mant + 1, mant, m - 1);
    mant[0] = '1';
    exp10++;
  } else {
    mant[i]++;
  }
  mant[m] = '\0';
  if (m == 1)
    snprintf(buf, size, "%ce%d", mant[0], exp10);
  else
    snprintf(buf, size, "%c.%se%d", mant[0], mant + 1, exp10);
  return strtod(buf, NULL) == x;
}

/* Finds the shortest round-tripping digits of x (x finite, > 0). */
static void shortest(double x, struct digits *out) {
  char sci[40], alt[40];
  int exp2 = 0;
  int pow2 = frexp(x, &exp2) == 0.5;
  /* Fast path: when 15 significant digits round-trip, the shortest digits are
   * those 15 without their trailing zeros (a double is closer to its shortest
   * form than half a unit of the 15th digit). Powers of two keep the full
   * search for their asymmetric neighbourhood. */
  bool fast = !pow2 && x >= DBL_MIN; /* subnormals have fewer bits: full search */
  if (fast) {
    snprintf(sci, sizeof sci, "%.14e", x);
    if (strtod(sci, NULL) == x) {
      char *e = strchr(sci, 'e'), *z = e;
      while (z > sci + 2 && z[-1] == '0')
        z--;
      if (z == sci + 2) z = sci + 1; /* "d.000" -> "d" */
      memmove(z, e, strlen(e) + 1);
      split_sci(sci, out);
      return;
    }
  }
  for (int p = fast ? 16 : 1; p <= 17; p++) {
    snprintf(sci, sizeof sci, "%.*e", p - 1, x);
    if (strtod(sci, NULL) == x) {
      split_sci(sci, out);
      return;
    }
    if (pow2 && try_next_up(x, sci, alt, sizeof alt)) {
      split_sci(alt, out);
      return;
    }
  }
  snprintf(sci, sizeof sci, "%.16e", x);
  split_sci(sci, out);
}

/* Lays the digits out as JavaScript does (ECMA-262 Number::toString, step 6+). */
static size_t layout(const struct digits *g, char *buf, size_t pos) {
  int k = g->k, n = g->n;
  if (k <= n && n <= 21) {
    memcpy(buf + pos, g->d, (size_t)k);
    pos += (size_t)k;
    for (int i = 0; i < n - k; i++)
      buf[pos++] = '0';
  } else if (0 < n && n <= 21) {
    memcpy(buf + pos, g->d, (size_t)n);
    pos += (size_t)n;
    buf[pos++] = '.';
    memcpy(buf + pos, g->d + n, (size_t)(k - n));
    pos += (size_t)(k - n);
  } else if (-6 < n && n <= 0) {
    buf[pos++] = '0';
    buf[pos++] = '.';
    for (int i = 0; i < -n; i++)
      buf[pos++] = '0';
    memcpy(buf + pos, g->d, (size_t)k);
    pos += (size_t)k;
  } else {
    buf[pos++] = g->d[0];
    if (k > 1) {
      buf[pos++] = '.';
      memcpy(buf + pos, g->d + 1, (size_t)(k - 1));
      pos += (size_t)(k - 1);
    }
    int e = n - 1;
    pos += (size_t)snprintf(buf + pos, 8, "e%c%d", e < 0 ? '-' : '+', e < 0 ? -e : e);
  }
  buf[pos] = '\0';
  return pos;
}

/* Writes the decimal digits of v (v >= 0) at buf; returns their count. */
size_t fin_u64dec(uint64_t v, char *buf) {
  char tmp[FIN_U64DEC_MAX], *p = tmp + sizeof tmp;
  do
    *--p = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  size_t n = (size_t)(tmp + sizeof tmp - p);
  memcpy(buf, p, n);
  return n;
}

/* Money takes this path: x (> 0, < CENTS_FAST_MAX) is the double nearest to
 * some c/100. Then "c/100" without trailing zeros is x's shortest form: it
 * reads back as x (division is correctly rounded, like strtod), and below
 * CENTS_FAST_MAX a double's gap is far under 0.01, so no other multiple of
 * 0.01 (every shorter candidate is one) reads back as x. Returns 0 when x is
 * not such a value. */
#define CENTS_FAST_MAX 1e12
static size_t cents_form(double x, char *buf) {
  if (!(x < CENTS_FAST_MAX) || x < 1e-2) return 0;
  uint64_t c = (uint64_t)llround(x * 100.0);
  if ((double)c / 100.0 != x) return 0;
  size_t pos = fin_u64dec(c / 100, buf);
  unsigned frac = (unsigned)(c % 100);
  if (frac != 0) {
    buf[pos++] = '.';
    buf[pos++] = (char)('0' + frac / 10);
    if (frac % 10 != 0) buf[pos++] = (char)('0' + frac % 10);
  }
  buf[pos] = '\0';
  return pos;
}

size_t fin_jsnum(double x, char *buf) {
  if (isnan(x) || isinf(x)) {
    memcpy(buf, "null", 5);
    return 4;
  }
  if (x == 0) { /* also -0 */
    buf[0] = '0';
    buf[1] = '\0';
    return 1;
  }
  size_t pos = 0;
  if (x < 0) {
    buf[pos++] = '-';
    x = -x;
  }
  if (x < 9007199254740992.0 && x == floor(x)) { /* exact integers print as such */
    pos += fin_u64dec((uint64_t)x, buf + pos);
    buf[pos] = '\0';
    return pos;
  }
  size_t n = cents_form(x, buf + pos);
  if (n > 0) return pos + n;
  struct digits g;
  shortest(x, &g);
  return layout(&g, buf, pos);
}

/* ---- "%.17g" (jansson's reals) ---- */
/* x (> 0, normal) as m * 2^e exactly. */
static void split_double(double x, uint64_t *m, int *e) {
  uint64_t bits;
  memcpy(&bits, &x, sizeof bits);
  *m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
  *e = (int)((bits >> 52) & 0x7ff) - 1075;
}

/* round(a * 10^k) half to even, for a = m * 2^e (the caller's a * 10^k is
 * below 10^18); *ok false out of range. k <= 21 and m < 2^53 keep m * 10^k
 * under 2^123. */
static uint64_t scaled(uint64_t m, int e, int k, bool *ok) {
  static const uint64_t p10[] = {1ULL,
                                 10ULL,
                                 100ULL,
                                 1000ULL,
                                 10000ULL,
                                 100000ULL,
                                 1000000ULL,
                                 10000000ULL,
                                 100000000ULL,
                                 1000000000ULL,
                                 10000000000ULL,
                                 100000000000ULL,
                                 1000000000000ULL,
                                 10000000000000ULL,
                                 100000000000000ULL,
                                 1000000000000000ULL,
                                 10000000000000000ULL,
                                 100000000000000000ULL,
                                 1000000000000000000ULL,
                                 10000000000000000000ULL};
  *ok = k >= 0 && k <= 21 && e >= -120 && e <= 4;
  if (!*ok) return 0;
  unsigned __int128 n = (unsigned __int128)m * p10[k < 19 ? k : 19];
  for (int i = 19; i < k; i++)
    n *= 10;
  if (e >= 0) return (uint64_t)(n << e);
  unsigned __int128 q = n >> -e, rem = n - (q << -e), half = (unsigned __int128)1 << (-e - 1);
  return (uint64_t)q + (rem > half || (rem == half && (q & 1)));
}

/* The 17 significant digits of a (1e-4 <= a < 1e17) and their exponent:
 * a ~ 0.d1...d17 * 10^(x+1). False when something is out of range. */
static bool digits17(double a, uint64_t *q, int *x) {
  uint64_t m;
  int e;
  split_double(a, &m, &e);
  int E = ((e + 52) * 78913) >> 18; /* floor(log10(2^(e+52))): E or E-1 */
  for (int tries = 0; tries < 3; tries++) {
    bool ok;
    uint64_t r = scaled(m, e, 16 - E, &ok);
    if (!ok) return false;
    /* r is rounded: one below 10^16 only when a < 10^E, so E is one too big */
    if (r < 10000000000000000ULL) {
      E--;
      continue;
    }
    if (r > 100000000000000000ULL) {
      E++;
      continue;
    }
    if (r == 100000000000000000ULL) { /* rounded up to the next power */
      r = 10000000000000000ULL;
      E++;
    }
    *q = r, *x = E;
    return true;
  }
  return false;
}

size_t fin_g17(double x, char *buf) {
  double a = fabs(x);
  uint64_t q;
  int ex;
  if (!(a >= 1e-4 && a < 1e17) || !digits17(a, &q, &ex) || ex < -4 || ex >= 17)
    return (size_t)snprintf(buf, FIN_JSNUM_MAX, "%.17g", x);
  char d[17];
  for (int i = 16; i >= 0; i--, q /= 10)
    d[i] = (char)('0' + q % 10);
  int last = 16; /* %g drops trailing zeros of the fraction */
  while (last > ex && last > 0 && d[last] == '0')
    last--;
  size_t o = 0;
  if (x < 0) buf[o++] = '-';
  if (ex >= 0) {
    memcpy(buf + o, d, (size_t)ex + 1);
    o += (size_t)ex + 1;
    if (last > ex) {
      buf[o++] = '.';
      memcpy(buf + o, d + ex + 1, (size_t)(last - ex));
      o += (size_t)(last - ex);
    }
  } else {
    memcpy(buf + o, "0.000", (size_t)(1 - ex));
    o += (size_t)(1 - ex);
    memcpy(buf + o, d, (size_t)last + 1);
    o += (size_t)last + 1;
  }
  buf[o] = '\0';
  return o;
}
