/* rules.h - the business rules of baseline §4, as pure functions.
 * One .c file per rule family: tiers.c, cards.c, scoring.c, eligibility.c,
 * pagination.c. No I/O here; numbers come from struct fin_rules. */
#ifndef FIN_RULES_H
#define FIN_RULES_H

#include <stdbool.h>

#include "../app/container.h"
#include "model.h"

/* tiers.c: "high" | "medium" | "low" (static strings). */
const char *fin_tier_of(const struct fin_rules *r, int score);
/* Maximum credit limit of a tier (policy for admin approvals, auto limits). */
double fin_tier_max_limit(const struct fin_rules *r, const char *tier);
/* Auto-approval (§4.3): true with *limit set when score >= threshold. */
bool fin_auto_approve(const struct fin_rules *r, int score, double *limit);
/* WhatsApp default approval limit for tierAtRequest (§9.4). */
double fin_whatsapp_limit(const struct fin_rules *r, const char *tier);

/* cards.c */
double fin_min_payment(double balance);
bool fin_near_limit(double limit, double balance);
double fin_available(double limit, double balance);
/* Fills a new active card (§4.5); owns copies of eco (fin_card_clear).
 * Returns 0, or -1 with *c zeroed when no id could be made (random source)
 * or memory ran out: the card must not be committed. */
int fin_card_open(struct fin_card *c, const struct fin_rules *r, const char *eco, double limit,
                  const char *approved_by, int score, fin_ms now)
    __attribute__((warn_unused_result));

/* scoring.c (§4.7) */
struct fin_payment_outcome {
  bool on_time;
  int days_overdue; /* late only */
  int delta;        /* unclamped */
  int new_score;    /* clamped 0..1000 */
};
void fin_payment_score(const struct fin_rules *r, double amount, double balance_before,
                       int current_score, fin_ms paid_at, fin_ms due_at,
                       struct fin_payment_outcome *out);
int fin_clamp_score(long s);
/* Math.round semantics (half up toward +inf). */
long fin_js_round(double x);

/* cents.c: money as int64 cents */
#define FIN_AMOUNT_MAX 1e9 /* dollars; far inside int64 cents and exact doubles */
enum fin_amount_check {
  FIN_AMOUNT_OK = 0,
  FIN_AMOUNT_TOO_SMALL,   /* below 0.01, or not finite */
  FIN_AMOUNT_TOO_PRECISE, /* more than 2 decimals */
  FIN_AMOUNT_TOO_LARGE,
};
int64_t fin_cents(double dollars); /* nearest cent */
double fin_dollars(int64_t cents);
enum fin_amount_check fin_amount_check(double v);

/* eligibility.c (§4.4) */
enum fin_eligibility { FIN_ELIGIBLE = 0, FIN_HAS_ACTIVE_CARD, FIN_HAS_PENDING, FIN_IN_COOLDOWN };

/* pagination.c (§6): parseInt semantics, NaN/0 -> 20, clamp 1..100. */
int fin_parse_limit(const char *s);

#endif
