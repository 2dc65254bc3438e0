// emulator_script.test.ts - scripts/aws-emulator.sh on its LocalStack path,
// without Docker: a stand-in `docker` on PATH runs `compose up -d` as a
// static HTTP server that answers like LocalStack once its init stage is
// over, and answers `compose exec` the way the hook left its state. Checked:
// `start` fails with the hook's error when the marker is absent (LocalStack
// calls the hook completed either way), `logs` shows the emulator's logs, and
// scripts/lib/aws-env.sh sends Cognito to the moto beside LocalStack.
import { afterAll, describe, expect, test } from "bun:test";
import { spawn, spawnSync } from "bun";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "fin-fake-docker-"));
const calls = join(dir, "calls");
const serverPid = join(dir, "server.pid");

// docker, as far as scripts/aws-emulator.sh uses it
writeFileSync(
  join(dir, "docker"),
  `#!/usr/bin/env bash
echo "$*" >>"${calls}"
case "$*" in
  info) exit 0 ;;
  "compose -f docker-compose.aws.yml up -d")
    # LocalStack after its init stage: health and init/ready answer, moto-api does not
    site="${dir}/site"; mkdir -p "$site/_localstack/init"
    echo '{"services": {}}' >"$site/_localstack/health"
    echo '{"completed": true, "scripts": []}' >"$site/_localstack/init/ready"
    setsid python3 -m http.server "$AWS_EMULATOR_PORT" --bind 127.0.0.1 --directory "$site" >/dev/null 2>&1 </dev/null &
    echo $! >"${serverPid}" ;;
  "compose -f docker-compose.aws.yml ps -q localstack") echo 0123456789ab ;;
  "compose -f docker-compose.aws.yml exec -T localstack test -f /tmp/financial-api/ready")
    [ -n "\${FAKE_MARKER:-}" ] ;;
  "compose -f docker-compose.aws.yml exec -T localstack cat /tmp/financial-api/error")
    [ -n "\${FAKE_ERROR:-}" ] && echo "$FAKE_ERROR" ;;
  "compose -f docker-compose.aws.yml logs"*) echo "acme-localstack  | Ready." ;;
  *) echo "fake docker: unexpected: $*" >&2; exit 2 ;;
esac
`,
);
chmodSync(join(dir, "docker"), 0o755);

afterAll(() => {
  if (existsSync(serverPid)) spawnSync(["kill", readFileSync(serverPid, "utf8").trim()]);
});

const port = spawnSync(["scripts/low-port.sh"]).stdout.toString().trim();

/** scripts/aws-emulator.sh with the stand-in docker, LocalStack forced. */
async function emulator(args: string[], env: Record<string, string> = {}) {
  const p = spawn(["scripts/aws-emulator.sh", ...args], {
    env: {
      ...process.env,
      PATH: `${dir}:${process.env.PATH}`,
      FIN_AWS_EMULATOR: "localstack",
      AWS_EMULATOR_PORT: port,
      AWS_EMULATOR_RUN: join(dir, "run"),
      ...env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, out, err] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()]);
  return { code, out, err };
}

describe("scripts/aws-emulator.sh with LocalStack", () => {
  test("start fails with the hook's error when the hook left no marker", async () => {
    const r = await emulator(["start"], { FAKE_ERROR: "missing: table acme-outbox" });
    expect(r.code).toBe(1);
    expect(r.err).toContain("LocalStack's init hook failed: missing: table acme-outbox");
    expect(r.out).not.toContain("ready on");
    expect(readFileSync(calls, "utf8")).toContain("compose -f docker-compose.aws.yml up -d");
  }, 60000);

  test("start succeeds once the marker is there (LocalStack already answering)", async () => {
    const r = await emulator(["start"], { FAKE_MARKER: "1" });
    expect(`${r.code}\n${r.err}`).toBe(`0\n${r.err}`);
    expect(r.out).toContain("LocalStack already answers");
  }, 60000);

  test("logs: LocalStack's container logs, or the log file of the moto started here", async () => {
    const ls = await emulator(["logs"]);
    expect(ls.code).toBe(0);
    expect(ls.out).toContain("acme-localstack  | Ready.");
    expect(readFileSync(calls, "utf8")).toContain("compose -f docker-compose.aws.yml logs");

    const run = join(dir, "moto-run");
    mkdirSync(run, { recursive: true });
    writeFileSync(join(run, "moto.pid"), "0\n");
    writeFileSync(join(run, "moto.log"), "moto_server: listening on http://127.0.0.1:1\n");
    const moto = await emulator(["logs"], { AWS_EMULATOR_RUN: run, FIN_AWS_EMULATOR: "moto" });
    expect(moto.code).toBe(0);
    expect(moto.out).toBe("moto_server: listening on http://127.0.0.1:1\n");
  }, 60000);
});

describe("scripts/lib/aws-env.sh", () => {
  // stand-ins answering like LocalStack and like the Cognito moto (port 0)
  const localstack = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (r) => new Response("{}", { status: new URL(r.url).pathname === "/_localstack/health" ? 200 : 404 }),
  });
  const motoLike = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (r) => new Response("{}", { status: new URL(r.url).pathname === "/moto-api/" ? 200 : 404 }),
  });
  afterAll(() => {
    localstack.stop(true);
    motoLike.stop(true);
  });

  async function cognitoEndpoint(endpoint: string, extra: Record<string, string> = {}) {
    const env: Record<string, string | undefined> = { ...process.env, AWS_ENDPOINT_URL: endpoint, ...extra };
    if (!("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER" in extra)) delete env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER;
    env.COGNITO_EMULATOR_PORT = String(motoLike.port);
    const p = spawn(["bash", "-c", '. scripts/lib/aws-env.sh && echo "${AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER:-}"'], {
      env: env as Record<string, string>,
      stdout: "pipe",
    });
    await p.exited;
    return (await new Response(p.stdout).text()).trim();
  }

  test("with LocalStack, Cognito is the moto beside it", async () => {
    expect(await cognitoEndpoint(`http://127.0.0.1:${localstack.port}`)).toBe(`http://127.0.0.1:${motoLike.port}`);
  });

  test("with moto on the main endpoint, or an endpoint set by the caller, nothing changes", async () => {
    expect(await cognitoEndpoint(`http://127.0.0.1:${motoLike.port}`)).toBe("");
    const own = "http://127.0.0.1:1";
    expect(await cognitoEndpoint(`http://127.0.0.1:${localstack.port}`, { AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: own })).toBe(own);
  });
});
