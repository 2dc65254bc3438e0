// consume_events.test.ts - lua/examples/consume_events.lua (`bun run
// events:aws`) as a consumer of acme-events-queue: a purchase made through
// an AWS-mode server comes out of it with its detail-type and sequence
// number and is gone from the queue afterwards; the dead-letter queue is
// shown and left alone; --ecosystem leaves other messages on the queue,
// visible. On an emulator of the test's own: the shared queue holds the
// thousands of events of the contract suite, and the other AWS tests read
// (and purge) it.
import { afterAll, expect, test } from "bun:test";
import { dev, http, runBin } from "../contract/support/direct";
import { startServer } from "../contract/support/server";
import { uid } from "../contract/support/ids";
import { aws, until } from "./awsapi";
import { startMoto, type Moto } from "./moto";

process.env.FIN_SERVER_MODE = "aws";
let moto: Moto | undefined;
afterAll(() => moto?.proc.kill("SIGKILL"));

const run = (args: string[], url: string) => runBin(args, { AWS_ENDPOINT_URL: url });

test("a purchase's event comes out of the consumer with its detail-type and sequence number, and is deleted", async () => {
  moto = await startMoto();
  const url = moto.url;
  const prov = await run(["provision", "localstack/manifest.json"], url);
  expect(`provision exited ${prov.code}\n${prov.out}${prov.err}`).toBe(`provision exited 0\n${prov.out}${prov.err}`);

  /** One run of the consumer: the JSON lines it printed, and its summary (stderr). */
  const consume = async (...args: string[]) => {
    const r = await run(["run", "lua/examples/consume_events.lua", ...args], url);
    expect(`exit ${r.code}\n${r.err}`).toBe(`exit 0\n${r.err}`);
    return { lines: r.out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)), summary: r.err };
  };
  const sqs = async (queue: string) => (await aws("sqs", "GetQueueUrl", { QueueName: queue }, url)).QueueUrl as string;
  const send = async (queue: string, eco: string, type: string, seq: number) =>
    aws("sqs", "SendMessage", {
      QueueUrl: await sqs(queue),
      MessageBody: JSON.stringify({ "detail-type": type, detail: { ecosystemId: eco, entityId: eco, sequenceNumber: seq } }),
    }, url);

  const base = await startServer({ AWS_ENDPOINT_URL: url, FIN_DEV_AUTH: "true" }, true);
  const eco = uid("consume");
  expect((await http(base, "POST", "/v1/users", dev(eco), {})).status).toBe(201);
  const s = await http(base, "PATCH", `/v1/admin/users/${eco}/score`, dev("admin-001", "admin"), { score: 720, reason: "setup" }, uid("k"));
  expect(s.status).toBe(200);
  const req = await http(base, "POST", "/v1/cards/requests", dev(eco), { productId: "prod-standard" }, uid("k"));
  expect(req.status).toBe(201);
  const card = req.body.request.card.cardId as string;
  const buy = await http(base, "POST", `/v1/cards/${card}/transactions/purchases`, dev(eco), { amount: 120 }, uid("k"));
  expect(buy.status).toBe(201);
  const txn = buy.body.transaction.transactionId as string;
  // someone else's event, and dead letters of both
  await send("acme-events-queue", "someone-else", "score.changed", 1);
  await send("acme-events-dlq", eco, "score.changed", 9);
  await send("acme-events-dlq", "someone-else", "score.changed", 3);

  // the outbox worker publishes in the background: consume until the purchase came through
  const seen: any[] = [];
  await until("the purchase event through the consumer", async () => {
    const { lines } = await consume("--ecosystem", eco);
    seen.push(...lines);
    return seen.some((l) => l["detail-type"] === "transaction.purchase");
  }, 60000);

  const purchase = seen.find((l) => l["detail-type"] === "transaction.purchase");
  expect(purchase).toMatchObject({ queue: "acme-events-queue", entityId: txn, ecosystemId: eco, sequenceNumber: 1 });
  expect(purchase.eventId).toBeString();
  // every event of ours, each with its type and its place in its entity's sequence
  const events = seen.filter((l) => l.queue === "acme-events-queue");
  expect(events.map((l) => l["detail-type"])).toContain("score.changed"); // the admin's change
  for (const l of events) {
    expect(l.ecosystemId).toBe(eco);
    expect(l["detail-type"]).toBeString();
    expect(Number.isInteger(l.sequenceNumber) && l.sequenceNumber >= 1).toBe(true);
  }
  const dead = seen.filter((l) => l.queue === "acme-events-dlq");
  expect(dead[0]).toMatchObject({ "detail-type": "score.changed", ecosystemId: eco, sequenceNumber: 9 });
  expect(dead[0].receiveCount).toBeGreaterThanOrEqual(1);

  // ours are consumed; the dead letters stay; the other event is still there, visible at once
  const after = await consume("--ecosystem", eco, "--wait", "1");
  expect(after.lines.filter((l) => l.queue === "acme-events-queue")).toEqual([]);
  expect(after.lines.filter((l) => l.queue === "acme-events-dlq").length).toBe(1);
  expect(after.summary).toContain("acme-events-queue: 0 event(s) consumed");
  const attrs = await aws("sqs", "GetQueueAttributes", {
    QueueUrl: await sqs("acme-events-queue"),
    AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
  }, url);
  expect(attrs.Attributes).toMatchObject({ ApproximateNumberOfMessages: "1", ApproximateNumberOfMessagesNotVisible: "0" });

  // what `bun run events:aws` runs: everything, then an empty queue
  const all = await consume("--wait", "1");
  expect(all.lines.filter((l) => l.queue === "acme-events-queue").map((l) => l.ecosystemId)).toEqual(["someone-else"]);
  expect(all.lines.filter((l) => l.queue === "acme-events-dlq").map((l) => l.ecosystemId).sort()).toEqual([eco, "someone-else"].sort());
  expect((await consume("--wait", "1")).summary).toContain("acme-events-queue: 0 event(s) consumed");
}, 180000);
