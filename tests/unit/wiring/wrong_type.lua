-- wrong_type.lua - 'cards' is a string, 'users' is fine.
local dir = (...):match("^(.*)/") or "."
local c = dofile(dir .. "/base.lua")()
c.cards = "cards-go-here"
return c
