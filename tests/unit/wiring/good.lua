-- good.lua - a complete container with seeds and WhatsApp settings.
local dir = (...):match("^(.*)/") or "."
local c = dofile(dir .. "/base.lua")()
c.seed_users = {
  { ecosystemId = "seed-1", role = "user", score = 650 },
  { ecosystemId = "seed-2", role = "admin", email = "boss@test.local", score = 700 },
}
c.whatsapp = { admin_phones = { "5511999999999" }, webhook_secret = "s3cret", production = false }
return c
