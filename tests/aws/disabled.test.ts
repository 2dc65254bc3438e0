// disabled.test.ts - a disabled Cognito account is refused 403
// ACCOUNT_DISABLED (behaviour.md §3.1 step 3), on an emulator of this test's
// own: the server asks AdminGetUser for the token's account; with
// FIN_AUTH_STATUS_TTL_S=0 every request asks, so disabling and enabling the
// user in the pool shows on the next request.
import { afterAll, expect, test } from "bun:test";
import { http, outcome } from "../contract/support/direct";
import { startServer } from "../contract/support/server";
import { aws } from "./awsapi";
import { at, emulatorScript, startMoto, type Moto } from "./moto";

process.env.FIN_SERVER_MODE = "aws";
let moto: Moto | undefined;
afterAll(() => moto?.proc.kill("SIGKILL"));


const param = async (url: string, name: string) =>
  (await aws("ssm", "GetParameter", { Name: `/tazco/financial-api/cognito/${name}` }, url)).Parameter.Value as string;


test("a user disabled in the pool gets 403 ACCOUNT_DISABLED, and 200 again once enabled", async () => {
  moto = await startMoto();
  const url = moto.url;
  expect(outcome(await emulatorScript("start", moto))).toStartWith("exit 0\n");
  const base = await startServer({ ...at(url), FIN_AUTH_STATUS_TTL_S: "0" }, true);

  const pool = await param(url, "userPoolId");
  const r = await aws("cognito-idp", "InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: await param(url, "clientId"),
    AuthParameters: { USERNAME: "user@test.com", PASSWORD: "Password123!" },
  }, url);
  const token = `Bearer ${r.AuthenticationResult.IdToken}`;
  expect((await http(base, "POST", "/v1/users", token, {})).status).toBe(201);
  expect((await http(base, "GET", "/v1/dashboard", token)).status).toBe(200);

  await aws("cognito-idp", "AdminDisableUser", { UserPoolId: pool, Username: "user@test.com" }, url);
  const refused = await http(base, "GET", "/v1/dashboard", token);
  expect(refused.status).toBe(403);
  expect(refused.body.error).toEqual({ code: "ACCOUNT_DISABLED", message: "Account has been disabled" });

  await aws("cognito-idp", "AdminEnableUser", { UserPoolId: pool, Username: "user@test.com" }, url);
  expect((await http(base, "GET", "/v1/dashboard", token)).status).toBe(200);

  // the emulator gone: the status cannot be read, so the request is refused 503
  moto.proc.kill("SIGKILL");
  await moto.proc.exited;
  const down = await http(base, "GET", "/v1/dashboard", token);
  expect(down.status).toBe(503);
  expect(down.body.error.code).toBe("DEPENDENCY_UNAVAILABLE");
}, 180000);
