/* rules_load.c - the business numbers of domain/rules.h, overridden through
 * the config port. Keys and defaults are documented in config/defaults.lua.
 *
 * Parsing follows the SSM loader of the original (behaviour.md §12):
 * numbers may carry surrounding blanks; integers must be whole decimal
 * numbers; decimals must be finite; booleans are exactly "true" or "false".
 * A missing key keeps the default silently; an unparsable or out-of-range
 * value keeps the default and is reported through `warn`.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/log.h"
#include "container.h"
#include <stdatomic.h>

#define HOUR_MS 3600000L

enum kind { K_INT, K_LONG, K_DOUBLE, K_BOOL };

struct key {
  const char *name;
  enum kind kind;
  size_t off;
  double min, max; /* accepted range of the value as written (before scale) */
  long scale;      /* K_LONG: stored = value * scale (hours -> ms) */
};

#define F(field) offsetof(struct fin_rules, field)
static const struct key KEYS[] = {
    {"limits.highTier", K_DOUBLE, F(limit_high), 0, 1e9, 1},
    {"limits.mediumTier", K_DOUBLE, F(limit_medium), 0, 1e9, 1},
    {"limits.lowTier", K_DOUBLE, F(limit_low), 0, 1e9, 1},
    {"limits.min", K_DOUBLE, F(limit_min), 0, 1e9, 1},
    {"limits.max", K_DOUBLE, F(limit_max), 0, 1e9, 1},
    {"approval.autoApproveThreshold", K_INT, F(auto_approve_min), 0, 1000, 1},
    {"tiers.highMin", K_INT, F(tier_high_min), 0, 1000, 1},
    {"tiers.mediumMin", K_INT, F(tier_medium_min), 0, 1000, 1},
    {"scoring.paymentBonusMin", K_INT, F(bonus_min), 0, 1000, 1},
    {"scoring.paymentBonusMax", K_INT, F(bonus_max), 0, 1000, 1},
    {"scoring.paymentBonusMinAmount", K_DOUBLE, F(bonus_min_amount), 0, 1e9, 1},
    {"scoring.latePenaltyMild", K_INT, F(penalty_mild), 0, 1000, 1},
    {"scoring.latePenaltyModerate", K_INT, F(penalty_moderate), 0, 1000, 1},
    {"scoring.latePenaltySevere", K_INT, F(penalty_severe), 0, 1000, 1},
    {"cards.cooldownDaysAfterRejection", K_INT, F(cooldown_days), 0, 3650, 1},
    {"cards.dueDays", K_INT, F(due_days), 1, 3650, 1},
    {"idempotency.ttlHours", K_LONG, F(idempotency_ttl_ms), 1, 8760, HOUR_MS},
    {"whatsapp.notificationsEnabled", K_BOOL, F(wa_notifications_enabled), 0, 0, 1},
    {"whatsapp.approvalExpiryHours", K_INT, F(wa_approval_expiry_hours), 1, 8760, 1},
    {"whatsapp.limitLow", K_DOUBLE, F(wa_limit_low), 0, 1e9, 1},
    {"whatsapp.limitMedium", K_DOUBLE, F(wa_limit_medium), 0, 1e9, 1},
    {"whatsapp.limitHigh", K_DOUBLE, F(wa_limit_high), 0, 1e9, 1},
    {"outbox.intervalMs", K_LONG, F(outbox_interval_ms), 10, 3600000, 1},
    {"outbox.batchSize", K_INT, F(outbox_batch), 1, 1000, 1},
    {"outbox.maxRetries", K_INT, F(outbox_max_retries), 0, 100, 1},
    {"rateLimit.enabled", K_BOOL, F(rate_limit_enabled), 0, 0, 1},
    {"rateLimit.apiPerMinute", K_INT, F(rate_limit_api_per_min), 1, 1000000, 1},
};
#undef F

static void say(void (*warn)(const char *, const char *), const char *key, const char *fmt,
                const char *a, double lo, double hi) {
  if (warn == NULL) return;
  char why[256];
  snprintf(why, sizeof why, fmt, a, lo, hi);
  warn(key, why);
}

/* s without surrounding blanks into buf; 0, or -1 when empty/too long. */
static int trimmed(const char *s, char *buf, size_t n) {
  while (isspace((unsigned char)*s))
    s++;
  size_t len = strlen(s);
  while (len > 0 && isspace((unsigned char)s[len - 1]))
    len--;
  if (len == 0 || len >= n) return -1;
  memcpy(buf, s, len);
  buf[len] = '\0';
  return 0;
}

static int parse_integer(const char *s, long long *out) {
  char buf[64];
  if (trimmed(s, buf, sizeof buf) != 0) return -1;
  char *end;
  errno = 0;
  long long v = strtoll(buf, &end, 10);
  if (errno != 0 || *end != '\0' || end == buf) return -1;
  *out = v;
  return 0;
}

static int parse_decimal(const char *s, double *out) {
  char buf[64];
  if (trimmed(s, buf, sizeof buf) != 0) return -1;
  /* plain decimal notation only (strtod would also take hex, inf, nan) */
  for (const char *p = buf; *p; p++)
    if (!isdigit((unsigned char)*p) && !strchr("+-.eE", *p)) return -1;
  char *end;
  errno = 0;
  double v = strtod(buf, &end);
  if (errno != 0 || *end != '\0' || end == buf || !isfinite(v)) return -1;
  *out = v;
  return 0;
}

