/* rules.h - the business numbers and the rules that use them, as pure
 * functions: one .c file per family (defaults.c, tiers.c, cards.c,
 * scoring.c, cents.c, pagination.c). No I/O, no clock, no randomness here:
 * ids and times come in as arguments. */
#ifndef FIN_RULES_H
#define FIN_RULES_H

#include <stdbool.h>

#include "model.h"

/* Every business number, with their defaults (defaults.c). The application
 * overrides them from the config port (core/app/rules_load.c); config/defaults.lua
 * documents the keys. */
struct fin_rules {
  int tier_high_min;                          /* 700 */
  int tier_medium_min;                        /* 500 */
  int auto_approve_min;                       /* 500: score >= this is auto-approved */
  double limit_high, limit_medium, limit_low; /* 10000 / 5000 / 2000 */
  double limit_min, limit_max;                /* 100 / 10000 */
  int bonus_min, bonus_max;                   /* 10 / 50 */
  double bonus_min_amount;                    /* 10: smaller on-time payments earn no bonus */
  int penalty_mild, penalty_moderate, penalty_severe;  /* 20 / 50 / 100 */
  int cooldown_days;                                   /* 0 */
  int due_days;                                        /* 30 */
  int request_expiry_days;                             /* 7 */
  long idempotency_ttl_ms;                             /* 24 h */
  int key_max_len;                                     /* 64 */
  double wa_limit_low, wa_limit_medium, wa_limit_high; /* 500 / 1500 / 3000 */
  int wa_approval_expiry_hours;                        /* 24 */
  bool wa_notifications_enabled;                       /* false in memory mode */
  long outbox_interval_ms;                             /* 1000 */
  int outbox_batch;                                    /* 100 */
  int outbox_retry_batch;                              /* 50 */
  int outbox_max_retries;                              /* 5 */
  long outbox_backoff_base_ms;                         /* 10000 */
  long outbox_backoff_max_ms;                          /* 300000 */
  long cleanup_token_ttl_ms;                           /* 5 min */
  bool rate_limit_enabled;                             /* false */
  int rate_limit_api_per_min;                          /* 100 */
  int rate_limit_auth_per_min;                         /* 10 */
  int rate_limit_cleanup_per_min;                      /* 1 */
};

/* defaults.c: fills r with the defaults (the numbers commented above). */
void fin_rules_defaults(struct fin_rules *r);

/* tiers.c: "high" | "medium" | "low" (static strings). */
const char *fin_tier_of(const struct fin_rules *r, int score);
/* Maximum credit limit of a tier (policy for admin approvals, auto limits). */
double fin_tier_max_limit(const struct fin_rules *r, const char *tier);
/* Auto-approval (behaviour.md §4.3): true with *limit set when score >= threshold. */
bool fin_auto_approve(const struct fin_rules *r, int score, double *limit);
/* WhatsApp default approval limit for tierAtRequest (behaviour.md §9.4). */
double fin_whatsapp_limit(const struct fin_rules *r, const char *tier);

/* cards.c */
double fin_min_payment(double balance);
bool fin_near_limit(double limit, double balance);
double fin_available(double limit, double balance);
/* Fills a new active card (behaviour.md §4.5) with the id card_id (the caller makes it:
 * fin_uuid_v7); owns copies of eco (fin_card_clear). Returns 0, or -1 with
 * *c zeroed when the id is unusable or memory ran out: the card must not be
 * committed. */
int fin_card_open(struct fin_card *c, const struct fin_rules *r, const char *card_id,
                  const char *eco, double limit, const char *approved_by, int score, fin_ms now)
    __attribute__((warn_unused_result));

/* scoring.c (behaviour.md §4.7) */
struct fin_payment_outcome {
  bool on_time;
  int days_overdue; /* late only */
  int delta;        /* unclamped */
  int new_score;    /* clamped 0..1000 */
};
/* A payment as scoring sees it. The calendar days are the local dates of
 * paid_at and due_at: the caller knows the time zone (fin_local_day). */
struct fin_payment_facts {
  double amount, balance_before;
  int current_score;
  fin_ms paid_at, due_at;
  long paid_day, due_day;
};
void fin_payment_score(const struct fin_rules *r, const struct fin_payment_facts *p,
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

/* The outcomes of the eligibility check (behaviour.md §4.4; core/app/eligibility.c
 * reads the stores) */
enum fin_eligibility { FIN_ELIGIBLE = 0, FIN_HAS_ACTIVE_CARD, FIN_HAS_PENDING, FIN_IN_COOLDOWN };

/* pagination.c (behaviour.md §6): parseInt semantics, NaN/0 -> 20, clamp 1..100. */
int fin_parse_limit(const char *s);

#endif
