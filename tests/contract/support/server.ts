// server.ts - the server under test. With BASE_URL set, that server (any
// mode); otherwise one memory-mode server per test run, started from
// FIN_BIN (default build/financial-api) and stopped when the run ends.
// Extra environment for a dedicated server: startServer().
// FIN_SERVER_MODE (memory | aws | firebase) picks the mode of the servers
// started here; the test files never know it.
//
// A server listens on port 0 (the kernel picks a free port) and writes the
// port it got to a file: choosing a port here and handing it on would race
// with every outgoing connection on the machine. Its log goes to a file in
// FIN_TEST_LOG_DIR (scripts/bun-test.sh prints their tails when a run fails).
import { spawn, type Subprocess } from "bun";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const started: Subprocess[] = [];
const logDir = () => process.env.FIN_TEST_LOG_DIR ?? ".run/test-logs";

function readPort(file: string): number {
  try {
    return Number(readFileSync(file, "utf8").trim()) || 0;
  } catch {
    return 0; /* not listening yet */
  }
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

async function waitReady(portFile: string, log: string, proc: Subprocess): Promise<string> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}; its log ${log}:\n${tail(log)}`);
    const port = readPort(portFile);
    if (port) {
      const base = `http://127.0.0.1:${port}`;
      const ok = await fetch(`${base}/health/liveness`).then((r) => r.ok, () => false);
      if (ok) return base;
    }
    await Bun.sleep(5); // polling for readiness, not synchronising a test
  }
  throw new Error(`server not ready after 20 s; its log ${log}:\n${tail(log)}`);
}

const mode = () => process.env.FIN_SERVER_MODE ?? "memory"; /* read late: test files may set it */
let dedicated = 0;
/* Bun evaluates this module once per test file, so the counter alone would
 * repeat across files: a random part keeps every dedicated store apart. */
const runTag = () => `t${process.pid}x${crypto.randomUUID().slice(0, 8)}x${++dedicated}`;

/** Tables (AWS) or a database (Firebase) of its own for a dedicated server,
 * so what it counts or wipes is its own (memory mode gets a fresh process
 * anyway). */
export async function ownTables(bin = process.env.FIN_BIN ?? "build/financial-api"): Promise<Record<string, string>> {
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
  return (await launchServer(env, useSharedTables)).base;
}

/** startServer, also giving the server's log file and a graceful stop
 * (SIGTERM, then its exit: the outbox worker ends its batch first). */
export async function launchServer(env: Record<string, string> = {}, useSharedTables = false) {
  const bin = process.env.FIN_BIN ?? "build/financial-api";
  const tables = useSharedTables ? {} : await ownTables(bin);
  const tag = runTag();
  mkdirSync(logDir(), { recursive: true });
  const log = join(logDir(), `server-${tag}.log`);
  const portFile = join(logDir(), `server-${tag}.port`);
  const proc = spawn([bin, "serve", "--port", "0", "--port-file", portFile, "--bind", "127.0.0.1"], {
    env: { ...process.env, INFRA_MODE: mode(), FIN_LOG: "1", ...tables, ...env },
    stdout: "ignore", // the server writes its log to stderr only
    stderr: Bun.file(log),
  });
  started.push(proc);
  const base = await waitReady(portFile, log, proc);
  const stop = async () => {
    proc.kill("SIGTERM");
    return proc.exited;
  };
  return { base, log, stop };
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
