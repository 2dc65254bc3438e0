// identity.test.ts - tokens anyone can make stay on loopback. Memory mode's
// dev tokens (and Firebase Auth emulator tokens) carry no signature, so a
// server that accepts them binds 127.0.0.1 unless FIN_INSECURE_DEV_TOKENS
// says otherwise, and the Auth emulator's tokens are accepted only from a
// loopback emulator next to the Firestore emulator. Dedicated servers,
// started here because startServer() always binds 127.0.0.1.
import { afterAll, describe, expect, test } from "bun:test";
import { spawn, type Subprocess } from "bun";

const bin = process.env.FIN_BIN ?? "build/financial-api";
const procs: Subprocess[] = [];
afterAll(() => {
  for (const p of procs) p.kill("SIGTERM");
});

async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

/** Base environment: no mode variable from the caller leaks in. */
function baseEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(INFRA_MODE|USE_|AWS_ENDPOINT_URL|FIRE|FIN_WIRING|FIN_INSECURE)/.test(k)) env[k] = v;
  }
  return { ...env, FIN_LOG: "1", ...extra };
}

type Outcome = { exited: true; code: number; stderr: string } | { exited: false; base: string; stderr: () => Promise<string> };

/** Starts `serve` and reports whichever comes first: it exits, or it answers. */
async function serve(args: string[], env: Record<string, string>): Promise<Outcome> {
  const port = await freePort();
  const proc = spawn([bin, "serve", "--port", String(port), ...args], { env: baseEnv(env), stdout: "ignore", stderr: "pipe" });
  procs.push(proc);
  const base = `http://127.0.0.1:${port}`;
  const answered = (async () => {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && proc.exitCode === null) {
      try {
        if ((await fetch(`${base}/health/liveness`)).ok) return true;
      } catch {
        /* not listening yet */
      }
      await Bun.sleep(5); // polling for readiness with a deadline
    }
    return false;
  })();
  const first = await Promise.race([proc.exited.then(() => "exit" as const), answered.then(() => "up" as const)]);
  if (first === "exit" || proc.exitCode !== null) {
    await proc.exited;
    return { exited: true, code: proc.exitCode ?? -1, stderr: await new Response(proc.stderr).text() };
  }
  return {
    exited: false,
    base,
    stderr: async () => {
      proc.kill("SIGTERM");
      await proc.exited;
      return new Response(proc.stderr).text();
    },
  };
}

describe("dev tokens stay on loopback", () => {
  test("memory mode refuses a non-loopback bind", async () => {
    const r = await serve(["--bind", "0.0.0.0"], {});
    expect(r.exited).toBe(true);
    if (!r.exited) return;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unsigned tokens");
    expect(r.stderr).toContain("FIN_INSECURE_DEV_TOKENS");
  });

  test("with no --bind, memory mode binds 127.0.0.1 and the start log says so", async () => {
    const r = await serve([], {});
    expect(r.exited).toBe(false);
    if (r.exited) return;
    const ready = await (await fetch(`${r.base}/health/readiness`)).json();
    expect(ready.warnings).toBeUndefined();
    const log = await r.stderr();
    const line = log.split("\n").find((l) => l.includes('"event":"auth_bind"'));
    expect(line).toBeDefined();
    const ev = JSON.parse(line!);
    expect(ev.bind).toBe("127.0.0.1");
    expect(ev.unsigned_tokens).toBe(true);
  });

  test("FIN_INSECURE_DEV_TOKENS=true allows it, logged and as a readiness warning", async () => {
    const r = await serve(["--bind", "0.0.0.0"], { FIN_INSECURE_DEV_TOKENS: "true" });
    expect(r.exited).toBe(false);
    if (r.exited) return;
    const ready = await (await fetch(`${r.base}/health/readiness`)).json();
    expect(ready.warnings).toContain("auth_provider: unsigned tokens served off loopback (FIN_INSECURE_DEV_TOKENS=true)");
    const log = await r.stderr();
    expect(log).toMatch(/"event":"auth_bind","bind":"0\.0\.0\.0".*"off_loopback":true/);
  });
});

