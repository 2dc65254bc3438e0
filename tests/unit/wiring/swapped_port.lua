-- swapped_port.lua - 'cards' holds the users port.
local dir = (...):match("^(.*)/") or "."
local c = dofile(dir .. "/base.lua")()
c.cards = c.users
return c
