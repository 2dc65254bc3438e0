// examples.test.ts - the repro scripts of lua/examples/ that target
// Firestore, run against the emulator of scripts/test-emulator.sh
// (FIRESTORE_EMULATOR_HOST) in a database of their own, with their output
// checked. tests/aws/examples.test.ts runs the others and checks that no
// script is left out.
import { expect, test } from "bun:test";
import { outcome, runBin } from "../contract/support/direct";
import { uid } from "../contract/support/ids";

const env = { FIRESTORE_DATABASE: uid("examples").toLowerCase().replace(/[^a-z0-9-]/g, "-"), FIN_DEV_AUTH: "true" };
const script = (name: string, ...args: string[]) => ["run", `lua/examples/${name}`, ...args];
const lines = (out: string) => out.trim().split("\n").filter(Boolean);

test("firestore_card.lua makes a card with a purchase and shows its documents beside what the repositories make of them", async () => {
  const r = await runBin(script("firestore_card.lua"), env);
  expect(outcome(r)).toStartWith("exit 0\n");
  const l = lines(r.out);
  expect(l[0]).toMatch(/^document users\/repro-firestore\/cards\/[0-9a-f-]{36}:$/);
  const cardId = l[0].split("/")[3].replace(/:$/, "");
  const raw = JSON.parse(l[1].trim());
  expect(raw.balance).toBe(100);
  expect(l[2]).toStartWith(`document users/repro-firestore/cards/${cardId}/transactions/`);
  const rawTxn = JSON.parse(l[3].trim());
  expect([rawTxn.type, rawTxn.amount, rawTxn.merchant]).toEqual(["purchase", 100, "Repro Store"]);
  const card = JSON.parse(l[4].slice("cards:get -> ".length));
  expect([card.cardId, card.balance, card.availableCredit, card.version]).toEqual([cardId, 100, 900, 2]);
  const txns = JSON.parse(l[5].slice("transactions:list -> ".length));
  expect(txns.map((t: any) => [t.type, t.amount])).toEqual([["purchase", 100]]);

  // given the ids, it only looks
  const again = await runBin(script("firestore_card.lua", "repro-firestore", cardId), env);
  expect(outcome(again)).toStartWith("exit 0\n");
  expect(lines(again.out)).toEqual(l);
}, 60000);

test("version_conflict.lua lua/firebase.lua: the stale update is VERSION_CONFLICT and writes nothing", async () => {
  const r = await runBin(script("version_conflict.lua", "lua/firebase.lua"), env);
  expect(outcome(r)).toStartWith("exit 0\n");
  const l = lines(r.out);
  const created = JSON.parse(l[0].slice("created: ".length));
  expect(l[1]).toStartWith("first update (expectedVersion 1): true");
  expect(l[2]).toStartWith("second update (expectedVersion 1 again): nil  VERSION_CONFLICT");
  const now = JSON.parse(l[3].slice("card now: ".length));
  expect([now.cardId, now.balance, now.version]).toEqual([created.cardId, 100, 2]);
}, 60000);

test("dump_outbox.lua lua/firebase.lua --demo: the events with their sequence numbers", async () => {
  const r = await runBin(script("dump_outbox.lua", "lua/firebase.lua", "--demo"), env);
  expect(outcome(r)).toStartWith("exit 0\n");
  const evs = lines(r.out).map((x) => JSON.parse(x));
  expect(evs.map((e) => [e.eventType, e.entityId, e.sequenceNumber])).toEqual([
    ["score.changed", "demo-user", 1],
    ["score.changed", "demo-user", 2],
  ]);
  expect(r.err).toContain("pending: 2 event(s)");
}, 60000);
