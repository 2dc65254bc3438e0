// once.test.ts - run by scripts/test-scale.sh after the contract suite went
// through the balancer: over the whole run, no outbox event was delivered
// twice, by one instance or by both (the two servers' logs, SCALE_LOGS,
// name each event they delivered), and both instances served requests.
import { expect, test } from "bun:test";
import { lines, logs } from "./logs";

test("no event delivered twice over the whole run; both instances served and delivered", () => {
  expect(logs.length).toBe(2);
  const count = new Map<string, number>();
  for (const f of logs) {
    const sent = lines(f, "outbox_event_sent");
    expect(sent.length).toBeGreaterThan(0);
    expect(lines(f, "request").length).toBeGreaterThan(100);
    for (const l of sent) count.set(l.eventId, (count.get(l.eventId) ?? 0) + 1);
  }
  expect([...count.entries()].filter(([, n]) => n > 1)).toEqual([]);
});
