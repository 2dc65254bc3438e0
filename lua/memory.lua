-- lua/memory.lua - the memory wiring: every port in process memory.
--
-- This is what `financial-api serve` loads in memory mode (the default). To
-- make another wiring, copy this file and replace the ports you want to swap;
-- `financial-api check-wiring FILE` tells you which slot is missing or has
-- the wrong type. The returned table is the container:
--
--   users scores cards card_requests transactions idempotency outbox
--   audit_logs wa_notifications wa_inbound pending_approvals store
--                   repositories and the atomic store (required)
--   auth            verifies bearer tokens (required)
--   publisher       external sink for outbox events (required)
--   config          rule numbers, keys in config/defaults.lua (required)
--   clock           wall clock (required)
--   messenger       WhatsApp sender (optional; nil = no sending)
--   mode            a name for logs (required)
--   seed_users      users created at start-up if missing (optional)
--   whatsapp        admin phones, webhook secret, production flag (optional)
--
-- Runs once at start-up; no Lua runs while requests are served.

local mem = require "fin.memory"
local defaults = require "defaults"  -- config/defaults.lua

-- os.getenv, with "" meaning unset
local function env(name)
  local v = os.getenv(name)
  if v == nil or v == "" then return nil end
  return v
end

-- Rule numbers: the defaults, as strings (the config port serves text, like
-- SSM), plus a few environment overrides. Only "true"/"false" are accepted.
local config = {}
for key, value in pairs(defaults) do config[key] = tostring(value) end
local overrides = {
  WHATSAPP_NOTIFICATIONS_ENABLED = "whatsapp.notificationsEnabled",
  FIN_RATE_LIMIT = "rateLimit.enabled",
}
for var, key in pairs(overrides) do
  local v = env(var)
  if v == "true" or v == "false" then config[key] = v end
end

-- One database shared by every repository and the store, so a commit is
-- atomic across all of them.
local db = mem.database()

-- WhatsApp sending only when a WPP-Connect server is configured.
local messenger = nil
if env("WPP_BASE_URL") then
  messenger = require("fin.wpp").client{
    base_url = env("WPP_BASE_URL"),
    secret_key = env("WPP_SECRET_KEY") or "",
    session = env("WPP_SESSION_NAME") or "acme-financial-api",
  }
end

return {
  mode = "memory",

  users             = db:users(),
  scores            = db:scores(),
  cards             = db:cards(),
  card_requests     = db:card_requests(),
  transactions      = db:transactions(),
  idempotency       = db:idempotency(),
  outbox            = db:outbox(),
  audit_logs        = db:audit_logs(),
  wa_notifications  = db:wa_notifications(),
  wa_inbound        = db:wa_inbound(),
  pending_approvals = db:pending_approvals(),
  store             = db:store(),

  auth      = mem.dev_auth(),    -- "Bearer mock.<base64 JSON>.sig" (baseline §3.2)
  publisher = mem.publisher(),   -- keeps published events in memory
  config    = mem.config(config),
  clock     = mem.clock(),       -- system clock; mem.fake_clock(ms) for tests
  messenger = messenger,

  -- The dev users of the original's in-memory entry point (baseline §3.4);
  -- created at start-up only when missing, not re-seeded after cleanup.
  seed_users = {
    { ecosystemId = "user-123",  role = "user",  email = "user-123@test.local",  score = 700 },
    { ecosystemId = "admin-001", role = "admin", email = "admin-001@test.local", score = 700 },
  },

  whatsapp = {
    admin_phones = { env("ADMIN_PHONE_1") or "5511999999999", env("ADMIN_PHONE_2") or "5511888888888" },
    webhook_secret = env("WEBHOOK_SECRET"),      -- nil: no secret check (unless production)
    production = os.getenv("NODE_ENV") == "production",
  },
}
