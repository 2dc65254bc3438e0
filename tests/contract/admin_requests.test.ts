// admin_requests.test.ts - baseline §13.11 (S84-S95): the pending queue and
// admin approve/reject, with the fixes of docs/deviations.md (5: a processed
// request is 409; 7: admin keys scoped by operation and target; 13: filters
// validated).
import { describe, expect, test } from "bun:test";
import { ADMIN, tok } from "./support/auth";
import { call, get, post } from "./support/client";
import { key, uid } from "./support/ids";
import { startServer } from "./support/server";
import { validateResponse } from "./support/validate";
import { setScore, user } from "./support/setup";

const LIST = "/v1/admin/card-requests";
// k: the Idempotency-Key, a fresh one by default, null for none
const approve = (id: string, body: unknown, k: string | null = key(), base?: string) =>
  at(base, "POST", `${LIST}/${id}/approve`, { auth: ADMIN(), key: k ?? undefined, body });
const reject = (id: string, body: unknown, k: string | null = key(), base?: string) =>
  at(base, "POST", `${LIST}/${id}/reject`, { auth: ADMIN(), key: k ?? undefined, body });

/** call() against the shared server, or against `base` when given. */
async function at(base: string | undefined, method: string, path: string, o: any = {}) {
  if (!base) return call(method, path, o);
  const headers: Record<string, string> = {};
  if (o.auth) headers.Authorization = o.auth;
  if (o.key) headers["Idempotency-Key"] = o.key;
  if (o.body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(base + path, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
  const text = await r.text();
  const res = { status: r.status, headers: r.headers, text, body: text ? JSON.parse(text) : undefined };
  validateResponse(method, path, res);
  return res;
}

/** A user of `score` with a pending request (score < 500), on `base`. */
async function pending(score = 400, base?: string): Promise<{ id: string; auth: string; requestId: string }> {
  const id = uid("req");
  const auth = tok(id);
  expect((await at(base, "POST", "/v1/users", { auth, body: {} })).status).toBe(201);
  if (score !== 500) {
    const s = await at(base, "PATCH", `/v1/admin/users/${id}/score`, { auth: ADMIN(), key: key(), body: { score, reason: "setup" } });
    expect(s.status).toBe(200);
  }
  const r = await at(base, "POST", "/v1/cards/requests", { auth, key: key(), body: { productId: "prod-standard" } });
  expect(r.status).toBe(201);
  expect(r.body.request.status).toBe("pending");
  return { id, auth, requestId: r.body.request.requestId };
}

describe("S84 the admin list", () => {
  test("S84 without auth 401, as a user 403, as ADMIN 200 with requests and pagination", async () => {
    expect((await get(LIST)).status).toBe(401);
    const u = await user();
    const f = await get(LIST, { auth: u.auth });
    expect(f.status).toBe(403);
    expect(f.body.error.code).toBe("FORBIDDEN");
    const r = await get(LIST, { auth: ADMIN() });
    expect(r.status).toBe(200);
    expect(Array.isArray(r.body.requests)).toBe(true);
    expect(typeof r.body.pagination.hasMore).toBe("boolean");
    expect(typeof r.body.pagination.totalCount).toBe("number");
  });
});

describe("S85-S86 listing on a server of its own (exact totals)", () => {
  test("S85 one pending request: every field of the item and the pagination", async () => {
    const base = await startServer();
    // through the API a 550 user is auto-approved: request at 450, then raise to 550
    const p = await pending(450, base);
    const s = await at(base, "PATCH", `/v1/admin/users/${p.id}/score`, { auth: ADMIN(), key: key(), body: { score: 550, reason: "setup" } });
    expect(s.status).toBe(200);
    const r = await at(base, "GET", LIST, { auth: ADMIN() });
    expect(r.status).toBe(200);
    expect(r.body.pagination).toEqual({ nextCursor: null, hasMore: false, totalCount: 1 });
    const item = r.body.requests[0];
    expect(Object.keys(item)).toEqual([
      "requestId", "user", "scoreAtRequest", "currentScore", "tierAtRequest", "daysPending",
      "requiresAttention", "productId", "status", "createdAt",
    ]);
    expect(item).toMatchObject({
      requestId: p.requestId,
      user: { ecosystemId: p.id, email: `${p.id}@test.local` },
      scoreAtRequest: 450,
      currentScore: 550,
      tierAtRequest: "low",
      daysPending: 0,
      requiresAttention: false,
      productId: "prod-standard",
      status: "pending",
    });
    expect(Date.parse(item.createdAt)).not.toBeNaN();
  });

  test("S86 three requests A, B, C: paging, sort=newest, limit=0 and an unknown cursor", async () => {
    const base = await startServer();
    const a = await pending(400, base);
    const b = await pending(400, base);
    const c = await pending(400, base);
    const ids = (r: any) => r.body.requests.map((x: any) => x.requestId);
    const p1 = await at(base, "GET", `${LIST}?limit=1`, { auth: ADMIN() });
    expect(ids(p1)).toEqual([a.requestId]);
    expect(p1.body.pagination).toEqual({ nextCursor: a.requestId, hasMore: true, totalCount: 3 });
    const p2 = await at(base, "GET", `${LIST}?limit=1&cursor=${a.requestId}`, { auth: ADMIN() });
    expect(ids(p2)).toEqual([b.requestId]);
    const n = await at(base, "GET", `${LIST}?sort=newest&limit=2`, { auth: ADMIN() });
    expect(ids(n)).toEqual([c.requestId, b.requestId]);
    expect(n.body.pagination.nextCursor).toBe(b.requestId);
    const all = await at(base, "GET", `${LIST}?limit=0&cursor=zzz`, { auth: ADMIN() });
    expect(ids(all)).toEqual([a.requestId, b.requestId, c.requestId]);
    expect(all.body.pagination).toEqual({ nextCursor: null, hasMore: false, totalCount: 3 });
  });
});

describe("S86 filters are validated (deviation 13)", () => {
  test("S86 status other than pending is 400", async () => {
    const r = await get(`${LIST}?status=approved`, { auth: ADMIN() });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("VALIDATION_ERROR");
    expect(r.body.error.message).toContain("status");
  });
  test("S86 an unknown sort is 400; status=pending is accepted", async () => {
    const r = await get(`${LIST}?sort=sideways`, { auth: ADMIN() });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe("sort must be one of: newest, oldest");
    expect((await get(`${LIST}?status=pending&sort=oldest`, { auth: ADMIN() })).status).toBe(200);
  });
});

describe("S87-S90 approve", () => {
  test("S87 approve with {} is 400", async () => {
    const p = await pending();
    const r = await approve(p.requestId, {});
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("VALIDATION_ERROR");
    expect(r.body.error.message).toBe("Credit limit must be between 100 and 10000");
  });

  test("S88 owner at 550 (medium): approve 3000 gives the request approved and a top-level card", async () => {
    const p = await pending(450);
    await setScore(p.id, 550);
    const r = await approve(p.requestId, { creditLimit: 3000 });
    expect(r.status).toBe(200);
    expect(r.body.request.status).toBe("approved");
    expect(r.body.request.requestId).toBe(p.requestId);
    expect(r.body.card.cardId).toBeString();
    expect(r.body.card.limit).toBe(3000);
    expect(r.body.card).toMatchObject({ type: "credit-card", status: "active", balance: 0, availableCredit: 3000, minimumPayment: 0, nearLimit: false });
  });

  test("S89 owner at 400: request, admin sees it, approves 500, the owner's card is active", async () => {
    const p = await pending(400);
    const list = await get(`${LIST}?limit=100&sort=newest`, { auth: ADMIN() });
    expect(list.body.requests.some((x: any) => x.requestId === p.requestId)).toBe(true);
    const r = await approve(p.requestId, { creditLimit: 500 });
    expect(r.status).toBe(200);
    expect(r.body.request.status).toBe("approved");
    const card = await get(`/v1/cards/${r.body.card.cardId}`, { auth: p.auth });
    expect(card.status).toBe(200);
    expect(card.body.card).toMatchObject({ status: "active", limit: 500, approvedBy: "admin", scoreAtApproval: 400 });
  });

  test("S90 limit above the low tier policy, below the minimum, and no key", async () => {
    const p = await pending(400);
    const over = await approve(p.requestId, { creditLimit: 5000 });
    expect(over.status).toBe(400);
    expect(over.body.error.code).toBe("LIMIT_EXCEEDS_POLICY");
    expect(over.body.error.message).toBe("Limit exceeds policy for low tier (max: $2000)");
    const low = await approve(p.requestId, { creditLimit: 50 });
    expect(low.status).toBe(400);
    expect(low.body.error.message).toBe("Credit limit must be between 100 and 10000");
    const nokey = await approve(p.requestId, { creditLimit: 500 }, null);
    expect(nokey.status).toBe(400);
    expect(nokey.body.error.message).toBe("Idempotency-Key header is required");
    // failed attempts stored nothing: the request is still pending
    const r = await get(`/v1/cards/requests/${p.requestId}`, { auth: p.auth });
    expect(r.body.request.status).toBe("pending");
  });
});

describe("S91 a request already decided (deviation 5: 409)", () => {
  test("S91 approve and reject again with new keys: 409 REQUEST_ALREADY_PROCESSED", async () => {
    const p = await pending(400);
    expect((await approve(p.requestId, { creditLimit: 500 })).status).toBe(200);
    const again = await approve(p.requestId, { creditLimit: 500 });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("REQUEST_ALREADY_PROCESSED");
    expect(again.body.error.message).toBe("Request is not pending (status: approved)");
    const rej = await reject(p.requestId, { reason: "too late" });
    expect(rej.status).toBe(409);
    expect(rej.body.error.message).toBe("Request is not pending (status: approved)");
  });

  test("S91 an unknown request id stays 404", async () => {
    const id = uid("missing");
    const r = await approve(id, { creditLimit: 500 });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("NOT_FOUND");
    expect(r.body.error.message).toBe(`Card request not found: ${id}`);
    const j = await reject(id, { reason: "x" });
    expect(j.status).toBe(404);
    expect(j.body.error.message).toBe(`Card request not found: ${id}`);
  });
});

describe("S92-S93 reject", () => {
  test("S92 owner at 350: reject with a reason, the owner sees the decision", async () => {
    const p = await pending(350);
    const r = await reject(p.requestId, { reason: "High risk profile" });
    expect(r.status).toBe(200);
    expect(r.body.request.status).toBe("rejected");
    expect(r.body.card).toBeUndefined();
    const v = await get(`/v1/cards/requests/${p.requestId}`, { auth: p.auth });
    expect(v.body.request.status).toBe("rejected");
    expect(v.body.request.decision).toMatchObject({ outcome: "rejected", source: "admin", reason: "High risk profile" });
  });

  test("S93 reject without a reason, or with an empty one: 400 reason is required", async () => {
    const p = await pending(350);
    for (const body of [{}, { reason: "" }, { reason: "   " }]) {
      const r = await reject(p.requestId, body);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("VALIDATION_ERROR");
      expect(r.body.error.message).toBe("reason is required");
    }
  });
});

describe("S94 admin keys (deviation 7: scoped by operation and target)", () => {
  test("S94 an approve key reused on a reject of another request runs the reject", async () => {
    const a = await pending(400);
    const b = await pending(400);
    const k = key();
    const ap = await approve(a.requestId, { creditLimit: 500 }, k);
    expect(ap.status).toBe(200);
    const rj = await reject(b.requestId, { reason: "Not eligible" }, k);
    expect(rj.status).toBe(200);
    expect(rj.body.request.requestId).toBe(b.requestId);
    expect(rj.body.request.status).toBe("rejected");
  });

  test("S94 the approve key reused on a PATCH score runs the adjustment", async () => {
    const a = await pending(400);
    const k = key();
    expect((await approve(a.requestId, { creditLimit: 500 }, k)).status).toBe(200);
    const s = await call("PATCH", `/v1/admin/users/${a.id}/score`, { auth: ADMIN(), key: k, body: { score: 420, reason: "review" } });
    expect(s.status).toBe(200);
    expect(s.body.user.currentScore).toBe(420);
  });

  test("S94 the same key on the same request and operation replays verbatim", async () => {
    const a = await pending(400);
    const k = key();
    const first = await approve(a.requestId, { creditLimit: 500 }, k);
    const second = await approve(a.requestId, { creditLimit: 900 }, k);
    expect(second.status).toBe(200);
    expect(second.text).toBe(first.text);
  });
});

describe("S95 the owner's view after an admin approval", () => {
  test("S95 decision approved by admin with the approved limit, and the card", async () => {
    const p = await pending(400);
    const ap = await approve(p.requestId, { creditLimit: 1500 });
    expect(ap.status).toBe(200);
    const v = await get(`/v1/cards/requests/${p.requestId}`, { auth: p.auth });
    expect(v.status).toBe(200);
    expect(v.body.request.status).toBe("approved");
    expect(v.body.request.decision).toMatchObject({ outcome: "approved", source: "admin", approvedLimit: 1500 });
    expect(v.body.request.card.cardId).toBe(ap.body.card.cardId);
    expect(v.body.request.card.limit).toBe(1500);
  });
});

describe("D-approve missing body is validated like {}", () => {
  test("D-approve approve without a body: 400 like {}", async () => {
    const p = await pending(400);
    const r = await post(`${LIST}/${p.requestId}/approve`, { auth: ADMIN(), key: key() });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe("Credit limit must be between 100 and 10000");
  });
});
