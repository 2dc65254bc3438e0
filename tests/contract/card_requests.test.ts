// card_requests.test.ts - scenarios S42-S56 (behaviour.md §13): requesting a card,
// auto-approval by score, eligibility, idempotency, and reading a request.
import { describe, expect, test } from "bun:test";
import { ADMIN } from "./support/auth";
import { get, post } from "./support/client";
import { key, uid } from "./support/ids";
import { user, userWithCard } from "./support/setup";

const REQ = "/v1/cards/requests";
const body = { productId: "prod-standard" };
const request = (auth: string, k: string | null = key(), b: unknown = body) =>
  post(REQ, { auth, key: k ?? undefined, body: b });
const DAY = 86400000;

describe("S42-S44 required parts", () => {
  test("S42 without auth: 401", async () => {
    const r = await post(REQ, { key: key(), body });
    expect(r.status).toBe(401);
    expect(r.body.error).toEqual({ code: "INVALID_TOKEN", message: "Missing or invalid authorization header" });
  });

  test("S43 without Idempotency-Key: 400 naming the header", async () => {
    const u = await user();
    const r = await request(u.auth, null);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("VALIDATION_ERROR");
    expect(r.body.error.message).toBe("Idempotency-Key header is required");
  });

  test("S44 body {}: 400 VALIDATION_ERROR about productId", async () => {
    const u = await user();
    const r = await request(u.auth, key(), {});
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({ code: "VALIDATION_ERROR", message: "productId is required" });
  });
});

describe("S45-S48 decision by score", () => {
  test("S45 score 720: approved automatically with a 10000 card due in 30 days", async () => {
    const u = await user(720);
    const before = Date.now();
    const r = await request(u.auth);
    expect(r.status).toBe(201);
    const q = r.body.request;
    expect(Object.keys(q)).toEqual(["requestId", "status", "scoreAtRequest", "decision", "card"]);
    expect(q.status).toBe("approved");
    expect(q.scoreAtRequest).toBe(720);
    expect(q.decision).toEqual({ outcome: "approved", source: "auto", approvedLimit: 10000 });
    expect(q.card).toMatchObject({
      type: "credit-card",
      status: "active",
      limit: 10000,
      balance: 0,
      availableCredit: 10000,
      minimumPayment: 0,
      nearLimit: false,
    });
    const due = Date.parse(q.card.nextDueDate);
    expect(due).toBeGreaterThanOrEqual(before + 30 * DAY - 1000);
    expect(due).toBeLessThanOrEqual(Date.now() + 30 * DAY + 1000);
  });

  test("S46 score 600: approved with a 5000 card", async () => {
    const u = await user(600);
    const r = await request(u.auth);
    expect(r.status).toBe(201);
    expect(r.body.request.status).toBe("approved");
    expect(r.body.request.decision.approvedLimit).toBe(5000);
    expect(r.body.request.card.limit).toBe(5000);
  });

  test("S47 score 400: pending, with no decision and no card", async () => {
    const u = await user(400);
    const r = await request(u.auth);
    expect(r.status).toBe(201);
    expect(Object.keys(r.body.request)).toEqual(["requestId", "status", "scoreAtRequest"]);
    expect(r.body.request).toMatchObject({ status: "pending", scoreAtRequest: 400 });
  });

  const boundaries: [number, string, number | undefined][] = [
    [499, "pending", undefined],
    [500, "approved", 5000],
    [699, "approved", 5000],
    [700, "approved", 10000],
  ];
  for (const [score, status, limit] of boundaries) {
    test(`S48 boundary score ${score}: ${status}${limit ? ` with ${limit}` : ""}`, async () => {
      const u = await user(score);
      const r = await request(u.auth);
      expect(r.status).toBe(201);
      expect(r.body.request.status).toBe(status);
      expect(r.body.request.card?.limit).toBe(limit);
    });
  }
});

