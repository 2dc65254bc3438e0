-- lua/shared.lua - what every wiring file needs besides its adapters: the
-- environment (with "" meaning unset), the rule overrides taken from the
-- environment, the WhatsApp sender and settings. Every wiring file uses
-- it, so these behave the same in every mode.
local M = {}

-- os.getenv, with "" meaning unset
function M.env(name)
  local v = os.getenv(name)
  if v == nil or v == "" then return nil end
  return v
end

-- Rule keys set from the environment; only "true"/"false" are accepted.
function M.rule_overrides()
  local out = {}
  for var, key in pairs{ WHATSAPP_NOTIFICATIONS_ENABLED = "whatsapp.notificationsEnabled",
                         FIN_RATE_LIMIT = "rateLimit.enabled" } do
    local v = M.env(var)
    if v == "true" or v == "false" then out[key] = v end
  end
  return out
end

-- FIN_AUTH_STATUS_TTL_S: how long the remote modes keep an account's
-- disabled status (seconds; 0: asked on every request). Default 30: a
-- disabled account is refused within half a minute, at one look-up per
-- account per half minute.
function M.status_ttl_s()
  local v = M.env("FIN_AUTH_STATUS_TTL_S")
  if v == nil then return 30 end
  local n = tonumber(v)
  if n == nil or n < 0 or n ~= math.floor(n) then
    error("FIN_AUTH_STATUS_TTL_S must be a whole number of seconds >= 0 (got " .. v .. ")", 0)
  end
  return math.tointeger(n)
end

-- Rule numbers for a config port that has no store of its own (memory and
-- Firebase modes): config/defaults.lua as strings (the port serves text,
-- like SSM), plus the environment overrides.
function M.default_rules()
  local config = {}
  for key, value in pairs(require "defaults") do config[key] = tostring(value) end
  for key, value in pairs(M.rule_overrides()) do config[key] = value end
  return config
end

-- The WPP-Connect sender when WPP_BASE_URL is set, else nil (no sending).
function M.messenger()
  if not M.env("WPP_BASE_URL") then return nil end
  return require("fin.wpp").client{
    base_url = M.env("WPP_BASE_URL"),
    secret_key = M.env("WPP_SECRET_KEY") or "",
    session = M.env("WPP_SESSION_NAME") or "acme-financial-api",
  }
end

-- Admin phones, webhook secret, production flag (behaviour.md §9, §1.20).
function M.whatsapp()
  return {
    admin_phones = { M.env("ADMIN_PHONE_1") or "5511999999999", M.env("ADMIN_PHONE_2") or "5511888888888" },
    webhook_secret = M.env("WEBHOOK_SECRET"),      -- nil: the webhook refuses every call (503)
    production = os.getenv("NODE_ENV") == "production",
  }
end

-- The container: the storage slots (fin.storage_slots: users, scores, cards,
-- card_requests, transactions, idempotency, outbox, audit_logs,
-- wa_notifications, wa_inbound, pending_approvals, store) from one database
-- handle of an adapter module (fin.memory, fin.aws ...) that serves them
-- all, so one store commit is atomic across them, plus the given services.
function M.container(db, services)
  local c = {}
  for _, slot in ipairs(require("fin").storage_slots) do c[slot] = db[slot](db) end
  for k, v in pairs(services) do c[k] = v end
  return c
end

return M
