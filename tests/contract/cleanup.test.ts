// cleanup.test.ts - baseline §13.12 (S96-S99): the two-step reset. It wipes
// every store, so it runs on a server of its own (tables of its own in AWS
// mode); deviation 10: every store is wiped and the counts are real.
import { beforeAll, describe, expect, test } from "bun:test";
import { tok } from "./support/auth";
import { startServer } from "./support/server";
import { validateResponse } from "./support/validate";
import { uid } from "./support/ids";

let base = "";
const ADMIN = tok("admin-001", "admin");
const OTHER_ADMIN = tok("admin-002", "admin");

async function call(method: string, path: string, auth?: string, body?: unknown, key?: string) {
  const headers: Record<string, string> = {};
  if (auth) headers.Authorization = auth;
  if (key) headers["Idempotency-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  const res = { status: r.status, body: text ? JSON.parse(text) : undefined, text };
  validateResponse(method, path, res);
  return res;
}

const cleanup = (auth: string, body?: unknown) => call("POST", "/v1/admin/cleanup", auth, body);

beforeAll(async () => {
  base = await startServer();
});

describe("S96-S99 cleanup", () => {
  test("S96 as a normal user: 403", async () => {
    const r = await cleanup(tok(uid("u")), {});
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("FORBIDDEN");
  });

  test("S97 as ADMIN without a token: 400 with a confirmation token valid for 5 minutes", async () => {
    const before = Date.now();
    const r = await cleanup(ADMIN);
    expect(r.status).toBe(400);
    expect(Object.keys(r.body).sort()).toEqual(["confirmationToken", "expiresAt", "message"]);
    expect(r.body.message).toBe("Confirmation required. Include the token in your next request.");
    expect(r.body.confirmationToken).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const expires = Date.parse(r.body.expiresAt);
    expect(expires - before).toBeGreaterThanOrEqual(5 * 60 * 1000 - 1000);
    expect(expires - Date.now()).toBeLessThanOrEqual(5 * 60 * 1000 + 1000);
  });

  test("S98 a bogus token, and a token presented by another admin", async () => {
    const bogus = await cleanup(ADMIN, { confirmationToken: "bogus" });
    expect(bogus.status).toBe(400);
    expect(bogus.body.error.code).toBe("VALIDATION_ERROR");
    expect(bogus.body.error.message).toBe("Invalid confirmation token");
    const t = (await cleanup(ADMIN, {})).body.confirmationToken;
    const other = await cleanup(OTHER_ADMIN, { confirmationToken: t });
    expect(other.status).toBe(400);
    expect(other.body.error.message).toBe("Confirmation token was issued to a different admin");
    // not consumed by the other admin's attempt
    const ok = await cleanup(ADMIN, { confirmationToken: t });
    expect(ok.status).toBe(200);
  });

  test("S99 the same admin confirms: everything is wiped, with real counts; the token is single use", async () => {
    // two users, one with a card and a purchase, one with a pending request
    const a = uid("wipe-a"), b = uid("wipe-b");
    for (const id of [a, b]) expect((await call("POST", "/v1/users", tok(id), {})).status).toBe(201);
    expect((await call("PATCH", `/v1/admin/users/${a}/score`, ADMIN, { score: 720, reason: "setup" }, uid("k"))).status).toBe(200);
    const req = await call("POST", "/v1/cards/requests", tok(a), { productId: "prod-standard" }, uid("k"));
    expect(req.status).toBe(201);
    const card = req.body.request.card.cardId;
    expect((await call("POST", `/v1/cards/${card}/transactions/purchases`, tok(a), { amount: 10 }, uid("k"))).status).toBe(201);
    expect((await call("POST", "/v1/cards/requests", tok(b), { productId: "prod-standard" }, uid("k"))).status).toBe(201);

    const t = (await cleanup(ADMIN)).body.confirmationToken;
    const r = await cleanup(ADMIN, { confirmationToken: t });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("completed");
    expect(r.body.duration).toMatch(/^\d+\.\ds$/);
    const d = r.body.deletedCounts;
    expect(Object.keys(d).sort()).toEqual(["cardRequests", "cards", "events", "transactions", "users"]);
    expect(d.users).toBeGreaterThanOrEqual(2);
    expect(d.cards).toBeGreaterThanOrEqual(1);
    expect(d.transactions).toBeGreaterThanOrEqual(1);
    expect(d.cardRequests).toBeGreaterThanOrEqual(2);
    expect(d.events).toBeGreaterThanOrEqual(1);

    const again = await cleanup(ADMIN, { confirmationToken: t });
    expect(again.status).toBe(400);
    expect(again.body.error.message).toBe("Invalid confirmation token");

    for (const id of [a, b]) {
      const dash = await call("GET", "/v1/dashboard", tok(id));
      expect(dash.status).toBe(404);
    }
    // re-registering starts clean: no old card, no old pending request
    expect((await call("POST", "/v1/users", tok(a), {})).status).toBe(201);
    const cards = await call("GET", "/v1/cards", tok(a));
    expect(cards.body.cards).toEqual([]);
    const list = await call("GET", "/v1/admin/card-requests", ADMIN);
    expect(list.body.pagination.totalCount).toBe(0);

    // a second cleanup right away counts what is there now
    const t2 = (await cleanup(ADMIN)).body.confirmationToken;
    const r2 = await cleanup(ADMIN, { confirmationToken: t2 });
    expect(r2.body.deletedCounts).toMatchObject({ users: 1, cards: 0, transactions: 0, cardRequests: 0 });
  });
});
