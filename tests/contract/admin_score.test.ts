// admin_score.test.ts - scenarios S80-S83 (behaviour.md §13): reading and adjusting a
// user's score as an admin (behaviour.md §1.13, §1.14, §4.8), plus deviation 7 (admin
// idempotency keys scoped by operation and target) for the score route.
import { describe, expect, test } from "bun:test";
import { ADMIN } from "./support/auth";
import { get, patch } from "./support/client";
import { key, uid } from "./support/ids";
import { setScore, user } from "./support/setup";

const scorePath = (id: string) => `/v1/admin/users/${id}/score`;
// k: the Idempotency-Key, a fresh one by default, null for none
const adjust = (id: string, body: unknown, k: string | null = key()) =>
  patch(scorePath(id), { auth: ADMIN(), key: k ?? undefined, body });

function expectError(r: { status: number; body: any }, status: number, code: string, message: string) {
  expect(r.status).toBe(status);
  expect(r.body.error.code).toBe(code);
  expect(r.body.error.message).toBe(message);
}

describe("S80 score of an unknown user", () => {
  test("S80 as ADMIN: 404 User not found", async () => {
    const r = await get(scorePath(uid("nobody")), { auth: ADMIN() });
    expectError(r, 404, "NOT_FOUND", "User not found");
  });

  test("S80 as a normal user: 403 FORBIDDEN, whatever the target", async () => {
    const u = await user();
    expectError(await get(scorePath(uid("nobody")), { auth: u.auth }), 403, "FORBIDDEN", "Admin access required");
    // even the caller's own score is admin-only
    expectError(await get(scorePath(u.id), { auth: u.auth }), 403, "FORBIDDEN", "Admin access required");
  });

  test("S80 PATCH of an unknown user: 404 User not found", async () => {
    expectError(await adjust(uid("nobody"), { score: 450, reason: "x" }), 404, "NOT_FOUND", "User not found");
  });
});

describe("S81 reading and adjusting a score", () => {
  test("S81 a fresh user: score 500, tier medium, empty history", async () => {
    const u = await user();
    const r = await get(scorePath(u.id), { auth: ADMIN() });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      user: { ecosystemId: u.id, email: `${u.id}@test.local`, currentScore: 500, tier: "medium" },
      history: [],
    });
  });

  // Changed by the money2 hardening: another body under the same key is 422.
  test("S81 600 -> 450 with a reason; the same key with score 900 is 422, with the same body replays verbatim", async () => {
    const u = await user(600, "med");
    const k = key();
    const r = await adjust(u.id, { score: 450, reason: "Late payments noticed" }, k);
    expect(r.status).toBe(200);
    expect(r.body.user).toEqual({ ecosystemId: u.id, email: `${u.id}@test.local`, currentScore: 450, tier: "low" });
    // newest first: the adjustment, then the set-up change 500 -> 600
    expect(r.body.history.length).toBe(2);
    expect(r.body.history[0]).toEqual({
      value: 450,
      previousValue: 600,
      delta: -150,
      reason: "Late payments noticed",
      source: "admin",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(r.body.history[1]).toMatchObject({ value: 600, previousValue: 500, delta: 100, reason: "setup", source: "admin" });

    const other = await adjust(u.id, { score: 900, reason: "other" }, k);
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    const again = await adjust(u.id, { score: 450, reason: "Late payments noticed" }, k);
    expect(again.status).toBe(200);
    expect(again.text).toBe(r.text);
    const now = await get(scorePath(u.id), { auth: ADMIN() });
    expect(now.body.user.currentScore).toBe(450);
    expect(now.body.history.length).toBe(2);
  });

  test("S81 GET after the change shows the same body as the PATCH answered", async () => {
    const u = await user();
    const r = await adjust(u.id, { score: 321, reason: "r" });
    const g = await get(scorePath(u.id), { auth: ADMIN() });
    expect(g.status).toBe(200);
    expect(g.body).toEqual(r.body);
  });

  test("S81 the history lists changes newest first, at most 10", async () => {
    const u = await user();
    for (let i = 1; i <= 12; i++) await setScore(u.id, 500 + i);
    const r = await get(scorePath(u.id), { auth: ADMIN() });
    expect(r.status).toBe(200);
    expect(r.body.history.map((h: any) => h.value)).toEqual([512, 511, 510, 509, 508, 507, 506, 505, 504, 503]);
    const p = await adjust(u.id, { score: 600, reason: "eleventh" });
    expect(p.body.history.map((h: any) => h.value)).toEqual([600, 512, 511, 510, 509, 508, 507, 506, 505, 504]);
  });

  test("S81 setting the same score again is allowed: delta 0, still recorded", async () => {
    const u = await user(600);
    const r = await adjust(u.id, { score: 600, reason: "confirmed" });
    expect(r.status).toBe(200);
    expect(r.body.history[0]).toMatchObject({ value: 600, previousValue: 600, delta: 0, reason: "confirmed" });
    expect(r.body.history.length).toBe(2);
  });
});

