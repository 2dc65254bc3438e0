-- lua/aws.lua - the AWS wiring: DynamoDB, Cognito, EventBridge, SSM.
--
-- Selected by `--wiring lua/aws.lua`, INFRA_MODE=aws, USE_AWS=true or a
-- non-empty AWS_ENDPOINT_URL (core/lua/mode.h). Same container slots as
-- lua/memory.lua; only the adapters differ.
--
-- Environment (standard AWS names first):
--   AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>   emulator or custom endpoints
--   AWS_REGION / AWS_DEFAULT_REGION (us-east-1), AWS_ACCESS_KEY_ID,
--   AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; without keys, a role's keys
--   from AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, AWS_PROFILE's keys,
--   AWS_CONTAINER_CREDENTIALS_*, or the EC2 instance metadata service
--   (docs/deploy.md)
--   FIN_TABLE_PREFIX            table names (default "acme-")
--   COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID, COGNITO_JWKS_URL
--   COGNITO_ISSUER              the iss to expect (default AWS's
--                               https://cognito-idp.<region>.amazonaws.com/<pool>);
--                               "{userPoolId}" stands for the pool id, e.g.
--                               http://localhost.localstack.cloud:4566/{userPoolId}
--                               for LocalStack Pro (docs/aws.md)
--   FIN_DEV_AUTH=true|auto      accept dev tokens (true: only them; auto:
--                               them and Cognito tokens when the emulator
--                               has a pool): only with a loopback endpoint
--                               (LocalStack Community has no Cognito);
--                               logged, and readiness says so
--   EVENTBRIDGE_BUS_NAME, EVENT_SOURCE
--   SQS_QUEUE_URL               ignored, with a warning: events reach SQS
--                               through the bus's rule, each once
--                               (docs/deviations.md)
--   SSM_PATH (/tazco/financial-api/, aws.ssm_default_path: where the spec
--   puts the configuration), SSM_REFRESH_SECONDS (60)
--   FIN_AUTH_STATUS_TTL_S (30)   seconds an account's disabled status
--                               (AdminGetUser) is kept; 0: asked on every request
--   SSM_POOL_REREAD_SECONDS (5)  when pool and client came from SSM: the
--                               least time between two reads of them, made
--                               when a token names another pool (a reset)
--   WPP_BASE_URL, WPP_SECRET_KEY, WPP_SESSION_NAME, ADMIN_PHONE_1/2,
--   WEBHOOK_SECRET, NODE_ENV     as in memory mode
--
-- Runs once at start-up; no Lua runs while requests are served.

local fin = require "fin"
local aws = require "fin.aws"
local mem = require "fin.memory"
local shared = require "shared"  -- lua/shared.lua
local env = shared.env

local region = env("AWS_REGION") or env("AWS_DEFAULT_REGION") or "us-east-1"
local endpoint = env("AWS_ENDPOINT_URL")

-- Every AWS client takes the same connection settings; the C side fills in
-- what is nil from the standard environment (per-service endpoint overrides).
local function conn(extra)
  local t = { region = region, timeout_ms = tonumber(env("FIN_AWS_TIMEOUT_MS") or "3000") }
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

local db = aws.dynamodb(conn{ table_prefix = env("FIN_TABLE_PREFIX") or "acme-" })

-- Every SSM name the wiring reads lives under one path.
local ssm_path = env("SSM_PATH") or aws.ssm_default_path
if ssm_path:sub(-1) ~= "/" then ssm_path = ssm_path .. "/" end

-- Auth: Cognito ID/access tokens, or the explicit loopback-only dev fallback.
-- Pool and client come from the environment, else (emulators only) from the
-- SSM parameters `financial-api provision` writes (<path>cognito/...).
local function ssm_value(name)
  local r = aws.call("ssm", "GetParameter", { Name = name })
  return r and r.Parameter and r.Parameter.Value or nil
end

local pool, client = env("COGNITO_USER_POOL_ID"), env("COGNITO_CLIENT_ID")
-- the SSM endpoint is the one that answers (its own variable wins)
local loopback = aws.is_loopback(env("AWS_ENDPOINT_URL_SSM") or endpoint)
local from_ssm = not pool and not client and loopback
if (not pool or not client) and loopback then
  pool = pool or ssm_value(ssm_path .. "cognito/userPoolId")
  client = client or ssm_value(ssm_path .. "cognito/clientId")
end

local function cognito()
  local cognito_endpoint = env("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER") or endpoint
  return aws.cognito_auth(conn{
    user_pool_id = pool,
    client_id = client,
    issuer = env("COGNITO_ISSUER"),   -- nil: https://cognito-idp.<region>.amazonaws.com/<pool>
    -- emulators serve the keys at <endpoint>/<pool>/.well-known/jwks.json
    jwks_url = env("COGNITO_JWKS_URL") or
               (cognito_endpoint and (cognito_endpoint:gsub("/$", "") ..
                                      "/{userPoolId}/.well-known/jwks.json")),
    -- ids read from the emulator's SSM: an emulator reset makes a new pool and
    -- client; a token of another pool makes the server read them again (at
    -- most every SSM_POOL_REREAD_SECONDS, 5), so no restart is needed
    follow_ssm = from_ssm and { pool = ssm_path .. "cognito/userPoolId",
                                client = ssm_path .. "cognito/clientId" } or nil,
    reread_seconds = tonumber(env("SSM_POOL_REREAD_SECONDS") or "5"),
    -- disabled accounts: AdminGetUser, its answers kept this long per account
    status_ttl_s = shared.status_ttl_s(),
  })
end

-- FIN_DEV_AUTH: "true" dev tokens only; "auto" dev tokens ("mock.") and, when
-- the emulator has a pool, Cognito tokens too. Both refuse a non-loopback
-- endpoint (aws.dev_auth_fallback raises).
local dev_auth = env("FIN_DEV_AUTH")
local auth
if dev_auth == "true" then
  auth = aws.dev_auth_fallback{ endpoint = endpoint }
elseif dev_auth == "auto" then
  auth = aws.dev_auth_fallback{ endpoint = endpoint,
                                cognito = (pool and client) and cognito() or nil }
elseif not pool or not client then
  error("AWS mode needs COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID " ..
        "(or FIN_DEV_AUTH=true with a loopback AWS_ENDPOINT_URL)", 0)
else
  auth = cognito()
end

local config = aws.ssm_config(conn{
  path = ssm_path,
  refresh_seconds = tonumber(env("SSM_REFRESH_SECONDS") or "60"),
  overrides = shared.rule_overrides(),  -- the environment wins over SSM, as in memory mode
})

-- The earlier service also sent every event straight to SQS_QUEUE_URL, so
-- the queue behind the bus's rule received each event twice.
if env("SQS_QUEUE_URL") then
  fin.log("warn", "SQS_QUEUE_URL is ignored: events reach SQS through the EventBridge rule on "
    .. (env("EVENTBRIDGE_BUS_NAME") or "acme-financial-events")
    .. " (acme-events-to-sqs in localstack/manifest.json), each once; sending them to a"
    .. " queue as well would deliver each twice (docs/deviations.md)")
end
local publisher = aws.eventbridge(conn{
  bus = env("EVENTBRIDGE_BUS_NAME") or "acme-financial-events",
  source = env("EVENT_SOURCE") or "acme.financial-api",
})

return shared.container(db, {
  mode = "aws",

  auth      = auth,
  publisher = publisher,
  config    = config,
  clock     = mem.clock(),
  messenger = shared.messenger(),

  whatsapp = shared.whatsapp(),
})
