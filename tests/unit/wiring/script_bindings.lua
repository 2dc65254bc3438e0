-- script_bindings.lua - run by test_container.c through fin_host_run_script:
-- the script-side port methods on a memory container. Returns 0 when every
-- check passed (assert raises otherwise).
local fin = require "fin"
local dir = arg[0]:match("^(.*)/") or "."
local c = fin.load_wiring(dir .. "/good.lua")

-- reads that find nothing: nil, code, message
local u, code, msg = c.users:get("nobody")
assert(u == nil and code == "NOT_FOUND" and type(msg) == "string", tostring(code))

-- create a card and move its balance with the version check
local ok, res = c.store:commit{
  { kind = "card_create", ecosystemId = "eco-1", limit = 1000, scoreAtApproval = 700 },
}
assert(ok == true, tostring(res))
local cardId = res[1].cardId
assert(type(cardId) == "string" and #cardId == 36)

local card = assert(c.cards:get("eco-1", cardId))
assert(card.version == 1 and card.limit == 1000 and card.availableCredit == 1000)
assert(card.status == "active" and card.type == "credit-card" and card.createdAt:match("Z$"))

ok = c.store:commit{
  { card_balance = { ecosystemId = "eco-1", cardId = cardId, expectedVersion = 1,
                     balance = 100, availableCredit = 900, minimumPayment = 25 } },
}
assert(ok == true)
local ok2, code2, msg2, detail = c.store:commit{
  { kind = "card_balance", ecosystemId = "eco-1", cardId = cardId, expectedVersion = 1,
    balance = 200, availableCredit = 800, minimumPayment = 25 },
}
assert(ok2 == nil and code2 == "VERSION_CONFLICT", tostring(code2))
assert(type(msg2) == "string")
assert(detail.failedWrite == 1 and detail.expectedVersion == 1 and detail.actualVersion == 2)
assert(detail.cardId == cardId)

local list = assert(c.cards:list("eco-1"))
assert(#list == 1 and list[1].balance == 100 and list[1].version == 2)

-- events: the store allocates the sequence number
local ok3, r3 = c.store:commit{
  { kind = "event_append", eventType = "card.approved", entityType = "card", entityId = cardId,
    ecosystemId = "eco-1", payload = { cardId = cardId, limit = 1000, nested = { 1, 2, 3 } } },
}
assert(ok3 == true and r3[1].sequenceNumber == 1, tostring(r3))
local pending = assert(c.outbox:pending(10))
assert(#pending == 1 and pending[1].eventType == "card.approved")
assert(pending[1].payload.limit == 1000 and pending[1].payload.nested[3] == 3)
assert(pending[1].sequenceNumber == 1 and pending[1].status == "pending")

-- card requests listed by status (the admin lists), oldest first, paged
ok = c.store:commit{
  { kind = "request_create", ecosystemId = "eco-r", requestId = "r-1", createdAt = 1000 },
  { kind = "request_create", ecosystemId = "eco-r", requestId = "r-2", createdAt = 2000, status = "approved" },
  { kind = "request_create", ecosystemId = "eco-r", requestId = "r-3", createdAt = 3000, status = "approved" },
}
assert(ok == true)
local reqs, page = assert(c.card_requests:pending())
assert(#reqs == 1 and reqs[1].requestId == "r-1" and page.totalCount == 1 and not page.hasMore)
reqs, page = assert(c.card_requests:by_status("approved", "newest", 1))
assert(#reqs == 1 and reqs[1].requestId == "r-3" and reqs[1].status == "approved")
assert(page.hasMore and page.nextCursor == "r-3" and page.totalCount == 2)
reqs = assert(c.card_requests:by_status("approved", "newest", 1, page.nextCursor))
assert(#reqs == 1 and reqs[1].requestId == "r-2")
reqs, page = assert(c.card_requests:by_status("rejected"))
assert(#reqs == 0 and page.totalCount == 0)

-- misuse raises with a clear message
local okm, err = pcall(function() return c.store:commit{ { kind = "nope" } } end)
assert(not okm and err:find("unknown kind 'nope'"), err)
okm, err = pcall(c.card_requests.by_status, c.card_requests)
assert(not okm and err:find("string expected"), err)
okm, err = pcall(function() return c.store:commit{ { kind = "card_balance", cardId = "x" } } end)
assert(not okm and err:find("field 'ecosystemId' is required"), err)
-- a raise after the write copied its strings (the leak check sees them freed)
okm, err = pcall(function()
  return c.store:commit{ { kind = "user_create", ecosystemId = "u-raise", email = "e@x", currentScore = "x" } }
end)
assert(not okm and err:find("field 'currentScore' must be an integer"), err)
okm, err = pcall(c.cards.get, c.users, "a", "b")
assert(not okm and err:find("fin.Cards expected"), err)

-- config and clock
assert(c.config:get("no.such.key") == nil)
assert(math.type(c.clock:now()) == "integer")

-- the fin module
local j = fin.json_encode({ a = 1, b = { 0.1 + 0.2, true, fin.null }, s = "x\"y" })
local back = assert(fin.json_decode(j))
assert(back.a == 1 and back.b[1] == 0.1 + 0.2 and back.b[2] == true and back.b[3] == fin.null)
assert(fin.json_encode({ 10000.0, 9999.7 }) == "[10000,9999.7]", fin.json_encode({ 10000.0, 9999.7 }))
local bad, why = fin.json_decode("{")
assert(bad == nil and type(why) == "string")
assert(fin.sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
assert(#fin.uuid_v7() == 36 and math.type(fin.now_ms()) == "integer")

-- load_wiring raises with the one-line message of the host
okm, err = pcall(fin.load_wiring, dir .. "/missing_slot.lua")
assert(not okm and err:find("missing_slot.lua:5: container slot 'cards' is missing", 1, true), err)

return 0
