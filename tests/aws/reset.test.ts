// reset.test.ts - `bun run emulator:reset:aws` (scripts/aws-emulator.sh
// reset) on an emulator of this test's own, with a dev:aws-like server
// (FIN_DEV_AUTH=auto, pool ids read from SSM) running across it: afterwards
// the data is gone, every resource and the manifest's Cognito users are back
// (in a new pool with a new app client), and the server keeps working
// without a restart: a token of the new pool makes it read the pool ids from
// SSM again (cognito_pool.h); the old pool's tokens are refused.
import { afterAll, expect, test } from "bun:test";
import { dev, http, outcome, runBin } from "../contract/support/direct";
import { startServer } from "../contract/support/server";
import { uid } from "../contract/support/ids";
import { aws } from "./awsapi";
import { at, emulatorScript, startMoto, type Moto } from "./moto";

process.env.FIN_SERVER_MODE = "aws";
let moto: Moto | undefined;
afterAll(() => moto?.proc.kill("SIGKILL"));


async function signIn(url: string, email: string) {
  const client = (await aws("ssm", "GetParameter", { Name: "/tazco/financial-api/cognito/clientId" }, url)).Parameter.Value;
  const r = await aws("cognito-idp", "InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: client,
    AuthParameters: { USERNAME: email, PASSWORD: "Password123!" },
  }, url);
  return `Bearer ${r.AuthenticationResult.IdToken}`;
}

const poolId = async (url: string) =>
  (await aws("ssm", "GetParameter", { Name: "/tazco/financial-api/cognito/userPoolId" }, url)).Parameter.Value as string;


test("after emulator:reset:aws the data is gone, resources and users are back, and a running server follows the new pool", async () => {
  moto = await startMoto();
  const url = moto.url;
  const started = await emulatorScript("start", moto); // moto answers: start provisions it
  expect(outcome(started)).toStartWith("exit 0\n");

  const base = await startServer({ ...at(url), FIN_DEV_AUTH: "auto", SSM_POOL_REREAD_SECONDS: "5" }, true);
  const before = await signIn(url, "user@test.com");
  const oldPool = await poolId(url);
  expect((await http(base, "POST", "/v1/users", before, {})).status).toBe(201);
  expect((await http(base, "GET", "/v1/dashboard", before)).status).toBe(200);
  const eco = uid("reset");
  expect((await http(base, "POST", "/v1/users", dev(eco), {})).status).toBe(201);

  const reset = await emulatorScript("reset", moto);
  expect(outcome(reset)).toStartWith("exit 0\n");
  expect(reset.err + reset.out).toContain("resetting moto");

  // resources are back, exactly as the manifest says, in a new pool
  const check = await runBin(["provision", "localstack/manifest.json", "--check"], at(url));
  expect(outcome(check)).toStartWith("exit 0\n");
  const newPool = await poolId(url);
  expect(newPool).not.toBe(oldPool);
  // the data is gone
  const users = await aws("dynamodb", "Scan", { TableName: "acme-users" }, url);
  expect(users.Count).toBe(0);
  expect((await http(base, "GET", `/v1/dashboard`, dev(eco))).status).toBe(404);

  // the manifest's users sign in to the new pool, and the same server takes their tokens
  const after = await signIn(url, "user@test.com");
  const me = await http(base, "POST", "/v1/users", after, {});
  expect(me.status).toBe(201); // a new user: the old one went with the reset
  expect((await http(base, "GET", "/v1/dashboard", after)).status).toBe(200);
  const admin = await signIn(url, "admin@test.com");
  const list = await http(base, "GET", "/v1/admin/card-requests", admin);
  expect(list.status).toBe(200);
  // the old pool is no longer trusted
  const old = await http(base, "GET", "/v1/dashboard", before);
  expect(old.status).toBe(401);
  // and the server is ready: its readiness checks the new pool's keys
  const ready = await http(base, "GET", "/health/readiness");
  expect(ready.status).toBe(200);
}, 180000);
