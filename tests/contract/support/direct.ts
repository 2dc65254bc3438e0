// direct.ts - for the mode-specific suites (tests/aws, tests/firebase), which
// talk to servers and emulators of their own: a plain HTTP call to a given
// server (no contract validation: client.ts does that for the shared one),
// dev tokens, and running the binary (`financial-api run <script>`,
// `provision`) with extra environment.
import { spawn } from "bun";

export const bin = process.env.FIN_BIN ?? "build/financial-api";

export type Res = { status: number; body: any; headers: Headers };

/** method path on the server at base; body JSON-encoded when given. */
export async function http(base: string, method: string, path: string, auth?: string, body?: unknown, key?: string): Promise<Res> {
  const headers: Record<string, string> = {};
  if (auth) headers.Authorization = auth;
  if (key) headers["Idempotency-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : undefined, headers: r.headers };
}

/** A dev token ("mock.<base64 JSON>.sig"), as memory mode and the dev fallbacks take. */
export const dev = (eco: string, role = "user") =>
  `Bearer mock.${Buffer.from(JSON.stringify({ ecosystemId: eco, role })).toString("base64")}.sig`;

/** The binary with args and extra environment: exit code, stdout, stderr. */
export async function runBin(args: string[], env: Record<string, string | undefined> = {}) {
  const p = spawn([bin, ...args], { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code, out, err };
}

/** Asserts-friendly form: "exit 0" plus the output, so a failure shows why. */
export const outcome = (r: { code: number; out: string; err: string }) => `exit ${r.code}\n${r.out}${r.err}`;
