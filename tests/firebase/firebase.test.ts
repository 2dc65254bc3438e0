// firebase.test.ts - what only Firebase mode has: Auth emulator tokens
// (accepted only when the server runs with the emulator; expired or foreign
// ones refused), the dev-token fallback (FIN_DEV_AUTH) and a Firestore outage. Runs against the emulators of
// scripts/test-emulator.sh with servers of its own
// (tests/contract/support/server.ts, FIN_SERVER_MODE=firebase).
import { afterAll, describe, expect, test } from "bun:test";
import { spawn, type Subprocess } from "bun";
import { emulatorCall, emulatorIdToken, firebaseEmulatorToken } from "../contract/support/auth";
import { dev, http, type Res } from "../contract/support/direct";
import { startServer } from "../contract/support/server";
import { uid } from "../contract/support/ids";
import { lowPort } from "../contract/support/ports";

process.env.FIN_SERVER_MODE = "firebase";
const authHost = process.env.FIREBASE_AUTH_EMULATOR_HOST ?? "127.0.0.1:9099";
const JAR = "/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar";

const real = (eco: string, role = "user") => `Bearer ${emulatorIdToken(authHost, eco, role)}`;
const ADMIN = () => real("admin-001", "admin");
const FALLBACK_WARNING = "auth_provider: dev-token fallback is on (not for production)";
const EMULATOR_WARNING = "auth_provider: unsigned Auth emulator tokens accepted (not for production)";

async function until(what: string, fn: () => Promise<boolean>, ms = 30000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      if (await fn()) return;
    } catch {
      /* not yet */
    }
    await Bun.sleep(100); // polling an external process, not synchronising a test
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

/** A registered user with a card (score 720: auto-approved, limit 10000). */
async function userWithCard(base: string, eco = uid("fb")) {
  expect((await http(base, "POST", "/v1/users", real(eco), {})).status).toBe(201);
  const s = await http(base, "PATCH", `/v1/admin/users/${eco}/score`, ADMIN(), { score: 720, reason: "setup" }, uid("k"));
  expect(s.status).toBe(200);
  const r = await http(base, "POST", "/v1/cards/requests", real(eco), { productId: "prod-standard" }, uid("k"));
  expect(r.status).toBe(201);
  return { eco, card: r.body.request.card.cardId as string };
}