describe("S49-S53 idempotency and eligibility", () => {
  test("S49 the same key twice: 201 then 200 with the same request", async () => {
    const u = await user(720);
    const k = key();
    const a = await request(u.auth, k);
    const b = await request(u.auth, k);
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.body.request.requestId).toBe(a.body.request.requestId);
    expect(b.body.request.card.cardId).toBe(a.body.request.card.cardId);
  });

  test("S50 already holding an active card: 409 CARD_ALREADY_EXISTS", async () => {
    const u = await user(720);
    expect((await request(u.auth)).status).toBe(201);
    const r = await request(u.auth);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("CARD_ALREADY_EXISTS");
    expect(r.body.error.message).toBe("User already has an active credit card");
  });

  test("S51 a pending request already: 409 CARD_REQUEST_EXISTS", async () => {
    const u = await user(400);
    expect((await request(u.auth)).status).toBe(201);
    const r = await request(u.auth);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("CARD_REQUEST_EXISTS");
    expect(r.body.error.message).toBe("User has a pending card request");
  });

  test("S52 a 65-character key, an empty key", async () => {
    const u = await user(400);
    const long = await request(u.auth, "k".repeat(65));
    expect(long.status).toBe(400);
    expect(long.body.error.message).toBe("idempotencyKey must be at most 64 characters");
    const empty = await request(u.auth, "");
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe("idempotencyKey is required");
    expect((await request(u.auth, "k".repeat(64))).status).toBe(201);
  });

  test("S53 a key first used for a purchase: 409 REQUEST_ALREADY_PROCESSED", async () => {
    const u = await userWithCard(10000);
    const k = key();
    const p = await post(`/v1/cards/${u.cardId}/transactions/purchases`, { auth: u.auth, key: k, body: { amount: 5 } });
    expect(p.status).toBe(201);
    const r = await request(u.auth, k);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("REQUEST_ALREADY_PROCESSED");
    expect(r.body.error.message).toBe("Idempotency key used for different operation");
  });
});

describe("S54-S56 reading requests", () => {
  test("S54 an unknown request id: 404; without auth: 401", async () => {
    const u = await user();
    const id = uid("non-existent-id");
    const r = await get(`${REQ}/${id}`, { auth: u.auth });
    expect(r.status).toBe(404);
    expect(r.body.error).toEqual({ code: "NOT_FOUND", message: `CardRequest not found: ${id}` });
    expect((await get(`${REQ}/${uid("x")}`)).status).toBe(401);
  });

  test("S55 right after creating it; a 750 user's auto decision", async () => {
    const low = await user(400);
    const made = await request(low.auth);
    const r = await get(`${REQ}/${made.body.request.requestId}`, { auth: low.auth });
    expect(r.status).toBe(200);
    expect(r.body.request.requestId).toBe(made.body.request.requestId);
    expect(r.body.request.status).toBe("pending");

    const high = await user(750);
    const h = await request(high.auth);
    const v = await get(`${REQ}/${h.body.request.requestId}`, { auth: high.auth });
    expect(v.body.request.status).toBe("approved");
    expect(v.body.request.decision.source).toBe("auto");
    expect(v.body.request.decision.approvedLimit).toBeGreaterThan(0);
  });

  test("S55 another user's request is not found", async () => {
    const a = await user(400);
    const b = await user(400);
    const made = await request(a.auth);
    const r = await get(`${REQ}/${made.body.request.requestId}`, { auth: b.auth });
    expect(r.status).toBe(404);
    expect(r.body.error.message).toBe(`CardRequest not found: ${made.body.request.requestId}`);
  });

  test("S56 after an admin rejection the user may apply again at once", async () => {
    const u = await user(350);
    const made = await request(u.auth);
    const rej = await post(`/v1/admin/card-requests/${made.body.request.requestId}/reject`, {
      auth: ADMIN(),
      key: key(),
      body: { reason: "High risk profile" },
    });
    expect(rej.status).toBe(200);
    const again = await request(u.auth);
    expect(again.status).toBe(201);
    expect(again.body.request.status).toBe("pending");
    expect(again.body.request.requestId).not.toBe(made.body.request.requestId);
  });
});

describe("D- deviations on card requests", () => {
  // deviation 2: a missing body is validated as {} instead of crashing with 500
  test("D-2 a request without a body is validated like {}", async () => {
    const u = await user();
    const r = await post(REQ, { auth: u.auth, key: key() });
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({ code: "VALIDATION_ERROR", message: "productId is required" });
  });

  // deviation 19: two concurrent first uses of one key execute once, the others replay
  test("D-19 ten concurrent first uses of one key create one request", async () => {
    const u = await user(720);
    const k = key();
    const rs = await Promise.all(Array.from({ length: 10 }, () => request(u.auth, k)));
    expect(rs.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(rs.map((r) => r.body.request.requestId)).size).toBe(1);
    expect(new Set(rs.map((r) => r.body.request.card.cardId)).size).toBe(1);
    const cards = await get("/v1/cards", { auth: u.auth });
    expect(cards.body.cards).toHaveLength(1);
  });
});
