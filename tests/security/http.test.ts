// http.test.ts - HTTP-level hardening (security area "http"): oversized
// request heads, slowloris, blocking outbound calls, rate-limit keys,
// request ids, ambiguous framing and CORS. Each test runs against a
// dedicated memory-mode server.
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tok } from "../contract/support/auth";
import { startServer } from "../contract/support/server";
import { exited, openPartial, pool, rawRequest, rssKiB, serverPid } from "./support/net";

const manyParams = "?" + Array.from({ length: 1000 }, (_, i) => `p${i}=1`).join("&");

/** A dedicated server from a given binary (FIN_BIN is read when it starts). */
async function startWith(bin: string, env: Record<string, string> = {}): Promise<string> {
  const saved = process.env.FIN_BIN;
  process.env.FIN_BIN = bin;
  try {
    return await startServer(env);
  } finally {
    if (saved === undefined) delete process.env.FIN_BIN;
    else process.env.FIN_BIN = saved;
  }
}

async function liveness(base: string, localAddress?: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  const r = await rawRequest(base, "GET /health/liveness HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {
    localAddress,
    timeoutMs: 3000,
  });
  return { status: r.status, ms: performance.now() - t0 };
}

describe("item 7: a request head too big for the connection pool", () => {
  beforeAll(() => {
    // the sanitizer build of the same server (objects shared with test-unit)
    const b = Bun.spawnSync(["make", "-s", "build/san/financial-api"], { stdout: "inherit", stderr: "inherit" });
    if (b.exitCode !== 0) throw new Error("cannot build build/san/financial-api");
  }, 300_000);

  test("1000 query parameters: a prompt 414, and 3000 of them do not grow the server", async () => {
    // the release build: a sanitizer's quarantine would grow RSS by design
    const base = await startWith("build/financial-api");
    const pid = serverPid(base);
    const one = async () => {
      const r = await fetch(base + "/health/liveness" + manyParams, { signal: AbortSignal.timeout(2000) });
      await r.text();
      return r.status;
    };
    expect(await one()).toBe(414);
    await pool(200, 8, one); // warm-up: allocator arenas, thread stacks
    const before = rssKiB(pid);
    const statuses = await pool(3000, 8, one);
    expect(statuses.every((s) => s === 414)).toBe(true);
    const grownKiB = rssKiB(pid) - before;
    expect(grownKiB).toBeLessThan(8 * 1024); // the leak was ~20 KB a request (60 MB here)
    expect((await liveness(base)).status).toBe(200);
  }, 60_000);

  test("1000 query parameters leak nothing under LeakSanitizer, and shutdown is prompt", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fin-asan-"));
    const base = await startWith("build/san/financial-api", { ASAN_OPTIONS: `detect_leaks=1:log_path=${dir}/asan` });
    const pid = serverPid(base);
    const statuses = await pool(100, 4, async () => {
      const r = await fetch(base + "/v1/cards" + manyParams, { signal: AbortSignal.timeout(2000) });
      await r.text();
      return r.status;
    });
    expect(statuses.every((s) => s === 414)).toBe(true);
    process.kill(pid, "SIGTERM");
    expect(await exited(pid, 5000)).toBe(true); // nothing left in flight to wait for
    expect(readdirSync(dir)).toEqual([]); // no sanitizer report
  }, 60_000);

  test("headers over the connection budget: a prompt 431", async () => {
    const base = await startServer();
    const headers = Array.from({ length: 2000 }, (_, i) => `X-H${i}: 1\r\n`).join("");
    const t0 = performance.now();
    const r = await rawRequest(base, `GET /health/liveness HTTP/1.1\r\nHost: x\r\n${headers}\r\n`, { timeoutMs: 3000 });
    expect(r.status).toBe(431);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect((await liveness(base)).status).toBe(200);
  });

  test("a path over 8 KiB is 414 too, and a normal query still works", async () => {
    const base = await startServer();
    const long = await fetch(base + "/v1/" + "a".repeat(9000), { signal: AbortSignal.timeout(2000) });
    expect(long.status).toBe(414);
    const ok = await fetch(base + "/health/liveness?a=1&b=2", { signal: AbortSignal.timeout(2000) });
    expect(ok.status).toBe(200);
  });
});

