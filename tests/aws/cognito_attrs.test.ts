// cognito_attrs.test.ts - the API takes role and identity from custom:role
// and custom:ecosystemId, so only admin API calls may set them. Tested here:
// what provisioning creates, read back with DescribeUserPool and
// DescribeUserPoolClient, and `provision --check` failing on a pool or
// client that would let a user write them. That a user's own
// UpdateUserAttributes and SignUp are then refused is tested in aws.test.ts
// ("a user cannot make themselves admin"); moto 5.2.1 ignores these settings,
// so the project's launcher (scripts/moto_server.py) enforces them as AWS does.
import { describe, expect, test } from "bun:test";
import { spawnSync } from "bun";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { uid } from "../contract/support/ids";
import { aws, ssmValue } from "./awsapi";

const bin = process.env.FIN_BIN ?? "build/financial-api";
const CUSTOM = ["custom:role", "custom:ecosystemId"];

async function describeClient(pool: string, client: string) {
  return (await aws("cognito-idp", "DescribeUserPoolClient", { UserPoolId: pool, ClientId: client })).UserPoolClient;
}

/** The manifest with a pool of its own and SSM names outside the API's path. */
function manifestFor(poolName: string): string {
  const m = JSON.parse(readFileSync("localstack/manifest.json", "utf8"));
  m.cognito.pool = poolName;
  m.cognito.ssm_pool_id = `/fin-test/${poolName}/userPoolId`;
  m.cognito.ssm_client_id = `/fin-test/${poolName}/clientId`;
  const path = join(mkdtempSync(join(tmpdir(), "fin-manifest-")), "manifest.json");
  writeFileSync(path, JSON.stringify(m));
  return path;
}

function provision(manifest: string, ...args: string[]) {
  const r = spawnSync([bin, "provision", manifest, ...args], { env: process.env, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString() + r.stderr.toString() };
}

describe("cognito attributes only an admin sets", () => {
  test("the provisioned pool refuses self sign-up and its client cannot write the custom attributes", async () => {
    const pool = await ssmValue("/tazco/financial-api/cognito/userPoolId");
    const client = await ssmValue("/tazco/financial-api/cognito/clientId");
    const p = (await aws("cognito-idp", "DescribeUserPool", { UserPoolId: pool })).UserPool;
    expect(p.AdminCreateUserConfig.AllowAdminCreateUserOnly).toBe(true);
    const c = await describeClient(pool, client);
    expect(Array.isArray(c.WriteAttributes)).toBe(true);
    for (const a of CUSTOM) expect(c.WriteAttributes).not.toContain(a);
    // explicit, and the token still carries what the API reads
    for (const a of CUSTOM) expect(c.ReadAttributes).toContain(a);
  }, 60000); // provision runs several AWS calls: more than bun's 5 s default on a busy machine

  test("provision --check fails on a pool with self sign-up and on clients that let users write them", async () => {
    const name = uid("perm-pool");
    const manifest = manifestFor(name);
    const m = JSON.parse(readFileSync(manifest, "utf8"));
    // the defaults the old provisioning used: self sign-up, no WriteAttributes
    const pool = (await aws("cognito-idp", "CreateUserPool", {
      PoolName: name, UsernameAttributes: ["email"],
      Schema: CUSTOM.map((a) => ({ Name: a.slice(7), AttributeDataType: "String", Mutable: true })),
    })).UserPool.Id;
    const ours = (await aws("cognito-idp", "CreateUserPoolClient", {
      UserPoolId: pool, ClientName: m.cognito.client, ExplicitAuthFlows: m.cognito.auth_flows,
    })).UserPoolClient.ClientId;
    const other = (await aws("cognito-idp", "CreateUserPoolClient", {
      UserPoolId: pool, ClientName: "other-app", ReadAttributes: ["email"], WriteAttributes: ["email", "custom:role"],
    })).UserPoolClient.ClientId;

    const before = provision(manifest, "--check");
    expect(before.code).toBe(1);
    expect(before.out).toContain(`DIFF user pool ${name} allows self sign-up`);
    expect(before.out).toContain(`DIFF app client ${m.cognito.client} (${ours}) has no WriteAttributes`);
    expect(before.out).toContain(`DIFF app client other-app (${other}) lets users write custom:role`);

    // provisioning corrects its own client and leaves the others to an operator
    expect(provision(manifest).code).toBe(0);
    const fixed = await describeClient(pool, ours);
    for (const a of CUSTOM) expect(fixed.WriteAttributes).not.toContain(a);
    expect(fixed.ReadAttributes).toEqual(m.cognito.read_attributes);
    const after = provision(manifest, "--check");
    expect(after.code).toBe(1);
    expect(after.out).not.toContain(`(${ours})`);
    expect(after.out).toContain(`DIFF app client other-app (${other}) lets users write custom:role`);
    expect(after.out).toContain(`DIFF user pool ${name} allows self sign-up`);
  }, 60000); // provision runs several AWS calls: more than bun's 5 s default on a busy machine
});
