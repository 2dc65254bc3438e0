/* scoring.c - payment score impact (baseline §4.7). */
#include <math.h>

#include "../util/timefmt.h"
#include "rules.h"

long fin_js_round(double x) {
  return (long)floor(x + 0.5);
}

int fin_clamp_score(long s) {
  if (s < 0) return 0;
  if (s > 1000) return 1000;
  return (int)s;
}

void fin_payment_score(const struct fin_rules *r, double amount, double balance_before,
                       int current_score, fin_ms paid_at, fin_ms due_at,
                       struct fin_payment_outcome *out) {
  /* On time iff the local calendar date of the payment <= the due date's. */
  out->on_time = fin_local_day(paid_at) <= fin_local_day(due_at);
  out->days_overdue = 0;
  if (out->on_time && amount < r->bonus_min_amount) {
    out->delta = 0; /* on time, but too small to earn points: no score farming with cents */
  } else if (out->on_time) {
    double ratio = balance_before > 0 ? amount / balance_before : 1;
    double span = (double)(r->bonus_max - r->bonus_min);
    out->delta = (int)fin_js_round(r->bonus_min + span * ratio);
  } else {
    double days = ceil((double)(paid_at - due_at) / 86400000.0);
    out->days_overdue = days < 0 ? 0 : (int)days;
    if (out->days_overdue <= 7)
      out->delta = -r->penalty_mild;
    else if (out->days_overdue <= 30)
      out->delta = -r->penalty_moderate;
    else
      out->delta = -r->penalty_severe;
  }
  out->new_score = fin_clamp_score(fin_js_round((double)current_score + out->delta));
}
