// moto.ts - an AWS emulator of a test's own (one process to pause or kill),
// run by scripts/moto_server.py like the project's shared one: port 0 lets
// the launcher pick a free port below the ephemeral range and report it.
import { spawn, type Subprocess } from "bun";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Moto {
  url: string;
  port: number;
  proc: Subprocess;
}

const owned: Subprocess[] = [];
let started = 0;

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-20).join("\n");
  } catch {
    return "(no log)";
  }
}
process.on("exit", () => owned.forEach((p) => p.kill("SIGKILL")));

function readPort(file: string): number {
  try {
    return Number(readFileSync(file, "utf8").trim());
  } catch {
    return 0; /* not listening yet */
  }
}

/** Starts moto on `port` (0: any free port below 32768) and waits until it
 * answers. `args`: more options of scripts/moto_server.py (--services ...). */
export async function startMoto(port = 0, args: string[] = []): Promise<Moto> {
  const dir = mkdtempSync(join(tmpdir(), "moto-"));
  const portFile = join(dir, "port");
  mkdirSync(".run", { recursive: true });
  const log = `.run/moto-own-${process.pid}-${++started}.log`; // kept: read it when a test fails
  const proc = spawn(
    [process.env.MOTO_PYTHON ?? "python3", "scripts/moto_server.py", "-H", "127.0.0.1", "-p", String(port), "--port-file", portFile, ...args],
    { stdout: Bun.file(log), stderr: Bun.file(log) },
  );
  owned.push(proc);
  try {
    const deadline = Date.now() + 120000; // a cold start under load can take a while
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`moto exited: ${tail(log)}`);
      const port = readPort(portFile);
      if (port && (await fetch(`http://127.0.0.1:${port}/moto-api/`).then((r) => r.ok, () => false)))
        return { url: `http://127.0.0.1:${port}`, port, proc };
      await Bun.sleep(50); // polling for readiness with a deadline, not synchronising a test
    }
    throw new Error("moto did not answer within 120 s");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every service of the server and the scripts at moto's `url`. */
export const at = (url: string) => ({
  AWS_ENDPOINT_URL: url,
  AWS_ENDPOINT_URL_DYNAMODB: url,
  AWS_ENDPOINT_URL_SQS: url,
  AWS_ENDPOINT_URL_SSM: url,
  AWS_ENDPOINT_URL_EVENTBRIDGE: url,
  AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: url,
});

/** Runs `scripts/aws-emulator.sh <cmd>` against `m` (start provisions a
 * running moto: tables, queues, rule, parameters, the manifest's users). */
export async function emulatorScript(cmd: string, m: Moto) {
  const p = spawn(["scripts/aws-emulator.sh", cmd], {
    env: {
      ...process.env,
      ...at(m.url),
      FIN_AWS_EMULATOR: "moto",
      AWS_EMULATOR_PORT: String(m.port),
      AWS_EMULATOR_RUN: mkdtempSync(join(tmpdir(), "fin-emu-")),
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, out, err] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code, out, err };
}
