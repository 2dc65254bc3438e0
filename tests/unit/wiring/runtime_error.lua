-- runtime_error.lua - fails while running.
local mem = require "fin.memory"
local db = mem.no_such_function()
return { mode = "memory", db = db }
