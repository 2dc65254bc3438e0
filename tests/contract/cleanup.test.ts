// cleanup.test.ts - scenarios S96-S99 (behaviour.md §13): the two-step reset (behaviour.md §1.18,
// §4.11). Cleanup wipes every store, so this file runs on a server of its own
// (tables of its own in AWS mode). Deviation 10: every store is wiped
// (users, scores, cards, requests, transactions, idempotency records, outbox)
// and the counts are real.
import { beforeAll, describe, expect, test } from "bun:test";
import { tok } from "./support/auth";
import { startServer } from "./support/server";
import { validateResponse } from "./support/validate";
import { key, uid } from "./support/ids";

let base = "";
const ADMIN = tok("admin-001", "admin");
const OTHER_ADMIN = tok("admin-002", "admin");
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function call(method: string, path: string, auth?: string, body?: unknown, idemKey?: string) {
  const headers: Record<string, string> = {};
  if (auth) headers.Authorization = auth;
  if (idemKey) headers["Idempotency-Key"] = idemKey;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  const res = { status: r.status, body: text ? JSON.parse(text) : undefined, text };
  validateResponse(method, path, res);
  return res;
}

const cleanup = (auth: string, body?: unknown) => call("POST", "/v1/admin/cleanup", auth, body);

/** Both steps; returns the 200 answer. */
async function wipe() {
  const t = await cleanup(ADMIN, {});
  expect(t.status).toBe(400);
  const r = await cleanup(ADMIN, { confirmationToken: t.body.confirmationToken });
  expect(r.status).toBe(200);
  return r;
}

function expectError(r: { status: number; body: any }, status: number, code: string, message: string) {
  expect(r.status).toBe(status);
  expect(r.body.error.code).toBe(code);
  expect(r.body.error.message).toBe(message);
}

beforeAll(async () => {
  base = await startServer();
});

