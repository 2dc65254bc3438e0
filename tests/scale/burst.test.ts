// burst.test.ts - run by scripts/test-scale.sh against two instances behind
// a balancer (BASE_URL), whose logs are SCALE_LOGS ("log1:log2"), on a store
// with nothing else in it yet: after a burst of writes through the balancer,
// every outbox event of the burst is delivered by exactly one instance, in
// its entity's order. (once.test.ts checks the whole run afterwards.)
import { expect, test } from "bun:test";
import { lines, logs } from "./logs";
import { ADMIN, tok } from "../contract/support/auth";
import { http } from "../contract/support/direct";
import { uid } from "../contract/support/ids";

const base = process.env.BASE_URL!;

test("a burst through the balancer: each event delivered once, by one instance, in order; both served", async () => {
  expect(logs.length).toBe(2);
  const ecos = Array.from({ length: 12 }, (_, i) => uid(`burst${i}`));
  await Promise.all(ecos.map(async (eco) => {
    expect((await http(base, "POST", "/v1/users", tok(eco), {})).status).toBe(201);
    for (const score of [600, 700])
      expect((await http(base, "PATCH", `/v1/admin/users/${eco}/score`, ADMIN(), { score, reason: "burst" }, uid("k"))).status).toBe(200);
  }));

  // two score changes per user: wait until both instances' logs hold them
  const ours = new Set(ecos);
  const deadline = Date.now() + 60000;
  let sent: any[] = [];
  while (Date.now() < deadline) {
    sent = logs.flatMap((f) => lines(f, "outbox_event_sent").map((l) => ({ ...l, log: f })));
    if (sent.filter((l) => ours.has(l.ecosystemId)).length >= ecos.length * 2) break;
    await Bun.sleep(200); // polling the servers' logs with a deadline
  }
  const burst = sent.filter((l) => ours.has(l.ecosystemId));
  expect(burst.length).toBe(ecos.length * 2);
  for (const eco of ecos)
    expect(burst.filter((l) => l.ecosystemId === eco).map((l) => l.sequenceNumber).sort()).toEqual([1, 2]);

  const count = new Map<string, number>();
  for (const l of burst) count.set(l.eventId, (count.get(l.eventId) ?? 0) + 1);
  expect([...count.values()].filter((n) => n > 1)).toEqual([]);
  // the two instances shared the work
  for (const f of logs) expect(lines(f, "request").length).toBeGreaterThan(0);
}, 120000);
