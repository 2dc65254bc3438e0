-- aws_outbox_and_queue.lua - what the outbox holds and what reached SQS.
--
--   AWS_ENDPOINT_URL=http://127.0.0.1:4566 \
--     financial-api run lua/examples/aws_outbox_and_queue.lua [--drain]
--
-- Prints the outbox events still pending or waiting for a retry (DynamoDB,
-- through the wiring's outbox port), then the messages on the events queue
-- (EVENTS_QUEUE, default acme-events-queue, fed by the EventBridge rule) as
-- JSON lines: detail-type, entity, sequence number. Messages are left on the
-- queue (visibility 0) unless --drain is given, which deletes what it printed.
local fin = require "fin"
local aws = require "fin.aws"

local drain = arg[1] == "--drain"
local c = fin.load_wiring("lua/aws.lua")

for _, which in ipairs{ "pending", "retry" } do
  local events, code, msg = c.outbox[which](c.outbox, 100)
  if not events then error(which .. ": " .. tostring(code) .. " " .. tostring(msg), 0) end
  for _, ev in ipairs(events) do
    print(fin.json_encode{ outbox = which, eventType = ev.eventType, entityId = ev.entityId,
                           sequenceNumber = ev.sequenceNumber, status = ev.status })
  end
  io.stderr:write(string.format("outbox %s: %d event(s)\n", which, #events))
end

local queue = fin.env("EVENTS_QUEUE") or "acme-events-queue"
local q = assert(aws.call("sqs", "GetQueueUrl", { QueueName = queue }))
local seen = 0
while true do
  local r = assert(aws.call("sqs", "ReceiveMessage", { QueueUrl = q.QueueUrl, MaxNumberOfMessages = 10,
                                                       VisibilityTimeout = drain and 30 or 0,
                                                       WaitTimeSeconds = 0 }))
  local msgs = r.Messages or {}
  if #msgs == 0 or (not drain and seen > 0) then break end
  for _, m in ipairs(msgs) do
    local body = fin.json_decode(m.Body) or {}
    local detail = body.detail or {}
    print(fin.json_encode{ queue = queue, ["detail-type"] = body["detail-type"],
                           entityId = detail.entityId, sequenceNumber = detail.sequenceNumber })
    seen = seen + 1
    if drain then
      aws.call("sqs", "DeleteMessage", { QueueUrl = q.QueueUrl, ReceiptHandle = m.ReceiptHandle })
    end
  end
end
io.stderr:write(string.format("queue: %d message(s)%s\n", seen, drain and " (deleted)" or ""))