describe("S82 validation", () => {
  test("S82 score out of range and empty reason: both messages joined", async () => {
    const u = await user();
    const r = await adjust(u.id, { score: 1001, reason: "" });
    expectError(r, 400, "VALIDATION_ERROR", "newScore must be between 0 and 1000, reason is required");
  });

  test("S82 a fractional score", async () => {
    const u = await user();
    expectError(await adjust(u.id, { score: 450.5, reason: "ok" }), 400, "VALIDATION_ERROR", "newScore must be an integer");
  });

  test("S82 no score, and a score that is not a number", async () => {
    const u = await user();
    expectError(await adjust(u.id, { reason: "ok" }), 400, "VALIDATION_ERROR", "newScore must be a number");
    expectError(await adjust(u.id, { score: "450", reason: "ok" }), 400, "VALIDATION_ERROR", "newScore must be a number");
  });

  test("S82 a blank reason, and a reason over 500 characters", async () => {
    const u = await user();
    expectError(await adjust(u.id, { score: 450, reason: "   " }), 400, "VALIDATION_ERROR", "reason is required");
    expectError(await adjust(u.id, { score: 450 }), 400, "VALIDATION_ERROR", "reason is required");
    const long = await adjust(u.id, { score: 450, reason: "x".repeat(501) });
    expectError(long, 400, "VALIDATION_ERROR", "reason must be at most 500 characters");
    // no minimum length (OPENAPI's minLength 10 is not applied), 500 is the maximum
    expect((await adjust(u.id, { score: 450, reason: "x".repeat(500) })).status).toBe(200);
    expect((await adjust(u.id, { score: 451, reason: "k" })).status).toBe(200);
  });

  test("S82 no Idempotency-Key", async () => {
    const u = await user();
    const r = await adjust(u.id, { score: 450, reason: "ok" }, null);
    expectError(r, 400, "VALIDATION_ERROR", "Idempotency-Key header is required");
  });

  test("S82 failed adjustments change nothing and store no key", async () => {
    const u = await user(600);
    const k = key();
    expect((await adjust(u.id, { score: -1, reason: "x" }, k)).status).toBe(400);
    const r = await get(scorePath(u.id), { auth: ADMIN() });
    expect(r.body.user.currentScore).toBe(600);
    expect(r.body.history.length).toBe(1); // the set-up change only
    // only successes are stored: the same key now runs the corrected request
    const ok = await adjust(u.id, { score: 610, reason: "fixed" }, k);
    expect(ok.status).toBe(200);
    expect(ok.body.user.currentScore).toBe(610);
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
      const r = await adjust(u.id, { score: to, reason: "boundary" });
      expect(r.status).toBe(200);
      expect(r.body.user.currentScore).toBe(to);
      expect(r.body.user.tier).toBe(tier);
      const d = await get("/v1/dashboard", { auth: u.auth });
      expect(d.body.user.score).toBe(to);
      expect(d.body.user.tier).toBe(tier);
    });
  }
});

describe("D-7 admin idempotency is scoped by operation and target", () => {
  test("D-7 the same key on another user's score runs that adjustment", async () => {
    const a = await user(600);
    const b = await user(600);
    const k = key();
    const ra = await adjust(a.id, { score: 610, reason: "a" }, k);
    const rb = await adjust(b.id, { score: 620, reason: "b" }, k);
    expect(ra.status).toBe(200);
    expect(rb.status).toBe(200);
    expect(rb.body.user).toMatchObject({ ecosystemId: b.id, currentScore: 620 });
    expect(rb.body.history[0]).toMatchObject({ value: 620, previousValue: 600, reason: "b" });
    // and the first target replays its own answer
    const again = await adjust(a.id, { score: 610, reason: "a" }, k);
    expect(again.text).toBe(ra.text);
  });
});
