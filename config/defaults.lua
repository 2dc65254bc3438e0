-- config/defaults.lua - every configurable business rule and its default.
--
-- The C core reads these keys through the config port (core/app/rules.c);
-- the defaults reproduce the behaviour of the original API (behaviour.md
-- §4), so a wiring that passes nothing behaves exactly like one that passes
-- this table. Wiring files pass it to their config source, e.g.
--   mem.config(require("defaults"))   (values are converted with tostring)
-- Another source (SSM, Remote Config) only needs to answer the same keys.
--
-- Parsing (rules.c): integers are whole decimal numbers, decimals must be
-- finite, booleans are exactly "true" or "false"; surrounding blanks are
-- ignored for numbers. A missing key keeps the default; an unparsable or
-- out-of-range value keeps the default and logs "config_value_ignored".
--
-- NOTE for the AWS wiring: it reads these keys from SSM under
-- /tazco/financial-api/ (SSM_PATH; /tazco/financial-api/limits/highTier is
-- "limits.highTier"). The original's init script wrote limits/{low,medium,
-- high}Tier = 500/1500/3000 and approval/autoApproveThreshold = 700
-- (docs/aws.md, "SSM"). Those are NOT the behaviour of the API (the code
-- hard-coded 2000/5000/10000 and 500). Map SSM parameters onto these keys
-- only with values that keep behaviour.md §4.

return {
  -- Credit limits (dollars). Auto-approval gives the tier limit; an admin
  -- approval must be within limits.min..limits.max and <= the tier limit.
  ["limits.highTier"]   = 10000,  -- score >= tiers.highMin
  ["limits.mediumTier"] = 5000,   -- tiers.mediumMin <= score < tiers.highMin
  ["limits.lowTier"]    = 2000,   -- score < tiers.mediumMin (admin approvals only)
  ["limits.min"]        = 100,    -- range 0..1e9, must be <= limits.max
  ["limits.max"]        = 10000,

  -- A card request whose current score >= this is approved at once.
  ["approval.autoApproveThreshold"] = 500,   -- integer 0..1000

  -- Tier boundaries (a boundary belongs to the higher tier).
  ["tiers.highMin"]   = 700,  -- integer 0..1000
  ["tiers.mediumMin"] = 500,  -- integer 0..1000, must be <= tiers.highMin

  -- Payment score impact: on time round(min + (max-min) * amount/balance);
  -- late: -mild (<= 7 days), -moderate (8..30 days), -severe (> 30 days).
  ["scoring.paymentBonusMin"]     = 10,   -- integer 0..1000, <= paymentBonusMax
  ["scoring.paymentBonusMax"]     = 50,
  ["scoring.latePenaltyMild"]     = 20,
  ["scoring.latePenaltyModerate"] = 50,
  ["scoring.latePenaltySevere"]   = 100,

  -- Cards.
  ["cards.cooldownDaysAfterRejection"] = 0,   -- 0..3650; 0 = re-apply at once
  ["cards.dueDays"]                    = 30,  -- 1..3650; nextDueDate = creation + N days

  -- Idempotency records live this long.
  ["idempotency.ttlHours"] = 24,  -- integer 1..8760

  -- WhatsApp admin approvals.
  ["whatsapp.notificationsEnabled"] = false,  -- memory mode: off (original in-memory container)
  ["whatsapp.approvalExpiryHours"]  = 24,     -- integer 1..8760
  ["whatsapp.limitLow"]    = 500,   -- limit given by "y <id>" for tierAtRequest low
  ["whatsapp.limitMedium"] = 1500,
  ["whatsapp.limitHigh"]   = 3000,

  -- Outbox worker.
  ["outbox.intervalMs"] = 1000,  -- integer 10..3600000
  ["outbox.batchSize"]  = 100,   -- integer 1..1000
  ["outbox.maxRetries"] = 5,     -- integer 0..100; then dead_letter

  -- Rate limiting (off in the original; behaviour.md §11).
  ["rateLimit.enabled"]      = false,
  ["rateLimit.apiPerMinute"] = 100,  -- integer 1..1000000
}
