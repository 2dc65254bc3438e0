// transactions.test.ts - scenarios S76-S79 (behaviour.md §13): a card's transaction
// list, newest first, cursor pages; deviation 13: `type` is validated.
import { describe, expect, test } from "bun:test";
import { get } from "./support/client";
import { pay, purchase, userWithCard } from "./support/setup";

const list = (auth: string, card: string, q = "") => get(`/v1/cards/${card}/transactions${q}`, { auth });

describe("S76-S79", () => {
  test("S76 auth, shape, type filter and an unknown card", async () => {
    const u = await userWithCard(5000);
    const anon = await get(`/v1/cards/${u.cardId}/transactions`);
    expect(anon.status).toBe(401);
    expect(anon.body.error.code).toBe("INVALID_TOKEN");
    const r = await list(u.auth, u.cardId);
    expect(r.status).toBe(200);
    expect(Array.isArray(r.body.transactions)).toBe(true);
    expect(typeof r.body.pagination.hasMore).toBe("boolean");
    expect(Object.keys(r.body.pagination)).toEqual(["nextCursor", "hasMore"]);
    expect((await list(u.auth, u.cardId, "?type=purchase")).status).toBe(200);
    const nf = await list(u.auth, "non-existent");
    expect(nf.status).toBe(404);
    expect(nf.body.error.message).toBe("Card not found: non-existent");
  });

  test("S77 three purchases come back newest first", async () => {
    const u = await userWithCard(5000);
    for (const a of [100, 150, 200]) expect((await purchase(u.auth, u.cardId, a)).status).toBe(201);
    const r = await list(u.auth, u.cardId);
    expect(r.body.transactions.map((t: any) => t.amount)).toEqual([200, 150, 100]);
  });

  test("S78 pages of one, by cursor, to the end", async () => {
    const u = await userWithCard(5000);
    for (const a of [1, 2, 3]) expect((await purchase(u.auth, u.cardId, a)).status).toBe(201);
    const p1 = await list(u.auth, u.cardId, "?limit=1");
    expect(p1.body.transactions.length).toBe(1);
    expect(p1.body.transactions[0].amount).toBe(3);
    expect(p1.body.pagination).toEqual({ nextCursor: p1.body.transactions[0].transactionId, hasMore: true });
    const p2 = await list(u.auth, u.cardId, `?limit=1&cursor=${p1.body.pagination.nextCursor}`);
    expect(p2.body.transactions[0].amount).toBe(2);
    const p3 = await list(u.auth, u.cardId, `?limit=1&cursor=${p2.body.pagination.nextCursor}`);
    expect(p3.body.transactions[0].amount).toBe(1);
    expect(p3.body.pagination).toEqual({ nextCursor: null, hasMore: false });
    // an unknown cursor starts again at the first page
    const again = await list(u.auth, u.cardId, "?limit=1&cursor=zzz");
    expect(again.body.transactions[0].amount).toBe(3);
  });

  test("S79 type=payment with limit 1 lists only payments, failed ones included", async () => {
    const u = await userWithCard(5000);
    expect((await purchase(u.auth, u.cardId, 100)).status).toBe(201);
    expect((await pay(u.auth, u.cardId, 40)).status).toBe(201);
    expect((await pay(u.auth, u.cardId, 5000)).status).toBe(400); // stored as failed
    const p1 = await list(u.auth, u.cardId, "?type=payment&limit=1");
    expect(p1.body.transactions).toHaveLength(1);
    expect(p1.body.transactions[0]).toMatchObject({ type: "payment", amount: 5000, status: "failed" });
    expect(p1.body.pagination.hasMore).toBe(true);
    const p2 = await list(u.auth, u.cardId, `?type=payment&limit=1&cursor=${p1.body.pagination.nextCursor}`);
    expect(p2.body.transactions[0]).toMatchObject({ type: "payment", amount: 40, status: "completed", paymentStatus: "on_time" });
    expect(p2.body.pagination).toEqual({ nextCursor: null, hasMore: false });
  });
});

describe("D-transactions filters are validated (deviation 13)", () => {
  test("D-transactions type outside purchase|payment: 400", async () => {
    const u = await userWithCard(5000);
    // enum values are exact: no case folding, no plurals
    for (const t of ["refund", "PURCHASE", "payments"]) {
      const r = await list(u.auth, u.cardId, `?type=${t}`);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("VALIDATION_ERROR");
      // deviation 13 fixes the status, not the wording: the message must name the parameter
      expect(r.body.error.message).toContain("type");
      expect(r.body.error.message).toContain("purchase");
    }
    // the card is still checked first (behaviour.md §1.12: before query parsing)
    const nf = await list(u.auth, "non-existent", "?type=refund");
    expect(nf.status).toBe(404);
    expect(nf.body.error.message).toBe("Card not found: non-existent");
  });

  test("D-transactions the two valid types still filter", async () => {
    const u = await userWithCard(5000);
    expect((await purchase(u.auth, u.cardId, 100)).status).toBe(201);
    expect((await pay(u.auth, u.cardId, 30)).status).toBe(201);
    const p = await list(u.auth, u.cardId, "?type=purchase");
    expect(p.status).toBe(200);
    expect(p.body.transactions.map((t: any) => [t.type, t.amount])).toEqual([["purchase", 100]]);
    const q = await list(u.auth, u.cardId, "?type=payment");
    expect(q.body.transactions.map((t: any) => [t.type, t.amount])).toEqual([["payment", 30]]);
  });

  test("D-transactions limit parsing: 0 and junk mean 20, above 100 is 100", async () => {
    const u = await userWithCard(10000);
    for (let i = 0; i < 22; i++) expect((await purchase(u.auth, u.cardId, 1)).status).toBe(201);
    expect((await list(u.auth, u.cardId, "?limit=0")).body.transactions).toHaveLength(20);
    expect((await list(u.auth, u.cardId, "?limit=abc")).body.transactions).toHaveLength(20);
    expect((await list(u.auth, u.cardId, "?limit=500")).body.transactions).toHaveLength(22);
  });
});