describe("item 8: slowloris", () => {
  test("one address holding 1100 half-open connections does not block another address", async () => {
    const base = await startServer();
    const head = "GET /health/liveness HTTP/1.1\r\nHost: x\r\n"; // never finished
    const held = await pool(1100, 100, () => openPartial(base, head, "127.0.0.1"));
    try {
      const r = await liveness(base, "127.0.0.2");
      expect(r.status).toBe(200);
      expect(r.ms).toBeLessThan(1000);
    } finally {
      for (const h of held) h.sock.destroy();
    }
  }, 60_000);

  test("the per-address limit is configurable: the 6th connection of an address is refused", async () => {
    const base = await startServer({ FIN_HTTP_MAX_CONNECTIONS_PER_IP: "5" });
    const head = "GET /health/liveness HTTP/1.1\r\nHost: x\r\n";
    // an address of its own: startServer's readiness fetch may leave a
    // keep-alive connection from 127.0.0.1 holding one of that address's slots
    const held = await pool(5, 5, () => openPartial(base, head, "127.0.0.3"));
    try {
      const sixth = await liveness(base, "127.0.0.3");
      expect(sixth.status).toBe(0); // closed without an answer
      expect((await liveness(base, "127.0.0.2")).status).toBe(200);
    } finally {
      for (const h of held) h.sock.destroy();
    }
  });

  test("unfinished requests do not hold up shutdown", async () => {
    const base = await startServer();
    const pid = serverPid(base);
    const held = await pool(5, 5, () => openPartial(base, "GET /health/liveness HTTP/1.1\r\nHost: x\r\n"));
    process.kill(pid, "SIGTERM");
    const t0 = performance.now();
    expect(await exited(pid, 5000)).toBe(true); // the drain waits for answers only (10 s grace)
    expect(performance.now() - t0).toBeLessThan(2000);
    for (const h of held) h.sock.destroy();
  });

  test("a head trickled one byte at a time is cut at the request deadline", async () => {
    const base = await startServer({ FIN_HTTP_REQUEST_TIMEOUT_MS: "1000" });
    const { sock, closed } = await openPartial(base, "G");
    const t0 = performance.now();
    const rest = "ET /health/liveness HTTP/1.1\r\nX-Slow: " + "a".repeat(100);
    let i = 0;
    const drip = setInterval(() => {
      if (i < rest.length && !sock.destroyed) sock.write(rest[i++]);
    }, 200); // a byte every 200 ms: the idle timeout never fires
    const cut = await Promise.race([closed.then(() => true), Bun.sleep(4000).then(() => false)]);
    clearInterval(drip);
    sock.destroy();
    expect(cut).toBe(true);
    expect(performance.now() - t0).toBeLessThan(2500);
  });
});

describe("item 9: outbound calls an unauthenticated request can trigger", () => {
  test("WhatsApp health never waits on the WPP server: liveness stays fast", async () => {
    // accepts connections and never answers: every call to it would hit curl's timeout
    const hole = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const base = await startServer({ WPP_BASE_URL: `http://127.0.0.1:${hole.port}` });
      const health = async () => {
        const t0 = performance.now();
        const r = await fetch(base + "/webhooks/wpp-connect/health", { signal: AbortSignal.timeout(5000) });
        const body = await r.json();
        return { status: r.status, body, ms: performance.now() - t0 };
      };
      const calls = [health(), health(), health(), health()];
      const live = await liveness(base);
      const answers = await Promise.all(calls);
      expect(live.status).toBe(200);
      expect(live.ms).toBeLessThan(300);
      for (const a of answers) {
        expect(a.status).toBe(200);
        expect(a.body.whatsapp).toEqual({ connected: false });
        expect(a.ms).toBeLessThan(500);
      }
    } finally {
      hole.stop(true);
    }
  });
});

