-- cognito_token.lua - sign in to the emulator's user pool and print an ID
-- token to use as `Authorization: Bearer <token>` against `dev:aws`.
--
--   financial-api run lua/examples/cognito_token.lua [EMAIL [PASSWORD]]
--
-- Defaults: user@test.com / Password123! (the manifest's test users; admin:
-- admin@test.com). The client comes from the SSM parameter that
-- `financial-api provision` writes under SSM_PATH (/tazco/financial-api/).
local fin = require "fin"
local aws = require "fin.aws"

local email, password = arg[1] or "user@test.com", arg[2] or "Password123!"
local function ssm(name)
  local r, code, msg = aws.call("ssm", "GetParameter", { Name = name })
  if not r then error(name .. ": " .. tostring(code) .. " " .. tostring(msg) ..
                      " (run: bun run emulator:start:aws)", 0) end
  return r.Parameter.Value
end
local base = fin.env("SSM_PATH") or aws.ssm_default_path
if base:sub(-1) ~= "/" then base = base .. "/" end
local client = ssm(base .. "cognito/clientId")
local r, code, msg = aws.call("cognito-idp", "InitiateAuth", {
  AuthFlow = "USER_PASSWORD_AUTH", ClientId = client,
  AuthParameters = { USERNAME = email, PASSWORD = password },
})
if not r then error("sign-in failed: " .. tostring(code) .. " " .. tostring(msg), 0) end
print(r.AuthenticationResult.IdToken)
