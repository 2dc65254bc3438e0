-- config_invalid.lua - unusable values keep their defaults.
local dir = (...):match("^(.*)/") or "."
return dofile(dir .. "/base.lua"){
  ["limits.highTier"] = "abc",
  ["limits.mediumTier"] = "0x10",
  ["approval.autoApproveThreshold"] = "12.5",
  ["whatsapp.notificationsEnabled"] = "yes",
  ["outbox.batchSize"] = "0",
  ["tiers.mediumMin"] = "800",
  ["rateLimit.enabled"] = "TRUE",
}
