// whatsapp.test.ts - security hardening of the WhatsApp admin channel
// (docs/security/whatsapp.md): the webhook fails closed without a secret, short
// ids in admin messages are unique and never guessed, bad input is a 400, and
// user-supplied text is validated and cleaned before it reaches an admin.
// Memory mode, dedicated servers with a fake WPP-Connect server.
import { afterAll, describe, expect, test } from "bun:test";
import { ADMIN, tok } from "../contract/support/auth";
import { key, uid } from "../contract/support/ids";
import { startServer } from "../contract/support/server";
import { fakeWpp, stopFakes, waitFor, wppEnv } from "../contract/support/fake_wpp";

const HOOK = "/webhooks/wpp-connect";
const PHONE_1 = "5511999999999"; // a default admin phone (lua/shared.lua)
const SECRET = "security-webhook-secret";

type Res = { status: number; body: any; text: string };

/** An `onmessage` event as WPP-Connect posts it. */
function message(from: string, body: string, extra: Record<string, unknown> = {}) {
  return {
    event: "onmessage",
    session: "s",
    data: { id: uid("wamid"), body, from: `${from}@c.us`, fromMe: false, isGroupMsg: false, ...extra },
  };
}

async function call(base: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Res> {
  const r = await fetch(base + path, {
    method,
    headers: body === undefined ? headers : { "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: r.status, body: parsed, text };
}

const api = (base: string, method: string, path: string, auth: string, body?: unknown) =>
  call(base, method, path, { Authorization: auth, "Idempotency-Key": key() }, body);

afterAll(stopFakes);

/** An API server wired to a fake WPP server, notifications on. */
async function whatsappServer(env: Record<string, string> = {}) {
  const wpp = fakeWpp();
  const base = await startServer({ ...wppEnv(wpp), WEBHOOK_SECRET: SECRET, ...env });
  return { base, wpp };
}

/** Registers a user with a low score and a pending card request. */
async function pendingRequest(base: string, extra: Record<string, unknown> = {}, body: unknown = {}) {
  const id = uid("sec");
  const auth = tok(id, "user", extra);
  const reg = await api(base, "POST", "/v1/users", auth, body);
  expect(reg.status).toBe(201);
  expect((await api(base, "PATCH", `/v1/admin/users/${id}/score`, ADMIN(), { score: 450, reason: "setup" })).status).toBe(200);
  const req = await api(base, "POST", "/v1/cards/requests", auth, { productId: "prod-standard" });
  expect(req.status).toBe(201);
  expect(req.body.request.status).toBe("pending");
  return { id, auth, requestId: req.body.request.requestId as string };
}

const requestStatus = async (base: string, p: { auth: string; requestId: string }) =>
  (await api(base, "GET", `/v1/cards/requests/${p.requestId}`, p.auth)).body.request.status;

describe("item 2: the webhook fails closed", () => {
  test("no WEBHOOK_SECRET: an admin-phone approval without a secret is refused, the request stays pending", async () => {
    const { base, wpp } = await whatsappServer({ WEBHOOK_SECRET: "", NODE_ENV: "" });
    const p = await pendingRequest(base);
    // the tracker exists once the admins were told
    await waitFor("notification", () => (wpp.sent().some((m) => m.message.includes(`${p.id}@`)) ? true : undefined));
    for (const headers of [{}, { "X-Webhook-Secret": "" }, { "X-Webhook-Secret": "guess" }]) {
      const r = await call(base, "POST", HOOK, headers, message(PHONE_1, `y ${p.requestId}`));
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe("SERVICE_UNAVAILABLE");
    }
    expect(await requestStatus(base, p)).toBe("pending");
  }, 30_000);

  test("with a secret: a wrong or missing one is 401 and changes nothing; the right one decides", async () => {
    const { base, wpp } = await whatsappServer();
    const p = await pendingRequest(base);
    await waitFor("notification", () => (wpp.sent().some((m) => m.message.includes(`${p.id}@`)) ? true : undefined));
    for (const headers of [{}, { "X-Webhook-Secret": SECRET.slice(0, -1) }, { "X-Webhook-Secret": `${SECRET}x` }]) {
      const r = await call(base, "POST", HOOK, headers, message(PHONE_1, `y ${p.requestId}`));
      expect(r.status).toBe(401);
    }
    expect(await requestStatus(base, p)).toBe("pending");
    const ok = await call(base, "POST", HOOK, { "X-Webhook-Secret": SECRET }, message(PHONE_1, `n ${p.requestId}`));
    expect(ok.body).toEqual({ ok: true, action: "rejected", requestId: p.requestId });
  }, 30_000);
});

/** The short id of the admin message about user `id`, once it was sent. */
async function shortIdOf(wpp: ReturnType<typeof fakeWpp>, id: string): Promise<string> {
  const m = await waitFor(`message for ${id}`, () => wpp.sent().find((x) => x.message.includes(`Customer: ${id}@`)));
  return /^\[Card Request #([0-9A-F]{8})\]/.exec(m.message)?.[1] ?? "";
}

describe("item 3: short ids are unique and never guessed", () => {
  test("requests made within a second get distinct short ids; each reply decides its own request", async () => {
    const { base, wpp } = await whatsappServer();
    // UUID v7 ids made this close share their first 8 hex digits (a timestamp)
    const reqs = [await pendingRequest(base), await pendingRequest(base), await pendingRequest(base)];
    const shorts = await Promise.all(reqs.map((r) => shortIdOf(wpp, r.id)));
    // the admin approves the FIRST request by its short id (the old code
    // approved the newest request sharing that prefix)
    const r = await call(base, "POST", HOOK, { "X-Webhook-Secret": SECRET }, message(PHONE_1, `y ${shorts[0].toLowerCase()}`));
    expect(r.body).toEqual({ ok: true, action: "approved", requestId: reqs[0].requestId });
    expect(new Set(shorts).size).toBe(3);
    expect(await requestStatus(base, reqs[0])).toBe("approved");
    expect(await requestStatus(base, reqs[1])).toBe("pending");
    expect(await requestStatus(base, reqs[2])).toBe("pending");
    // the request id's prefix is no short id
    const prefix = reqs[2].requestId.slice(0, 8).toUpperCase();
    if (!shorts.includes(prefix)) {
      const p = await call(base, "POST", HOOK, { "X-Webhook-Secret": SECRET }, message(PHONE_1, `n ${prefix}`));
      expect(p.body).toEqual({ ok: true, action: "ignored", reason: "request_not_found" });
    }
    expect(await requestStatus(base, reqs[2])).toBe("pending");
  }, 45_000);
});

describe("item 12: bad input is a 400, not a 500", () => {
  test("a non-UTF-8 Idempotency-Key: 400 on every keyed route, nothing stored", async () => {
    const base = await startServer();
    const id = uid("sec12");
    const auth = tok(id);
    expect((await api(base, "POST", "/v1/users", auth, {})).status).toBe(201);
    const req = await api(base, "POST", "/v1/cards/requests", auth, { productId: "prod-standard" });
    const cardId = req.body.request.card.cardId;
    const bad = "k-\u00ff\u00fe"; // sent as the bytes ff fe: not UTF-8
    const routes: [string, string, string, unknown][] = [
      ["POST", `/v1/cards/${cardId}/transactions/purchases`, auth, { amount: 10 }],
      ["POST", `/v1/cards/${cardId}/transactions/payments`, auth, { amount: 10 }],
      ["POST", "/v1/cards/requests", auth, { productId: "prod-standard" }],
      ["PATCH", `/v1/admin/users/${id}/score`, ADMIN(), { score: 600, reason: "x" }],
    ];
    for (const [method, path, who, body] of routes) {
      const r = await call(base, method, path, { Authorization: who, "Idempotency-Key": bad }, body);
      expect(r.status).toBe(400);
      expect(r.body.error).toEqual({ code: "VALIDATION_ERROR", message: "Idempotency-Key must be valid UTF-8" });
    }
    const card = await api(base, "GET", `/v1/cards/${cardId}`, auth);
    expect(card.body.card.balance).toBe(0);
    // a UTF-8 key beyond ASCII is fine
    const ok = await call(base, "POST", `/v1/cards/${cardId}/transactions/purchases`, { Authorization: auth, "Idempotency-Key": Buffer.from("k-ç", "utf8").toString("latin1") }, { amount: 10 });
    expect(ok.status).toBe(201);
  });

  test("a malformed data.from on the webhook: 400 with the webhook's error shape", async () => {
    const base = await startServer({ WEBHOOK_SECRET: SECRET });
    const cases: [string, string][] = [
      ["bad", "Invalid WPP ID format"],
      ["a@b@c.us", "Invalid WPP ID format"],
      ["", "WPP ID is required"],
      ["123456789@c.us", "Invalid phone number in WPP ID"],
    ];
    for (const [from, error] of cases) {
      const m = message("x", "y 12345678");
      m.data.from = from;
      const r = await call(base, "POST", HOOK, { "X-Webhook-Secret": SECRET }, m);
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ ok: false, action: "error", error });
    }
  });
});

describe("item 13: user text reaching admins is cleaned", () => {
  test("an email with line breaks and bidi/zero-width characters cannot forge lines in the admin message", async () => {
    const { base, wpp } = await whatsappServer();
    const id = uid("sec13");
    // (memory mode's dev tokens carry any email; Cognito access tokens carry
    // none and the body's email is checked instead: unit test_register)
    const email = `${id}@x.co\n\nReply: "y 00000000" to approve\u202e\u200b\r`;
    const p = await pendingRequest(base, { email });
    const m = await waitFor("message", () => wpp.sent().find((x) => x.message.includes(`Customer: ${id}@`)));
    const short = /^\[Card Request #([0-9A-F]{8})\]/.exec(m.message)?.[1] ?? "";
    expect(m.message).toBe(
      `[Card Request #${short}]\nCustomer: ${id}@x.coReply: "y 00000000" to approve\nTier: low\nScore: 450\n\n` +
        `Reply: "y ${short}" to approve\nReply: "n ${short}" to reject`,
    );
    expect(await requestStatus(base, p)).toBe("pending");

    // the sender's display name is cleaned and cut before it becomes the reason
    const name = `Ana\nAdmin\u202e\u0007${"x".repeat(100)}`;
    const r = await call(base, "POST", HOOK, { "X-Webhook-Secret": SECRET }, message(PHONE_1, `y ${short}`, { sender: { pushname: name } }));
    expect(r.body).toEqual({ ok: true, action: "approved", requestId: p.requestId });
    const view = await api(base, "GET", `/v1/cards/requests/${p.requestId}`, p.auth);
    expect(view.body.request.decision.reason).toBe(`Approved via WhatsApp by AnaAdmin${"x".repeat(56)}\u2026`);
  }, 30_000);
});
