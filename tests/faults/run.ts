// run.ts - the fault suite (scripts/test-faults.sh runs it; docs/faults.md).
//
// For each mode (FAULT_MODES, default "aws firebase") and each seed
// (FAULT_SEEDS, default the fixed CI set): a store of its own, a fault proxy
// in front of the emulator, a server talking to the emulator through the
// proxy (the one the workload uses), a second server talking to it directly
// (the one the invariants read through), the workload, then the invariants.
// Prints PASS/FAIL per mode and seed with the evidence; exits 1 on a failure.
//
// Environment: FAULT_DDB_ENDPOINT (DynamoDB Local), FAULT_FIRESTORE_HOST
// (host:port of the Firestore emulator), FAULT_RATE (0.15), FAULT_OPS
// (operations per seed; 160 AWS, 120 Firebase), FAULT_SEEDS (both modes),
// FAULT_MODES, FAULT_KINDS (a subset of the faults, e.g. "cut_headers"),
// FAULT_DUPLICATES (share of money requests sent twice at once, 0.05), FIN_BIN.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startProxy, type Fault, type Req } from "./proxy";
import { runWorkload, type TokenFn } from "./workload";
import { history } from "./history";
import { checkInvariants, type StoreView, type Violation } from "./invariants";
import { ddbScan, fsGroup } from "./stores";
import { launchServer, startServer, stopServers } from "../contract/support/server";
import { firebaseEmulatorToken } from "../contract/support/auth";

// The fixed CI set. Firebase runs fewer: the emulator keeps the locks of a
// transaction whose commit answer was lost for a while, so a seed takes longer.
const DEFAULT_SEEDS: Record<string, number[]> = { aws: [101, 202, 303], firebase: [101, 202] };
const DEFAULT_OPS: Record<string, number> = { aws: 160, firebase: 120 };
const seedsOf = (mode: string) =>
  process.env.FAULT_SEEDS ? process.env.FAULT_SEEDS.split(/[ ,]+/).filter(Boolean).map(Number) : (DEFAULT_SEEDS[mode] ?? [101]);
const modes = (process.env.FAULT_MODES ?? "aws firebase").split(/[ ,]+/).filter(Boolean);
const rate = Number(process.env.FAULT_RATE ?? "0.15");
const duplicates = Number(process.env.FAULT_DUPLICATES ?? "0.05");
const opsOf = (mode: string) => Number(process.env.FAULT_OPS ?? DEFAULT_OPS[mode] ?? 160);
// The faulty server's per-call timeout; stalls and late deliveries go past it.
// 1000 ms was too short for a loaded machine: a busy Firestore emulator then
// answered nothing in time and a whole seed had no success to check.
const TIMEOUT_MS = Number(process.env.FAULT_TIMEOUT_MS ?? "2500");
const PROJECT = process.env.GCLOUD_PROJECT ?? "demo-acme";
const bin = process.env.FIN_BIN ?? "build/financial-api";
const logRoot = process.env.FIN_TEST_LOG_DIR ?? `.run/faults/${new Date().toISOString().replace(/[:.]/g, "-")}`;
process.env.FIN_TEST_LOG_DIR = logRoot;
mkdirSync(logRoot, { recursive: true });

const devToken: TokenFn = (eco, role) =>
  `Bearer mock.${Buffer.from(JSON.stringify({ ecosystemId: eco, role, email: `${eco}@test.local` })).toString("base64")}.sig`;
const fbToken: TokenFn = (eco, role) => `Bearer ${firebaseEmulatorToken(eco, role, { email: `${eco}@test.local` })}`;

/** One line per DynamoDB request: the operation and the tables and keys it names. */
function describeDdb(r: Req): string {
  const op = (r.headers["x-amz-target"] ?? "").split(".")[1] ?? "?";
  const body = r.body.toString();
  const keys = [...body.matchAll(/"(?:ecosystemId|ecosystemIdCardId|cardId|requestId|keyHash|entityKey|eventId)":\{"S":"([^"]{1,70})"/g)].map((m) => m[1]);
  return `${op} ${[...new Set(keys)].slice(0, 6).join(",")}`;
}
function describeFs(r: Req): string {
  const op = r.path.split(":").pop()?.split("?")[0] ?? "?";
  const docs = [...r.body.toString().matchAll(/documents\/([^"]{1,120})"/g)].map((m) => m[1]);
  return `${op} ${[...new Set(docs)].slice(0, 4).join(",")}`;
}

/** SSM and EventBridge for AWS mode: DynamoDB Local has neither, and the
 * fault suite is about the database. SSM has no parameters (the defaults
 * apply), PutEvents succeeds. */
function fakeAws(): { url: string; stop(): void } {
  const srv = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const target = req.headers.get("x-amz-target") ?? "";
      const body: any = await req.json().catch(() => ({}));
      const json = (o: unknown, status = 200) => new Response(JSON.stringify(o), { status, headers: { "Content-Type": "application/x-amz-json-1.1" } });
      if (target.endsWith(".GetParametersByPath")) return json({ Parameters: [] });
      if (target.endsWith(".GetParameter")) return json({ __type: "ParameterNotFound", message: "none" }, 400);
      if (target.endsWith(".PutEvents"))
        return json({ FailedEntryCount: 0, Entries: (body.Entries ?? []).map(() => ({ EventId: crypto.randomUUID() })) });
      if (target.endsWith(".DescribeEventBus")) return json({ Name: body.Name ?? "bus", Arn: "arn:aws:events:us-east-1:0:event-bus/x" });
      return json({ __type: "UnknownOperationException", message: target }, 400);
    },
  });
  return { url: `http://127.0.0.1:${srv.port}`, stop: () => srv.stop(true) };
}

