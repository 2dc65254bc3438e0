// payments.test.ts - scenarios S67-S75 (behaviour.md §13): payments and their score
// impact (behaviour.md §4.7: on time round(10 + 40 x amount/balance), capped at 1000).
import { describe, expect, test } from "bun:test";
import { ADMIN, tok } from "./support/auth";
import { get, post } from "./support/client";
import { key } from "./support/ids";
import { pay, payment, purchase, userWithCard } from "./support/setup";

describe("S67-S69", () => {
  test("S67 without auth: 401", async () => {
    const u = await userWithCard(5000);
    const r = await post(`/v1/cards/${u.cardId}/transactions/payments`, { key: key(), body: { amount: 10 } });
    expect(r.status).toBe(401);
    expect(r.body.error).toEqual({ code: "INVALID_TOKEN", message: "Missing or invalid authorization header" });
  });

  test("S68 score 650, limit 5000, balance 1000: paying 200 on time", async () => {
    const u = await userWithCard(5000, 650);
    expect((await purchase(u.auth, u.cardId, 1000)).status).toBe(201);
    const r = await payment(u.auth, u.cardId, { amount: 200 });
    expect(r.status).toBe(201);
    expect(Object.keys(r.body)).toEqual(["transaction", "card", "scoreImpact"]);
    expect(r.body.transaction).toMatchObject({
      type: "payment",
      amount: 200,
      status: "completed",
      paymentStatus: "on_time",
      scoreImpact: 18,
    });
    expect(r.body.card.balance).toBe(800);
    expect(r.body.scoreImpact).toEqual({ previousScore: 650, newScore: 668, delta: 18, reason: "on_time" });
  });

  test("S69 more than the balance: 400 naming the balance", async () => {
    const u = await userWithCard(5000, 650);
    expect((await purchase(u.auth, u.cardId, 1000)).status).toBe(201);
    const r = await payment(u.auth, u.cardId, { amount: 2000 });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("VALIDATION_ERROR");
    expect(r.body.error.message).toBe("Payment amount ($2000) exceeds balance ($1000)");
  });
});

describe("S70-S72", () => {
  for (const limit of [3000, 5000]) {
    test(`S70 limit ${limit}, score 650: buy 500, pay 500`, async () => {
      const u = await userWithCard(limit, 650);
      const b = await purchase(u.auth, u.cardId, 500);
      expect(b.status).toBe(201);
      expect(b.body.card).toMatchObject({ balance: 500, availableCredit: limit - 500 });
      const r = await payment(u.auth, u.cardId, { amount: 500 });
      expect(r.status).toBe(201);
      expect(r.body.transaction.status).toBe("completed");
      expect(r.body.card).toMatchObject({ balance: 0, availableCredit: limit, minimumPayment: 0 });
      expect(r.body.scoreImpact).toMatchObject({ previousScore: 650, delta: 50, newScore: 700 });
    });
  }

  test("S71 balance 100, paying 200: 400 VALIDATION_ERROR", async () => {
    const u = await userWithCard(5000);
    expect((await purchase(u.auth, u.cardId, 100)).status).toBe(201);
    const r = await payment(u.auth, u.cardId, { amount: 200 });
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({ code: "VALIDATION_ERROR", message: "Payment amount ($200) exceeds balance ($100)" });
  });

  test("S72 nothing to pay; a negative or missing amount", async () => {
    const u = await userWithCard(5000);
    const none = await payment(u.auth, u.cardId, { amount: 1 });
    expect(none.status).toBe(400);
    expect(none.body.error.message).toBe("No balance to pay");
    for (const b of [{ amount: -1 }, {}]) {
      const r = await payment(u.auth, u.cardId, b);
      expect(r.status).toBe(400);
      expect(r.body.error.message).toBe("amount must be a positive number");
    }
    const list = await get(`/v1/cards/${u.cardId}/transactions?type=payment`, { auth: u.auth });
    expect(list.body.transactions.map((t: any) => t.status)).toEqual(["failed"]);
  });
});

