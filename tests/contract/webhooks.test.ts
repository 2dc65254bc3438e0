// webhooks.test.ts - baseline §13.13 (S100-S108): the WPP-Connect webhook,
// its health route, the secret check, and (S108) the full loop with a fake
// WPP-Connect server: notification to the admin phones, approval by reply.
import { afterAll, describe, expect, test } from "bun:test";
import { ADMIN, tok } from "./support/auth";
import { get, post } from "./support/client";
import { key, uid } from "./support/ids";
import { startServer } from "./support/server";
import { validateResponse } from "./support/validate";

const HOOK = "/webhooks/wpp-connect";
const ADMIN_PHONE = "5511999999999";

function message(from: string, body: string, extra: Record<string, unknown> = {}) {
  return {
    event: "onmessage",
    session: "s",
    data: { id: uid("wamid"), body, from, to: "5511000000000@c.us", fromMe: false, isGroupMsg: false, t: 1, type: "chat", ...extra },
  };
}

/** POST to the webhook of `base` (another server) with optional headers. */
async function hook(base: string, body: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(base + HOOK, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  const res = { status: r.status, body: text ? JSON.parse(text) : undefined, text };
  validateResponse("POST", HOOK, res);
  return res;
}

describe("S100 health", () => {
  test("S100 no WPP server: connected false", async () => {
    const r = await get(`${HOOK}/health`);
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("ok");
    expect(Date.parse(r.body.timestamp)).not.toBeNaN();
    expect(r.body.whatsapp).toEqual({ connected: false });
  });
});

describe("S101-S106 the webhook", () => {
  test("S101 body validation", async () => {
    const empty = await post(HOOK, { body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({ ok: false, action: "error", error: "Missing or invalid event field" });
    const none = await post(HOOK, {});
    expect(none.status).toBe(400);
    expect(none.body).toEqual({ ok: false, action: "error", error: "Request body must be an object" });
    const m = message(`${ADMIN_PHONE}@c.us`, "hi") as any;
    delete m.data.isGroupMsg;
    const noGroup = await post(HOOK, { body: m });
    expect(noGroup.status).toBe(400);
    expect(noGroup.body).toEqual({ ok: false, action: "error", error: "Missing or invalid data.isGroupMsg field" });
  });

  test("S102 a non-message event is ignored", async () => {
    const r = await post(HOOK, { body: { event: "onack", session: "s", data: {} } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ok: true, action: "ignored", reason: "non_message_event" });
  });

  test("S103 own messages and group messages are ignored", async () => {
    const self = await post(HOOK, { body: message(`${ADMIN_PHONE}@c.us`, "y 12345678", { fromMe: true }) });
    expect(self.body).toEqual({ ok: true, action: "ignored", reason: "from_self" });
    const group = await post(HOOK, { body: message(`${ADMIN_PHONE}@c.us`, "y 12345678", { isGroupMsg: true }) });
    expect(group.body).toEqual({ ok: true, action: "ignored", reason: "group_message" });
  });

  test("S104 a phone that is not an admin's", async () => {
    const r = await post(HOOK, { body: message("5521999999999@c.us", "y 12345678") });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ ok: true, action: "ignored", reason: "not_whitelisted" });
  });

  test("S105 invalid commands, and valid ones for requests that do not exist", async () => {
    for (const body of ["hello", "y", "   ", ""]) {
      const r = await post(HOOK, { body: message(`${ADMIN_PHONE}@c.us`, body) });
      expect(r.body).toEqual({ ok: true, action: "ignored", reason: "invalid_command" });
    }
    for (const body of ["y NOTEXIST", "yes ABC12345", "no ABC12345", "Y ABC12345", "y abc12345"]) {
      const r = await post(HOOK, { body: message(`${ADMIN_PHONE}@c.us`, body) });
      expect(r.body).toEqual({ ok: true, action: "ignored", reason: "request_not_found" });
    }
  });

  test("S106 a malformed sender id: 500 with the webhook's error shape", async () => {
    const r = await post(HOOK, { body: message("bad", "y 12345678") });
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ ok: false, action: "error", error: "Invalid WPP ID format" });
  });
});

