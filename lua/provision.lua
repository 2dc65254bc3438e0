-- lua/provision.lua - create the AWS resources of the manifest that are
-- missing (tables with indexes and TTL, the Cognito pool, client and test
-- users, the event bus, rule, queue and dead-letter queue, the SSM
-- parameters). Safe to run again: it only creates what is absent and never
-- overwrites a parameter someone changed.
--
--   financial-api provision [MANIFEST] [--check] [--tables-only --prefix P]
--
-- MANIFEST defaults to localstack/manifest.json. The endpoint comes from the
-- standard AWS variables (AWS_ENDPOINT_URL, ...). --check changes nothing:
-- it prints each difference and exits 1 when the account does not match the
-- manifest exactly (extra tables, indexes, queues, or parameters under the
-- manifest's SSM path, /tazco/financial-api/, included; an index must have
-- the manifest's keys and project ALL). With --tables-only it compares the
-- tables alone.
-- --prefix P renames the tables "acme-x" to "P" .. "x" (FIN_TABLE_PREFIX of
-- the wiring), so a test can have tables of its own; --tables-only skips
-- everything but DynamoDB. The LocalStack init hook localstack/ready.d/01-provision.py applies the
-- same manifest inside the container.

local fin = require "fin"
local aws = require "fin.aws"

local manifest_path, check_only, tables_only, prefix = "localstack/manifest.json", false, false, nil
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "--check" then check_only = true
  elseif a == "--tables-only" then tables_only = true
  elseif a == "--prefix" then i = i + 1; prefix = assert(arg[i], "--prefix needs a value")
  else manifest_path = a end
  i = i + 1
end

local function read_file(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end
local m = assert(fin.json_decode(read_file(manifest_path)))
if prefix then
  for _, t in ipairs(m.dynamodb.tables) do t.name = prefix .. t.name:gsub("^acme%-", "") end
end

local problems = 0
local function say(fmt, ...) io.write(string.format(fmt, ...), "\n") end
local function differ(fmt, ...)
  problems = problems + 1
  say("  DIFF " .. fmt, ...)
end

-- Per call: FIN_AWS_TIMEOUT_MS, else 30 s. A fresh moto answers its first
-- SSM call only after loading its default parameters, which took over 5 s
-- on a busy machine; provisioning is no request path, it may wait.
local conn = { timeout_ms = tonumber(os.getenv("FIN_AWS_TIMEOUT_MS") or "") or 30000 }

-- aws.call that raises with the service's message, except for `ok_codes`.
local function call(service, op, params, ok_codes)
  local r, code, msg = aws.call(service, op, params or {}, conn)
  if r then return r end
  for _, c in ipairs(ok_codes or {}) do
    if code == c then return nil, code end
  end
  error(string.format("%s %s failed: %s %s", service, op, tostring(code), tostring(msg)), 0)
end

local function set_of(list, field)
  local s = {}
  for _, v in ipairs(list or {}) do s[field and v[field] or v] = true end
  return s
end

-- ---- DynamoDB ----
local function table_request(t)
  local attrs, seen = {}, {}
  local function attr(n)
    if n and not seen[n] then seen[n] = true; attrs[#attrs + 1] = { AttributeName = n, AttributeType = "S" } end
  end
  local function schema(h, r)
    local k = { { AttributeName = h, KeyType = "HASH" } }
    if r then k[2] = { AttributeName = r, KeyType = "RANGE" } end
    attr(h); attr(r)
    return k
  end
  local req = { TableName = t.name, BillingMode = "PAY_PER_REQUEST", KeySchema = schema(t.hash, t.range) }
  if t.indexes then
    req.GlobalSecondaryIndexes = {}
    for i, ix in ipairs(t.indexes) do
      req.GlobalSecondaryIndexes[i] = { IndexName = ix.name, KeySchema = schema(ix.hash, ix.range),
                                        Projection = { ProjectionType = "ALL" } }
    end
  end
  req.AttributeDefinitions = attrs
  return req
end

-- "hash/range" of a manifest index or of a described KeySchema
local function keys_of(hash, range) return hash .. "/" .. (range or "-") end
local function described_keys(schema)
  local k = {}
  for _, e in ipairs(schema or {}) do k[e.KeyType] = e.AttributeName end
  return keys_of(k.HASH or "?", k.RANGE)
end

-- An index of the right name must also have the manifest's keys and project
-- every attribute: the adapters query it by those keys and read whole items
-- from it (the admin lists read acme-card-requests' PendingRequests by status).
local function check_index_keys(t, described)
  local by_name = {}
  for _, ix in ipairs(described) do by_name[ix.IndexName] = ix end
  for _, ix in ipairs(t.indexes or {}) do
    local got = by_name[ix.name]
    if got then
      local want, have = keys_of(ix.hash, ix.range), described_keys(got.KeySchema)
      if want ~= have then differ("table %s index %s is keyed %s, the manifest says %s", t.name, ix.name, have, want) end
      local proj = (got.Projection or {}).ProjectionType
      if proj ~= "ALL" then differ("table %s index %s projects %s, not ALL", t.name, ix.name, tostring(proj)) end
    end
  end
end

local function dynamodb()
  say("dynamodb: %d tables", #m.dynamodb.tables)
  local wanted = set_of(m.dynamodb.tables, "name")
  local listed = call("dynamodb", "ListTables", {}).TableNames or {}
  for _, name in ipairs(listed) do
    if not wanted[name] and name:sub(1, #(prefix or "acme-")) == (prefix or "acme-") then differ("table %s is not in the manifest", name) end
  end
  for _, t in ipairs(m.dynamodb.tables) do
    local d = call("dynamodb", "DescribeTable", { TableName = t.name }, { "ResourceNotFoundException" })
    if not d then
      if check_only then differ("table %s is missing", t.name)
      else call("dynamodb", "CreateTable", table_request(t)); say("  created table %s", t.name) end
    else
      local have = set_of(d.Table.GlobalSecondaryIndexes, "IndexName")
      local want = set_of(t.indexes or {}, "name")
      for n in pairs(want) do if not have[n] then differ("table %s lacks index %s", t.name, n) end end
      for n in pairs(have) do if not want[n] then differ("table %s has extra index %s", t.name, n) end end
      check_index_keys(t, d.Table.GlobalSecondaryIndexes or {})
    end
    if t.ttl then
      local ttl = call("dynamodb", "DescribeTimeToLive", { TableName = t.name }, { "ResourceNotFoundException" })
      local desc = ttl and ttl.TimeToLiveDescription or {}
      local on = desc.TimeToLiveStatus == "ENABLED" or desc.TimeToLiveStatus == "ENABLING"
      if not (on and desc.AttributeName == t.ttl) then
        if check_only then differ("table %s: TTL on %s is not enabled", t.name, t.ttl)
        else
          call("dynamodb", "UpdateTimeToLive", { TableName = t.name,
               TimeToLiveSpecification = { Enabled = true, AttributeName = t.ttl } })
          say("  enabled TTL on %s.%s", t.name, t.ttl)
        end
      end
    end
  end
end

-- ---- SQS + EventBridge ----
local function queue(name, attributes)
  local got = call("sqs", "GetQueueUrl", { QueueName = name },
                   { "QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue" })
  if not got then
    if check_only then differ("queue %s is missing", name); return nil end
    got = call("sqs", "CreateQueue", { QueueName = name, Attributes = attributes })
    say("  created queue %s", name)
  end
  local a = call("sqs", "GetQueueAttributes", { QueueUrl = got.QueueUrl, AttributeNames = { "All" } })
  return got.QueueUrl, a.Attributes.QueueArn, a.Attributes
end

-- EventBridge delivers to an SQS target only when the queue's policy lets
-- the service send to it (AWS checks this; moto and LocalStack do not), so
-- the queue carries a statement allowing events.amazonaws.com to
-- sqs:SendMessage, for the rule's messages only. Other statements of an
-- existing policy are kept.
local function lets_rule_send(st, q_arn, rule_arn)
  local function has(v, want)
    if type(v) == "string" then return v == want end
    for _, x in ipairs(type(v) == "table" and v or {}) do if x == want then return true end end
    return false
  end
  if st.Effect ~= "Allow" or type(st.Principal) ~= "table" then return false end
  if not has(st.Principal.Service, "events.amazonaws.com") then return false end
  if not (has(st.Action, "sqs:SendMessage") or has(st.Action, "sqs:*")) then return false end
  if not has(st.Resource, q_arn) then return false end
  local c = type(st.Condition) == "table" and st.Condition.ArnEquals
  return not c or has(c["aws:SourceArn"], rule_arn)
end

local function queue_policy(e, q_arn)
  local url = queue(e.queue)
  local a = call("sqs", "GetQueueAttributes", { QueueUrl = url, AttributeNames = { "Policy" } })
  local rule = call("events", "DescribeRule", { Name = e.rule, EventBusName = e.bus }, { "ResourceNotFoundException" })
  local rule_arn = rule and rule.Arn
  local policy = a.Attributes and a.Attributes.Policy and fin.json_decode(a.Attributes.Policy) or nil
  if type(policy) ~= "table" then policy = { Version = "2012-10-17", Statement = {} } end
  if type(policy.Statement) ~= "table" then policy.Statement = {} end
  if policy.Statement.Effect then policy.Statement = { policy.Statement } end -- a lone statement
  for _, st in ipairs(policy.Statement) do
    if rule_arn and lets_rule_send(st, q_arn, rule_arn) then return end
  end
  if check_only then
    differ("queue %s has no policy letting rule %s send to it", e.queue, e.rule)
    return
  end
  if not rule_arn then error("rule " .. e.rule .. " is missing after PutRule", 0) end
  policy.Statement[#policy.Statement + 1] = {
    Sid = e.rule, Effect = "Allow", Principal = { Service = "events.amazonaws.com" },
    Action = "sqs:SendMessage", Resource = q_arn,
    Condition = { ArnEquals = { ["aws:SourceArn"] = rule_arn } } }
  call("sqs", "SetQueueAttributes", { QueueUrl = url, Attributes = { Policy = fin.json_encode(policy) } })
  say("  put policy on %s: rule %s may send to it", e.queue, e.rule)
end

local function events()
  local e = m.events
  say("events: bus %s, rule %s -> %s (dead letters: %s)", e.bus, e.rule, e.queue, e.dead_letter_queue)
  local _, dlq_arn = queue(e.dead_letter_queue, {})
  local redrive = dlq_arn and fin.json_encode({ deadLetterTargetArn = dlq_arn,
                                                maxReceiveCount = tostring(e.max_receive_count) })
  local _, q_arn, attrs = queue(e.queue, redrive and { RedrivePolicy = redrive } or {})
  if attrs and not attrs.RedrivePolicy and not check_only and redrive then
    call("sqs", "SetQueueAttributes", { QueueUrl = (queue(e.queue)), Attributes = { RedrivePolicy = redrive } })
  elseif attrs and not attrs.RedrivePolicy then
    differ("queue %s has no dead-letter queue", e.queue)
  end
  local bus = call("events", "DescribeEventBus", { Name = e.bus }, { "ResourceNotFoundException" })
  if not bus then
    if check_only then differ("event bus %s is missing", e.bus)
    else call("events", "CreateEventBus", { Name = e.bus }); say("  created bus %s", e.bus) end
  end
  local rule = call("events", "DescribeRule", { Name = e.rule, EventBusName = e.bus }, { "ResourceNotFoundException" })
  local pattern = fin.json_encode(e.pattern)
  if not rule or (rule.EventPattern and fin.json_encode(fin.json_decode(rule.EventPattern)) ~= pattern) then
    if check_only then differ("rule %s is missing or has another pattern", e.rule)
    else
      call("events", "PutRule", { Name = e.rule, EventBusName = e.bus, EventPattern = pattern, State = "ENABLED" })
      say("  put rule %s", e.rule)
    end
  end
  if q_arn then
    queue_policy(e, q_arn)
    local t = call("events", "ListTargetsByRule", { Rule = e.rule, EventBusName = e.bus }, { "ResourceNotFoundException" })
    local found = false
    for _, x in ipairs(t and t.Targets or {}) do
      if x.Id == e.target_id and x.Arn == q_arn then found = true end
    end
    if not found then
      if check_only then differ("rule %s does not target %s", e.rule, e.queue)
      else
        call("events", "PutTargets", { Rule = e.rule, EventBusName = e.bus,
                                       Targets = { { Id = e.target_id, Arn = q_arn } } })
        say("  put target %s -> %s", e.target_id, q_arn)
      end
    end
  end
end

-- ---- SSM ----
local function put_param(name, value)
  local got = call("ssm", "GetParameter", { Name = name }, { "ParameterNotFound" })
  if got then return false end
  if check_only then differ("parameter %s is missing", name); return false end
  call("ssm", "PutParameter", { Name = name, Value = value, Type = "String" })
  return true
end

local function ssm()
  local created, n = 0, 0
  for name, value in pairs(m.ssm.parameters) do
    n = n + 1
    if put_param(name, value) then created = created + 1 end
  end
  say("ssm: %d parameters (%d created)", n, created)
end

-- ---- Cognito ----
local function find_pool(name)
  local token
  repeat
    local r = call("cognito-idp", "ListUserPools", { MaxResults = 60, NextToken = token })
    for _, p in ipairs(r.UserPools or {}) do if p.Name == name then return p.Id end end
    token = r.NextToken
  until not token
end

-- The API trusts custom:role and custom:ecosystemId, so only admin API calls
-- may set them: a client that lets its users write one of them (an absent
-- WriteAttributes means "all") turns any user into an admin.
local function client_problems(desc, c)
  local out = {}
  local w = desc.WriteAttributes
  if not w then
    out[#out + 1] = "has no WriteAttributes (every attribute, custom:role included, is user-writable)"
  else
    local ws = set_of(w)
    for _, a in ipairs(c.custom_attributes) do
      if ws["custom:" .. a] then out[#out + 1] = "lets users write custom:" .. a end
    end
  end
  if not desc.ReadAttributes or #desc.ReadAttributes == 0 then out[#out + 1] = "has no explicit ReadAttributes" end
  return out
end

local function client_settings(c, pool, client)
  return { UserPoolId = pool, ClientId = client, ClientName = c.client, ExplicitAuthFlows = c.auth_flows,
           ReadAttributes = c.read_attributes, WriteAttributes = c.write_attributes }
end

local function ensure_pool(c)
  local pool = find_pool(c.pool)
  if not pool then
    if check_only then differ("user pool %s is missing", c.pool); return nil end
    local schema = { { Name = "email", AttributeDataType = "String", Required = true, Mutable = true } }
    for _, a in ipairs(c.custom_attributes) do
      -- Mutable so an admin can change a role; users cannot (WriteAttributes)
      schema[#schema + 1] = { Name = a, AttributeDataType = "String", Mutable = true }
    end
    pool = call("cognito-idp", "CreateUserPool", { PoolName = c.pool, Schema = schema,
            UsernameAttributes = { "email" }, AutoVerifiedAttributes = { "email" },
            AdminCreateUserConfig = { AllowAdminCreateUserOnly = c.allow_admin_create_user_only } }).UserPool.Id
    say("  created user pool %s (%s)", c.pool, pool)
    return pool
  end
  local d = call("cognito-idp", "DescribeUserPool", { UserPoolId = pool }).UserPool
  local self_signup = not (d.AdminCreateUserConfig or {}).AllowAdminCreateUserOnly
  if self_signup and c.allow_admin_create_user_only then
    -- not corrected here: UpdateUserPool resets every setting it is not given
    -- (moto even drops UsernameAttributes), so an operator decides
    differ("user pool %s allows self sign-up: set AdminCreateUserConfig.AllowAdminCreateUserOnly " ..
           "(UpdateUserPool) or recreate the pool", c.pool)
  end
  return pool
end

-- Our client is created (or corrected) from the manifest; any other client
-- of the pool that lets users write the custom attributes is reported.
local function ensure_clients(c, pool)
  local client
  local r = call("cognito-idp", "ListUserPoolClients", { UserPoolId = pool, MaxResults = 60 })
  for _, x in ipairs(r.UserPoolClients or {}) do
    local d = call("cognito-idp", "DescribeUserPoolClient", { UserPoolId = pool, ClientId = x.ClientId }).UserPoolClient
    local bad = client_problems(d, c)
    if x.ClientName == c.client then client = x.ClientId end
    if #bad > 0 and x.ClientName == c.client and not check_only then
      call("cognito-idp", "UpdateUserPoolClient", client_settings(c, pool, x.ClientId))
      say("  app client %s: attribute permissions set from the manifest", c.client)
    else
      for _, b in ipairs(bad) do differ("app client %s (%s) %s", tostring(x.ClientName), x.ClientId, b) end
    end
  end
  if not client then
    if check_only then differ("app client %s is missing", c.client); return nil end
    local req = client_settings(c, pool, nil)
    req.GenerateSecret = false
    client = call("cognito-idp", "CreateUserPoolClient", req).UserPoolClient.ClientId
    say("  created app client %s (%s)", c.client, client)
  end
  return client
end

local function ensure_users(c, pool)
  for _, u in ipairs(c.users) do
    local got = call("cognito-idp", "AdminGetUser", { UserPoolId = pool, Username = u.email }, { "UserNotFoundException" })
    if not got then
      if check_only then differ("user %s is missing", u.email)
      else
        call("cognito-idp", "AdminCreateUser", { UserPoolId = pool, Username = u.email, MessageAction = "SUPPRESS",
             UserAttributes = { { Name = "email", Value = u.email }, { Name = "email_verified", Value = "true" },
                                { Name = "custom:role", Value = u.role },
                                { Name = "custom:ecosystemId", Value = u.ecosystemId } } })
        call("cognito-idp", "AdminSetUserPassword", { UserPoolId = pool, Username = u.email,
             Password = u.password, Permanent = true })
        say("  created user %s (%s)", u.email, u.role)
      end
    end
  end
end

local function cognito()
  local c = m.cognito
  local ok, err = pcall(function()
    local pool = ensure_pool(c)
    if not pool then return end
    local client = ensure_clients(c, pool)
    if not client then return end
    ensure_users(c, pool)
    -- where dev:aws and the tests find the pool (overwritten: ids change per emulator run)
    if not check_only then
      call("ssm", "PutParameter", { Name = c.ssm_pool_id, Value = pool, Type = "String", Overwrite = true })
      call("ssm", "PutParameter", { Name = c.ssm_client_id, Value = client, Type = "String", Overwrite = true })
    end
    say("cognito: pool %s, client %s", pool, client)
  end)
  if not ok then
    -- LocalStack Community has no cognito-idp: the dev-token fallback covers it
    say("cognito: not available here (%s); dev:aws uses the dev-token fallback", err)
  end
end

say("provision: %s at %s%s", manifest_path, fin.env("AWS_ENDPOINT_URL") or "the AWS default endpoint",
    check_only and " (check only)" or "")
local function check_extra_parameters()
  local wanted = {}
  for name in pairs(m.ssm.parameters) do wanted[name] = true end
  wanted[m.cognito.ssm_pool_id], wanted[m.cognito.ssm_client_id] = true, true
  -- the manifest's path (the wiring's default SSM_PATH) holds nothing else
  local ssm_path = m.ssm.path or aws.ssm_default_path
  local token
  repeat
    local r = call("ssm", "GetParametersByPath", { Path = ssm_path, Recursive = true, NextToken = token, MaxResults = 10 })
    for _, p in ipairs(r.Parameters or {}) do
      if not wanted[p.Name] then differ("parameter %s is not in the manifest", p.Name) end
    end
    token = r.NextToken
  until not token
end

dynamodb()
if not tables_only then
  events()
  ssm()
  cognito()
end
if check_only then
  if not tables_only then check_extra_parameters() end
  -- --tables-only compared the tables, so it answers for them too
  say(problems == 0 and "provision: the account matches the manifest" or
      string.format("provision: %d difference(s)", problems))
  os.exit(problems == 0 and 0 or 1)
end
say(tables_only and "provision: done (tables only)" or "provision: done")
