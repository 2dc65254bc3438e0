/* defaults.c - the business numbers before any configuration (rules.h). */
#include "rules.h"

#define HOUR_MS 3600000L

void fin_rules_defaults(struct fin_rules *r) {
  *r = (struct fin_rules){
      .tier_high_min = 700,
      .tier_medium_min = 500,
      .auto_approve_min = 500,
      .limit_high = 10000,
      .limit_medium = 5000,
      .limit_low = 2000,
      .limit_min = 100,
      .limit_max = 10000,
      .bonus_min = 10,
      .bonus_max = 50,
      .bonus_min_amount = 10,
      .penalty_mild = 20,
      .penalty_moderate = 50,
      .penalty_severe = 100,
      .cooldown_days = 0,
      .due_days = 30,
      .request_expiry_days = 7,
      .idempotency_ttl_ms = 24 * HOUR_MS,
      .key_max_len = 64,
      .wa_limit_low = 500,
      .wa_limit_medium = 1500,
      .wa_limit_high = 3000,
      .wa_approval_expiry_hours = 24,
      .wa_notifications_enabled = false,
      .outbox_interval_ms = 1000,
      .outbox_batch = 100,
      .outbox_retry_batch = 50,
      .outbox_max_retries = 5,
      .outbox_backoff_base_ms = 10000,
      .outbox_backoff_max_ms = 300000,
      .cleanup_token_ttl_ms = 5 * 60 * 1000L,
      .rate_limit_enabled = false,
      .rate_limit_api_per_min = 100,
      .rate_limit_auth_per_min = 10,
      .rate_limit_cleanup_per_min = 1,
  };
}
