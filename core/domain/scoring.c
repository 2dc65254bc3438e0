/* scoring.c - payment score impact (behaviour.md §4.7). */
#include <math.h>

#include "rules.h"

long fin_js_round(double x) {
  return (long)floor(x + 0.5);
}

int fin_clamp_score(long s) {
  if (s < 0) return 0;
  if (s > 1000) return 1000;
  return (int)s;
}

void fin_payment_score(const struct fin_rules *r, const struct fin_payment_facts *p,
                       struct fin_payment_outcome *out) {
  double amount = p->amount, balance_before = p->balance_before;
  /* On time iff the local calendar date of the payment <= the due date's. */
  out->on_time = p->paid_day <= p->due_day;
  out->days_overdue = 0;
  if (out->on_time && amount < r->bonus_min_amount) {
    out->delta = 0; /* on time, but too small to earn points: no score farming with cents */
  } else if (out->on_time) {
    double ratio = balance_before > 0 ? amount / balance_before : 1;
    double span = (double)(r->bonus_max - r->bonus_min);
    out->delta = (int)fin_js_round(r->bonus_min + span * ratio);
  } else {
    double days = ceil((double)(p->paid_at - p->due_at) / 86400000.0);
    out->days_overdue = days < 0 ? 0 : (int)days;
    if (out->days_overdue <= 7)
      out->delta = -r->penalty_mild;
    else if (out->days_overdue <= 30)
      out->delta = -r->penalty_moderate;
    else
      out->delta = -r->penalty_severe;
  }
  out->new_score = fin_clamp_score(fin_js_round((double)p->current_score + out->delta));
}
