// cards.test.ts - scenarios S34-S41 (behaviour.md §13): listing and reading cards;
// deviation 13: the list's `status` and `type` filters are validated.
import { describe, expect, test } from "bun:test";
import { get } from "./support/client";
import { user, userWithCard } from "./support/setup";

describe("S34-S41", () => {
  test("S34 without auth: 401", async () => {
    expect((await get("/v1/cards")).status).toBe(401);
  });

  // S35: the original's test seeds two cards straight into its store; through
  // the API a user holds at most one (an active card blocks new requests), so
  // the same fields are checked on one card.
  test("S35 each card in the list has the summary fields with their types", async () => {
    const u = await userWithCard(5000);
    const r = await get("/v1/cards", { auth: u.auth });
    expect(r.status).toBe(200);
    expect(r.body.cards).toHaveLength(1);
    const c = r.body.cards[0];
    expect(Object.keys(c)).toEqual([
      "cardId", "type", "status", "limit", "balance", "availableCredit", "minimumPayment", "nearLimit", "nextDueDate",
    ]);
    expect(c.cardId).toBe(u.cardId);
    expect(c.type).toBe("credit-card");
    expect(c.status).toBe("active");
    for (const k of ["limit", "balance", "availableCredit", "minimumPayment"]) expect(typeof c[k]).toBe("number");
    expect(typeof c.nearLimit).toBe("boolean");
    expect(r.body.suggestion).toBeUndefined();
  });

  test("S36 no cards: an empty list and the suggestion", async () => {
    const u = await user();
    const r = await get("/v1/cards", { auth: u.auth });
    expect(r.body).toEqual({ cards: [], suggestion: "No cards found. Visit /v1/offers to see available products." });
  });

  test("S37 one's own card in detail; without auth 401", async () => {
    const u = await userWithCard(10000);
    const r = await get(`/v1/cards/${u.cardId}`, { auth: u.auth });
    expect(r.status).toBe(200);
    expect(r.body.card.cardId).toBe(u.cardId);
    expect(Date.parse(r.body.card.createdAt)).not.toBeNaN();
    expect(r.body.card.approvedBy).toBe("auto");
    expect(typeof r.body.card.scoreAtApproval).toBe("number");
    expect(Object.keys(r.body.card)).toEqual([
      "cardId", "type", "status", "limit", "balance", "availableCredit", "minimumPayment", "nearLimit",
      "nextDueDate", "createdAt", "approvedBy", "scoreAtApproval", "activatedAt",
    ]);
    expect((await get(`/v1/cards/${u.cardId}`)).status).toBe(401);
  });

  test("S38 a card that does not exist", async () => {
    const u = await user();
    const r = await get("/v1/cards/non-existent-card", { auth: u.auth });
    expect(r.status).toBe(404);
    expect(r.body.error).toEqual({ code: "NOT_FOUND", message: "Card not found: non-existent-card" });
  });

  test("S39 another user's card: 404, never 403", async () => {
    const owner = await userWithCard(5000);
    const other = await user();
    const r = await get(`/v1/cards/${owner.cardId}`, { auth: other.auth });
    expect(r.status).toBe(404);
    expect(r.body.error.message).toBe(`Card not found: ${owner.cardId}`);
  });

  test("S40 filters are validated (deviation 13): type=debit and status=bogus are 400", async () => {
    const u = await userWithCard(5000);
    const t = await get("/v1/cards?type=debit", { auth: u.auth });
    expect(t.status).toBe(400);
    expect(t.body.error).toEqual({ code: "VALIDATION_ERROR", message: "type must be one of: credit-card" });
    const s = await get("/v1/cards?status=bogus", { auth: u.auth });
    expect(s.status).toBe(400);
    expect(s.body.error.code).toBe("VALIDATION_ERROR");
    expect(s.body.error.message).toContain("status");
    const ok = await get("/v1/cards?type=credit-card&status=active", { auth: u.auth });
    expect(ok.body.cards.map((c: any) => c.cardId)).toEqual([u.cardId]);
    const none = await get("/v1/cards?status=cancelled", { auth: u.auth });
    expect(none.body).toEqual({ cards: [], suggestion: "No cards found. Visit /v1/offers to see available products." });
  });

  test("S41 /v1/cards/requests is read as a card id", async () => {
    const u = await user();
    const r = await get("/v1/cards/requests", { auth: u.auth });
    expect(r.status).toBe(404);
    expect(r.body.error.message).toBe("Card not found: requests");
  });
});