describe("S96-S99 cleanup", () => {
  test("S96 as a normal user: 403; without auth: 401", async () => {
    expectError(await cleanup(tok(uid("u")), {}), 403, "FORBIDDEN", "Admin access required");
    expectError(await call("POST", "/v1/admin/cleanup", undefined, {}), 401, "INVALID_TOKEN", "Missing or invalid authorization header");
  });

  test("S97 as ADMIN without a body: 400 with a confirmation token valid for 5 minutes", async () => {
    const before = Date.now();
    const r = await cleanup(ADMIN);
    const after = Date.now();
    expect(r.status).toBe(400);
    // not an error envelope: exactly these three keys
    expect(r.body).toEqual({
      message: "Confirmation required. Include the token in your next request.",
      confirmationToken: expect.stringMatching(UUID_V4),
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    const expires = Date.parse(r.body.expiresAt);
    expect(expires).toBeGreaterThanOrEqual(before + 5 * 60_000 - 1000);
    expect(expires).toBeLessThanOrEqual(after + 5 * 60_000 + 1000);
    // with {} as well; every call mints a new token
    const again = await cleanup(ADMIN, {});
    expect(again.status).toBe(400);
    expect(again.body.confirmationToken).toMatch(UUID_V4);
    expect(again.body.confirmationToken).not.toBe(r.body.confirmationToken);
  });

  test("S98 a bogus token, and a token presented by another admin", async () => {
    expectError(await cleanup(ADMIN, { confirmationToken: "bogus" }), 400, "VALIDATION_ERROR", "Invalid confirmation token");
    const t = (await cleanup(ADMIN, {})).body.confirmationToken;
    const other = await cleanup(OTHER_ADMIN, { confirmationToken: t });
    expectError(other, 400, "VALIDATION_ERROR", "Confirmation token was issued to a different admin");
    // a normal user cannot present it either (the admin check runs first)
    expect((await cleanup(tok(uid("u")), { confirmationToken: t })).status).toBe(403);
    // not consumed by the other admin's attempt
    const ok = await cleanup(ADMIN, { confirmationToken: t });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe("completed");
  });

  test("S99 the same admin confirms: everything is wiped, with real counts; the token is single use", async () => {
    await wipe(); // start from nothing (whatever the earlier tests or the seeds left)

    // a: score 720, an auto-approved card (1 request, 1 card), one purchase;
    // b: score 500 -> 400, a pending request. Events: score.changed (a),
    // card.approved (a), transaction.purchase (a), score.changed (b),
    // card.requested (b) = 5.
    const a = uid("wipe-a"), b = uid("wipe-b");
    for (const id of [a, b]) expect((await call("POST", "/v1/users", tok(id), {})).status).toBe(201);
    expect((await call("PATCH", `/v1/admin/users/${a}/score`, ADMIN, { score: 720, reason: "setup" }, key())).status).toBe(200);
    expect((await call("PATCH", `/v1/admin/users/${b}/score`, ADMIN, { score: 400, reason: "setup" }, key())).status).toBe(200);
    const requestKey = key();
    const req = await call("POST", "/v1/cards/requests", tok(a), { productId: "prod-standard" }, requestKey);
    expect(req.status).toBe(201);
    const card = req.body.request.card.cardId;
    expect((await call("POST", `/v1/cards/${card}/transactions/purchases`, tok(a), { amount: 10 }, key())).status).toBe(201);
    const pend = await call("POST", "/v1/cards/requests", tok(b), { productId: "prod-standard" }, key());
    expect(pend.body.request.status).toBe("pending");

    const t = (await cleanup(ADMIN)).body.confirmationToken;
    const r = await cleanup(ADMIN, { confirmationToken: t });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      status: "completed",
      deletedCounts: { users: 2, cards: 1, transactions: 1, cardRequests: 2, events: 5 },
      duration: expect.stringMatching(/^\d+\.\ds$/),
    });

    expectError(await cleanup(ADMIN, { confirmationToken: t }), 400, "VALIDATION_ERROR", "Invalid confirmation token");

    for (const id of [a, b]) {
      expectError(await call("GET", "/v1/dashboard", tok(id)), 404, "NOT_FOUND", `User not found: ${id}`);
    }
    const list = await call("GET", "/v1/admin/card-requests", ADMIN);
    expect(list.body).toEqual({ requests: [], pagination: { nextCursor: null, hasMore: false, totalCount: 0 } });
    // the admin's own record goes too; admin routes keep working (role from the token)
    expect((await call("GET", "/v1/admin/users/admin-001/score", ADMIN)).status).toBe(404);

    // the second cleanup right away counts only what is there now
    expect((await wipe()).body.deletedCounts).toEqual({ users: 0, cards: 0, transactions: 0, cardRequests: 0, events: 0 });
  });
});

describe("D-10 cleanup wipes every store", () => {
  test("D-10 re-registering starts clean: no old card, score history, request or idempotency record", async () => {
    const a = uid("again");
    expect((await call("POST", "/v1/users", tok(a), {})).status).toBe(201);
    expect((await call("PATCH", `/v1/admin/users/${a}/score`, ADMIN, { score: 720, reason: "setup" }, key())).status).toBe(200);
    const k = key();
    const first = await call("POST", "/v1/cards/requests", tok(a), { productId: "prod-standard" }, k);
    expect(first.status).toBe(201);
    await wipe();

    const re = await call("POST", "/v1/users", tok(a), {});
    expect(re.status).toBe(201);
    expect(re.body.user.currentScore).toBe(500);
    const cards = await call("GET", "/v1/cards", tok(a));
    expect(cards.body.cards).toEqual([]);
    const score = await call("GET", `/v1/admin/users/${a}/score`, ADMIN);
    expect(score.body.history).toEqual([]);
    const old = await call("GET", `/v1/cards/requests/${first.body.request.requestId}`, tok(a));
    expect(old.status).toBe(404);
    // the old key is gone: it runs a new request (201, new id) instead of replaying
    const again = await call("POST", "/v1/cards/requests", tok(a), { productId: "prod-standard" }, k);
    expect(again.status).toBe(201);
    expect(again.body.request.requestId).not.toBe(first.body.request.requestId);
    expect(again.body.request.card.limit).toBe(5000); // score 500 now
  });
});
