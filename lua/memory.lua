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
local shared = require "shared"      -- lua/shared.lua

-- Rule numbers: config/defaults.lua plus the environment overrides.
local config = shared.default_rules()

-- One database shared by every repository and the store, so a commit is
-- atomic across all of them.
local db = mem.database()

return shared.container(db, {
  mode = "memory",

  auth      = mem.dev_auth(),    -- "Bearer mock.<base64 JSON>.sig" (behaviour.md §3.2)
  publisher = mem.publisher(),   -- keeps published events in memory
  config    = mem.config(config),
  clock     = mem.clock(),       -- system clock; mem.fake_clock(ms) for tests
  messenger = shared.messenger(),  -- WhatsApp sending only when WPP_BASE_URL is set

  -- The dev users of the original's in-memory entry point (behaviour.md §3.4);
  -- created at start-up only when missing, not re-seeded after cleanup.
  seed_users = {
    { ecosystemId = "user-123",  role = "user",  email = "user-123@test.local",  score = 700 },
    { ecosystemId = "admin-001", role = "admin", email = "admin-001@test.local", score = 700 },
  },

  whatsapp = shared.whatsapp(),
})