describe("S73-S75", () => {
  test("S73 balance 125.5, paying 50: delta 26; the replay shows the current score as previous", async () => {
    const u = await userWithCard(5000, 650);
    expect((await purchase(u.auth, u.cardId, 125.5)).status).toBe(201);
    const k = key();
    const r = await payment(u.auth, u.cardId, { amount: 50 }, k);
    expect(r.status).toBe(201);
    expect(r.body.scoreImpact).toEqual({ previousScore: 650, newScore: 676, delta: 26, reason: "on_time" });
    const again = await payment(u.auth, u.cardId, { amount: 50 }, k);
    expect(again.status).toBe(200);
    expect(again.body.transaction.transactionId).toBe(r.body.transaction.transactionId);
    expect(again.body.scoreImpact).toEqual({ previousScore: 676, newScore: 676, delta: 26, reason: "on_time" });
    const c = await get(`/v1/cards/${u.cardId}`, { auth: u.auth });
    expect(c.body.card.balance).toBe(75.5);
  });

  test("S74 at 990 a full payment caps the score at 1000; history records +10", async () => {
    const u = await userWithCard(10000, 990);
    expect((await purchase(u.auth, u.cardId, 300)).status).toBe(201);
    const r = await pay(u.auth, u.cardId, 300);
    expect(r.status).toBe(201);
    expect(r.body.scoreImpact).toMatchObject({ previousScore: 990, delta: 50, newScore: 1000 });
    expect(r.body.transaction.scoreImpact).toBe(50);
    const h = await get(`/v1/admin/users/${u.id}/score`, { auth: ADMIN() });
    expect(h.body.history[0]).toMatchObject({ value: 1000, previousValue: 990, delta: 10 });
  });

  test("S75 the admin score history after a payment", async () => {
    const u = await userWithCard(5000, 650);
    expect((await purchase(u.auth, u.cardId, 1000)).status).toBe(201);
    const r = await pay(u.auth, u.cardId, 200);
    expect(r.status).toBe(201);
    const h = await get(`/v1/admin/users/${u.id}/score`, { auth: ADMIN() });
    expect(h.body.history[0]).toMatchObject({
      value: 668,
      previousValue: 650,
      delta: 18,
      reason: "payment_on_time",
      source: "system",
    });
    expect(Object.keys(h.body.history[0])).toEqual(["value", "previousValue", "delta", "reason", "source", "timestamp"]);
  });
});

describe("D-payments", () => {
  test("D-payments an unregistered caller: 404 User not found with the id", async () => {
    const u = await userWithCard(5000);
    const ghost = `ghost-${u.id}`;
    const r = await payment(tok(ghost), u.cardId, { amount: 1 });
    expect(r.status).toBe(404);
    expect(r.body.error.message).toBe(`User not found: ${ghost}`);
  });

  test("D-payments a key first used for a purchase: 409", async () => {
    const u = await userWithCard(5000);
    const k = key();
    expect((await post(`/v1/cards/${u.cardId}/transactions/purchases`, { auth: u.auth, key: k, body: { amount: 50 } })).status).toBe(201);
    const r = await payment(u.auth, u.cardId, { amount: 10 }, k);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("REQUEST_ALREADY_PROCESSED");
  });
});

describe("D-19 concurrent payments (deviation 19)", () => {
  const score = async (id: string) => (await get(`/v1/admin/users/${id}/score`, { auth: ADMIN() })).body.user.currentScore;

  // each payment of 10 against a balance of 910..1000 is worth round(10 + 40 x 10/b) = 10
  test("D-19 10 concurrent payments of 10 with distinct keys: balance and score both move 10 times", async () => {
    const u = await userWithCard(5000, 650);
    expect((await purchase(u.auth, u.cardId, 1000)).status).toBe(201);
    const rs = await Promise.all(Array.from({ length: 10 }, () => payment(u.auth, u.cardId, { amount: 10 })));
    expect(rs.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(rs.every((r) => r.body.scoreImpact.delta === 10)).toBe(true);
    const c = await get(`/v1/cards/${u.cardId}`, { auth: u.auth });
    expect(c.body.card).toMatchObject({ balance: 900, availableCredit: 4100 });
    expect(await score(u.id)).toBe(750);
  });

  test("D-19 concurrent first uses of one key paying the whole balance: one payment, the rest replay it", async () => {
    const u = await userWithCard(5000, 650);
    expect((await purchase(u.auth, u.cardId, 300)).status).toBe(201);
    const k = key();
    // the first to commit empties the balance; the others must find its record, not refuse
    const rs = await Promise.all(Array.from({ length: 10 }, () => payment(u.auth, u.cardId, { amount: 300 }, k)));
    expect(rs.map((r) => r.status).sort()).toEqual([...Array(9).fill(200), 201]);
    expect(new Set(rs.map((r) => r.body.transaction.transactionId)).size).toBe(1);
    const c = await get(`/v1/cards/${u.cardId}`, { auth: u.auth });
    expect(c.body.card.balance).toBe(0);
    const list = await get(`/v1/cards/${u.cardId}/transactions?type=payment`, { auth: u.auth });
    expect(list.body.transactions).toHaveLength(1); // no failed rows from refused duplicates
  });

  test("D-19 10 concurrent first uses of one payment key execute once", async () => {
    const u = await userWithCard(5000, 650);
    expect((await purchase(u.auth, u.cardId, 1000)).status).toBe(201);
    const k = key();
    const rs = await Promise.all(Array.from({ length: 10 }, () => payment(u.auth, u.cardId, { amount: 200 }, k)));
    expect(rs.map((r) => r.status).sort()).toEqual([...Array(9).fill(200), 201]);
    expect(new Set(rs.map((r) => r.body.transaction.transactionId)).size).toBe(1);
    const c = await get(`/v1/cards/${u.cardId}`, { auth: u.auth });
    expect(c.body.card.balance).toBe(800);
    expect(await score(u.id)).toBe(668);
    const list = await get(`/v1/cards/${u.cardId}/transactions?type=payment`, { auth: u.auth });
    expect(list.body.transactions).toHaveLength(1);
  });
});
