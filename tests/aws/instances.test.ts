// instances.test.ts - two AWS-mode servers on the same tables agree
// (tests/contract/support/two_instances.ts), and their outbox workers
// publish every event once between them: the events of a burst of requests
// sent to both arrive on an SQS queue of the test's own (an EventBridge bus
// and rule of its own feed it) exactly once each, counted by eventId.
import { expect, test } from "bun:test";
import { dev, http, outcome, runBin } from "../contract/support/direct";
import { uid } from "../contract/support/ids";
import { startServer } from "../contract/support/server";
import { cleanupTokenAcrossInstances } from "../contract/support/two_instances";
import { aws, until } from "./awsapi";

process.env.FIN_SERVER_MODE = "aws";

async function twoServers(extra: Record<string, string> = {}) {
  const prefix = `${uid("two").toLowerCase().replace(/[^a-z0-9-]/g, "-")}-`;
  const p = await runBin(["provision", "localstack/manifest.json", "--tables-only", "--prefix", prefix]);
  expect(outcome(p)).toStartWith("exit 0\n");
  const env = { FIN_TABLE_PREFIX: prefix, FIN_DEV_AUTH: "true", ...extra };
  const [a, b] = await Promise.all([startServer(env, true), startServer(env, true)]);
  return { a, b, prefix };
}

test("a cleanup token issued by one instance is taken by the other, once", async () => {
  const { a, b } = await twoServers();
  await cleanupTokenAcrossInstances(a, b);
}, 60000);

test("two instances publish each outbox event once", async () => {
  const tag = uid("bus").toLowerCase().replace(/[^a-z0-9-]/g, "-");
  const bus = `${tag}-bus`;
  await aws("events", "CreateEventBus", { Name: bus });
  const { QueueUrl } = await aws("sqs", "CreateQueue", { QueueName: `${tag}-q` });
  const arn = (await aws("sqs", "GetQueueAttributes", { QueueUrl, AttributeNames: ["QueueArn"] })).Attributes.QueueArn;
  await aws("events", "PutRule", { Name: `${tag}-rule`, EventBusName: bus, EventPattern: JSON.stringify({ source: ["acme.financial-api"] }) });
  await aws("events", "PutTargets", { Rule: `${tag}-rule`, EventBusName: bus, Targets: [{ Id: "q", Arn: arn }] });

  const { a, b, prefix } = await twoServers({ EVENTBRIDGE_BUS_NAME: bus });
  const admin = dev("admin-001", "admin");
  // a burst over both instances: each score change is an event
  const ecos = Array.from({ length: 12 }, (_, i) => uid(`burst${i}`));
  await Promise.all(ecos.map(async (eco, i) => {
    const [mine, other] = i % 2 ? [a, b] : [b, a];
    expect((await http(mine, "POST", "/v1/users", dev(eco), {})).status).toBe(201);
    for (const score of [600, 700])
      expect((await http(other, "PATCH", `/v1/admin/users/${eco}/score`, admin, { score, reason: "burst" }, uid("k"))).status).toBe(200);
  }));

  // every event of ours leaves the outbox as sent
  const events = await until("every outbox event sent", async () => {
    const items = (await aws("dynamodb", "Scan", { TableName: `${prefix}outbox` })).Items as any[];
    const ours = items.filter((it) => ecos.includes(it.ecosystemId?.S));
    return ours.length >= ecos.length * 2 && ours.every((it) => it.status.S === "sent") && ours;
  }, 60000);
  const ids = events.map((it: any) => it.eventId.S as string).sort();

  // and reaches the queue once: read until it stays empty
  const seen = new Map<string, number>();
  let empty = 0;
  await until("the queue drained", async () => {
    const r = await aws("sqs", "ReceiveMessage", { QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 });
    const msgs = r.Messages ?? [];
    for (const m of msgs) {
      const id = JSON.parse(m.Body).detail.eventId as string;
      seen.set(id, (seen.get(id) ?? 0) + 1);
      await aws("sqs", "DeleteMessage", { QueueUrl, ReceiptHandle: m.ReceiptHandle });
    }
    empty = msgs.length === 0 ? empty + 1 : 0;
    return seen.size >= ids.length && empty >= 3;
  }, 60000);
  expect([...seen.keys()].sort()).toEqual(ids);
  expect([...seen.entries()].filter(([, n]) => n > 1)).toEqual([]);
}, 120000);
