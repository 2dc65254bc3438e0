// offers.test.ts - scenarios S28-S33 (behaviour.md §13): the one offer of the user's
// tier, and its eligibility.
import { describe, expect, test } from "bun:test";
import { tok } from "./support/auth";
import { get, post } from "./support/client";
import { key, uid } from "./support/ids";
import { user, userWithCard } from "./support/setup";

const offers = (auth?: string) => get("/v1/offers", { auth });

describe("S28-S33", () => {
  test("S28 without auth: 401", async () => {
    expect((await offers()).status).toBe(401);
  });

  test("S29 a 650 user without a card: the standard card, eligible", async () => {
    const u = await user(650);
    const r = await offers(u.auth);
    expect(r.status).toBe(200);
    expect(r.body.offers).toEqual([
      {
        productId: "default-credit-card",
        productType: "credit-card",
        name: "ACME Standard Card",
        description: "A solid everyday card with competitive rates and cash back rewards.",
        terms: { creditLimit: 5000, apr: "18.99%", annualFee: 0 },
        eligibility: { eligible: true, subjectToApproval: false, cooldownUntil: null },
      },
    ]);
  });

  for (const score of [800, 850]) {
    test(`S30 a ${score} user: the premium card, eligible`, async () => {
      const u = await user(score);
      const r = await offers(u.auth);
      expect(r.body.offers.some((o: any) => o.eligibility.eligible === true)).toBe(true);
      expect(r.body.offers[0]).toMatchObject({
        name: "ACME Premium Rewards Card",
        terms: { creditLimit: 10000, apr: "12.99%", annualFee: 0 },
      });
    });
  }

  test("S31 an unknown user: 404", async () => {
    const id = uid("nobody");
    const r = await offers(tok(id));
    expect(r.status).toBe(404);
    expect(r.body.error.message).toBe(`User not found: ${id}`);
  });

  test("S32 a 400 user with a pending request: the starter card, not eligible now", async () => {
    const u = await user(400);
    expect((await post("/v1/cards/requests", { auth: u.auth, key: key(), body: { productId: "prod-standard" } })).status).toBe(201);
    const r = await offers(u.auth);
    expect(r.body.offers).toHaveLength(1);
    expect(r.body.offers[0]).toMatchObject({
      name: "ACME Starter Card",
      description: "Start building your credit with our secured card designed for credit builders.",
      terms: { creditLimit: 2000, apr: "24.99%", annualFee: 29 },
      eligibility: { eligible: false, subjectToApproval: true, cooldownUntil: null },
    });
  });

  test("S33 a user holding an active card: no offers", async () => {
    const u = await userWithCard(5000);
    const r = await offers(u.auth);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ offers: [] });
  });
});
