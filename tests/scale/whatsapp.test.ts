// whatsapp.test.ts - run by scripts/test-scale.sh in each remote mode: two
// instances on one store of their own, both wired to one fake WPP-Connect
// server, take turns serving requests. Every admin notification (a card
// request left pending, a payment) reaches each admin phone exactly once,
// whichever instance claimed its event, and each event is delivered by one
// instance only. The two servers are stopped before
// counting, so no late duplicate can arrive after the count.
import { afterAll, expect, test } from "bun:test";
import { ADMIN, tok } from "../contract/support/auth";
import { http } from "../contract/support/direct";
import { fakeWpp, stopFakes, waitFor, wppEnv, type Message } from "../contract/support/fake_wpp";
import { uid } from "../contract/support/ids";
import { launchServer, ownTables } from "../contract/support/server";
import { lines } from "./logs";

afterAll(stopFakes);

const PENDING = 6; // users whose card request waits for an admin
const PAYING = 4; // users with a card who pay once

test("two instances, one WPP server: each notification is sent once to each admin phone", async () => {
  const wpp = fakeWpp();
  const env = { ...(await ownTables()), ...wppEnv(wpp) };
  const servers = [await launchServer(env, true), await launchServer(env, true)];
  let turn = 0;
  const next = () => servers[turn++ % 2].base; // alternate, as a balancer would
  const call = (method: string, path: string, auth: string, body?: unknown) =>
    http(next(), method, path, auth, body, uid("k"));

  const setScore = async (id: string, score: number) =>
    expect((await call("PATCH", `/v1/admin/users/${id}/score`, ADMIN(), { score, reason: "setup" })).status).toBe(200);

  const pending = Array.from({ length: PENDING }, () => uid("wa1"));
  const paying = Array.from({ length: PAYING }, () => uid("wa2"));
  const cards: string[] = [];
  await Promise.all([
    ...pending.map(async (id) => {
      expect((await call("POST", "/v1/users", tok(id), {})).status).toBe(201);
      await setScore(id, 450);
      const r = await call("POST", "/v1/cards/requests", tok(id), { productId: "prod-standard" });
      expect(r.status).toBe(201);
      expect(r.body.request.status).toBe("pending");
    }),
    ...paying.map(async (id) => {
      expect((await call("POST", "/v1/users", tok(id), {})).status).toBe(201);
      await setScore(id, 600);
      const r = await call("POST", "/v1/cards/requests", tok(id), { productId: "prod-standard" });
      expect(r.status).toBe(201);
      const card: string = r.body.request.card.cardId;
      cards.push(card);
      expect((await call("POST", `/v1/cards/${card}/transactions/purchases`, tok(id), { amount: 100 })).status).toBe(201);
      expect((await call("POST", `/v1/cards/${card}/transactions/payments`, tok(id), { amount: 40 })).status).toBe(201);
    }),
  ]);

  const about = (m: Message) =>
    pending.find((id) => m.message.includes(`Customer: ${id}@test.local\n`)) ??
    cards.find((c) => m.message.startsWith("[Payment Received]") && m.message.includes(`Card: **** ${c.slice(-4)}\n`));
  const ours = () => wpp.sent().filter((m) => about(m) !== undefined);
  const expected = 2 * (PENDING + PAYING); // both admin phones, once each
  await waitFor("every notification", () => (ours().length >= expected ? true : undefined), 60_000);

  // no instance may still be sending: stop both (each ends its batch first)
  await Promise.all(servers.map((s) => s.stop()));
  const msgs = ours();
  const phones = [...new Set(wpp.sent().map((m) => m.phone))];
  expect(phones.length).toBe(2);
  const per = new Map<string, number>();
  for (const m of msgs) per.set(`${about(m)} ${m.phone}`, (per.get(`${about(m)} ${m.phone}`) ?? 0) + 1);
  expect([...per.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  expect(per.size).toBe(expected);
  expect(msgs.length).toBe(expected);

  // each event of these users was delivered by one instance only (the
  // message records alone would hide a second delivery from the count above)
  const users = new Set([...pending, ...paying]);
  const sent = servers.flatMap((s) => lines(s.log, "outbox_event_sent")).filter((l) => users.has(l.ecosystemId));
  const times = new Map<string, number>();
  for (const l of sent) times.set(l.eventId, (times.get(l.eventId) ?? 0) + 1);
  expect([...times.entries()].filter(([, n]) => n > 1)).toEqual([]);
  expect(times.size).toBeGreaterThanOrEqual(PENDING + PAYING);

  // both instances served requests; say which delivered the events
  for (const s of servers) expect(lines(s.log, "request").length).toBeGreaterThan(0);
  const delivered = servers.map((s) => lines(s.log, "outbox_event_sent").length);
  console.log(`events delivered per instance: ${delivered.join(", ")}`);
}, 120_000);
