// server.ts - the server under test. With BASE_URL set, that server (any
// mode); otherwise one memory-mode server per test run, started from
// FIN_BIN (default build/financial-api) on a free loopback port and stopped
// when the run ends. Extra environment for a dedicated server: startServer().
// FIN_SERVER_MODE (memory | aws | firebase) picks the mode of the servers
// started here; the test files never know it.
import { spawn, type Subprocess } from "bun";

const started: Subprocess[] = [];

async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

async function waitReady(base: string, proc: Subprocess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`);
    try {
      const r = await fetch(`${base}/health/liveness`);
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    await Bun.sleep(5); // polling for readiness, not synchronising a test
  }
  throw new Error(`server at ${base} not ready after 10 s`);
}

const mode = () => process.env.FIN_SERVER_MODE ?? "memory"; /* read late: test files may set it */
let dedicated = 0;
/* Bun evaluates this module once per test file, so the counter alone would
 * repeat across files: a random part keeps every dedicated store apart. */
const runTag = () => `t${process.pid}x${crypto.randomUUID().slice(0, 8)}x${++dedicated}`;

/** Tables (AWS) or a database (Firebase) of its own for a dedicated server,
 * so what it counts or wipes is its own (memory mode gets a fresh process
 * anyway). */
async function ownTables(bin: string): Promise<Record<string, string>> {
  if (mode() === "firebase") return { FIRESTORE_DATABASE: runTag() };
  if (mode() !== "aws") return {};
  const prefix = `${runTag()}-`;
  const p = spawn([bin, "provision", "localstack/manifest.json", "--tables-only", "--prefix", prefix], {
    stdout: "ignore",
    stderr: "pipe",
  });
  if ((await p.exited) !== 0) throw new Error(`provision ${prefix}: ${await new Response(p.stderr).text()}`);
  return { FIN_TABLE_PREFIX: prefix };
}

/** Starts a dedicated server (same mode as the suite) with extra environment. */
export async function startServer(env: Record<string, string> = {}, useSharedTables = false): Promise<string> {
  const port = await freePort();
  const bin = process.env.FIN_BIN ?? "build/financial-api";
  const tables = useSharedTables ? {} : await ownTables(bin);
  const proc = spawn([bin, "serve", "--port", String(port), "--bind", "127.0.0.1"], {
    env: { ...process.env, INFRA_MODE: mode(), FIN_LOG: "0", ...tables, ...env },
    stdout: "ignore",
    stderr: "ignore",
  });
  started.push(proc);
  const base = `http://127.0.0.1:${port}`;
  await waitReady(base, proc);
  return base;
}

let shared: Promise<string> | undefined;

/** The base URL every test file shares. */
export function baseUrl(): Promise<string> {
  if (process.env.BASE_URL) return Promise.resolve(process.env.BASE_URL.replace(/\/$/, ""));
  shared ??= startServer({}, true);
  return shared;
}

export function stopServers(): void {
  for (const p of started) p.kill("SIGTERM");
  started.length = 0;
}

process.on("exit", stopServers);