describe("item 14: request ids, ambiguous framing, CORS", () => {
  test("a 20 KB X-Request-ID is not echoed: the request is answered with a generated id", async () => {
    const base = await startServer();
    const r = await fetch(base + "/health/liveness", {
      headers: { "X-Request-ID": "a".repeat(20_000) },
      signal: AbortSignal.timeout(3000),
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("x-request-id")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const bad = await fetch(base + "/v1/nope", { headers: { "X-Request-ID": "<img src=x>" } });
    const body = await bad.json();
    expect(bad.headers.get("x-request-id")).toHaveLength(36);
    expect(body.meta.requestId).toBe(bad.headers.get("x-request-id"));
    const ok = await fetch(base + "/v1/nope", { headers: { "X-Request-ID": "client-request-12345" } });
    expect(ok.headers.get("x-request-id")).toBe("client-request-12345");
  });

  test("Transfer-Encoding together with Content-Length is refused with 400", async () => {
    const base = await startServer();
    const r = await rawRequest(
      base,
      "POST /v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
        "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    );
    expect(r.status).toBe(400);
    expect(r.text).toContain("Transfer-Encoding and Content-Length must not both be sent");
    expect(r.text.toLowerCase()).toContain("connection: close");
  });

  test("CORS: only allow-listed origins are echoed; the list is configurable", async () => {
    const base = await startServer();
    const ask = async (b: string, origin: string, method = "GET") =>
      (
        await fetch(b + "/health/liveness", {
          method,
          headers: { Origin: origin, "Access-Control-Request-Method": "GET" },
        })
      ).headers.get("access-control-allow-origin");
    expect(await ask(base, "https://evil.example")).toBeNull();
    expect(await ask(base, "https://evil.example", "OPTIONS")).toBeNull();
    expect(await ask(base, "http://localhost:3000")).toBe("http://localhost:3000");
    expect(await ask(base, "http://localhost:5173", "OPTIONS")).toBe("http://localhost:5173");
    const custom = await startServer({ FIN_CORS_ORIGINS: "https://app.example.com, https://admin.example.com" });
    expect(await ask(custom, "https://admin.example.com")).toBe("https://admin.example.com");
    expect(await ask(custom, "http://localhost:3000")).toBeNull();
  });
});

describe("item 10: rate limiting holds when it is on", () => {
  // 100 requests a minute per caller and route (rateLimit.apiPerMinute)
  const LIMIT = 100;

  test("spellings of one route share its budget (case, trailing slash)", async () => {
    const base = await startServer({ FIN_RATE_LIMIT: "true" });
    const auth = { Authorization: tok("user-123") };
    const paths = ["/v1/cards", "/V1/cards", "/v1/cards/", "/v1/CARDS/"];
    const statuses = await pool(LIMIT, 4, async (i) => (await fetch(base + paths[i % 4], { headers: auth })).status);
    expect(statuses.every((s) => s === 200)).toBe(true);
    for (const p of paths) {
      const r = await fetch(base + p, { headers: auth });
      expect(r.status).toBe(429);
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    // another user has a budget of their own
    expect((await fetch(base + "/v1/cards", { headers: { Authorization: tok("admin-001", "admin") } })).status).toBe(200);
  });

  test("unauthenticated callers: a forged X-Forwarded-For is not a fresh budget", async () => {
    const base = await startServer({ FIN_RATE_LIMIT: "true" });
    const hook = (xff: string) =>
      fetch(base + "/webhooks/wpp-connect", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Forwarded-For": xff },
        body: "{}",
      });
    const statuses = await pool(LIMIT, 4, async (i) => (await hook(`198.51.100.${i}`)).status);
    expect(statuses.includes(429)).toBe(false);
    expect((await hook("203.0.113.77")).status).toBe(429);
  });

  test("behind a trusted proxy the forwarded client address is the key", async () => {
    const base = await startServer({ FIN_RATE_LIMIT: "true", FIN_TRUSTED_PROXIES: "127.0.0.1" });
    const hook = (xff: string) =>
      fetch(base + "/webhooks/wpp-connect", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Forwarded-For": xff },
        body: "{}",
      });
    const statuses = await pool(LIMIT, 4, async () => (await hook("198.51.100.1")).status);
    expect(statuses.includes(429)).toBe(false);
    expect((await hook("198.51.100.1")).status).toBe(429);
    // a client-written left part does not choose the key either
    expect((await hook("203.0.113.5, 198.51.100.1")).status).toBe(429);
    expect((await hook("198.51.100.2")).status).not.toBe(429);
  });
});