/* Applies one value; returns 0 or -1 (r unchanged, warned). */
static int apply(struct fin_rules *r, const struct key *k, const char *v,
                 void (*warn)(const char *, const char *)) {
  char *field = (char *)r + k->off;
  if (k->kind == K_BOOL) {
    bool b;
    if (strcmp(v, "true") == 0)
      b = true;
    else if (strcmp(v, "false") == 0)
      b = false;
    else {
      say(warn, k->name, "'%.64s' is not true or false", v, 0, 0);
      return -1;
    }
    memcpy(field, &b, sizeof b);
    return 0;
  }
  double d;
  if (k->kind == K_DOUBLE) {
    if (parse_decimal(v, &d) != 0) {
      say(warn, k->name, "'%.64s' is not a finite decimal number", v, 0, 0);
      return -1;
    }
  } else {
    long long i;
    if (parse_integer(v, &i) != 0) {
      say(warn, k->name, "'%.64s' is not an integer", v, 0, 0);
      return -1;
    }
    d = (double)i;
  }
  if (d < k->min || d > k->max) {
    say(warn, k->name, "'%.64s' is outside %g..%g", v, k->min, k->max);
    return -1;
  }
  if (k->kind == K_DOUBLE) {
    memcpy(field, &d, sizeof d);
  } else if (k->kind == K_INT) {
    int i = (int)d;
    memcpy(field, &i, sizeof i);
  } else {
    long l = (long)d * k->scale;
    memcpy(field, &l, sizeof l);
  }
  return 0;
}

/* Pairs that must stay ordered; a broken pair goes back to its defaults. */
static void check_pairs(struct fin_rules *r, void (*warn)(const char *, const char *)) {
  struct fin_rules d;
  fin_rules_defaults(&d);
  if (r->limit_min > r->limit_max) {
    if (warn) warn("limits.min", "limits.min > limits.max: both keep their defaults");
    r->limit_min = d.limit_min;
    r->limit_max = d.limit_max;
  }
  if (r->tier_medium_min > r->tier_high_min) {
    if (warn) warn("tiers.mediumMin", "tiers.mediumMin > tiers.highMin: both keep their defaults");
    r->tier_medium_min = d.tier_medium_min;
    r->tier_high_min = d.tier_high_min;
  }
  if (r->bonus_min > r->bonus_max) {
    if (warn)
      warn("scoring.paymentBonusMin",
           "scoring.paymentBonusMin > scoring.paymentBonusMax: both keep their defaults");
    r->bonus_min = d.bonus_min;
    r->bonus_max = d.bonus_max;
  }
}

void fin_rules_load(struct fin_rules *r, struct fin_config *cfg,
                    void (*warn)(const char *key, const char *why)) {
  if (r == NULL || cfg == NULL || cfg->ops == NULL || cfg->ops->get == NULL) return;
  for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
    char *v = NULL;
    struct fin_err e = {0};
    enum fin_status st = cfg->ops->get(cfg->self, KEYS[i].name, &v, &e);
    if (st == FIN_OK && v != NULL) {
      apply(r, &KEYS[i], v, warn);
    } else if (st != FIN_OK && st != FIN_NOT_FOUND && warn != NULL) {
      char why[300];
      snprintf(why, sizeof why, "config source failed (%s): default kept",
               e.msg[0] ? e.msg : "error");
      warn(KEYS[i].name, why);
    }
    free(v);
  }
  check_pairs(r, warn);
}

/* ---- live snapshots ---- */
struct fin_rules_snapshot {
  struct fin_rules rules;
  struct fin_rules_snapshot *next;
};

/* Field by field over the configurable keys (memcmp would see padding). */
static bool same_rules(const struct fin_rules *a, const struct fin_rules *b) {
  for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
    const char *x = (const char *)a + KEYS[i].off, *y = (const char *)b + KEYS[i].off;
    bool same = true;
    switch (KEYS[i].kind) {
    case K_INT:
      same = *(const int *)x == *(const int *)y;
      break;
    case K_LONG:
      same = *(const long *)x == *(const long *)y;
      break;
    case K_DOUBLE:
      same = *(const double *)x == *(const double *)y;
      break;
    case K_BOOL:
      same = *(const bool *)x == *(const bool *)y;
      break;
    }
    if (!same) return false;
  }
  return true;
}

const struct fin_rules *fin_rules_of(const struct fin_container *c) {
  struct fin_rules *live =
      atomic_load_explicit(&((struct fin_container *)c)->live_rules, memory_order_acquire);
  return live != NULL ? live : &c->rules;
}

bool fin_rules_refresh(struct fin_container *c) {
  struct fin_rules now;
  fin_rules_defaults(&now);
  fin_rules_load(&now, &c->config, NULL); /* warnings were given at start-up */
  bool first = !c->config_seen_valid;
  bool changed = !first && !same_rules(&now, &c->config_seen);
  c->config_seen = now;
  c->config_seen_valid = true;
  if (!changed) return false;
  struct fin_rules_snapshot *s = calloc(1, sizeof *s);
  if (s == NULL) return false;
  s->rules = now;
  s->next = c->retired; /* kept until destroy: readers may still hold the old one */
  c->retired = s;
  atomic_store_explicit(&c->live_rules, &s->rules, memory_order_release);
  fin_log("info", "rules_reloaded", "\"source\":\"config\"");
  return true;
}

void fin_rules_release(struct fin_container *c) {
  atomic_store(&c->live_rules, NULL);
  while (c->retired != NULL) {
    struct fin_rules_snapshot *n = c->retired->next;
    free(c->retired);
    c->retired = n;
  }
}