describe("S107 the webhook secret", () => {
  test("S107 with WEBHOOK_SECRET set: missing, wrong, then correct header", async () => {
    const base = await startServer({ WEBHOOK_SECRET: "s3cret" });
    const ack = { event: "onack", session: "s", data: {} };
    const missing = await hook(base, ack);
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ error: { code: "UNAUTHORIZED", message: "Missing webhook secret header" } });
    const wrong = await hook(base, ack, { "X-Webhook-Secret": "nope" });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: { code: "INVALID_SECRET", message: "Invalid webhook secret" } });
    const ok = await hook(base, ack, { "X-Webhook-Secret": "s3cret" });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ok: true, action: "ignored", reason: "non_message_event" });
  });

  test("S107 production without a secret: 500 Webhook secret not configured", async () => {
    const base = await startServer({ NODE_ENV: "production", WEBHOOK_SECRET: "" });
    const r = await hook(base, { event: "onack", session: "s", data: {} });
    expect(r.status).toBe(500);
    expect(r.body.error.code).toBe("INTERNAL_ERROR");
    expect(r.body.error.message).toBe("Webhook secret not configured");
  });
});

/* ---- S108: a fake WPP-Connect server ---- */
type Sent = { phone: string; message: string };
const servers: { stop: (force?: boolean) => void }[] = [];
afterAll(() => servers.forEach((s) => s.stop(true)));

function fakeWpp() {
  const sent: Sent[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (path.endsWith("/generate-token")) return Response.json({ status: "success", token: "tkn" });
      if (path.endsWith("/check-connection-session")) return Response.json({ status: true, message: "Connected" });
      if (path.endsWith("/send-message")) {
        if (req.headers.get("authorization") !== "Bearer tkn") return new Response("no", { status: 401 });
        const b = (await req.json()) as Sent;
        sent.push(b);
        return Response.json({ status: "success", response: [{ id: `msg-${sent.length}` }] });
      }
      return new Response("not found", { status: 404 });
    },
  });
  servers.push(server);
  return { url: `http://127.0.0.1:${server.port}`, sent };
}

async function waitFor<T>(what: string, fn: () => T | undefined, ms = 10000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50); // polling a condition with a deadline
  }
}

describe("S108 notification and approval through WhatsApp", () => {
  test("S108 both admin phones get the request; 'y <short id>' approves with the low-tier limit", async () => {
    const wpp = fakeWpp();
    const base = await startServer({
      WPP_BASE_URL: wpp.url,
      WPP_SECRET_KEY: "k",
      WHATSAPP_NOTIFICATIONS_ENABLED: "true",
      ADMIN_PHONE_1: "5511999999999",
      ADMIN_PHONE_2: "5511888888888",
    });
    const at = async (method: string, path: string, auth: string, body?: unknown) => {
      const r = await fetch(base + path, {
        method,
        headers: { Authorization: auth, "Content-Type": "application/json", "Idempotency-Key": key() },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: r.status, body: await r.json() };
    };
    const health = await fetch(`${base}${HOOK}/health`).then((r) => r.json());
    expect(health.whatsapp.connected).toBe(true);

    const id = uid("wa");
    expect((await at("POST", "/v1/users", tok(id), {})).status).toBe(201);
    expect((await at("PATCH", `/v1/admin/users/${id}/score`, ADMIN(), { score: 450, reason: "setup" })).status).toBe(200);
    const req = await at("POST", "/v1/cards/requests", tok(id), { productId: "prod-standard" });
    expect(req.status).toBe(201);
    const requestId: string = req.body.request.requestId;
    const short = requestId.slice(0, 8).toUpperCase();

    const msgs = await waitFor("two notifications", () => (wpp.sent.length >= 2 ? wpp.sent.slice() : undefined));
    expect(msgs.map((m) => m.phone).sort()).toEqual(["5511888888888", "5511999999999"]);
    for (const m of msgs) {
      expect(m.message).toBe(
        `[Card Request #${short}]\nCustomer: ${id}@test.local\nTier: low\nScore: 450\n\n` +
          `Reply: "y ${short}" to approve\nReply: "n ${short}" to reject`,
      );
    }

    const reply = await hook(base, message("5511999999999@c.us", `y ${short.toLowerCase()}`, { sender: { id: "x", pushname: "Ana" } }));
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ ok: true, action: "approved", requestId });

    const view = await at("GET", `/v1/cards/requests/${requestId}`, tok(id));
    expect(view.body.request.status).toBe("approved");
    expect(view.body.request.decision).toMatchObject({
      outcome: "approved",
      source: "admin",
      approvedLimit: 500,
      reason: "Approved via WhatsApp by Ana",
    });
    expect(view.body.request.card.limit).toBe(500);

    const later = await hook(base, message("5511888888888@c.us", `n ${requestId}`));
    expect(later.body).toEqual({ ok: true, action: "ignored", reason: "request_not_found" });
  }, 30000);
});
