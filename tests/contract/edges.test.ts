// edges.test.ts - rules of behaviour.md that no scenario of §13 pins down:
// another user's card on the money routes, the order of the checks on
// purchases and payments, joined validation messages, admin keys, limit
// boundaries, nearLimit, offers for the low tier, what moves the dashboard
// ETag, productId values, payment shapes and messages, limit parsing, HEAD.
import { describe, expect, test } from "bun:test";
import { ADMIN, tok } from "./support/auth";
import { call, get, patch, post } from "./support/client";
import { key, uid } from "./support/ids";
import { buy, pay, payment, purchase, setScore, user, userWithCard } from "./support/setup";

const notFound = (r: any, message: string) => {
  expect(r.status).toBe(404);
  expect(r.body.error).toMatchObject({ code: "NOT_FOUND", message });
};
const invalid = (r: any, message: string) => {
  expect(r.status).toBe(400);
  expect(r.body.error).toMatchObject({ code: "VALIDATION_ERROR", message });
};

/** Waits until the clock has passed the dashboard's lastUpdated, so that a
 * change lands in a later millisecond (the ETag is updatedAt in ms). */
async function dashboardAfterTick(auth: string) {
  const d = await get("/v1/dashboard", { auth });
  expect(d.status).toBe(200);
  while (Date.now() <= Date.parse(d.body.lastUpdated)) {}
  return d;
}

describe("another user's card", () => {
  test("purchase and payment: 404 Card not found; the transaction list: 404 with the id", async () => {
    const owner = await userWithCard(5000);
    const other = await user(600);
    notFound(await buy(other.auth, owner.cardId, { amount: 10, merchant: "X" }), "Card not found");
    notFound(await payment(other.auth, owner.cardId, { amount: 10 }), "Card not found");
    notFound(await get(`/v1/cards/${owner.cardId}/transactions`, { auth: other.auth }), `Card not found: ${owner.cardId}`);
    // nothing was written on the owner's card
    const list = await get(`/v1/cards/${owner.cardId}/transactions`, { auth: owner.auth });
    expect(list.body.transactions).toEqual([]);
    expect((await get(`/v1/cards/${owner.cardId}`, { auth: owner.auth })).body.card.balance).toBe(0);
  });
});

describe("missing user or card on the money routes", () => {
  test("an unregistered caller: purchase 404 User not found, payment 404 with the id", async () => {
    const id = uid("ghost");
    notFound(await buy(tok(id), "no-such-card", { amount: 10 }), "User not found");
    notFound(await payment(tok(id), "no-such-card", { amount: 10 }), `User not found: ${id}`);
  });

  test("a registered user and an unknown card: 404 Card not found on both", async () => {
    const u = await user(600);
    notFound(await buy(u.auth, "no-such-card", { amount: 10 }), "Card not found");
    notFound(await payment(u.auth, "no-such-card", { amount: 10 }), "Card not found");
  });

  test("payments check the user before the key; purchases check the key first", async () => {
    const id = uid("ghost");
    notFound(await payment(tok(id), "no-such-card", { amount: 10 }, "k".repeat(65)), `User not found: ${id}`);
    invalid(await buy(tok(id), "no-such-card", { amount: 10 }, "k".repeat(65)), "idempotencyKey must be at most 64 characters");
  });
});

describe("key and body checks on purchases and payments", () => {
  test("blank and 65-character keys", async () => {
    const u = await userWithCard(5000);
    invalid(await buy(u.auth, u.cardId, { amount: 10 }, "   "), "idempotencyKey is required");
    invalid(await buy(u.auth, u.cardId, { amount: 10 }, "k".repeat(65)), "idempotencyKey must be at most 64 characters");
    expect((await buy(u.auth, u.cardId, { amount: 10 }, "k".repeat(64))).status).toBe(201);
    invalid(await payment(u.auth, u.cardId, { amount: 1 }, "   "), "idempotencyKey is required");
    invalid(await payment(u.auth, u.cardId, { amount: 1 }, "p".repeat(65)), "idempotencyKey must be at most 64 characters");
  });

  test("every failed check of a purchase is listed, joined with ', '", async () => {
    const u = await userWithCard(5000);
    invalid(await buy(u.auth, u.cardId, { amount: "50", merchant: "" }), "amount must be a positive number, merchant is required");
    invalid(
      await buy(u.auth, u.cardId, { amount: "50", merchant: " " }, " "),
      "idempotencyKey is required, amount must be a positive number, merchant is required",
    );
    invalid(await payment(u.auth, u.cardId, { amount: "5" }, " "), "idempotencyKey is required, amount must be a positive number");
    expect((await get(`/v1/cards/${u.cardId}/transactions`, { auth: u.auth })).body.transactions).toEqual([]);
  });
});

