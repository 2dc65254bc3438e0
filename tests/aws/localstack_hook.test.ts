// localstack_hook.test.ts - the LocalStack init hook and Cognito on an
// emulator of its own, as docker-compose.aws.yml has them, without Docker:
// one moto stands in for LocalStack Community (DynamoDB, SQS, EventBridge,
// SSM and no Cognito: scripts/moto_server.py --services), a second one
// serves cognito-idp only, and AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER
// points there. Each refuses what the other serves, so a call sent to the
// wrong one fails.
//
// The hook (localstack/ready.d/01-provision.py) runs here as LocalStack runs
// it, with python and boto3; its marker and error files go to a directory of
// the test's own (FIN_HOOK_STATE).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "bun";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "../contract/support/server";
import { aws } from "./awsapi";
import { startMoto, type Moto } from "./moto";

process.env.FIN_SERVER_MODE = "aws";
const bin = process.env.FIN_BIN ?? "build/financial-api";
const manifest = JSON.parse(readFileSync("localstack/manifest.json", "utf8"));
let services: Moto; // LocalStack's part
let cognito: Moto; // cognito-idp only
const motos: Moto[] = [];
afterAll(() => motos.forEach((m) => m.proc.kill("SIGKILL")));

/** Runs the hook; its exit code, output, and what it left in its state directory. */
function hook(cognitoUrl: string, ...args: string[]) {
  const state = mkdtempSync(join(tmpdir(), "fin-hook-"));
  const r = spawnSync([process.env.MOTO_PYTHON ?? "python3", "localstack/ready.d/01-provision.py", ...args], {
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: services.url,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognitoUrl,
      FIN_MANIFEST: "localstack/manifest.json",
      FIN_HOOK_STATE: state,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const read = (f: string) => (existsSync(join(state, f)) ? readFileSync(join(state, f), "utf8") : undefined);
  return { code: r.exitCode, out: r.stdout.toString() + r.stderr.toString(), ready: read("ready"), error: read("error") };
}

/** `financial-api provision` with LocalStack's services on one emulator and Cognito on the other. */
function provisionCheck() {
  const r = spawnSync([bin, "provision", "localstack/manifest.json", "--check"], {
    env: { ...process.env, AWS_ENDPOINT_URL: services.url, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.url },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: r.exitCode, out: r.stdout.toString() + r.stderr.toString() };
}

const ssmValue = async (name: string) =>
  (await aws("ssm", "GetParameter", { Name: name }, services.url)).Parameter.Value as string;

describe("LocalStack's services on one emulator, Cognito on another", () => {
  beforeAll(async () => {
    [services, cognito] = await Promise.all([
      startMoto(0, ["--services", "dynamodb,sqs,events,ssm"]),
      startMoto(0, ["--services", "cognito-idp"]),
    ]);
    motos.push(services, cognito);
  }, 240000);

  test("each emulator refuses what the other serves", async () => {
    const refused = (service: string, op: string, url: string) =>
      aws(service, op, {}, url).then(() => "accepted", (e: Error) => e.message);
    expect(await refused("dynamodb", "ListTables", cognito.url)).toContain("ServiceNotServed");
    expect(await refused("cognito-idp", "ListUserPools", services.url)).toContain("ServiceNotServed");
    const jwks = await fetch(`${services.url}/us-east-1_x/.well-known/jwks.json`);
    expect(jwks.status).toBe(400);
  });

  test("the hook creates the pool in the Cognito emulator, its ids in SSM, and writes its marker", async () => {
    const h = hook(cognito.url);
    expect(`${h.code}\n${h.out}`).toBe(`0\n${h.out}`);
    expect(h.ready).toContain("every resource");
    expect(h.error).toBeUndefined();
    const pools = (await aws("cognito-idp", "ListUserPools", { MaxResults: 60 }, cognito.url)).UserPools;
    const pool = pools.find((p: any) => p.Name === manifest.cognito.pool)?.Id;
    expect(pool).toBeString();
    expect(await ssmValue(manifest.cognito.ssm_pool_id)).toBe(pool);
    // what `financial-api provision` (the moto path) checks agrees
    const check = provisionCheck();
    expect(`${check.code}\n${check.out}`).toBe(`0\n${check.out}`);
  }, 120000);

  test("a server with Cognito on its own endpoint accepts that emulator's ID token", async () => {
    const base = await startServer(
      { AWS_ENDPOINT_URL: services.url, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.url, FIN_DEV_AUTH: "false" },
      true,
    );
    const client = await ssmValue(manifest.cognito.ssm_client_id);
    const auth = await aws("cognito-idp", "InitiateAuth", {
      AuthFlow: "USER_PASSWORD_AUTH", ClientId: client,
      AuthParameters: { USERNAME: "admin@test.com", PASSWORD: "Password123!" },
    }, cognito.url);
    const token = auth.AuthenticationResult.IdToken as string;
    const r = await fetch(`${base}/v1/users`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: "{}",
    });
    const body = await r.json();
    expect([200, 201]).toContain(r.status);
    expect(body.user.ecosystemId).toBe("admin-001");
    expect(body.user.role).toBe("admin");
    // readiness pings the JWKS where the keys are
    expect((await fetch(`${base}/health/readiness`)).status).toBe(200);
  }, 60000);

  test("Cognito unreachable: the hook fails, leaves no marker and says why", async () => {
    const closed = spawnSync(["scripts/low-port.sh"]).stdout.toString().trim(); // nothing listens there
    const h = hook(`http://127.0.0.1:${closed}`);
    expect(h.code).toBe(1);
    expect(h.ready).toBeUndefined();
    expect(h.error).toContain(`http://127.0.0.1:${closed}`);
    expect(h.out).toContain("NOT ready");
  }, 120000);

  test("a resource missing: the check fails without a marker and names it; provisioning repairs it", async () => {
    await aws("dynamodb", "DeleteTable", { TableName: "acme-outbox-sequences" }, services.url);
    const h = hook(cognito.url, "--check");
    expect(h.code).toBe(1);
    expect(h.ready).toBeUndefined();
    expect(h.error).toBe("missing: table acme-outbox-sequences\n");
    const again = hook(cognito.url);
    expect(`${again.code}\n${again.out}`).toBe(`0\n${again.out}`);
    expect(again.ready).toContain("every resource");
  }, 120000);
});
