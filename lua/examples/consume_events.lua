-- consume_events.lua - a consumer of the events queue: what the outbox
-- worker published to EventBridge and the rule acme-events-to-sqs routed to
-- acme-events-queue.
--
--   financial-api run lua/examples/consume_events.lua [--follow] [--wait S] [--ecosystem ID]
--   bun run events:aws [-- --follow]
--
-- First shows what lies in the dead-letter queue (acme-events-dlq: messages
-- received 5 times and never deleted) with their receive counts, leaving
-- it there. Then long-polls
-- the events queue, prints each event as a JSON line (detail-type,
-- sequenceNumber, entityId, ecosystemId, eventId) and deletes it. Without
-- --follow it stops when a poll of S seconds (--wait, 2) finds the queue
-- empty; with --follow it polls on (20 s polls) until interrupted.
--
-- --ecosystem ID prints and deletes only the events of that ecosystemId.
-- Other messages stay on the queue, hidden only while this run looks at
-- them (30 s at most) and made visible again before it ends; the run also
-- ends when a poll brings nothing it has not seen. Each look counts as a
-- receive (the fifth sends a message to the dead-letter queue), so it is
-- refused with --follow, and it suits small queues: a backlog of thousands
-- is better consumed whole.
--
-- Queue names: EVENTS_QUEUE (acme-events-queue), EVENTS_DLQ (acme-events-dlq).
-- The endpoint comes from the standard AWS variables, as for the server.
local fin = require "fin"
local aws = require "fin.aws"

local follow, wait, only = false, nil, nil
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "--follow" then follow = true
  elseif a == "--wait" then i = i + 1; wait = tonumber(arg[i] or "")
  elseif a == "--ecosystem" then i = i + 1; only = arg[i]
  else error("usage: consume_events.lua [--follow] [--wait SECONDS] [--ecosystem ID]", 0) end
  if (a == "--wait" and not (wait and wait >= 0 and wait <= 20)) or (a == "--ecosystem" and not only) then
    error(a .. " needs a value (--wait: 0 to 20 seconds)", 0)
  end
  i = i + 1
end
if follow and only then error("--ecosystem scans the queue once: not with --follow", 0) end
wait = wait or (follow and 20 or 2)

local QUEUE = fin.env("EVENTS_QUEUE") or "acme-events-queue"
local DLQ = fin.env("EVENTS_DLQ") or "acme-events-dlq"
local HIDE_S = 30 -- how long a message this run looks at stays hidden from others at most

-- a long poll must outlast its wait
local conn = { timeout_ms = (wait + 10) * 1000 }
local function call(op, params)
  local r, code, msg = aws.call("sqs", op, params, conn)
  if not r then error(string.format("sqs %s: %s %s", op, tostring(code), tostring(msg)), 0) end
  return r
end

local function url_of(name)
  return call("GetQueueUrl", { QueueName = name }).QueueUrl
end

local function receive(url, wait_s)
  return call("ReceiveMessage", { QueueUrl = url, MaxNumberOfMessages = 10, WaitTimeSeconds = wait_s,
                                  VisibilityTimeout = HIDE_S, AttributeNames = { "All" } }).Messages or {}
end

-- the event a message carries (EventBridge's envelope, the outbox event as detail)
local function line(queue, m)
  local body = fin.json_decode(m.Body) or {}
  local d = type(body.detail) == "table" and body.detail or {}
  return { queue = queue, ["detail-type"] = body["detail-type"], sequenceNumber = d.sequenceNumber,
           entityId = d.entityId, ecosystemId = d.ecosystemId, eventId = d.eventId,
           receiveCount = queue == DLQ and tonumber((m.Attributes or {}).ApproximateReceiveCount) or nil,
           body = (body["detail-type"] == nil) and m.Body or nil }
end

local function ours(ev)
  return only == nil or ev.ecosystemId == only
end

-- Messages looked at but left on a queue become visible again at once
-- (best effort: one deleted meanwhile, or received again, is past it).
local hidden = {}
local function release()
  for _, h in ipairs(hidden) do
    aws.call("sqs", "ChangeMessageVisibility", { QueueUrl = h.url, ReceiptHandle = h.receipt,
                                                 VisibilityTimeout = 0 }, conn)
  end
  hidden = {}
end

-- Receives from url until a poll brings nothing new (follow: forever);
-- each message this run has not seen before goes to on_message, which
-- answers true when it is done with it (else it is hidden, then released).
local function drain(url, wait_s, keep_going, on_message)
  local seen = {}
  repeat
    if keep_going then seen = {} end -- following, everything is deleted: nothing to remember
    local msgs, new = receive(url, wait_s), 0
    for _, m in ipairs(msgs) do
      local first = not seen[m.MessageId]
      seen[m.MessageId] = true
      if first then new = new + 1 end
      if not (first and on_message(m)) then hidden[#hidden + 1] = { url = url, receipt = m.ReceiptHandle } end
    end
  until new == 0 and not keep_going
end

io.stdout:setvbuf("line")

local dead, consumed = 0, 0
local ok, err = pcall(function()
  -- the dead-letter queue: shown, left there
  local dlq = url_of(DLQ)
  drain(dlq, math.min(wait, 2), false, function(m)
    local ev = line(DLQ, m)
    if ours(ev) then print(fin.json_encode(ev)); dead = dead + 1 end
    return false
  end)
  release()
  io.stderr:write(string.format("%s: %d message(s), left there\n", DLQ, dead))

  -- the events queue: printed, deleted
  local q = url_of(QUEUE)
  drain(q, wait, follow, function(m)
    local ev = line(QUEUE, m)
    if not ours(ev) then return false end
    print(fin.json_encode(ev))
    call("DeleteMessage", { QueueUrl = q, ReceiptHandle = m.ReceiptHandle })
    consumed = consumed + 1
    return true
  end)
end)
release()
if not ok then error(err, 0) end
io.stderr:write(string.format("%s: %d event(s) consumed\n", QUEUE, consumed))
