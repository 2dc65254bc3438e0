-- closed_port.lua - 'scores' was released before being returned.
local dir = (...):match("^(.*)/") or "."
local c = dofile(dir .. "/base.lua")()
getmetatable(c.scores).__close(c.scores)
return c
