// dashboard.test.ts - scenarios S21-S27 (behaviour.md §13): the dashboard, its strong
// ETag and the conditional GETs.
import { describe, expect, test } from "bun:test";
import { tok } from "./support/auth";
import { get, post } from "./support/client";
import { key, uid } from "./support/ids";
import { setScore, user, userWithCard } from "./support/setup";

describe("S21-S27", () => {
  test("S21 a 720 user with one card", async () => {
    const u = await userWithCard(10000, 720);
    const r = await get("/v1/dashboard", { auth: u.auth });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(["user", "cards", "pendingRequests", "lastUpdated"]);
    expect(r.body.user).toEqual({ ecosystemId: u.id, email: `${u.id}@test.local`, score: 720, tier: "high", status: "active" });
    expect(r.body.cards.map((c: any) => c.cardId)).toEqual([u.cardId]);
    expect(r.body.pendingRequests).toEqual([]);
    expect(Date.parse(r.body.lastUpdated)).not.toBeNaN();
    expect(r.headers.get("x-request-id")).toBeTruthy();
  });

  test("S22 an unknown user: 404 NOT_FOUND", async () => {
    const r = await get("/v1/dashboard", { auth: tok(uid("non-existent-user")) });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("NOT_FOUND");
  });

  test("S23 a 650 user: medium tier", async () => {
    const u = await user(650);
    const r = await get("/v1/dashboard", { auth: u.auth });
    expect(r.body.user.score).toBe(650);
    expect(r.body.user.tier).toBe("medium");
    expect(Array.isArray(r.body.cards)).toBe(true);
  });

  test("S24 a fresh user: the apply suggestion, a strong ETag from updatedAt, Last-Modified", async () => {
    const id = uid("fresh");
    const reg = await post("/v1/users", { auth: tok(id), body: {} });
    const r = await get("/v1/dashboard", { auth: tok(id) });
    expect(r.body.cards).toEqual([]);
    expect(r.body.pendingRequests).toEqual([]);
    expect(r.body.suggestedActions).toEqual([
      { type: "apply_for_card", message: "Apply for your first credit card to start building credit", link: "/v1/offers" },
    ]);
    expect(r.headers.get("etag")).toBe(`"${Date.parse(reg.body.user.updatedAt)}"`);
    expect(Date.parse(r.headers.get("last-modified")!)).toBe(Math.floor(Date.parse(reg.body.user.updatedAt) / 1000) * 1000);
  });

  test("S25 conditional requests: exact ETag, weak form, If-Modified-Since", async () => {
    const u = await user();
    const first = await get("/v1/dashboard", { auth: u.auth });
    const etag = first.headers.get("etag")!;
    const lm = first.headers.get("last-modified")!;
    const exact = await get("/v1/dashboard", { auth: u.auth, headers: { "If-None-Match": etag } });
    expect(exact.status).toBe(304);
    expect(exact.text).toBe("");
    expect(exact.headers.get("etag")).toBeNull();
    const weak = await get("/v1/dashboard", { auth: u.auth, headers: { "If-None-Match": `W/${etag}` } });
    expect(weak.status).toBe(304);
    expect(weak.headers.get("etag")).toBe(etag);
    expect(weak.headers.get("last-modified")).toBe(lm);
    const since = await get("/v1/dashboard", { auth: u.auth, headers: { "If-Modified-Since": lm } });
    expect(since.status).toBe(304);
    expect(since.headers.get("etag")).toBe(etag);
    const other = await get("/v1/dashboard", { auth: u.auth, headers: { "If-None-Match": '"1"' } });
    expect(other.status).toBe(200);
  });

  test("S26 a 400 user with a pending request", async () => {
    const u = await user(400);
    const req = await post("/v1/cards/requests", { auth: u.auth, key: key(), body: { productId: "prod-standard" } });
    const r = await get("/v1/dashboard", { auth: u.auth });
    expect(r.body.pendingRequests).toEqual([
      {
        requestId: req.body.request.requestId,
        productId: "prod-standard",
        status: "pending",
        submittedAt: r.body.pendingRequests[0].submittedAt,
        estimatedReviewTime: "1-2 business days",
      },
    ]);
    expect(Date.parse(r.body.pendingRequests[0].submittedAt)).not.toBeNaN();
    expect(r.body.suggestedActions).toBeUndefined();
  });

  test("S27 an admin sets 750: the dashboard shows it with a new ETag", async () => {
    const u = await user();
    const before = await get("/v1/dashboard", { auth: u.auth });
    // the ETag is updatedAt in ms: the change must land in a later millisecond
    while (Date.now() <= Date.parse(before.body.lastUpdated)) {}
    await setScore(u.id, 750);
    const after = await get("/v1/dashboard", { auth: u.auth });
    expect(after.body.user.score).toBe(750);
    expect(after.body.user.tier).toBe("high");
    expect(after.headers.get("etag")).not.toBe(before.headers.get("etag"));
    const stale = await get("/v1/dashboard", { auth: u.auth, headers: { "If-None-Match": before.headers.get("etag")! } });
    expect(stale.status).toBe(200);
  });
});
