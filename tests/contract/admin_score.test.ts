// admin_score.test.ts - baseline §13.10 (S80-S83): reading and adjusting a
// user's score as an admin.
import { describe, expect, test } from "bun:test";
import { ADMIN } from "./support/auth";
import { get, patch } from "./support/client";
import { key, uid } from "./support/ids";
import { pay, purchase, setScore, user, userWithCard } from "./support/setup";

const scorePath = (id: string) => `/v1/admin/users/${id}/score`;

describe("S80 score of an unknown user", () => {
  test("S80 as ADMIN: 404 User not found", async () => {
    const r = await get(scorePath(uid("nobody")), { auth: ADMIN() });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("NOT_FOUND");
    expect(r.body.error.message).toBe("User not found");
  });

  test("S80 as a normal user: 403 FORBIDDEN", async () => {
    const u = await user();
    const r = await get(scorePath(uid("nobody")), { auth: u.auth });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("FORBIDDEN");
    expect(r.body.error.message).toBe("Admin access required");
  });
});

describe("S81 adjusting a score", () => {
  test("S81 600 -> 450 with a reason, then the same key replays verbatim", async () => {
    const u = await user(600, "med");
    const k = key();
    const r = await patch(scorePath(u.id), {
      auth: ADMIN(),
      key: k,
      body: { score: 450, reason: "Late payments noticed" },
    });
    expect(r.status).toBe(200);
    expect(r.body.user).toEqual({ ecosystemId: u.id, email: `${u.id}@test.local`, currentScore: 450, tier: "low" });
    expect(r.body.history[0]).toMatchObject({
      value: 450,
      previousValue: 600,
      delta: -150,
      reason: "Late payments noticed",
      source: "admin",
    });
    expect(Date.parse(r.body.history[0].timestamp)).not.toBeNaN();

    const again = await patch(scorePath(u.id), { auth: ADMIN(), key: k, body: { score: 900, reason: "other" } });
    expect(again.status).toBe(200);
    expect(again.text).toBe(r.text);
    const now = await get(scorePath(u.id), { auth: ADMIN() });
    expect(now.body.user.currentScore).toBe(450);
  });

  test("S81 the history lists changes newest first, at most 10", async () => {
    const u = await user();
    for (let i = 1; i <= 12; i++) await setScore(u.id, 500 + i);
    const r = await get(scorePath(u.id), { auth: ADMIN() });
    expect(r.status).toBe(200);
    expect(r.body.history.length).toBe(10);
    expect(r.body.history.map((h: any) => h.value)).toEqual([512, 511, 510, 509, 508, 507, 506, 505, 504, 503]);
  });
});

describe("S82 validation", () => {
  test("S82 score out of range and empty reason: both messages joined", async () => {
    const u = await user();
    const r = await patch(scorePath(u.id), { auth: ADMIN(), key: key(), body: { score: 1001, reason: "" } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("VALIDATION_ERROR");
    expect(r.body.error.message).toBe("newScore must be between 0 and 1000, reason is required");
  });

  test("S82 a fractional score", async () => {
    const u = await user();
    const r = await patch(scorePath(u.id), { auth: ADMIN(), key: key(), body: { score: 450.5, reason: "ok" } });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe("newScore must be an integer");
  });

  test("S82 no score", async () => {
    const u = await user();
    const r = await patch(scorePath(u.id), { auth: ADMIN(), key: key(), body: { reason: "ok" } });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe("newScore must be a number");
  });

  test("S82 no Idempotency-Key", async () => {
    const u = await user();
    const r = await patch(scorePath(u.id), { auth: ADMIN(), body: { score: 450, reason: "ok" } });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe("Idempotency-Key header is required");
  });

  test("S82 a failed adjustment changes nothing", async () => {
    const u = await user(600);
    await patch(scorePath(u.id), { auth: ADMIN(), key: key(), body: { score: -1, reason: "x" } });
    const r = await get(scorePath(u.id), { auth: ADMIN() });
    expect(r.body.user.currentScore).toBe(600);
    expect(r.body.history.length).toBe(1); // the set-up change only
  });
});

describe("S83 tiers at the boundaries", () => {
  const cases: [number, number, string][] = [
    [499, 0, "low"],
    [499, 500, "medium"],
    [699, 700, "high"],
    [500, 1000, "high"],
    [600, 499, "low"],
    [700, 699, "medium"],
  ];
  for (const [from, to, tier] of cases) {
    test(`S83 ${from} -> ${to} gives tier ${tier}`, async () => {
      const u = await user(from);
      const r = await patch(scorePath(u.id), { auth: ADMIN(), key: key(), body: { score: to, reason: "boundary" } });
      expect(r.status).toBe(200);
      expect(r.body.user.currentScore).toBe(to);
      expect(r.body.user.tier).toBe(tier);
      const d = await get("/v1/dashboard", { auth: u.auth });
      expect(d.body.user.tier).toBe(tier);
    });
  }
});

describe("D-admin-keys admin idempotency is scoped by operation and target", () => {
  test("D-admin-keys the same key on another user's score runs that adjustment", async () => {
    const a = await user(600);
    const b = await user(600);
    const k = key();
    const ra = await patch(scorePath(a.id), { auth: ADMIN(), key: k, body: { score: 610, reason: "a" } });
    const rb = await patch(scorePath(b.id), { auth: ADMIN(), key: k, body: { score: 620, reason: "b" } });
    expect(ra.status).toBe(200);
    expect(rb.status).toBe(200);
    expect(rb.body.user.ecosystemId).toBe(b.id);
    expect(rb.body.user.currentScore).toBe(620);
  });

  test("D-admin-keys a payment's score change appears in the admin history", async () => {
    const u = await userWithCard(5000, 650);
    expect((await purchase(u.auth, u.cardId, 1000)).status).toBe(201);
    expect((await pay(u.auth, u.cardId, 200)).status).toBe(201);
    const r = await get(scorePath(u.id), { auth: ADMIN() });
    expect(r.body.history[0]).toMatchObject({ reason: "payment_on_time", source: "system", previousValue: 650 });
    expect(r.body.history[0].delta).toBe(r.body.history[0].value - 650);
  });
});
