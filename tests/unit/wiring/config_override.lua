-- config_override.lua - the config port changes rules.
local dir = (...):match("^(.*)/") or "."
return dofile(dir .. "/base.lua"){
  ["limits.highTier"] = "9000",
  ["approval.autoApproveThreshold"] = "600",
  ["whatsapp.notificationsEnabled"] = "true",
  ["idempotency.ttlHours"] = " 48 ",
  ["whatsapp.limitLow"] = "750.5",
}
