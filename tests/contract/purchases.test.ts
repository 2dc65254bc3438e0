// purchases.test.ts - scenarios S57-S66 (behaviour.md §13) with deviations 4 (real 402
// details) and 9/19 (replays and atomic, conflict-free balances).
import { describe, expect, test } from "bun:test";
import { get, post } from "./support/client";
import { key } from "./support/ids";
import { buy, purchase, userWithCard } from "./support/setup";

describe("S57 required parts", () => {
  test("S57 without auth 401, without a key 400, a negative amount 400", async () => {
    const u = await userWithCard(5000);
    const anon = await post(`/v1/cards/${u.cardId}/transactions/purchases`, { key: key(), body: { amount: 10 } });
    expect(anon.status).toBe(401);
    expect(anon.body.error.code).toBe("INVALID_TOKEN");
    const nokey = await buy(u.auth, u.cardId, { amount: 10 }, null);
    expect(nokey.status).toBe(400);
    expect(nokey.body.error).toEqual({ code: "VALIDATION_ERROR", message: "Idempotency-Key header is required" });
    const neg = await buy(u.auth, u.cardId, { amount: -100 });
    expect(neg.status).toBe(400);
    expect(neg.body.error).toEqual({ code: "VALIDATION_ERROR", message: "amount must be a positive number" });
    // none of them touched the card
    expect((await get(`/v1/cards/${u.cardId}`, { auth: u.auth })).body.card.balance).toBe(0);
  });
});

describe("S58-S62 buying", () => {
  test("S58 limit 5000, balance 1000: a purchase of 100 at Test Store", async () => {
    const u = await userWithCard(5000);
    expect((await purchase(u.auth, u.cardId, 1000)).status).toBe(201);
    const r = await buy(u.auth, u.cardId, { amount: 100, merchant: "Test Store" });
    expect(r.status).toBe(201);
    expect(Object.keys(r.body)).toEqual(["transaction", "card"]);
    expect(r.body.transaction).toMatchObject({ type: "purchase", amount: 100, status: "completed", merchant: "Test Store" });
    expect(r.body.transaction.transactionId).toBeString();
    expect(Object.keys(r.body.transaction)).toEqual(["transactionId", "type", "amount", "status", "timestamp", "merchant"]);
    expect(r.body.card).toMatchObject({ cardId: u.cardId, balance: 1100, availableCredit: 3900, minimumPayment: 25 });
  });

  test("S59 more than the available credit: 402 with the real details, and a failed purchase listed", async () => {
    const u = await userWithCard(5000);
    expect((await purchase(u.auth, u.cardId, 1000)).status).toBe(201);
    const r = await buy(u.auth, u.cardId, { amount: 5000 });
    expect(r.status).toBe(402);
    expect(r.body.error.code).toBe("INSUFFICIENT_CREDIT");
    expect(r.body.error.message).toBe("Purchase amount exceeds available credit");
    expect(r.body.error.details).toEqual({ requestedAmount: 5000, availableCredit: 4000 });
    const list = await get(`/v1/cards/${u.cardId}/transactions`, { auth: u.auth });
    expect(list.body.transactions[0]).toMatchObject({ type: "purchase", amount: 5000, status: "failed" });
    expect(list.body.transactions[0].merchant).toBeUndefined();
    const card = await get(`/v1/cards/${u.cardId}`, { auth: u.auth });
    expect(card.body.card.balance).toBe(1000);
  });

  test("S60 limit 500, balance 0: 600 is refused with 402", async () => {
    const u = await userWithCard(500);
    const r = await buy(u.auth, u.cardId, { amount: 600 });
    expect(r.status).toBe(402);
    expect(r.body.error.code).toBe("INSUFFICIENT_CREDIT");
    expect(r.body.error.details).toEqual({ requestedAmount: 600, availableCredit: 500 }); // deviation 4
  });

  test("S61 a card that does not exist: 404", async () => {
    const u = await userWithCard(1000);
    const r = await buy(u.auth, "non-existent-card", { amount: 10 });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("NOT_FOUND");
    expect(r.body.error.message).toBe("Card not found");
  });

  test("S62 limit 1000: 950 leaves 50 and the card near its limit", async () => {
    const u = await userWithCard(1000);
    expect((await buy(u.auth, u.cardId, { amount: 950 })).status).toBe(201);
    const c = await get(`/v1/cards/${u.cardId}`, { auth: u.auth });
    expect(c.body.card).toMatchObject({ balance: 950, availableCredit: 50, nearLimit: true });
  });
});