describe("auth", () => {
  test("an Auth emulator ID token is accepted; role and ecosystemId come from its custom claims", async () => {
    const base = await startServer();
    const eco = uid("fb");
    const made = await http(base, "POST", "/v1/users", real(eco), {});
    expect(made.status).toBe(201);
    expect(made.body.user.ecosystemId).toBe(eco);
    expect(made.body.user.email).toBe(`${eco}@test.local`); // the email of the emulator's user record
    expect((await http(base, "GET", "/v1/dashboard", real(eco))).status).toBe(200);
    expect((await http(base, "GET", "/v1/admin/card-requests", real(eco))).status).toBe(403);
    expect((await http(base, "GET", "/v1/admin/card-requests", ADMIN())).status).toBe(200);
  });

  // behaviour.md §3.1 step 3: the server asks accounts:lookup about the
  // token's uid; with FIN_AUTH_STATUS_TTL_S=0 it asks on every request, so
  // disabling and enabling the account shows on the next one.
  test("an account disabled in the Auth emulator gets 403 ACCOUNT_DISABLED, and 200 once enabled", async () => {
    const base = await startServer({ FIN_AUTH_STATUS_TTL_S: "0" });
    const eco = uid("fb");
    expect((await http(base, "POST", "/v1/users", real(eco), {})).status).toBe(201);
    expect((await http(base, "GET", "/v1/dashboard", real(eco))).status).toBe(200);
    const update = `http://${authHost}/identitytoolkit.googleapis.com/v1/projects/${process.env.GCLOUD_PROJECT ?? "demo-acme"}/accounts:update`;
    emulatorCall(update, { localId: eco, disableUser: true }, true);
    const refused = await http(base, "GET", "/v1/dashboard", real(eco));
    expect(refused.status).toBe(403);
    expect(refused.body.error).toEqual({ code: "ACCOUNT_DISABLED", message: "Account has been disabled" });
    emulatorCall(update, { localId: eco, disableUser: false }, true);
    expect((await http(base, "GET", "/v1/dashboard", real(eco))).status).toBe(200);
  });

  test("an expired token is refused as expired", async () => {
    const base = await startServer();
    const past = Math.floor(Date.now() / 1000) - 7200;
    const t = firebaseEmulatorToken(uid("fb"), "user", { iat: past, auth_time: past, exp: past + 3600 });
    const r = await http(base, "GET", "/v1/dashboard", `Bearer ${t}`);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("TOKEN_EXPIRED");
  });

  test("a token of another project, and a dev token, are refused", async () => {
    const base = await startServer();
    const eco = uid("fb");
    const foreign = firebaseEmulatorToken(eco, "user", { aud: "other-project", iss: "https://securetoken.google.com/other-project" });
    expect((await http(base, "GET", "/v1/dashboard", `Bearer ${foreign}`)).body.error.code).toBe("INVALID_TOKEN");
    expect((await http(base, "GET", "/v1/dashboard", dev(eco))).status).toBe(401);
  });

  test("FIN_DEV_AUTH=true: dev tokens beside Auth emulator tokens, said in readiness; refused without it", async () => {
    const base = await startServer({ FIN_DEV_AUTH: "true" });
    const eco = uid("fb");
    const made = await http(base, "POST", "/v1/users", dev(eco), {});
    expect(made.status).toBe(201);
    expect(made.body.user.email).toBe(`${eco}@test.local`);
    expect((await http(base, "GET", "/v1/dashboard", dev(eco))).status).toBe(200);
    expect((await http(base, "GET", "/v1/admin/card-requests", dev(eco))).status).toBe(403);
    expect((await http(base, "GET", "/v1/admin/card-requests", dev("admin-001", "admin"))).status).toBe(200);
    // the emulator's own tokens keep working beside them, for the same user
    expect((await http(base, "GET", "/v1/dashboard", real(eco))).status).toBe(200);
    const ready = await http(base, "GET", "/health/readiness");
    expect(ready.status).toBe(200);
    expect(ready.body.warnings).toEqual([FALLBACK_WARNING, EMULATOR_WARNING]);

    const plain = await startServer({ FIN_DEV_AUTH: "false" });
    const r = await http(plain, "GET", "/v1/dashboard", dev(eco));
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("INVALID_TOKEN");
    expect((await http(plain, "GET", "/health/readiness")).body.warnings).toEqual([EMULATOR_WARNING]);
  });

  test("without FIREBASE_AUTH_EMULATOR_HOST the server refuses emulator tokens", async () => {
    // unset for this server: only RS256 tokens signed by Google would pass
    const base = await startServer({ FIREBASE_AUTH_EMULATOR_HOST: "" });
    const eco = uid("fb");
    const started = Date.now();
    const r = await http(base, "GET", "/v1/dashboard", real(eco));
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("INVALID_TOKEN");
    expect(Date.now() - started).toBeLessThan(10000);
  });
});

