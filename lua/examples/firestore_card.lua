-- firestore_card.lua - look at a card as Firestore stores it, next to what
-- the repositories make of it.
--
--   FIRESTORE_EMULATOR_HOST=127.0.0.1:8080 \
--     financial-api run lua/examples/firestore_card.lua [ECOSYSTEM_ID [CARD_ID]]
--
-- Without arguments it makes a user "repro-firestore" with a card and one
-- purchase through store:commit. Prints the raw documents
-- (users/<eco>/cards/<card> and its transactions subcollection), then the
-- card and transaction list the API would serve. Needs the Firebase
-- emulators (bun run emulator:start); GCLOUD_PROJECT and FIRESTORE_DATABASE
-- as for the server.
local fin = require "fin"
local firebase = require "fin.firebase"

local function env(n) local v = os.getenv(n); return v ~= "" and v or nil end
local db = firebase.firestore{
  project = env("GCLOUD_PROJECT") or "demo-acme",
  database = env("FIRESTORE_DATABASE"),
  emulator_host = env("FIRESTORE_EMULATOR_HOST") or "127.0.0.1:8080",
}
local c = fin.load_wiring("lua/firebase.lua")

local eco, cardId = arg[1], arg[2]
if not eco then
  eco = "repro-firestore"
  if not c.users:get(eco) then
    assert(c.store:commit{ { kind = "user_create", ecosystemId = eco, email = eco .. "@test.local" } })
  end
  local ok, res = c.store:commit{
    { kind = "card_create", ecosystemId = eco, limit = 1000, scoreAtApproval = 700 },
  }
  assert(ok, res)
  cardId = res[1].cardId
  assert(c.store:commit{
    { kind = "card_balance", ecosystemId = eco, cardId = cardId, expectedVersion = 1,
      balance = 100, availableCredit = 900, minimumPayment = 25 },
    { kind = "txn_put", ecosystemId = eco, cardId = cardId, type = "purchase", amount = 100,
      merchant = "Repro Store" },
  })
end
if not cardId then
  local cards = assert(c.cards:list(eco))
  assert(#cards > 0, "user " .. eco .. " has no cards")
  cardId = cards[1].cardId
end

local path = "users/" .. eco .. "/cards/" .. cardId
print("document " .. path .. ":")
print("  " .. fin.json_encode(db:get(path) or {}))
for _, hit in ipairs(db:query(path, "transactions")) do
  print("document " .. hit.path .. ":")
  print("  " .. fin.json_encode(hit.data))
end
print("cards:get -> " .. fin.json_encode(assert(c.cards:get(eco, cardId))))
print("transactions:list -> " .. fin.json_encode(assert(c.transactions:list(eco, cardId))))
