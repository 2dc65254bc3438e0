/* cents.c - money as integer cents (hardening item 11).
 *
 * Amounts travel as JSON numbers (doubles) and are stored as numbers with at
 * most 2 decimals; every sum and difference is done on int64 cents so
 * balances never drift (0.1 + 0.2 is 0.30, not 0.30000000000000004). */
#include <math.h>
#include <stdlib.h>

#include "rules.h"

int64_t fin_cents(double dollars) {
  return (int64_t)llround(dollars * 100.0);
}

double fin_dollars(int64_t cents) {
  return (double)cents / 100.0;
}

enum fin_amount_check fin_amount_check(double v) {
  if (!isfinite(v) || v < 0.01) return FIN_AMOUNT_TOO_SMALL;
  if (v > FIN_AMOUNT_MAX) return FIN_AMOUNT_TOO_LARGE;
  /* At most 2 decimals iff the double is the one c/100 reads back as, for
   * the nearest whole c (division rounds like strtod): exact, no epsilon. */
  return (double)llround(v * 100.0) / 100.0 == v ? FIN_AMOUNT_OK : FIN_AMOUNT_TOO_PRECISE;
}
