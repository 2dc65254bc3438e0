// admin_requests.test.ts - scenarios S84-S95 (behaviour.md §13): the admin list and
// admin approve/reject (behaviour.md §1.15-§1.17, §4.9, §4.10, §6), with the fixes of
// docs/deviations.md: 2 (missing body = {}), 5 (a processed request is 409),
// 6 (the request is read by id), 7 (admin keys scoped by operation and
// target), 13 (list filters validated; `status` lists pending, approved or
// rejected requests).
import { describe, expect, test } from "bun:test";
import { ADMIN, tok } from "./support/auth";
import { call, type Res } from "./support/client";
import { key, uid } from "./support/ids";
import { startServer } from "./support/server";
import { validateResponse } from "./support/validate";

const LIST = "/v1/admin/card-requests";
const DAY = 86_400_000;

type O = { auth?: string; key?: string | null; body?: unknown };

/** Requests against the shared server (base undefined) or a dedicated one. */
function on(base?: string) {
  const send = async (method: string, path: string, o: O = {}): Promise<Res> => {
    const opts = { auth: o.auth, key: o.key ?? undefined, body: o.body };
    if (!base) return call(method, path, opts);
    const headers: Record<string, string> = {};
    if (opts.auth) headers.Authorization = opts.auth;
    if (opts.key !== undefined) headers["Idempotency-Key"] = opts.key;
    if (opts.body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(base + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const text = await r.text();
    const res = { status: r.status, headers: r.headers, text, body: text ? JSON.parse(text) : undefined };
    validateResponse(method, path, res);
    return res;
  };
  return {
    send,
    list: (query = "") => send("GET", LIST + query, { auth: ADMIN() }),
    // k: the Idempotency-Key, a fresh one by default, null for none
    approve: (id: string, body: unknown, k: string | null = key()) =>
      send("POST", `${LIST}/${id}/approve`, { auth: ADMIN(), key: k, body }),
    reject: (id: string, body: unknown, k: string | null = key()) =>
      send("POST", `${LIST}/${id}/reject`, { auth: ADMIN(), key: k, body }),
    setScore: async (id: string, score: number) => {
      const r = await send("PATCH", `/v1/admin/users/${id}/score`, { auth: ADMIN(), key: key(), body: { score, reason: "setup" } });
      expect(r.status).toBe(200);
    },
    /** A user at the registration score (500, medium) whose request is approved at once. */
    autoApproved: async () => {
      const id = uid("auto");
      const auth = tok(id);
      expect((await send("POST", "/v1/users", { auth, body: {} })).status).toBe(201);
      const r = await send("POST", "/v1/cards/requests", { auth, key: key(), body: { productId: "prod-standard" } });
      expect(r.status).toBe(201);
      expect(r.body.request.status).toBe("approved");
      return { id, auth, requestId: r.body.request.requestId as string };
    },
    /** A user at `score` (< 500, so the request stays pending) with a pending request. */
    pending: async (score = 400, prefix = "req") => {
      const id = uid(prefix);
      const auth = tok(id);
      expect((await send("POST", "/v1/users", { auth, body: {} })).status).toBe(201);
      if (score !== 500) {
        const s = await send("PATCH", `/v1/admin/users/${id}/score`, { auth: ADMIN(), key: key(), body: { score, reason: "setup" } });
        expect(s.status).toBe(200);
      }
      const r = await send("POST", "/v1/cards/requests", { auth, key: key(), body: { productId: "prod-standard" } });
      expect(r.status).toBe(201);
      expect(r.body.request.status).toBe("pending");
      return { id, auth, requestId: r.body.request.requestId as string };
    },
  };
}

const api = on();
const ids = (r: Res) => r.body.requests.map((x: any) => x.requestId);

function expectError(r: Res, status: number, code: string, message: string) {
  expect(r.status).toBe(status);
  expect(r.body.error.code).toBe(code);
  expect(r.body.error.message).toBe(message);
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const ITEM_KEYS = [
  "requestId", "user", "scoreAtRequest", "currentScore", "tierAtRequest", "daysPending",
  "requiresAttention", "productId", "status", "createdAt",
];

/** The AdminCardRequest of behaviour.md §1.15 for a request of `p`, every key. */
function adminItem(p: { id: string; requestId: string }, score: number, current: number, status: string) {
  return {
    requestId: p.requestId,
    user: { ecosystemId: p.id, email: `${p.id}@test.local` },
    scoreAtRequest: score,
    currentScore: current,
    tierAtRequest: score >= 700 ? "high" : score >= 500 ? "medium" : "low",
    daysPending: 0,
    requiresAttention: false,
    productId: "prod-standard",
    status,
    createdAt: expect.stringMatching(ISO),
  };
}

describe("S84 access to the admin list", () => {
  test("S84 without auth 401, as a user 403, as ADMIN 200 with requests and pagination", async () => {
    expectError(await call("GET", LIST), 401, "INVALID_TOKEN", "Missing or invalid authorization header");
    expectError(await call("GET", LIST, { auth: tok(uid("u")) }), 403, "FORBIDDEN", "Admin access required");
    const r = await api.list();
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["pagination", "requests"]);
    expect(Array.isArray(r.body.requests)).toBe(true);
    expect(typeof r.body.pagination.hasMore).toBe("boolean");
    expect(Number.isInteger(r.body.pagination.totalCount)).toBe(true);
    expect(r.body.pagination.totalCount).toBeGreaterThanOrEqual(r.body.requests.length);
  });

  test("S84 approve and reject are admin-only too", async () => {
    const u = tok(uid("u"));
    for (const op of ["approve", "reject"]) {
      expectError(await call("POST", `${LIST}/x/${op}`, { body: {} }), 401, "INVALID_TOKEN", "Missing or invalid authorization header");
      expectError(await call("POST", `${LIST}/x/${op}`, { auth: u, key: key(), body: { creditLimit: 500, reason: "r" } }), 403, "FORBIDDEN", "Admin access required");
    }
  });
});

describe("S85-S86 listing, on the shared server (relative order only)", () => {
  test("S85 a new pending request is listed with every field", async () => {
    const p = await api.pending(450);
    const r = await api.list("?sort=newest&limit=100");
    expect(r.status).toBe(200);
    const item = r.body.requests.find((x: any) => x.requestId === p.requestId);
    expect(item).toEqual(adminItem(p, 450, 450, "pending"));
    expect(r.body.requests.every((x: any) => x.status === "pending")).toBe(true);
  });

  test("S86 A, B, C appear oldest first by default and newest first with sort=newest", async () => {
    const a = await api.pending(), b = await api.pending(), c = await api.pending();
    const mine = (r: Res) => ids(r).filter((x: string) => [a, b, c].some((p) => p.requestId === x));
    const newest = await api.list("?sort=newest&limit=100");
    expect(mine(newest)).toEqual([c.requestId, b.requestId, a.requestId]);
    // oldest first: page through to the end (other suites add requests meanwhile)
    const seen: string[] = [];
    let cursor = "";
    for (let page = 0; page < 50; page++) {
      const r = await api.list(`?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...ids(r));
      if (!r.body.pagination.hasMore) break;
      expect(r.body.pagination.nextCursor).toBe(ids(r).at(-1));
      cursor = r.body.pagination.nextCursor;
    }
    expect(seen.filter((x) => [a, b, c].some((p) => p.requestId === x))).toEqual([a.requestId, b.requestId, c.requestId]);
  });
});

describe("S85-S86 listing on a server of its own (exact totals)", () => {
  test("S85 one pending request: the item and the pagination", async () => {
    const srv = on(await startServer());
    // Through the API a user at 550 is auto-approved, so the request is made at
    // 450 and the owner then raised to 550: currentScore follows the owner.
    const p = await srv.pending(450);
    await srv.setScore(p.id, 550);
    const r = await srv.list();
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      requests: [adminItem(p, 450, 550, "pending")],
      pagination: { nextCursor: null, hasMore: false, totalCount: 1 },
    });
    expect(Object.keys(r.body.requests[0])).toEqual(ITEM_KEYS);
    const created = Date.parse(r.body.requests[0].createdAt);
    expect(Math.abs(Date.now() - created)).toBeLessThan(60_000);
  });

  test("S86 three requests A, B, C: paging, cursors and sort=newest", async () => {
    const srv = on(await startServer());
    const a = await srv.pending(), b = await srv.pending(), c = await srv.pending();
    const p1 = await srv.list("?limit=1");
    expect(ids(p1)).toEqual([a.requestId]);
    expect(p1.body.pagination).toEqual({ nextCursor: a.requestId, hasMore: true, totalCount: 3 });
    const p2 = await srv.list(`?limit=1&cursor=${a.requestId}`);
    expect(ids(p2)).toEqual([b.requestId]);
    expect(p2.body.pagination).toEqual({ nextCursor: b.requestId, hasMore: true, totalCount: 3 });
    const last = await srv.list(`?limit=2&cursor=${a.requestId}`);
    expect(ids(last)).toEqual([b.requestId, c.requestId]);
    expect(last.body.pagination).toEqual({ nextCursor: null, hasMore: false, totalCount: 3 });
    const n = await srv.list("?sort=newest&limit=2");
    expect(ids(n)).toEqual([c.requestId, b.requestId]);
    expect(n.body.pagination).toEqual({ nextCursor: b.requestId, hasMore: true, totalCount: 3 });
    const n2 = await srv.list(`?sort=newest&limit=2&cursor=${b.requestId}`);
    expect(ids(n2)).toEqual([a.requestId]);
    expect(ids(await srv.list("?sort=oldest"))).toEqual([a.requestId, b.requestId, c.requestId]);
  });

  test("S86 limit=0 and unknown cursors are tolerated; limit is parsed like parseInt and clamped", async () => {
    const srv = on(await startServer());
    const a = await srv.pending(), b = await srv.pending(), c = await srv.pending();
    const all = [a.requestId, b.requestId, c.requestId];
    const full = { nextCursor: null, hasMore: false, totalCount: 3 };
    for (const q of ["?limit=0", "?cursor=zzz", "?limit=0&cursor=zzz", "?limit=abc", "?limit=500"]) {
      const r = await srv.list(q);
      expect(r.status).toBe(200);
      expect(ids(r)).toEqual(all); // 0 or NaN -> 20; 500 -> 100; unknown cursor -> first page
      expect(r.body.pagination).toEqual(full);
    }
    const neg = await srv.list("?limit=-5"); // clamped to 1
    expect(ids(neg)).toEqual([a.requestId]);
    expect(neg.body.pagination).toEqual({ nextCursor: a.requestId, hasMore: true, totalCount: 3 });
    const frac = await srv.list("?limit=2.9"); // parseInt -> 2
    expect(ids(frac)).toEqual([a.requestId, b.requestId]);
  });

  test("S86 a decided request leaves the list and the total", async () => {
    const srv = on(await startServer());
    const a = await srv.pending(), b = await srv.pending(), c = await srv.pending();
    expect((await srv.approve(b.requestId, { creditLimit: 500 })).status).toBe(200);
    expect((await srv.reject(c.requestId, { reason: "no" })).status).toBe(200);
    const r = await srv.list();
    expect(ids(r)).toEqual([a.requestId]);
    expect(r.body.pagination.totalCount).toBe(1);
  });
});

describe("S86 listing by status on a server of its own (deviation 13: approved, rejected)", () => {
  test("S86 approved and rejected requests are listed by status with their decision, paged and sorted like the queue", async () => {
    const srv = on(await startServer());
    const a = await srv.pending(), b = await srv.pending(), c = await srv.pending();
    const d = await srv.pending(), e = await srv.pending();
    const before = Date.now();
    expect((await srv.approve(b.requestId, { creditLimit: 500 })).status).toBe(200);
    expect((await srv.reject(c.requestId, { reason: "no history" })).status).toBe(200);
    expect((await srv.approve(d.requestId, { creditLimit: 700 })).status).toBe(200);

    const pending = await srv.list("?status=pending");
    expect(ids(pending)).toEqual([a.requestId, e.requestId]);
    expect(pending.body.pagination).toEqual({ nextCursor: null, hasMore: false, totalCount: 2 });
    expect(pending.body.requests.every((x: any) => !("decision" in x))).toBe(true);

    // approved: oldest first (by createdAt, not by decision), paged by cursor
    const p1 = await srv.list("?status=approved&limit=1");
    expect(ids(p1)).toEqual([b.requestId]);
    expect(p1.body.pagination).toEqual({ nextCursor: b.requestId, hasMore: true, totalCount: 2 });
    const p2 = await srv.list(`?status=approved&limit=1&cursor=${b.requestId}`);
    expect(ids(p2)).toEqual([d.requestId]);
    expect(p2.body.pagination).toEqual({ nextCursor: null, hasMore: false, totalCount: 2 });
    const n1 = await srv.list("?status=approved&sort=newest&limit=1");
    expect(ids(n1)).toEqual([d.requestId]);
    expect(n1.body.pagination).toEqual({ nextCursor: d.requestId, hasMore: true, totalCount: 2 });
    const n2 = await srv.list(`?status=approved&sort=newest&limit=1&cursor=${d.requestId}`);
    expect(ids(n2)).toEqual([b.requestId]);
    expect(n2.body.pagination).toEqual({ nextCursor: null, hasMore: false, totalCount: 2 });
    expect(ids(await srv.list("?status=approved&sort=oldest&limit=0&cursor=zzz"))).toEqual([b.requestId, d.requestId]);

    // every key of the pending item, then the decision as the last key
    const decidedAt = expect.stringMatching(ISO);
    const approved = p1.body.requests[0];
    expect(approved).toEqual({
      ...adminItem(b, 400, 400, "approved"),
      decision: { outcome: "approved", source: "admin", adminId: "admin-001", approvedLimit: 500, decidedAt },
    });
    expect(Object.keys(approved)).toEqual([...ITEM_KEYS, "decision"]);
    expect(Object.keys(approved.decision)).toEqual(["outcome", "source", "adminId", "approvedLimit", "decidedAt"]);
    const at = Date.parse(approved.decision.decidedAt);
    expect(at).toBeGreaterThanOrEqual(Date.parse(approved.createdAt));
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(Math.abs(Date.now() - at)).toBeLessThan(60_000);
    expect(p2.body.requests[0].decision.approvedLimit).toBe(700);

    const rejected = await srv.list("?status=rejected");
    expect(rejected.body).toEqual({
      requests: [{
        ...adminItem(c, 400, 400, "rejected"),
        decision: { outcome: "rejected", source: "admin", adminId: "admin-001", reason: "no history", decidedAt },
      }],
      pagination: { nextCursor: null, hasMore: false, totalCount: 1 },
    });
    expect(Object.keys(rejected.body.requests[0].decision)).toEqual(["outcome", "source", "adminId", "reason", "decidedAt"]);
  });

  test("S86 the scenario's ?limit=0&status=approved&cursor=zzz lists approved requests (none while A, B, C wait); a cursor decided meanwhile still places the next page", async () => {
    const srv = on(await startServer());
    const a = await srv.pending(), b = await srv.pending(), c = await srv.pending();
    const none = await srv.list("?limit=0&status=approved&cursor=zzz");
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ requests: [], pagination: { nextCursor: null, hasMore: false, totalCount: 0 } });
    expect(ids(await srv.list("?limit=0&status=pending&cursor=zzz"))).toEqual([a.requestId, b.requestId, c.requestId]);

    const first = await srv.list("?limit=1");
    expect(first.body.pagination.nextCursor).toBe(a.requestId);
    expect((await srv.approve(a.requestId, { creditLimit: 500 })).status).toBe(200);
    const next = await srv.list(`?limit=1&cursor=${a.requestId}`);
    expect(ids(next)).toEqual([b.requestId]);
    expect(next.body.pagination).toEqual({ nextCursor: b.requestId, hasMore: true, totalCount: 2 });
    // and the other way round: b, decided, places the approved list's newest-first walk
    expect((await srv.reject(b.requestId, { reason: "later" })).status).toBe(200);
    expect(ids(await srv.list(`?status=approved&sort=newest&cursor=${b.requestId}`))).toEqual([a.requestId]);
    expect(ids(await srv.list(`?status=pending&cursor=${b.requestId}`))).toEqual([c.requestId]);
  });
});

describe("S86 listing by status on the shared server (relative order only)", () => {
  test("S86 a decided request appears in its status's list and not in the others", async () => {
    const ap = await api.pending(), rj = await api.pending();
    expect((await api.approve(ap.requestId, { creditLimit: 400 })).status).toBe(200);
    expect((await api.reject(rj.requestId, { reason: "shared" })).status).toBe(200);
    for (const [status, mine, other] of [["approved", ap, rj], ["rejected", rj, ap]] as const) {
      const r = await api.list(`?status=${status}&sort=newest&limit=100`);
      expect(r.status).toBe(200);
      expect(r.body.requests.every((x: any) => x.status === status && x.decision?.outcome === status)).toBe(true);
      expect(ids(r)).toContain(mine.requestId);
      expect(ids(r)).not.toContain(other.requestId);
      expect(r.body.pagination.totalCount).toBeGreaterThanOrEqual(r.body.requests.length);
    }
    const pending = await api.list("?sort=newest&limit=100");
    expect(ids(pending)).not.toContain(ap.requestId);
    expect(ids(pending)).not.toContain(rj.requestId);
  });

  test("S86 an auto-approved request is listed as approved, decided by source auto", async () => {
    const p = await api.autoApproved();
    const r = await api.list("?status=approved&sort=newest&limit=100");
    const item = r.body.requests.find((x: any) => x.requestId === p.requestId);
    expect(item).toEqual({
      ...adminItem(p, 500, 500, "approved"),
      decision: { outcome: "approved", source: "auto", approvedLimit: 5000, decidedAt: expect.stringMatching(ISO) },
    });
    expect(ids(await api.list("?sort=newest&limit=100"))).not.toContain(p.requestId);
  });
});

describe("S86 filters are validated (deviation 13)", () => {
  test("S86 status must be pending, approved or rejected, exactly", async () => {
    for (const s of ["bogus", "PENDING", "Approved", "expired", "pending,approved", ""]) {
      expectError(await api.list(`?status=${s}`), 400, "VALIDATION_ERROR", "status must be one of: pending, approved, rejected");
    }
    for (const s of ["pending", "approved", "rejected"]) expect((await api.list(`?status=${s}&limit=1`)).status).toBe(200);
  });

  test("S86 sort must be newest or oldest; status=pending is accepted", async () => {
    expectError(await api.list("?sort=sideways"), 400, "VALIDATION_ERROR", "sort must be one of: newest, oldest");
    expectError(await api.list("?status=approved&sort=sideways"), 400, "VALIDATION_ERROR", "sort must be one of: newest, oldest");
    const ok = await api.list("?status=pending&sort=oldest&limit=1");
    expect(ok.status).toBe(200);
    expect(ok.body.requests.length).toBeLessThanOrEqual(1);
  });
});

describe("S87-S90 approve", () => {
  test("S87 approve with {} is 400, even before the key is checked", async () => {
    const p = await api.pending();
    expectError(await api.approve(p.requestId, {}), 400, "VALIDATION_ERROR", "Credit limit must be between 100 and 10000");
    expectError(await api.approve("some-request", {}, null), 400, "VALIDATION_ERROR", "Credit limit must be between 100 and 10000");
    expectError(await api.approve(p.requestId, { creditLimit: 10001 }), 400, "VALIDATION_ERROR", "Credit limit must be between 100 and 10000");
  });

  test("S88 owner at 550 (medium): approve 3000 gives the request approved and a top-level card", async () => {
    const p = await api.pending(450);
    await api.setScore(p.id, 550);
    const before = Date.now();
    const r = await api.approve(p.requestId, { creditLimit: 3000, reason: "ignored" });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["card", "request"]);
    expect(r.body.request).toEqual(adminItem(p, 450, 550, "approved"));
    expect(r.body.card).toEqual({
      cardId: expect.any(String),
      type: "credit-card",
      status: "active",
      limit: 3000,
      balance: 0,
      availableCredit: 3000,
      minimumPayment: 0,
      nearLimit: false,
      nextDueDate: expect.any(String),
    });
    const due = Date.parse(r.body.card.nextDueDate) - before;
    expect(due).toBeGreaterThan(29 * DAY); // now + 30 calendar days (DST may move it an hour)
    expect(due).toBeLessThan(31 * DAY);
    const card = await call("GET", `/v1/cards/${r.body.card.cardId}`, { auth: p.auth });
    expect(card.body.card).toMatchObject({ approvedBy: "admin", scoreAtApproval: 550, limit: 3000 });
  });

  test("S89 owner at 400: request, admin sees it, approves 500, the owner's card is active", async () => {
    const p = await api.pending(400);
    const list = await api.list("?limit=100&sort=newest");
    expect(ids(list)).toContain(p.requestId);
    const r = await api.approve(p.requestId, { creditLimit: 500 });
    expect(r.status).toBe(200);
    expect(r.body.request.status).toBe("approved");
    const card = await call("GET", `/v1/cards/${r.body.card.cardId}`, { auth: p.auth });
    expect(card.status).toBe(200);
    expect(card.body.card).toMatchObject({ status: "active", limit: 500, approvedBy: "admin", scoreAtApproval: 400 });
    const mine = await call("GET", "/v1/cards", { auth: p.auth });
    expect(mine.body.cards.map((x: any) => x.cardId)).toEqual([r.body.card.cardId]);
  });

  test("S90 limit above the low tier policy, below the minimum, and no key", async () => {
    const p = await api.pending(400);
    const k = key();
    expectError(await api.approve(p.requestId, { creditLimit: 5000 }, k), 400, "LIMIT_EXCEEDS_POLICY", "Limit exceeds policy for low tier (max: $2000)");
    expectError(await api.approve(p.requestId, { creditLimit: 50 }), 400, "VALIDATION_ERROR", "Credit limit must be between 100 and 10000");
    expectError(await api.approve(p.requestId, { creditLimit: 500 }, null), 400, "VALIDATION_ERROR", "Idempotency-Key header is required");
    // failed attempts stored nothing: the request is still pending, the key is reusable
    const r = await call("GET", `/v1/cards/requests/${p.requestId}`, { auth: p.auth });
    expect(r.body.request.status).toBe("pending");
    const ok = await api.approve(p.requestId, { creditLimit: 2000 }, k);
    expect(ok.status).toBe(200);
    expect(ok.body.card.limit).toBe(2000);
  });

  test("S90 the tier policy uses the owner's current score; fractional limits are accepted", async () => {
    const m = await api.pending(450);
    await api.setScore(m.id, 650); // medium now: max 5000
    expectError(await api.approve(m.requestId, { creditLimit: 5000.5 }), 400, "LIMIT_EXCEEDS_POLICY", "Limit exceeds policy for medium tier (max: $5000)");
    const p = await api.pending(400);
    const r = await api.approve(p.requestId, { creditLimit: 1500.75 });
    expect(r.status).toBe(200);
    expect(r.body.card).toMatchObject({ limit: 1500.75, availableCredit: 1500.75 });
  });
});

describe("S91 a request already decided (deviation 5: 409)", () => {
  test("S91 approve and reject an approved request with new keys: 409 REQUEST_ALREADY_PROCESSED", async () => {
    const p = await api.pending(400);
    expect((await api.approve(p.requestId, { creditLimit: 500 })).status).toBe(200);
    const msg = "Request is not pending (status: approved)";
    expectError(await api.approve(p.requestId, { creditLimit: 500 }), 409, "REQUEST_ALREADY_PROCESSED", msg);
    expectError(await api.reject(p.requestId, { reason: "too late" }), 409, "REQUEST_ALREADY_PROCESSED", msg);
    // no second card
    expect((await call("GET", "/v1/cards", { auth: p.auth })).body.cards.length).toBe(1);
  });

  test("S91 a rejected request: 409 with status rejected", async () => {
    const p = await api.pending(400);
    expect((await api.reject(p.requestId, { reason: "no" })).status).toBe(200);
    const msg = "Request is not pending (status: rejected)";
    expectError(await api.approve(p.requestId, { creditLimit: 500 }), 409, "REQUEST_ALREADY_PROCESSED", msg);
    expectError(await api.reject(p.requestId, { reason: "again" }), 409, "REQUEST_ALREADY_PROCESSED", msg);
  });

  test("S91 an unknown request id stays 404", async () => {
    const id = uid("missing");
    expectError(await api.approve(id, { creditLimit: 500 }), 404, "NOT_FOUND", `Card request not found: ${id}`);
    expectError(await api.reject(id, { reason: "x" }), 404, "NOT_FOUND", `Card request not found: ${id}`);
  });
});

describe("S92-S93 reject", () => {
  test("S92 owner at 350: reject with a reason, the owner sees the decision", async () => {
    const p = await api.pending(350);
    const r = await api.reject(p.requestId, { reason: "High risk profile" });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ request: adminItem(p, 350, 350, "rejected") });
    const v = await call("GET", `/v1/cards/requests/${p.requestId}`, { auth: p.auth });
    expect(v.body).toEqual({
      request: {
        requestId: p.requestId,
        status: "rejected",
        scoreAtRequest: 350,
        decision: { outcome: "rejected", source: "admin", reason: "High risk profile" },
      },
    });
    // the user is untouched: same score, no card
    const s = await call("GET", `/v1/admin/users/${p.id}/score`, { auth: ADMIN() });
    expect(s.body.user.currentScore).toBe(350);
    expect((await call("GET", "/v1/cards", { auth: p.auth })).body.cards).toEqual([]);
  });

  test("S93 reject without a reason, or with an empty one: 400 reason is required", async () => {
    const p = await api.pending(350);
    for (const body of [{}, { reason: "" }, { reason: "   " }]) {
      expectError(await api.reject(p.requestId, body), 400, "VALIDATION_ERROR", "reason is required");
    }
    // a missing reason is checked before the key
    expectError(await api.reject(p.requestId, {}, null), 400, "VALIDATION_ERROR", "reason is required");
    expectError(await api.reject(p.requestId, { reason: "x" }, null), 400, "VALIDATION_ERROR", "Idempotency-Key header is required");
    expectError(await api.reject(p.requestId, { reason: "x".repeat(501) }), 400, "VALIDATION_ERROR", "reason must be at most 500 characters");
    const v = await call("GET", `/v1/cards/requests/${p.requestId}`, { auth: p.auth });
    expect(v.body.request.status).toBe("pending");
  });

  test("S93 a present but blank or long reason is checked after the request is found, as approve's limit", async () => {
    // §1.17: only a missing reason comes before the key; the blank and
    // length checks come after the lookup (404, or 409 for a decided one)
    const id = uid("missing");
    for (const body of [{ reason: "" }, { reason: "   " }, { reason: "x".repeat(501) }]) {
      expectError(await api.reject(id, body), 404, "NOT_FOUND", `Card request not found: ${id}`);
    }
    const p = await api.pending(350);
    expect((await api.reject(p.requestId, { reason: "no" })).status).toBe(200);
    const msg = "Request is not pending (status: rejected)";
    expectError(await api.reject(p.requestId, { reason: " " }), 409, "REQUEST_ALREADY_PROCESSED", msg);
  });
});

describe("S94 admin keys (deviation 7: scoped by operation and target)", () => {
  test("S94 an approve key reused on a reject of another request runs the reject", async () => {
    const a = await api.pending(400);
    const b = await api.pending(400);
    const k = key();
    const ap = await api.approve(a.requestId, { creditLimit: 500 }, k);
    expect(ap.status).toBe(200);
    const rj = await api.reject(b.requestId, { reason: "Not eligible" }, k);
    expect(rj.status).toBe(200);
    expect(rj.body).toEqual({ request: adminItem(b, 400, 400, "rejected") });
    const va = await call("GET", `/v1/cards/requests/${a.requestId}`, { auth: a.auth });
    expect(va.body.request.status).toBe("approved");
    const vb = await call("GET", `/v1/cards/requests/${b.requestId}`, { auth: b.auth });
    expect(vb.body.request.decision).toEqual({ outcome: "rejected", source: "admin", reason: "Not eligible" });
  });

  test("S94 the approve key reused on a PATCH score runs the adjustment", async () => {
    const a = await api.pending(400);
    const k = key();
    expect((await api.approve(a.requestId, { creditLimit: 500 }, k)).status).toBe(200);
    const s = await api.send("PATCH", `/v1/admin/users/${a.id}/score`, { auth: ADMIN(), key: k, body: { score: 420, reason: "review" } });
    expect(s.status).toBe(200);
    expect(s.body.user).toEqual({ ecosystemId: a.id, email: `${a.id}@test.local`, currentScore: 420, tier: "low" });
    expect(s.body.history[0]).toMatchObject({ value: 420, previousValue: 400, reason: "review", source: "admin" });
  });

  test("S94 the approve key reused on an approve of another request runs that approval", async () => {
    const a = await api.pending(400);
    const b = await api.pending(400);
    const k = key();
    const first = await api.approve(a.requestId, { creditLimit: 500 }, k);
    const second = await api.approve(b.requestId, { creditLimit: 700 }, k);
    expect(second.status).toBe(200);
    expect(second.body.request.requestId).toBe(b.requestId);
    expect(second.body.card.limit).toBe(700);
    expect(second.body.card.cardId).not.toBe(first.body.card.cardId);
  });

  // Changed by the money2 hardening: another body under the same key is 422
  // IDEMPOTENCY_KEY_REUSED; the same body replays verbatim.
  test("S94 the same key on the same request and operation replays verbatim, changing nothing", async () => {
    const a = await api.pending(400);
    const k = key();
    const first = await api.approve(a.requestId, { creditLimit: 500 }, k);
    const other = await api.approve(a.requestId, { creditLimit: 900 }, k);
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    const second = await api.approve(a.requestId, { creditLimit: 500 }, k);
    expect(second.status).toBe(200);
    expect(second.text).toBe(first.text);
    const cards = await call("GET", "/v1/cards", { auth: a.auth });
    expect(cards.body.cards.map((c: any) => [c.cardId, c.limit])).toEqual([[first.body.card.cardId, 500]]);

    const b = await api.pending(400);
    const kr = key();
    const r1 = await api.reject(b.requestId, { reason: "first" }, kr);
    const r3 = await api.reject(b.requestId, { reason: "second" }, kr);
    expect(r3.status).toBe(422);
    expect(r3.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    const r2 = await api.reject(b.requestId, { reason: "first" }, kr);
    expect(r2.status).toBe(200);
    expect(r2.text).toBe(r1.text);
  });
});

describe("S95 the owner's view after an admin approval", () => {
  test("S95 decision approved by admin with the approved limit, and the card", async () => {
    const p = await api.pending(400);
    const ap = await api.approve(p.requestId, { creditLimit: 1500 });
    expect(ap.status).toBe(200);
    const v = await call("GET", `/v1/cards/requests/${p.requestId}`, { auth: p.auth });
    expect(v.status).toBe(200);
    expect(v.body).toEqual({
      request: {
        requestId: p.requestId,
        status: "approved",
        scoreAtRequest: 400,
        decision: { outcome: "approved", source: "admin", approvedLimit: 1500 },
        card: ap.body.card,
      },
    });
  });
});

describe("D-2 a missing body is validated like {}", () => {
  test("D-2 approve, reject and PATCH score without a body: the route's 400", async () => {
    const p = await api.pending(400);
    const bare = (method: string, path: string) => api.send(method, path, { auth: ADMIN(), key: key() });
    expectError(await bare("POST", `${LIST}/${p.requestId}/approve`), 400, "VALIDATION_ERROR", "Credit limit must be between 100 and 10000");
    expectError(await bare("POST", `${LIST}/${p.requestId}/reject`), 400, "VALIDATION_ERROR", "reason is required");
    expectError(await bare("PATCH", `/v1/admin/users/${p.id}/score`), 400, "VALIDATION_ERROR", "newScore must be a number, reason is required");
  });
});

describe("D-6 approve/reject read the request by id", () => {
  test("D-6 requests after the 20th pending one can be decided", async () => {
    const srv = on(await startServer());
    const all = [];
    for (let i = 0; i < 23; i++) all.push(await srv.pending(400, "q"));
    expect((await srv.list()).body.pagination.totalCount).toBe(23);
    const ap = await srv.approve(all[21].requestId, { creditLimit: 500 });
    expect(ap.status).toBe(200);
    expect(ap.body.request.requestId).toBe(all[21].requestId);
    const rj = await srv.reject(all[22].requestId, { reason: "late in the queue" });
    expect(rj.status).toBe(200);
    expect(rj.body.request.requestId).toBe(all[22].requestId);
    expect((await srv.list()).body.pagination.totalCount).toBe(21);
  });
});
