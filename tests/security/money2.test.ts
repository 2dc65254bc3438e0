// money2.test.ts - security hardening, area money2: an Idempotency-Key reused
// with another request is refused (422 IDEMPOTENCY_KEY_REUSED) instead of
// replaying the first result; the admin score is range-checked as a JSON
// number. Runs against a dedicated memory-mode server.
import { beforeAll, describe, expect, test } from "bun:test";
import { ADMIN, tok } from "../contract/support/auth";
import { key, uid } from "../contract/support/ids";
import { startServer } from "../contract/support/server";
import { rawCall } from "./support";

let base = "";
beforeAll(async () => {
  base = await startServer();
});

const call = (method: string, path: string, auth: string, body?: unknown, k?: string) =>
  rawCall(base, method, path, auth, body, k);

const reused = (r: { status: number; body: any }) => {
  expect(r.status).toBe(422);
  expect(r.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
  expect(r.body.error.message).toMatch(/Idempotency-Key was already used with a different request/);
};

async function userWithScore(score: number) {
  const id = uid("m2");
  const auth = tok(id);
  expect((await call("POST", "/v1/users", auth, {})).status).toBe(201);
  expect((await call("PATCH", `/v1/admin/users/${id}/score`, ADMIN(), { score, reason: "setup" }, key())).status).toBe(200);
  return { id, auth };
}

/** A user with an auto-approved card (limit 10000). */
async function cardHolder() {
  const u = await userWithScore(720);
  const r = await call("POST", "/v1/cards/requests", u.auth, { productId: "p" }, key());
  expect(r.status).toBe(201);
  return { ...u, cardId: r.body.request.card.cardId as string };
}

const balance = async (u: { auth: string; cardId: string }) =>
  (await call("GET", `/v1/cards/${u.cardId}`, u.auth)).body.card.balance;

describe("an Idempotency-Key reused with another request is 422, the same request replays", () => {
  test("purchases: another amount is 422 and buys nothing; the same body (any key order, 40 vs 40.0) replays", async () => {
    const u = await cardHolder();
    const path = `/v1/cards/${u.cardId}/transactions/purchases`;
    const k = key();
    const first = await call("POST", path, u.auth, { amount: 40, merchant: "A" }, k);
    expect(first.status).toBe(201);
    reused(await call("POST", path, u.auth, { amount: 4000, merchant: "A" }, k));
    reused(await call("POST", path, u.auth, { amount: 40, merchant: "B" }, k));
    const same = await call("POST", path, u.auth, '{"merchant":"A","amount":40.0}', k);
    expect(same.status).toBe(200);
    expect(same.body.transaction).toEqual(first.body.transaction);
    expect(await balance(u)).toBe(40);
  });

  test("payments: another amount is 422 and pays nothing; the same body replays", async () => {
    const u = await cardHolder();
    expect((await call("POST", `/v1/cards/${u.cardId}/transactions/purchases`, u.auth, { amount: 500 }, key())).status).toBe(201);
    const path = `/v1/cards/${u.cardId}/transactions/payments`;
    const k = key();
    const first = await call("POST", path, u.auth, { amount: 100 }, k);
    expect(first.status).toBe(201);
    reused(await call("POST", path, u.auth, { amount: 400 }, k));
    const same = await call("POST", path, u.auth, { amount: 100 }, k);
    expect(same.status).toBe(200);
    expect(same.body.transaction).toEqual(first.body.transaction);
    expect(await balance(u)).toBe(400);
  });

  test("card requests: another productId is 422; the same body replays the same request", async () => {
    const u = await userWithScore(400); // pending: nothing blocks a second execution but the key
    const k = key();
    const first = await call("POST", "/v1/cards/requests", u.auth, { productId: "gold" }, k);
    expect(first.status).toBe(201);
    reused(await call("POST", "/v1/cards/requests", u.auth, { productId: "platinum" }, k));
    const same = await call("POST", "/v1/cards/requests", u.auth, { productId: "gold" }, k);
    expect(same.status).toBe(200);
    expect(same.body.request.requestId).toBe(first.body.request.requestId);
  });

  test("admin approve and score adjustment: another body is 422 and changes nothing; the same body replays verbatim", async () => {
    const u = await userWithScore(400);
    const req = await call("POST", "/v1/cards/requests", u.auth, { productId: "p" }, key());
    const rid = req.body.request.requestId;
    const k = key();
    const first = await call("POST", `/v1/admin/card-requests/${rid}/approve`, ADMIN(), { creditLimit: 500 }, k);
    expect(first.status).toBe(200);
    reused(await call("POST", `/v1/admin/card-requests/${rid}/approve`, ADMIN(), { creditLimit: 2000 }, k));
    const same = await call("POST", `/v1/admin/card-requests/${rid}/approve`, ADMIN(), { creditLimit: 500 }, k);
    expect(same.status).toBe(200);
    expect(same.text).toBe(first.text);

    const ks = key();
    const s1 = await call("PATCH", `/v1/admin/users/${u.id}/score`, ADMIN(), { score: 650, reason: "review" }, ks);
    expect(s1.status).toBe(200);
    reused(await call("PATCH", `/v1/admin/users/${u.id}/score`, ADMIN(), { score: 1000, reason: "review" }, ks));
    const s2 = await call("PATCH", `/v1/admin/users/${u.id}/score`, ADMIN(), { reason: "review", score: 650 }, ks);
    expect(s2.status).toBe(200);
    expect(s2.text).toBe(s1.text);
    const now = await call("GET", `/v1/admin/users/${u.id}/score`, ADMIN());
    expect(now.body.user.currentScore).toBe(650);
  });

  test("concurrent first uses of one key with two bodies: one executes, its twins replay, the others get 422", async () => {
    const u = await cardHolder();
    const path = `/v1/cards/${u.cardId}/transactions/purchases`;
    const k = key();
    const amounts = Array.from({ length: 12 }, (_, i) => (i % 2 ? 10 : 20));
    const rs = await Promise.all(amounts.map((amount) => call("POST", path, u.auth, { amount }, k)));
    const winners = rs.filter((r) => r.status === 201);
    expect(winners).toHaveLength(1);
    const won = winners[0].body.transaction.amount;
    rs.forEach((r, i) => {
      if (r === winners[0]) return;
      if (amounts[i] === won) {
        expect(r.status).toBe(200);
        expect(r.body.transaction.transactionId).toBe(winners[0].body.transaction.transactionId);
      } else {
        reused(r);
      }
    });
    expect(await balance(u)).toBe(won);
  });
});

describe("the admin score is range-checked as a JSON number before it is converted", () => {
  test("1e300, -1e300, 2147483648, 700.5: 400 VALIDATION_ERROR with the rule broken, score unchanged", async () => {
    const u = await userWithScore(600);
    const cases: [string, string][] = [
      ["1e300", "newScore must be between 0 and 1000"],
      ["-1e300", "newScore must be between 0 and 1000"],
      ["2147483648", "newScore must be between 0 and 1000"],
      ["-2147483649", "newScore must be between 0 and 1000"],
      ["700.5", "newScore must be an integer"],
    ];
    for (const [raw, message] of cases) {
      const r = await call("PATCH", `/v1/admin/users/${u.id}/score`, ADMIN(), `{"score":${raw},"reason":"r"}`, key());
      expect(r.status).toBe(400);
      expect(r.body.error).toEqual({ code: "VALIDATION_ERROR", message });
    }
    const ok = await call("PATCH", `/v1/admin/users/${u.id}/score`, ADMIN(), '{"score":7e2,"reason":"r"}', key());
    expect(ok.status).toBe(200);
    expect(ok.body.user.currentScore).toBe(700);
  });
});
