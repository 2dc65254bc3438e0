-- missing_slot.lua - no 'cards' slot.
local mem = require "fin.memory"
local db = mem.database()

return {
  mode = "memory",
  users = db:users(), scores = db:scores(),
  card_requests = db:card_requests(), transactions = db:transactions(),
  idempotency = db:idempotency(), outbox = db:outbox(), audit_logs = db:audit_logs(),
  wa_notifications = db:wa_notifications(), wa_inbound = db:wa_inbound(),
  pending_approvals = db:pending_approvals(), store = db:store(),
  auth = mem.dev_auth(), publisher = mem.publisher(),
  config = mem.config{}, clock = mem.clock(),
}
