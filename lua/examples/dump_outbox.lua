-- dump_outbox.lua - print the outbox as JSON lines.
--
--   financial-api run lua/examples/dump_outbox.lua [WIRING] [--demo]
--
-- Prints every pending event (oldest first, at most 100), then the events
-- that wait for a retry. In memory mode the outbox of a fresh process is
-- empty: --demo first appends two events on one entity so you can see the
-- sequence numbers the store allocates (1, 2).
local fin = require "fin"

local wiring, demo = nil, false
for _, a in ipairs(arg) do
  if a == "--demo" then demo = true else wiring = a end
end
local c = fin.load_wiring(wiring)

if demo then
  local id = fin.uuid_v7()
  for i = 1, 2 do
    assert(c.store:commit{
      { kind = "event_append", eventType = "score.changed", entityType = "user",
        entityId = "demo-user", ecosystemId = "demo-user",
        payload = { ecosystemId = "demo-user", previousScore = 500, newScore = 500 + i * 10,
                    source = "system", demo = id } },
    })
  end
end

local function dump(label, events, code, msg)
  if not events then
    io.stderr:write(label .. ": " .. tostring(code) .. " " .. tostring(msg) .. "\n")
    return
  end
  for _, ev in ipairs(events) do print(fin.json_encode(ev)) end
  io.stderr:write(string.format("%s: %d event(s)\n", label, #events))
end

dump("pending", c.outbox:pending(100))
dump("retry", c.outbox:retry(100))
