-- syntax_error.lua - does not compile.
local mem = require "fin.memory"
local db = mem.database(
return { mode = "memory" }
