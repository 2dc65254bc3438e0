-- ssm_override.lua - read, override or restore a rule parameter in SSM.
--
--   financial-api run lua/examples/ssm_override.lua                 list all
--   financial-api run lua/examples/ssm_override.lua limits/highTier  read one
--   financial-api run lua/examples/ssm_override.lua limits/highTier 8000
--   financial-api run lua/examples/ssm_override.lua limits/highTier --restore
--
-- Names are relative to SSM_PATH (default /tazco/financial-api/, the path the
-- wiring reads). A running server picks the new
-- value up within SSM_REFRESH_SECONDS (60 by default; it logs
-- "rules_reloaded"); --restore puts back the manifest's value.
local fin = require "fin"
local aws = require "fin.aws"

local base = fin.env("SSM_PATH") or aws.ssm_default_path
if base:sub(-1) ~= "/" then base = base .. "/" end
local name, value = arg[1], arg[2]

if not name then
  local token
  repeat
    local r = assert(aws.call("ssm", "GetParametersByPath", { Path = base, Recursive = true,
                                                              MaxResults = 10, NextToken = token }))
    for _, p in ipairs(r.Parameters or {}) do print(p.Name .. " = " .. p.Value) end
    token = r.NextToken
  until not token
  return
end

local full = base .. name:gsub("^/", "")
if value == "--restore" then
  local f = assert(io.open("localstack/manifest.json", "rb"))
  local m = assert(fin.json_decode(f:read("a")))
  f:close()
  -- the manifest names the default path; under another SSM_PATH the same
  -- relative name is meant
  value = m.ssm.parameters[full] or m.ssm.parameters[aws.ssm_default_path .. name:gsub("^/", "")]
          or error("no manifest value for " .. full, 0)
end
if value then
  assert(aws.call("ssm", "PutParameter", { Name = full, Value = value, Type = "String", Overwrite = true }))
end
local r, code, msg = aws.call("ssm", "GetParameter", { Name = full })
if not r then error(full .. ": " .. tostring(code) .. " " .. tostring(msg), 0) end
print(full .. " = " .. r.Parameter.Value .. " (version " .. tostring(r.Parameter.Version) .. ")")