describe("outage", () => {
  const procs: Subprocess[] = [];
  afterAll(() => procs.forEach((p) => p.kill("SIGKILL")));

  /** A Firestore emulator of this test's own (one java process to pause or
   * kill), on `port`, or on a free port below the ephemeral range (another
   * listener may take that port first: then another one is tried). */
  async function ownFirestore(port = 0): Promise<{ proc: Subprocess; port: number }> {
    for (let attempt = 1; ; attempt++) {
      const p = port || lowPort();
      const proc = await startFirestore(p);
      if (proc) return { proc, port: p };
      if (port || attempt === 3) throw new Error(`the Firestore emulator exited at start (port ${p})`);
    }
  }

  /** The emulator on `port`, warmed up; undefined when it exits at start. */
  async function startFirestore(port: number): Promise<Subprocess | undefined> {
    const proc = spawn(
      ["java", "-Duser.language=en", "-cp", JAR, "com.google.cloud.datastore.emulator.firestore.CloudFirestore", "start", "--host=127.0.0.1", `--port=${port}`],
      { stdout: "ignore", stderr: "ignore" },
    );
    procs.push(proc);
    let exited = false;
    await until("firestore", async () => {
      if (proc.exitCode !== null) return (exited = true);
      return (await fetch(`http://127.0.0.1:${port}/`)).ok;
    }, 60000);
    if (exited) return undefined;
    // a cold emulator answers its first document calls slowly: warm it up
    // so the short client timeout below measures the outage, not the JIT
    const docs = `http://127.0.0.1:${port}/v1/projects/${process.env.GCLOUD_PROJECT ?? "demo-acme"}/databases/(default)/documents`;
    await until("firestore documents", async () => {
      const r = await fetch(`${docs}:runQuery`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: "Bearer owner" },
        body: JSON.stringify({ structuredQuery: { from: [{ collectionId: "warmup" }] } }),
        signal: AbortSignal.timeout(5000),
      });
      return r.ok;
    }, 60000);
    return proc;
  }

  test("Firestore paused mid-run: 503 and unhealthy readiness, then recovery with nothing half-written", async () => {
    const { proc: fs, port } = await ownFirestore();
    // short enough that the paused emulator gives a quick 503, long enough for
    // a busy machine (1000 ms was not: the first purchases timed out)
    const base = await startServer({ FIRESTORE_EMULATOR_HOST: `127.0.0.1:${port}`, FIN_FIRESTORE_TIMEOUT_MS: "2000" }, true);
    const { eco, card } = await userWithCard(base);
    const buy = (amount: number) => http(base, "POST", `/v1/cards/${card}/transactions/purchases`, real(eco), { amount }, uid("k"));
    expect((await buy(10)).status).toBe(201);

    process.kill(fs.pid, "SIGSTOP");
    try {
      const started = Date.now();
      const r = await buy(20);
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe("DEPENDENCY_UNAVAILABLE");
      expect(Date.now() - started).toBeLessThan(10000); // bounded by the client timeout, no hang
      // readiness answers from a background check: the next one sees the outage
      let ready: Res | undefined;
      await until("readiness unhealthy", async () => (ready = await http(base, "GET", "/health/readiness")).status === 503);
      expect(ready!.body.dependencies.database).toBe("unhealthy");
    } finally {
      process.kill(fs.pid, "SIGCONT");
    }
    await until("readiness again", async () => (await http(base, "GET", "/health/readiness")).status === 200);
    // the emulator may still hold the interrupted transaction's locks for a while
    let third: Res | undefined;
    await until("a purchase again", async () => (third = await buy(30)).status === 201, 90000);
    expect(third!.status).toBe(201);

    // whatever the interrupted purchase did, it did all of it or nothing
    const txns = await http(base, "GET", `/v1/cards/${card}/transactions?type=purchase&limit=100`, real(eco));
    const done = txns.body.transactions.filter((t: any) => t.status === "completed");
    const sum = done.reduce((a: number, t: any) => a + t.amount, 0);
    const c = await http(base, "GET", `/v1/cards/${card}`, real(eco));
    expect(c.body.card.balance).toBe(sum);
    expect(done.length === 2 || done.length === 3).toBe(true);
  }, 180000);

  test("Firestore stopped: a fast 503 and unhealthy readiness; restarted: serving again", async () => {
    const { proc: fs, port } = await ownFirestore();
    // a stopped emulator refuses connections at once: the timeout only has to
    // be long enough for the calls before and after, on a busy machine
    const base = await startServer({ FIRESTORE_EMULATOR_HOST: `127.0.0.1:${port}`, FIN_FIRESTORE_TIMEOUT_MS: "15000" }, true);
    const eco = uid("fb");
    expect((await http(base, "POST", "/v1/users", real(eco), {})).status).toBe(201);
    fs.kill("SIGKILL");
    await fs.exited;
    const started = Date.now();
    const r = await http(base, "GET", "/v1/dashboard", real(eco));
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe("DEPENDENCY_UNAVAILABLE");
    expect(Date.now() - started).toBeLessThan(5000);
    await until("readiness unhealthy", async () => (await http(base, "GET", "/health/readiness")).status === 503);

    await ownFirestore(port); // an emulator keeps nothing: the user is gone, the API works
    await until("readiness again", async () => (await http(base, "GET", "/health/readiness")).status === 200);
    expect((await http(base, "GET", "/v1/dashboard", real(eco))).status).toBe(404);
    expect((await http(base, "POST", "/v1/users", real(eco), {})).status).toBe(201);
  }, 180000);
});