describe("Firebase Auth emulator tokens", () => {
  // Firestore is never reached: the wiring refuses before serving.
  test("refused from a non-loopback Auth emulator host", async () => {
    for (const host of ["evil.example:9099", "evil.example#@127.0.0.1:9099"]) {
      const r = await serve([], {
        INFRA_MODE: "firebase", FIRESTORE_EMULATOR_HOST: "127.0.0.1:1", FIREBASE_AUTH_EMULATOR_HOST: host,
      });
      expect(r.exited).toBe(true);
      if (!r.exited) return;
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("not loopback");
    }
  });

  test("refused against a real Firestore (no FIRESTORE_EMULATOR_HOST)", async () => {
    const r = await serve([], { INFRA_MODE: "firebase", FIREBASE_AUTH_EMULATOR_HOST: "127.0.0.1:9099" });
    expect(r.exited).toBe(true);
    if (!r.exited) return;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("refusing unsigned emulator tokens against a real Firestore");
  });

  // FIN_INSECURE_AUTH_EMULATOR lets the Auth emulator be remote; it must not
  // let dev tokens in with it. Firestore is never reached here either.
  test("the dev-token fallback (FIN_DEV_AUTH) is refused unless both emulators are loopback", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ FIRESTORE_EMULATOR_HOST: "evil.example:8080", FIREBASE_AUTH_EMULATOR_HOST: "127.0.0.1:9099" },
        "(FIRESTORE_EMULATOR_HOST: http://evil.example:8080)"],
      [{ FIRESTORE_EMULATOR_HOST: "127.0.0.1:1", FIREBASE_AUTH_EMULATOR_HOST: "evil.example#@127.0.0.1:9099" },
        "(FIREBASE_AUTH_EMULATOR_HOST: evil.example#@127.0.0.1:9099)"],
      [{ FIRESTORE_EMULATOR_HOST: "127.0.0.1:1" }, "(FIREBASE_AUTH_EMULATOR_HOST: not set"],
    ];
    for (const [hosts, why] of cases) {
      const r = await serve([], { INFRA_MODE: "firebase", FIN_DEV_AUTH: "true", FIN_INSECURE_AUTH_EMULATOR: "true", ...hosts });
      expect(r.exited).toBe(true);
      if (!r.exited) return;
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("the dev-token fallback needs loopback Firebase emulators");
      expect(r.stderr).toContain(why);
    }
    const typo = await serve([], { INFRA_MODE: "firebase", FIN_DEV_AUTH: "yes", FIRESTORE_EMULATOR_HOST: "127.0.0.1:1" });
    expect(typo.exited).toBe(true);
    if (typo.exited) expect(typo.stderr).toContain("FIN_DEV_AUTH must be true, auto or false");
  });

  test("on loopback emulators FIN_DEV_AUTH lets dev tokens through, said in readiness warnings", async () => {
    const env = { INFRA_MODE: "firebase", FIRESTORE_EMULATOR_HOST: "127.0.0.1:1", FIREBASE_AUTH_EMULATOR_HOST: "127.0.0.1:1" };
    const token = `Bearer mock.${Buffer.from(JSON.stringify({ ecosystemId: "web-1" })).toString("base64")}.sig`;
    for (const on of [true, false]) {
      const r = await serve([], on ? { ...env, FIN_DEV_AUTH: "true" } : env);
      expect(r.exited).toBe(false);
      if (r.exited) return;
      const ready = await (await fetch(`${r.base}/health/readiness`)).json();
      expect(ready.warnings.includes("auth_provider: dev-token fallback is on (not for production)")).toBe(on);
      // past authentication the closed Firestore port answers: 503, not 401
      const res = await fetch(`${r.base}/v1/dashboard`, { headers: { Authorization: token } });
      expect(res.status).toBe(on ? 503 : 401);
      await r.stderr();
    }
  });

  test("a loopback emulator is accepted, said in readiness warnings, and an RS256 token is a 401", async () => {
    const r = await serve([], {
      INFRA_MODE: "firebase", FIRESTORE_EMULATOR_HOST: "127.0.0.1:1", FIREBASE_AUTH_EMULATOR_HOST: "127.0.0.1:1",
    });
    expect(r.exited).toBe(false);
    if (r.exited) return;
    const ready = await (await fetch(`${r.base}/health/readiness`)).json();
    expect(ready.warnings).toContain("auth_provider: unsigned Auth emulator tokens accepted (not for production)");
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const claims = { iss: "https://securetoken.google.com/demo-acme", aud: "demo-acme", sub: "x", role: "admin",
                     exp: Math.floor(Date.now() / 1000) + 600 };
    const forged = `${b64({ alg: "RS256", kid: "k1" })}.${b64(claims)}.c2lnbmF0dXJl`;
    const res = await fetch(`${r.base}/v1/dashboard`, { headers: { Authorization: `Bearer ${forged}` } });
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe("INVALID_TOKEN");
    await r.stderr();
  });
});
