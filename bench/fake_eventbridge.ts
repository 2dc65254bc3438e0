// bench/fake_eventbridge.ts PORT_FILE - an EventBridge stand-in for
// bench/aws.sh. moto answers PutEvents in about 100 ms an entry and closes
// the connection after each answer, so the outbox worker would spend the
// bench waiting on it; the bench measures the server's CPU, and a real
// EventBridge keeps connections open and answers in milliseconds.
// Accepts PutEvents (every entry gets an EventId) and DescribeEventBus (the
// readiness ping); anything else is a 400. Listens on a free port, written
// to PORT_FILE.
import { writeFileSync } from "node:fs";

let next = 0;
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    const target = req.headers.get("x-amz-target") ?? "";
    const body = await req.json().catch(() => ({}));
    const json = (o: unknown, status = 200) =>
      new Response(JSON.stringify(o), {
        status,
        headers: { "Content-Type": "application/x-amz-json-1.1" },
      });
    if (target === "AWSEvents.PutEvents") {
      const entries = Array.isArray(body.Entries) ? body.Entries : [];
      return json({
        FailedEntryCount: 0,
        Entries: entries.map(() => ({ EventId: `bench-${++next}` })),
      });
    }
    if (target === "AWSEvents.DescribeEventBus") {
      return json({ Name: body.Name ?? "default", Arn: "arn:aws:events:us-east-1:000000000000:event-bus/bench" });
    }
    return json({ __type: "UnknownOperationException", message: target }, 400);
  },
});
writeFileSync(process.argv[2], String(server.port));
