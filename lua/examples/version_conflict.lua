-- version_conflict.lua - reproduce a VERSION_CONFLICT on a card's balance.
--
--   financial-api run lua/examples/version_conflict.lua [WIRING]
--
-- Loads a container (WIRING, else the mode precedence: memory by default),
-- creates a card through store:commit, moves its balance once with the right
-- expected version, then again with the stale one, and prints both results.
-- Against a shared database (aws/firebase wiring) it writes a real card for
-- the ecosystem id "repro-version-conflict".
local fin = require "fin"

local c = fin.load_wiring(arg[1])
local eco = "repro-version-conflict"

local function show(label, ...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do
    local v = select(i, ...)
    parts[#parts + 1] = type(v) == "table" and fin.json_encode(v) or tostring(v)
  end
  print(label .. ": " .. table.concat(parts, "  "))
end

local ok, res = c.store:commit{
  { kind = "card_create", ecosystemId = eco, limit = 1000, scoreAtApproval = 700 },
}
assert(ok, res)
local cardId = res[1].cardId
local card = assert(c.cards:get(eco, cardId))
show("created", fin.json_encode(card))

-- a purchase of 100 read version 1: expectedVersion 1 -> stored version 2
local function purchase(expected, amount, balance_before)
  local balance = balance_before + amount
  return c.store:commit{
    { kind = "card_balance", ecosystemId = eco, cardId = cardId, expectedVersion = expected,
      balance = balance, availableCredit = card.limit - balance,
      minimumPayment = math.min(math.max(0.02 * balance, 25), balance) },
    { kind = "txn_put", ecosystemId = eco, cardId = cardId, type = "purchase",
      amount = amount, merchant = "repro" },
  }
end

show("first update (expectedVersion 1)", purchase(1, 100, 0))
-- the same stale read again: the store refuses it and writes nothing
show("second update (expectedVersion 1 again)", purchase(1, 50, 0))
show("card now", fin.json_encode(assert(c.cards:get(eco, cardId))))
