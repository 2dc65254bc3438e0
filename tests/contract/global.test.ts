// global.test.ts - scenarios S1-S10 (behaviour.md §13) and the HTTP-level deviations:
// malformed JSON is 400 with the request id, bodies over 64 KiB are 413,
// authenticated responses are private to the caller, /openapi.yaml.
import { describe, expect, test } from "bun:test";
import { tok } from "./support/auth";
import { call, get, post } from "./support/client";
import { key } from "./support/ids";
import { user, userWithCard } from "./support/setup";

describe("S1-S4 health and headers", () => {
  test("S1 liveness answers ok with a timestamp", async () => {
    const r = await get("/health/liveness");
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("ok");
    expect(r.body.timestamp).toContain("T");
    expect(Date.parse(r.body.timestamp)).not.toBeNaN();
    expect(r.headers.get("content-type")).toContain("application/json");
  });

  test("S2 readiness: healthy dependencies, no warnings", async () => {
    const r = await get("/health/readiness");
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("healthy");
    expect(r.body.dependencies).toEqual({ database: "healthy", message_stream: "healthy", auth_provider: "healthy" });
    // AWS mode with the dev-token fallback and Firebase mode with the Auth
    // emulator accept unsigned tokens, which readiness says aloud
    const mode = process.env.FIN_SERVER_MODE ?? "memory";
    if (mode === "memory") expect(r.body.warnings).toBeUndefined();
    if (mode === "firebase")
      expect(r.body.warnings).toEqual(["auth_provider: unsigned Auth emulator tokens accepted (not for production)"]);
  });

  test("S3 security headers", async () => {
    const r = await get("/health/liveness");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    expect(r.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(r.headers.get("referrer-policy")).toBe("no-referrer");
    expect(r.headers.get("x-powered-by")).toBeNull();
  });

  test("S4 CORS preflight", async () => {
    const r = await call("OPTIONS", "/v1/dashboard", {
      headers: { Origin: "http://localhost:3000", "Access-Control-Request-Method": "GET" },
    });
    expect(r.status).toBeLessThan(400);
    expect(r.status).toBe(204);
    expect(r.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    expect(r.headers.get("access-control-allow-headers")).toBe("Content-Type,Authorization,Idempotency-Key,X-Request-ID");
    expect(r.headers.get("access-control-allow-methods")).toBe("GET,HEAD,PUT,PATCH,POST,DELETE");
    expect(r.headers.get("access-control-expose-headers")).toBe("X-Request-ID");
    expect(r.headers.get("vary")).toBe("Origin");
    expect(r.headers.get("access-control-max-age")).toBeNull();
    // the earlier server's preflight said so explicitly (behaviour.md §0.4)
    expect(r.headers.get("content-length")).toBe("0");
  });

  test("S4a every answer names the infrastructure mode (X-Infrastructure-Mode)", async () => {
    const mode = process.env.FIN_SERVER_MODE ?? "memory";
    const answers = [
      await get("/health/liveness"),
      await get("/health/readiness"),
      await get("/v1/unknown-endpoint"),
      await get("/v1/dashboard"),
      await call("OPTIONS", "/v1/dashboard", { headers: { Origin: "http://localhost:3000" } }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 404, 401, 204]);
    for (const r of answers) expect(r.headers.get("x-infrastructure-mode")).toBe(mode);
  });
});

describe("S5-S10 routing, request ids and trace ids", () => {
  test("S5 unknown GET route: 404 NOT_FOUND with a request id", async () => {
    const r = await get("/v1/unknown-endpoint");
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("NOT_FOUND");
    expect(r.body.error.message).toContain("Route not found");
    expect(r.headers.get("x-request-id")).toBeTruthy();
    expect(r.body.meta.requestId).toBe(r.headers.get("x-request-id"));
    expect(r.headers.get("content-type")).toContain("application/json");
  });

  test("S6 unknown POST route names the method and path", async () => {
    const r = await post("/v1/nonexistent", { body: {} });
    expect(r.status).toBe(404);
    expect(r.body.error.message).toBe("Route not found: POST /v1/nonexistent");
  });

  test("S7 the client's X-Request-ID is echoed on a 401", async () => {
    const r = await get("/v1/dashboard", { headers: { "X-Request-ID": "client-request-12345" } });
    expect(r.status).toBe(401);
    expect(r.headers.get("x-request-id")).toBe("client-request-12345");
    expect(r.body.meta.requestId).toBe("client-request-12345");
  });

  test("S8 a valid traceparent gives meta.traceId in lower case", async () => {
    const r = await get("/v1/nope", {
      headers: { traceparent: "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01" },
    });
    expect(r.status).toBe(404);
    expect(r.body.meta.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    const bad = await get("/v1/nope", { headers: { traceparent: "00-zz-00-01" } });
    expect(bad.body.meta.traceId).toBeUndefined();
  });

  test("S9 malformed JSON: 400 VALIDATION_ERROR with the request id (deviation 3)", async () => {
    const u = await user();
    const r = await post("/v1/cards/requests", { auth: u.auth, key: key(), raw: "not valid json" });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("VALIDATION_ERROR");
    expect(r.body.error.message).toBe("Invalid JSON body");
    expect(r.headers.get("x-request-id")).toBeTruthy();
    expect(r.body.meta.requestId).toBe(r.headers.get("x-request-id"));
  });

  test("JSON nested 32 levels is read, deeper is refused before parsing, and the server stays up", async () => {
    const u = await user();
    const nested = (levels: number) => "[".repeat(levels) + "]".repeat(levels);
    // 32 levels is the limit: read, then refused by the handler (no productId)
    const atLimit = await post("/v1/cards/requests", { auth: u.auth, key: key(), raw: nested(32) });
    expect(atLimit.status).toBe(400);
    expect(atLimit.body.error.message).toBe("productId is required");
    const tooDeep = "Request body nests deeper than 32 levels";
    for (const levels of [33, 2048, 20_000]) {
      const deeper = await post("/v1/cards/requests", { auth: u.auth, key: key(), raw: nested(levels) });
      expect(deeper.status).toBe(400);
      expect(deeper.body.error.code).toBe("VALIDATION_ERROR");
      expect(deeper.body.error.message).toBe(tooDeep);
    }
    // a valid request around a deep object: the idempotency fingerprint, which
    // walks the whole body, would otherwise descend 2,000 levels on a request's stack
    const deepObject = '{"productId":"x","z":' + '{"a":'.repeat(2000) + "1" + "}".repeat(2000) + "}";
    const r = await post("/v1/cards/requests", { auth: u.auth, key: key(), raw: deepObject });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe(tooDeep);
    // brackets inside strings do not count
    const inString = JSON.stringify({ productId: "x", note: "[".repeat(100) + '\\"' + "{".repeat(100) });
    const s = await post("/v1/cards/requests", { auth: u.auth, key: key(), raw: inString });
    expect(s.body.error?.message).not.toBe(tooDeep);
    expect((await get("/health/liveness")).status).toBe(200);
  });

  test("S10 an unsupported method on a known path: 404 before auth", async () => {
    const r = await call("DELETE", "/v1/cards/abc");
    expect(r.status).toBe(404);
    expect(r.body.error.message).toBe("Route not found: DELETE /v1/cards/abc");
  });
});

describe("D-http deviations at the HTTP level", () => {
  test("D-http a body over 64 KiB: 413 PAYLOAD_TOO_LARGE", async () => {
    const u = await user();
    const r = await post("/v1/cards/requests", {
      auth: u.auth,
      key: key(),
      raw: JSON.stringify({ productId: "x".repeat(70 * 1024) }),
    });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    const ok = await post("/v1/cards/requests", { auth: u.auth, key: key(), raw: JSON.stringify({ productId: "x".repeat(1000) }) });
    expect(ok.status).toBe(201);
  });

  test("D-http a JSON body that is not an object or array: 400", async () => {
    const u = await user();
    const r = await post("/v1/cards/requests", { auth: u.auth, key: key(), raw: "42" });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("VALIDATION_ERROR");
  });

  test("D-http a POST without a body is validated like {} (deviation 2)", async () => {
    const u = await user();
    const r = await post("/v1/cards/requests", { auth: u.auth, key: key() });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe("productId is required");
  });

  test("D-http authenticated responses are private, and still give 304", async () => {
    const u = await userWithCard(5000);
    const r = await get("/v1/cards", { auth: u.auth });
    expect(r.status).toBe(200);
    expect(r.headers.get("cache-control")).toBe("private, no-cache");
    const vary = (r.headers.get("vary") ?? "").toLowerCase();
    expect(vary).toContain("origin");
    expect(vary).toContain("authorization");
    const etag = r.headers.get("etag")!;
    expect(etag).toMatch(/^W\/"[0-9a-f]+-.{27}"$/);
    const again = await get("/v1/cards", { auth: u.auth, headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
    expect(again.text).toBe("");
  });

  test("D-http paths are case-insensitive and take one trailing slash", async () => {
    const u = await user();
    const r = await get("/V1/CARDS/", { auth: u.auth });
    expect(r.status).toBe(200);
    expect(r.body.cards).toEqual([]);
  });

  test("D-http GET /openapi.yaml serves the contract", async () => {
    const r = await get("/openapi.yaml");
    expect(r.status).toBe(200);
    expect(r.text).toContain("openapi:");
    expect(r.text).toContain("/v1/cards/{cardId}/transactions/purchases");
  });

  test("D-http a non-admin token under /v1/admin gets 403 even for unknown routes", async () => {
    const r = await get("/v1/admin/nope", { auth: tok("someone") });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("FORBIDDEN");
  });
});
