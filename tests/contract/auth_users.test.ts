// auth_users.test.ts - scenarios S11-S20 (behaviour.md §13): bearer tokens (the dev
// token format of behaviour.md §3.2) and registration through POST /v1/users.
import { describe, expect, test } from "bun:test";
import { tok } from "./support/auth";
import { get, post } from "./support/client";
import { key, uid } from "./support/ids";

const raw = (payload: unknown) => `Bearer mock.${Buffer.from(JSON.stringify(payload)).toString("base64")}.sig`;

describe("S11-S16 tokens", () => {
  test("S11 no Authorization header", async () => {
    const r = await get("/v1/dashboard");
    expect(r.status).toBe(401);
    expect(r.body.error).toEqual({ code: "INVALID_TOKEN", message: "Missing or invalid authorization header" });
  });

  test("S12 not a Bearer scheme", async () => {
    const r = await get("/v1/dashboard", { auth: "NotBearer token" });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("INVALID_TOKEN");
  });

  test("S13 malformed bearer tokens", async () => {
    for (const t of ["Bearer invalid.token", "Bearer invalid-token"]) {
      const r = await get("/v1/dashboard", { auth: t });
      expect(r.status).toBe(401);
      expect(r.body.error).toEqual({ code: "INVALID_TOKEN", message: "Authentication token is invalid" });
    }
  });

  test("S14 a mock token without ecosystemId", async () => {
    const r = await get("/v1/dashboard", { auth: raw({ role: "admin" }) });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("INVALID_TOKEN");
  });

  // S15 is about the dev token format; where the server verifies real
  // tokens (FIN_TOKEN_MODE other than dev) the same token must be refused.
  test("S15 unpadded URL-safe base64 and no signature part are accepted", async () => {
    const id = uid("fp-user");
    const payload = Buffer.from(JSON.stringify({ ecosystemId: id })).toString("base64url").replace(/=+$/, "");
    const auth = `Bearer mock.${payload}`;
    if ((process.env.FIN_TOKEN_MODE ?? "dev") !== "dev") {
      const refused = await post("/v1/users", { auth, body: {} });
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe("INVALID_TOKEN");
      return;
    }
    expect((await post("/v1/users", { auth, body: {} })).status).toBe(201);
    const r = await get("/v1/dashboard", { auth });
    expect(r.status).toBe(200);
    expect(r.body.user.ecosystemId).toBe(id);
  });

  test("S16 role superadmin is not admin", async () => {
    const r = await get("/v1/admin/card-requests", { auth: tok(uid("root"), "superadmin") });
    expect(r.status).toBe(403);
    expect(r.body.error).toEqual({ code: "FORBIDDEN", message: "Admin access required" });
  });
});

describe("S17-S20 registration", () => {
  test("S17 registering with the token's email", async () => {
    const id = uid("new-user");
    const email = `${id}@example.com`;
    const r = await post("/v1/users", { auth: tok(id, "user", { email }), body: {} });
    expect(r.status).toBe(201);
    expect(r.body.created).toBe(true);
    expect(Object.keys(r.body.user)).toEqual([
      "ecosystemId", "firebaseUid", "email", "role", "status", "currentScore", "tier",
      "createdAt", "updatedAt", "lastLoginAt",
    ]);
    expect(r.body.user).toMatchObject({
      ecosystemId: id,
      firebaseUid: id,
      email,
      role: "user",
      status: "active",
      currentScore: 500,
      tier: "medium",
    });
    expect(r.body.user.createdAt).toBe(r.body.user.updatedAt);
    expect(r.body.user.lastLoginAt).toBe(r.body.user.createdAt);
  });

  test("S18 registering again: 200 created false, the same user", async () => {
    const id = uid("new-user");
    const auth = tok(id, "user", { email: `${id}@example.com` });
    const first = await post("/v1/users", { auth, body: {} });
    const again = await post("/v1/users", { auth, body: { email: "ignored@x.com" } });
    expect(again.status).toBe(200);
    expect(again.body.created).toBe(false);
    expect(again.body.user).toEqual(first.body.user);
  });

  test("S19 a body email that differs from the token's; no body at all", async () => {
    const id = uid("user");
    const mismatch = await post("/v1/users", { auth: tok(id), body: { email: "other@x.com" } });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error).toEqual({ code: "VALIDATION_ERROR", message: "email must match the authenticated user" });
    const r = await post("/v1/users", { auth: tok(id) });
    expect(r.status).toBe(201);
    expect(r.body.user.email).toBe(`${id}@test.local`);
  });

  test("S20 an unregistered caller", async () => {
    const id = uid("ghost");
    const auth = tok(id);
    const d = await get("/v1/dashboard", { auth });
    expect(d.status).toBe(404);
    expect(d.body.error.message).toBe(`User not found: ${id}`);
    const cards = await get("/v1/cards", { auth });
    expect(cards.status).toBe(200);
    expect(cards.body).toEqual({ cards: [], suggestion: "No cards found. Visit /v1/offers to see available products." });
    const req = await post("/v1/cards/requests", { auth, key: key(), body: { productId: "prod-standard" } });
    expect(req.status).toBe(404);
    expect(req.body.error.message).toBe("User not found");
    const pay = await post("/v1/cards/some-card/transactions/payments", { auth, key: key(), body: { amount: 1 } });
    expect(pay.status).toBe(404);
    expect(pay.body.error.message).toBe(`User not found: ${id}`);
  });
});
