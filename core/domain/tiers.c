/* tiers.c - score tiers and the limits attached to them (behaviour.md §4.1, §4.3). */
#include <string.h>

#include "rules.h"

const char *fin_tier_of(const struct fin_rules *r, int score) {
  if (score >= r->tier_high_min) return "high";
  if (score >= r->tier_medium_min) return "medium";
  return "low";
}

double fin_tier_max_limit(const struct fin_rules *r, const char *tier) {
  if (strcmp(tier, "high") == 0) return r->limit_high;
  if (strcmp(tier, "medium") == 0) return r->limit_medium;
  return r->limit_low;
}

bool fin_auto_approve(const struct fin_rules *r, int score, double *limit) {
  if (score < r->auto_approve_min) return false;
  *limit = fin_tier_max_limit(r, fin_tier_of(r, score));
  return true;
}

double fin_whatsapp_limit(const struct fin_rules *r, const char *tier) {
  if (strcmp(tier, "high") == 0) return r->wa_limit_high;
  if (strcmp(tier, "medium") == 0) return r->wa_limit_medium;
  return r->wa_limit_low;
}
