// fake_wpp.ts - a WPP-Connect stand-in (behaviour.md §9) for the tests that
// wire a server to WhatsApp: it hands out a token for the session's secret
// key, answers the connection check, and records every request, so a test
// reads the messages the admins were sent. Servers started here stop when
// the test file ends (stopFakes, called from an afterAll of the caller).

export type Seen = { method: string; path: string; auth: string | null; body: any };
export type Message = { phone: string; message: string };

const fakes: { stop: (force?: boolean) => void }[] = [];

/** A fake WPP-Connect server for `session` and `secret`, on a free port. */
export function fakeWpp(session = "sess-x", secret = "k3y") {
  const seen: Seen[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const text = await req.text();
      const body = text ? JSON.parse(text) : undefined;
      seen.push({ method: req.method, path, auth: req.headers.get("authorization"), body });
      if (req.method === "POST" && path === `/api/${session}/${secret}/generate-token`)
        return Response.json({ status: "success", session, token: "tkn-1", full: `${session}:tkn-1` });
      if (req.headers.get("authorization") !== "Bearer tkn-1") return new Response("unauthorized", { status: 401 });
      if (req.method === "GET" && path === `/api/${session}/check-connection-session`)
        return Response.json({ status: "CONNECTED", session });
      if (req.method === "POST" && path === `/api/${session}/send-message`)
        return Response.json({ status: "success", response: [{ id: `true_${body.phone}@c.us_${seen.length}` }] });
      return new Response("not found", { status: 404 });
    },
  });
  fakes.push(server);
  const sent = (): Message[] => seen.filter((s) => s.path === `/api/${session}/send-message`).map((s) => s.body as Message);
  return { url: `http://127.0.0.1:${server.port}`, session, secret, seen, sent };
}

export type FakeWpp = ReturnType<typeof fakeWpp>;

/** The environment that wires a server to `wpp` with notifications on and
 * the default admin phones. */
export const wppEnv = (wpp: FakeWpp): Record<string, string> => ({
  WPP_BASE_URL: wpp.url,
  WPP_SECRET_KEY: wpp.secret,
  WPP_SESSION_NAME: wpp.session,
  WHATSAPP_NOTIFICATIONS_ENABLED: "true",
  ADMIN_PHONE_1: "", // "" = unset: the default admin phones
  ADMIN_PHONE_2: "",
});

export function stopFakes() {
  for (const s of fakes) s.stop(true);
  fakes.length = 0;
}

/** Polls `fn` until it returns a value (the outbox worker runs every second). */
export async function waitFor<T>(what: string, fn: () => T | undefined, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50); // polling a condition with a deadline
  }
}