describe("S63-S66 replays, exact limits, defaults and number printing", () => {
  test("S63 the same key twice on a 2000 card: 201 then 200, one purchase", async () => {
    const u = await userWithCard(2000);
    const k = key();
    const a = await buy(u.auth, u.cardId, { amount: 300 }, k);
    const b = await buy(u.auth, u.cardId, { amount: 300 }, k);
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.body.transaction.transactionId).toBe(a.body.transaction.transactionId);
    const c = await get(`/v1/cards/${u.cardId}`, { auth: u.auth });
    expect(c.body.card.balance).toBe(300);
  });

  // Changed by the money2 hardening: the original replayed the first purchase
  // for any body; a key reused with another body is now refused.
  test("S63 the key with another body is 422 IDEMPOTENCY_KEY_REUSED; the same body replays", async () => {
    const u = await userWithCard(2000);
    const k = key();
    const a = await buy(u.auth, u.cardId, { amount: 100.5, merchant: "A" }, k);
    const b = await buy(u.auth, u.cardId, { amount: 999 }, k);
    expect(b.status).toBe(422);
    expect(b.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    const c = await buy(u.auth, u.cardId, { merchant: "A", amount: 100.5 }, k);
    expect(c.status).toBe(200);
    expect(c.body.transaction).toEqual(a.body.transaction);
    expect(c.body.card.balance).toBe(100.5);
  });

  test("S64 limit 10000: exactly 10000 passes, then 0.01 is refused", async () => {
    const u = await userWithCard(10000);
    const r = await buy(u.auth, u.cardId, { amount: 10000 });
    expect(r.status).toBe(201);
    expect(r.body.card).toMatchObject({ availableCredit: 0, minimumPayment: 200, nearLimit: true });
    const more = await buy(u.auth, u.cardId, { amount: 0.01 });
    expect(more.status).toBe(402);
    expect(more.body.error.details).toEqual({ requestedAmount: 0.01, availableCredit: 0 }); // deviation 4
  });

  test("S65 merchant defaults, an empty merchant, and a string amount", async () => {
    const u = await userWithCard(10000);
    const d = await buy(u.auth, u.cardId, { amount: 25 });
    expect(d.status).toBe(201);
    expect(d.body.transaction.merchant).toBe("Unknown Merchant");
    const empty = await buy(u.auth, u.cardId, { amount: 1, merchant: "" });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe("merchant is required");
    const str = await buy(u.auth, u.cardId, { amount: "50" });
    expect(str.status).toBe(400);
    expect(str.body.error.message).toBe("amount must be a positive number");
  });

  // Security hardening (money): balances are kept in cents, so the sum no
  // longer drifts to 0.30000000000000004 as the original's doubles did.
  test("S66 0.1 + 0.2 is exactly 0.3 (balances in cents)", async () => {
    const u = await userWithCard(10000);
    expect((await buy(u.auth, u.cardId, { amount: 0.1 })).status).toBe(201);
    const r = await buy(u.auth, u.cardId, { amount: 0.2 });
    expect(r.status).toBe(201);
    expect(r.text).toContain('"balance":0.3,');
    expect(r.text).toContain('"availableCredit":9999.7');
    expect(r.text).toContain('"minimumPayment":0.3,');
  });
});

