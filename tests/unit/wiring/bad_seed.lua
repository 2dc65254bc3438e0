-- bad_seed.lua - a seed user whose score is a string.
local dir = (...):match("^(.*)/") or "."
local c = dofile(dir .. "/base.lua")()
c.seed_users = { { ecosystemId = "u1", role = "user", score = 700 },
                 { ecosystemId = "u2", role = "user", score = "700" } }
return c
