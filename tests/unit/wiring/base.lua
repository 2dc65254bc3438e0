-- base.lua - helper for the test wiring files: a complete memory container.
-- Usage: local make = dofile(dir .. "/base.lua"); local c = make{ ["key"] = "value" }
local mem = require "fin.memory"

return function(config)
  local db = mem.database()
  return {
    mode = "memory",
    users = db:users(), scores = db:scores(), cards = db:cards(),
    card_requests = db:card_requests(), transactions = db:transactions(),
    idempotency = db:idempotency(), outbox = db:outbox(), audit_logs = db:audit_logs(),
    wa_notifications = db:wa_notifications(), wa_inbound = db:wa_inbound(),
    pending_approvals = db:pending_approvals(), store = db:store(),
    auth = mem.dev_auth(), publisher = mem.publisher(),
    config = mem.config(config or {}), clock = mem.clock(),
  }
end