describe("D-9 replays (deviation 9)", () => {
  test("D-9 a replay returns the original transaction and the current card with 200", async () => {
    const u = await userWithCard(5000);
    const k = key();
    const a = await buy(u.auth, u.cardId, { amount: 40, merchant: "First" }, k);
    expect(a.status).toBe(201);
    expect((await purchase(u.auth, u.cardId, 60)).status).toBe(201); // moves the card on
    const b = await buy(u.auth, u.cardId, { amount: 40, merchant: "First" }, k);
    expect(b.status).toBe(200);
    expect(b.body.transaction).toEqual(a.body.transaction);
    expect(b.body.card).toMatchObject({ cardId: u.cardId, balance: 100, availableCredit: 4900 });
  });

  // Users hold one card, so "another card" is another path: a card id that is
  // not the caller's. The original gave 500 here; the card is part of the
  // request, so since the money2 hardening the key reused on another card is
  // 422 IDEMPOTENCY_KEY_REUSED (no purchase, no replay of the first one).
  test("D-9 the key reused on another card's path is 422 IDEMPOTENCY_KEY_REUSED, nothing bought", async () => {
    const u = await userWithCard(5000);
    const other = await userWithCard(5000);
    const k = key();
    const a = await buy(u.auth, u.cardId, { amount: 30 }, k);
    expect(a.status).toBe(201);
    for (const path of [other.cardId, "non-existent-card"]) {
      const b = await buy(u.auth, path, { amount: 30 }, k);
      expect(b.status).toBe(422);
      expect(b.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    }
    const same = await buy(u.auth, u.cardId, { amount: 30 }, k);
    expect(same.status).toBe(200);
    expect(same.body.transaction).toEqual(a.body.transaction);
    // nothing was bought twice, and the other user's card is untouched
    expect((await get(`/v1/cards/${u.cardId}`, { auth: u.auth })).body.card.balance).toBe(30);
    expect((await get(`/v1/cards/${other.cardId}`, { auth: other.auth })).body.card.balance).toBe(0);
  });
});

describe("D-19 concurrency and idempotency under load (deviation 19)", () => {
  const txns = async (u: { auth: string; cardId: string }) =>
    (await get(`/v1/cards/${u.cardId}/transactions?limit=100`, { auth: u.auth })).body.transactions;

  test("D-19 20 concurrent purchases of 10 with distinct keys: all succeed, no lost update", async () => {
    const u = await userWithCard(5000);
    const rs = await Promise.all(Array.from({ length: 20 }, () => buy(u.auth, u.cardId, { amount: 10 })));
    expect(rs.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(rs.map((r) => r.body.transaction.transactionId)).size).toBe(20);
    const c = await get(`/v1/cards/${u.cardId}`, { auth: u.auth });
    expect(c.body.card).toMatchObject({ balance: 200, availableCredit: 4800, minimumPayment: 25 });
    const list = await txns(u);
    expect(list).toHaveLength(20);
    expect(list.every((t: any) => t.status === "completed" && t.amount === 10)).toBe(true);
  });

  test("D-19 10 concurrent first uses of one key execute once", async () => {
    const u = await userWithCard(5000);
    const k = key();
    const rs = await Promise.all(Array.from({ length: 10 }, () => buy(u.auth, u.cardId, { amount: 7 }, k)));
    expect(rs.map((r) => r.status).sort()).toEqual([...Array(9).fill(200), 201]);
    expect(new Set(rs.map((r) => r.body.transaction.transactionId)).size).toBe(1);
    const c = await get(`/v1/cards/${u.cardId}`, { auth: u.auth });
    expect(c.body.card.balance).toBe(7);
    expect(await txns(u)).toHaveLength(1);
  });
});

describe("D- merchant typing", () => {
  test("D-merchant a merchant that is not a string is refused", async () => {
    const u = await userWithCard(5000);
    for (const merchant of [7, {}]) {
      const r = await buy(u.auth, u.cardId, { amount: 5, merchant });
      expect(r.status).toBe(400);
      expect(r.body.error).toEqual({ code: "VALIDATION_ERROR", message: "merchant must be a string" });
    }
    expect((await get(`/v1/cards/${u.cardId}`, { auth: u.auth })).body.card.balance).toBe(0);
  });
});
