// money.test.ts - security hardening, area money: amounts are money (at most
// 2 decimals, at least 0.01, balances in cents) and tiny payments earn no
// score bonus. Runs against a dedicated memory-mode server.
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

/** A registered user with score 720 and an auto-approved card (limit 10000). */
async function cardHolder(score = 720) {
  const id = uid("money");
  const auth = tok(id);
  expect((await call("POST", "/v1/users", auth, {})).status).toBe(201);
  expect((await call("PATCH", `/v1/admin/users/${id}/score`, ADMIN(), { score, reason: "setup" }, key())).status).toBe(200);
  const r = await call("POST", "/v1/cards/requests", auth, { productId: "p" }, key());
  expect(r.status).toBe(201);
  return { id, auth, cardId: r.body.request.card.cardId as string };
}

const purchase = (u: { auth: string; cardId: string }, amount: unknown) =>
  call("POST", `/v1/cards/${u.cardId}/transactions/purchases`, u.auth, { amount, merchant: "m" }, key());
const payment = (u: { auth: string; cardId: string }, amount: unknown) =>
  call("POST", `/v1/cards/${u.cardId}/transactions/payments`, u.auth, { amount }, key());

describe("amounts are money", () => {
  test("more than 2 decimals: 400 VALIDATION_ERROR, nothing moves", async () => {
    const u = await cardHolder();
    for (const raw of ['{"amount":0.123456789012345678}', '{"amount":10.001}']) {
      const r = await call("POST", `/v1/cards/${u.cardId}/transactions/purchases`, u.auth, raw, key());
      expect(r.status).toBe(400);
      expect(r.body.error).toEqual({ code: "VALIDATION_ERROR", message: "amount must have at most 2 decimal places" });
    }
    const c = await call("GET", `/v1/cards/${u.cardId}`, u.auth);
    expect(c.body.card.balance).toBe(0);
  });

  test("below one cent (5e-324, 0.001): 400 VALIDATION_ERROR on purchases and payments", async () => {
    const u = await cardHolder();
    expect((await purchase(u, 50)).status).toBe(201);
    for (const raw of ['{"amount":5e-324}', '{"amount":0.001}']) {
      for (const kind of ["purchases", "payments"]) {
        const r = await call("POST", `/v1/cards/${u.cardId}/transactions/${kind}`, u.auth, raw, key());
        expect(r.status).toBe(400);
        expect(r.body.error.code).toBe("VALIDATION_ERROR");
        expect(r.body.error.message).toMatch(/amount must (be at least 0\.01|have at most 2 decimal places)/);
      }
    }
    const r = await call("POST", `/v1/cards/${u.cardId}/transactions/payments`, u.auth, '{"amount":0.1234}', key());
    expect(r.body.error).toEqual({ code: "VALIDATION_ERROR", message: "amount must have at most 2 decimal places" });
  });

  test("balances are exact cents: 0.1 + 0.2 = 0.3, responses stay JSON numbers", async () => {
    const u = await cardHolder();
    expect((await purchase(u, 0.1)).status).toBe(201);
    const r = await purchase(u, 0.2);
    expect(r.status).toBe(201);
    expect(r.body.card.balance).toBe(0.3);
    expect(r.body.card.availableCredit).toBe(9999.7);
    const p = await payment(u, 0.1);
    expect(p.status).toBe(201);
    expect(p.body.card.balance).toBe(0.2);
  });
});

describe("the payment score bonus needs a real payment", () => {
  test("on-time payments below the bonus floor ($10) earn no points: no score farming with cents", async () => {
    const u = await cardHolder(641);
    for (let i = 0; i < 3; i++) {
      expect((await purchase(u, 0.01)).status).toBe(201);
      const p = await payment(u, 0.01);
      expect(p.status).toBe(201);
      expect(p.body.scoreImpact).toMatchObject({ delta: 0, previousScore: 641, newScore: 641 });
    }
    const s = await call("GET", `/v1/admin/users/${u.id}/score`, ADMIN());
    expect(s.body.user.currentScore).toBe(641);
    // a payment at the floor still earns the bonus
    expect((await purchase(u, 100)).status).toBe(201);
    const p = await payment(u, 10);
    expect(p.body.scoreImpact.delta).toBeGreaterThanOrEqual(10);
  });
});