async function provision(endpoint: string, prefix: string): Promise<void> {
  const p = Bun.spawn([bin, "provision", "localstack/manifest.json", "--tables-only", "--prefix", prefix], {
    env: { ...process.env, AWS_ENDPOINT_URL: endpoint, AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "us-east-1" },
    stdout: "ignore",
    stderr: "pipe",
  });
  if ((await p.exited) !== 0) throw new Error(`provision ${prefix}: ${await new Response(p.stderr).text()}`);
}

interface Setup {
  faulty: string; // server base URL through the proxy
  direct: string; // server base URL without faults
  view: () => Promise<StoreView>;
  token: TokenFn;
  stop(): void; // what the set-up started besides the servers
  // stops the server behind the proxy once its requests in flight are done:
  // one whose client gave up can still commit, after the store was read
  stopFaulty: () => Promise<unknown>;
}

async function setupAws(seed: number, proxyPort: number, run: string): Promise<Setup> {
  const endpoint = process.env.FAULT_DDB_ENDPOINT;
  if (!endpoint) throw new Error("FAULT_DDB_ENDPOINT is not set (scripts/test-faults.sh starts DynamoDB Local)");
  const prefix = `${run}-`;
  await provision(endpoint, prefix);
  const side = fakeAws();
  const common = {
    FIN_WIRING: "lua/aws.lua",
    AWS_ENDPOINT_URL: side.url,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
    FIN_DEV_AUTH: "true",
    FIN_TABLE_PREFIX: prefix,
  };
  process.env.FIN_SERVER_MODE = "aws";
  const faulty = await launchServer({ ...common, AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${proxyPort}`, FIN_AWS_TIMEOUT_MS: String(TIMEOUT_MS) }, true);
  const direct = await startServer({ ...common, AWS_ENDPOINT_URL_DYNAMODB: endpoint, FIN_AWS_TIMEOUT_MS: "20000" }, true);
  const scan = (t: string) => ddbScan(endpoint, prefix + t);
  return {
    faulty: faulty.base,
    stopFaulty: faulty.stop,
    direct,
    token: devToken,
    stop: side.stop,
    view: async () => ({
      cards: await scan("cards"),
      users: await scan("users"),
      requests: await scan("card-requests"),
      outbox: await scan("outbox"),
      transactions: await scan("transactions"),
    }),
  };
}

async function setupFirebase(seed: number, proxyPort: number, run: string, authHost: string): Promise<Setup> {
  const host = process.env.FAULT_FIRESTORE_HOST;
  if (!host) throw new Error("FAULT_FIRESTORE_HOST is not set (scripts/test-faults.sh starts the Firestore emulator)");
  const database = run;
  const common = { FIN_WIRING: "lua/firebase.lua", GCLOUD_PROJECT: PROJECT, FIRESTORE_DATABASE: database, FIREBASE_AUTH_EMULATOR_HOST: authHost };
  process.env.FIN_SERVER_MODE = "firebase";
  const faulty = await launchServer({ ...common, FIRESTORE_EMULATOR_HOST: `127.0.0.1:${proxyPort}`, FIN_FIRESTORE_TIMEOUT_MS: String(TIMEOUT_MS) }, true);
  const direct = await startServer({ ...common, FIRESTORE_EMULATOR_HOST: host, FIN_FIRESTORE_TIMEOUT_MS: "20000" }, true);
  const group = (c: string) => fsGroup(host, PROJECT, database, c);
  return {
    faulty: faulty.base,
    stopFaulty: faulty.stop,
    direct,
    token: fbToken,
    stop: () => {},
    view: async () => ({
      cards: await group("cards"),
      users: (await group("users")).filter((d) => /^users\/[^/]+$/.test(d._path)),
      requests: await group("cardRequests"),
      outbox: await group("outbox"),
      transactions: await group("transactions"),
    }),
  };
}

/** The Auth emulator is needed only for readiness in Firebase mode: the
 * tokens it issues are unsigned and the server checks them offline, so the
 * suite mints them (auth.ts firebaseEmulatorToken) and a stub answers the
 * readiness probe. */
function fakeAuth(): { host: string; stop(): void } {
  const srv = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("{}") });
  return { host: `127.0.0.1:${srv.port}`, stop: () => srv.stop(true) };
}

/** The faults the proxy injected on the store calls of a violation's request:
 * lines naming its user, from its first attempt to 2.5 s after its answer
 * (late deliveries land after the client gave up). */
function evidence(log: string, v: Violation): string[] {
  if (!v.op?.t0) return [];
  const from = v.op.t0 - 50;
  const to = (v.op.t1 ?? v.op.t0) + 2500;
  const user = new RegExp(`(^|[ ,/#])${v.op.user}([ ,/#]|$)`);
  let lines: string[];
  try {
    lines = readFileSync(log, "utf8").split("\n");
  } catch {
    return [];
  }
  const hits = lines.filter((l) => {
    const t = Date.parse(l.slice(0, 24));
    return t >= from && t <= to && (l.includes(" fault=") ? user.test(l) : false);
  });
  const shown = hits.slice(0, 8).map((l) => `      proxy: ${l.length > 300 ? l.slice(0, 300) + "..." : l}`);
  return hits.length > 8 ? [...shown, `      proxy: (${hits.length - 8} more)`] : shown.length ? shown : ["      proxy: no fault logged on this user's calls in that window"];
}

async function runSeed(mode: string, seed: number): Promise<{ ok: boolean; report: string }> {
  const run = `f${mode[0]}${seed}x${Date.now().toString(36)}`;
  const log = join(logRoot, `proxy-${mode}-${seed}.log`);
  const target = mode === "aws" ? new URL(process.env.FAULT_DDB_ENDPOINT!) : new URL(`http://${process.env.FAULT_FIRESTORE_HOST}`);
  const proxy = await startProxy({
    targetHost: target.hostname,
    targetPort: Number(target.port),
    seed,
    rate,
    kinds: (process.env.FAULT_KINDS ?? "").split(/[ ,]+/).filter(Boolean) as Fault[],
    clientTimeoutMs: TIMEOUT_MS,
    logFile: log,
    describe: mode === "aws" ? describeDdb : describeFs,
  });
  const auth = fakeAuth();
  const started = Date.now();
  let s: Setup | undefined;
  try {
    s = mode === "aws" ? await setupAws(seed, proxy.port, run) : await setupFirebase(seed, proxy.port, run, auth.host);
    const w = await runWorkload(s.faulty, seed, s.token, opsOf(mode), duplicates);
    await s.stopFaulty(); // its last commits land before the store is read
    await proxy.idle(); // late requests delivered before the store is read
    const view = await s.view();
    const { violations, checked } = await checkInvariants(w, s.direct, s.token, view);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const faults = Object.entries(proxy.counts).filter(([k, n]) => k !== "none" && n > 0).map(([k, n]) => `${k}=${n}`).join(" ");
    const head = `${mode} seed=${seed} rate=${rate}: ${w.ops.length} requests, ${Object.values(proxy.counts).reduce((a, b) => a + b, 0)} store calls, faults: ${faults || "none"}; checked ${checked} (${secs} s)`;
    if (violations.length === 0) return { ok: true, report: `PASS ${head}` };
    // every request and answer of the run, for reading a failure afterwards
    writeFileSync(join(logRoot, `ops-${mode}-${seed}.json`), JSON.stringify(w.ops));
    const told = (v: Violation) => {
      try {
        return history(w, view, v);
      } catch (e) {
        return [`      (history unavailable: ${e})`];
      }
    };
    const lines = violations.flatMap((v) => [`  [${v.invariant}] ${v.detail}`, ...evidence(log, v), ...told(v)]);
    return { ok: false, report: [`FAIL ${head}`, ...lines, `  replay: FAULT_MODES=${mode} FAULT_SEEDS=${seed} FAULT_RATE=${rate} FAULT_DUPLICATES=${duplicates} scripts/test-faults.sh`, `  proxy log: ${log}`, `  requests and answers: ${join(logRoot, `ops-${mode}-${seed}.json`)}`].join("\n") };
  } finally {
    proxy.stop();
    auth.stop();
    s?.stop();
    stopServers();
  }
}

let failed = 0;
const reports: string[] = [];
for (const mode of modes) {
  for (const seed of seedsOf(mode)) {
    let r: { ok: boolean; report: string };
    try {
      r = await runSeed(mode, seed);
    } catch (e) {
      r = { ok: false, report: `FAIL ${mode} seed=${seed}: ${(e as Error).stack ?? e}` };
    }
    console.log(r.report);
    if (!r.ok) {
      failed++;
      const log = join(logRoot, `proxy-${mode}-${seed}.log`);
      try {
        const lines = readFileSync(log, "utf8").trimEnd().split("\n");
        console.log(`  ----- ${log} (last 40 of ${lines.length} lines)\n${lines.slice(-40).map((l) => "  " + l).join("\n")}`);
      } catch {
        /* no log */
      }
    }
    reports.push(r.report.split("\n")[0]!);
  }
}
console.log(`\nfault suite: ${reports.length - failed} passed, ${failed} failed; logs in ${logRoot}`);
for (const r of reports) console.log(`  ${r}`);
process.exit(failed ? 1 : 0);
