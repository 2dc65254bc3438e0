/* cards.c - card money rules (behaviour.md §4.5, §4.6). */
#include <string.h>

#include "rules.h"

/* In cents: 2% rounded up to the cent, at least $25, at most the balance. */
double fin_min_payment(double balance) {
  int64_t b = fin_cents(balance);
  if (b <= 0) return 0;
  int64_t m = (2 * b + 99) / 100;
  if (m < 2500) m = 2500;
  return fin_dollars(m < b ? m : b);
}

bool fin_near_limit(double limit, double balance) {
  return balance / limit > 0.9;
}

double fin_available(double limit, double balance) {
  int64_t a = fin_cents(limit) - fin_cents(balance);
  return a > 0 ? fin_dollars(a) : 0;
}

int fin_card_open(struct fin_card *c, const struct fin_rules *r, const char *card_id,
                  const char *eco, double limit, const char *approved_by, int score, fin_ms now) {
  memset(c, 0, sizeof *c);
  if (card_id == NULL || strlen(card_id) >= sizeof c->card_id) return -1;
  fin_strlcpy(c->card_id, card_id, sizeof c->card_id);
  c->ecosystem_id = fin_strdup(eco);
  c->product_id = fin_strdup("default-credit-card");
  if (c->ecosystem_id == NULL || c->product_id == NULL) {
    fin_card_clear(c);
    return -1;
  }
  fin_strlcpy(c->status, "active", sizeof c->status);
  c->limit = limit;
  c->balance = 0;
  c->available_credit = limit;
  c->minimum_payment = 0;
  c->next_due_date = now + (fin_ms)r->due_days * 86400000LL;
  c->version = 1;
  fin_strlcpy(c->approved_by, approved_by, sizeof c->approved_by);
  c->score_at_approval = score;
  c->created_at = c->updated_at = c->activated_at = now;
  return 0;
}