describe("admin keys", () => {
  test("an empty or long Idempotency-Key is a key like any other on admin routes", async () => {
    const u = await user(600);
    const long = "a".repeat(100);
    const r1 = await patch(`/v1/admin/users/${u.id}/score`, { auth: ADMIN(), key: "", body: { score: 610, reason: "empty key" } });
    expect(r1.status).toBe(200);
    expect(r1.body.user.currentScore).toBe(610);
    const r2 = await patch(`/v1/admin/users/${u.id}/score`, { auth: ADMIN(), key: long, body: { score: 620, reason: "long key" } });
    expect(r2.status).toBe(200);
    expect(r2.body.user.currentScore).toBe(620);
    // the empty key replays its own answer
    const again = await patch(`/v1/admin/users/${u.id}/score`, { auth: ADMIN(), key: "", body: { score: 610, reason: "empty key" } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(r1.body);
  });
});

describe("approving: limits", () => {
  const pending = async (score: number) => {
    const u = await user(400);
    const r = await post("/v1/cards/requests", { auth: u.auth, key: key(), body: { productId: "p" } });
    expect(r.body.request.status).toBe("pending");
    if (score !== 400) await setScore(u.id, score);
    return r.body.request.requestId as string;
  };
  const approve = (id: string, body: unknown) =>
    post(`/v1/admin/card-requests/${id}/approve`, { auth: ADMIN(), key: key(), body });

  test("a creditLimit that is not a number: 400 limit must be at least $100", async () => {
    const id = await pending(400);
    invalid(await approve(id, { creditLimit: "5000" }), "limit must be at least $100");
  });

  test("exactly 100, and exactly 10000 for a high-tier owner, are accepted", async () => {
    const low = await approve(await pending(400), { creditLimit: 100 });
    expect(low.status).toBe(200);
    expect(low.body.card).toMatchObject({ limit: 100, availableCredit: 100 });
    const high = await approve(await pending(700), { creditLimit: 10000 });
    expect(high.status).toBe(200);
    expect(high.body.card.limit).toBe(10000);
  });

  test("just outside the bounds: 400 with the range", async () => {
    const id = await pending(700);
    invalid(await approve(id, { creditLimit: 99.99 }), "Credit limit must be between 100 and 10000");
    invalid(await approve(id, { creditLimit: 10000.01 }), "Credit limit must be between 100 and 10000");
  });
});

describe("nearLimit is strictly above 90%", () => {
  test("900 of 1000: false; 900.01: true", async () => {
    const u = await userWithCard(1000);
    const r = await purchase(u.auth, u.cardId, 900);
    expect(r.status).toBe(201);
    expect(r.body.card).toMatchObject({ balance: 900, nearLimit: false });
    const r2 = await purchase(u.auth, u.cardId, 0.01);
    expect(r2.body.card).toMatchObject({ balance: 900.01, nearLimit: true });
  });
});

describe("offers", () => {
  test("a low-tier user without a request: eligible, subject to approval, the starter card", async () => {
    const u = await user(450);
    const r = await get("/v1/offers", { auth: u.auth });
    expect(r.status).toBe(200);
    expect(r.body.offers).toHaveLength(1);
    expect(r.body.offers[0]).toMatchObject({
      name: "ACME Starter Card",
      terms: { creditLimit: 2000, apr: "24.99%", annualFee: 29 },
      eligibility: { eligible: true, subjectToApproval: true, cooldownUntil: null },
    });
  });

  test("after a rejection: eligible again at once, no cooldown", async () => {
    const u = await user(400);
    const req = await post("/v1/cards/requests", { auth: u.auth, key: key(), body: { productId: "p" } });
    const id = req.body.request.requestId;
    const rej = await post(`/v1/admin/card-requests/${id}/reject`, { auth: ADMIN(), key: key(), body: { reason: "No" } });
    expect(rej.status).toBe(200);
    const r = await get("/v1/offers", { auth: u.auth });
    expect(r.body.offers[0].eligibility).toEqual({ eligible: true, subjectToApproval: true, cooldownUntil: null });
  });
});

describe("what moves the dashboard ETag", () => {
  test("a purchase, a payment and an admin approval move it", async () => {
    const u = await userWithCard(5000);
    let before = await dashboardAfterTick(u.auth);
    expect((await purchase(u.auth, u.cardId, 100)).status).toBe(201);
    let after = await get("/v1/dashboard", { auth: u.auth });
    expect(after.headers.get("etag")).not.toBe(before.headers.get("etag"));
    expect(after.body.lastUpdated).not.toBe(before.body.lastUpdated);

    before = await dashboardAfterTick(u.auth);
    expect((await pay(u.auth, u.cardId, 50)).status).toBe(201);
    after = await get("/v1/dashboard", { auth: u.auth });
    expect(after.headers.get("etag")).not.toBe(before.headers.get("etag"));

    const p = await user(400);
    const req = await post("/v1/cards/requests", { auth: p.auth, key: key(), body: { productId: "p" } });
    before = await dashboardAfterTick(p.auth);
    const ap = await post(`/v1/admin/card-requests/${req.body.request.requestId}/approve`, {
      auth: ADMIN(),
      key: key(),
      body: { creditLimit: 1000 },
    });
    expect(ap.status).toBe(200);
    after = await get("/v1/dashboard", { auth: p.auth });
    expect(after.headers.get("etag")).not.toBe(before.headers.get("etag"));
    expect(after.body.cards).toHaveLength(1);
  });

  test("a pending request, a rejection and a failed purchase do not", async () => {
    const u = await user(400);
    const before = await dashboardAfterTick(u.auth);
    const req = await post("/v1/cards/requests", { auth: u.auth, key: key(), body: { productId: "p" } });
    expect(req.status).toBe(201);
    const mid = await get("/v1/dashboard", { auth: u.auth });
    expect(mid.headers.get("etag")).toBe(before.headers.get("etag"));
    expect(mid.body.pendingRequests).toHaveLength(1);
    const rej = await post(`/v1/admin/card-requests/${req.body.request.requestId}/reject`, {
      auth: ADMIN(),
      key: key(),
      body: { reason: "No" },
    });
    expect(rej.status).toBe(200);
    const after = await get("/v1/dashboard", { auth: u.auth });
    expect(after.headers.get("etag")).toBe(before.headers.get("etag"));
    expect(after.body.pendingRequests).toEqual([]);

    const c = await userWithCard(500);
    const d0 = await dashboardAfterTick(c.auth);
    expect((await purchase(c.auth, c.cardId, 600)).status).toBe(402);
    expect((await get("/v1/dashboard", { auth: c.auth })).headers.get("etag")).toBe(d0.headers.get("etag"));
  });
});

describe("productId values", () => {
  test("an empty productId is accepted; null becomes default-credit-card", async () => {
    const a = await user(400);
    const r1 = await post("/v1/cards/requests", { auth: a.auth, key: key(), body: { productId: "" } });
    expect(r1.status).toBe(201);
    expect((await get("/v1/dashboard", { auth: a.auth })).body.pendingRequests[0].productId).toBe("");
    const b = await user(400);
    const r2 = await post("/v1/cards/requests", { auth: b.auth, key: key(), body: { productId: null } });
    expect(r2.status).toBe(201);
    const dash = await get("/v1/dashboard", { auth: b.auth });
    expect(dash.body.pendingRequests[0].productId).toBe("default-credit-card");
  });
});

describe("a card request replayed after an admin's decision", () => {
  test("200 with the status of its first answer, and the decision and card as they are now", async () => {
    const u = await user(400);
    const k = key();
    const first = await post("/v1/cards/requests", { auth: u.auth, key: k, body: { productId: "p" } });
    expect(first.status).toBe(201);
    const id = first.body.request.requestId;
    const ap = await post(`/v1/admin/card-requests/${id}/approve`, { auth: ADMIN(), key: key(), body: { creditLimit: 1500 } });
    expect(ap.status).toBe(200);
    const again = await post("/v1/cards/requests", { auth: u.auth, key: k, body: { productId: "p" } });
    expect(again.status).toBe(200);
    expect(Object.keys(again.body.request)).toEqual(["requestId", "status", "scoreAtRequest", "decision", "card"]);
    expect(again.body.request).toMatchObject({
      requestId: id,
      status: "pending",
      scoreAtRequest: 400,
      decision: { outcome: "approved", source: "admin", approvedLimit: 1500 },
      card: { cardId: ap.body.card.cardId, limit: 1500 },
    });
    const live = await get(`/v1/cards/requests/${id}`, { auth: u.auth });
    expect(live.body.request.status).toBe("approved");
  });
});

describe("payments", () => {
  test("more than a fractional balance: the message prints both amounts as numbers", async () => {
    const u = await userWithCard(5000);
    expect((await purchase(u.auth, u.cardId, 75.5)).status).toBe(201);
    invalid(await payment(u.auth, u.cardId, { amount: 5000 }), "Payment amount ($5000) exceeds balance ($75.5)");
  });

  test("a completed payment's keys in order; a failed one has no paymentStatus or scoreImpact", async () => {
    const u = await userWithCard(5000);
    expect((await purchase(u.auth, u.cardId, 100)).status).toBe(201);
    const ok = await pay(u.auth, u.cardId, 40);
    expect(ok.status).toBe(201);
    expect(Object.keys(ok.body)).toEqual(["transaction", "card", "scoreImpact"]);
    expect(Object.keys(ok.body.transaction)).toEqual([
      "transactionId",
      "type",
      "amount",
      "status",
      "timestamp",
      "paymentStatus",
      "scoreImpact",
    ]);
    expect(Object.keys(ok.body.scoreImpact)).toEqual(["previousScore", "newScore", "delta", "reason"]);
    expect((await payment(u.auth, u.cardId, { amount: 1000 })).status).toBe(400);
    const list = await get(`/v1/cards/${u.cardId}/transactions?type=payment`, { auth: u.auth });
    expect(list.body.transactions).toHaveLength(2);
    expect(Object.keys(list.body.transactions[0])).toEqual(["transactionId", "type", "amount", "status", "timestamp"]);
    expect(list.body.transactions[0]).toMatchObject({ type: "payment", amount: 1000, status: "failed" });
    expect(list.body.transactions[1]).toMatchObject({ paymentStatus: "on_time", scoreImpact: ok.body.transaction.scoreImpact });
  });
});

describe("limit parsing on the transaction list", () => {
  test("-5 gives 1 item, 2.9 gives 2, 5abc gives 5", async () => {
    const u = await userWithCard(5000);
    for (let i = 0; i < 6; i++) expect((await purchase(u.auth, u.cardId, 1 + i)).status).toBe(201);
    const n = async (limit: string) =>
      (await get(`/v1/cards/${u.cardId}/transactions?limit=${limit}`, { auth: u.auth })).body.transactions.length;
    expect(await n("-5")).toBe(1);
    expect(await n("2.9")).toBe(2);
    expect(await n("5abc")).toBe(5);
    expect(await n("0")).toBe(6);
  });
});

describe("registration", () => {
  test("an admin token registers an admin", async () => {
    const id = uid("adm");
    const r = await post("/v1/users", { auth: tok(id, "admin"), body: {} });
    expect(r.status).toBe(201);
    expect(r.body.user).toMatchObject({ ecosystemId: id, role: "admin", currentScore: 500, tier: "medium" });
  });
});

describe("HEAD", () => {
  test("HEAD on a GET route: the GET's status and headers, no body", async () => {
    const u = await userWithCard(5000);
    const g = await get("/v1/dashboard", { auth: u.auth });
    const h = await call("HEAD", "/v1/dashboard", { auth: u.auth, skipValidation: true });
    expect(h.status).toBe(200);
    expect(h.text).toBe("");
    expect(h.headers.get("etag")).toBe(g.headers.get("etag"));
    expect(h.headers.get("content-type")).toBe(g.headers.get("content-type"));
    const live = await call("HEAD", "/health/liveness", { skipValidation: true });
    expect(live.status).toBe(200);
    expect(live.text).toBe("");
  });
});
