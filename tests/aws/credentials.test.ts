// credentials.test.ts - AWS mode with no keys in its environment takes a
// role's keys where AWS serves them (adapters/aws/aws_creds.c): the
// container endpoint of ECS tasks and EKS Pod Identity (a stand-in here that
// counts its requests) and web identity (the emulator's STS), or keys from
// a profile of the AWS CLI's files. One fetch
// serves every AWS client of the instance; keys about to expire are fetched
// again; a refused renewal keeps keys that are still valid; without keys,
// requests get 503 and the log says why.
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dev, http } from "../contract/support/direct";
import { uid } from "../contract/support/ids";
import { launchServer } from "../contract/support/server";

process.env.FIN_SERVER_MODE = "aws";

// no keys in the environment, and a developer's own ~/.aws files kept out
const noKeys = {
  AWS_ACCESS_KEY_ID: "",
  AWS_SECRET_ACCESS_KEY: "",
  AWS_SESSION_TOKEN: "",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials",
  AWS_CONFIG_FILE: "/nonexistent/config",
  FIN_DEV_AUTH: "true",
};
const stops: Array<() => unknown> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

/** A stand-in for the container credentials endpoint: answers keys that
 * expire `minutes` from now while `up`, else 500; records each request's
 * Authorization header. */
function credsEndpoint(minutes: number) {
  const seen: Array<string | null> = [];
  const state = { up: true, seen, url: "" };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      seen.push(req.headers.get("authorization"));
      if (!state.up) return Response.json({ code: "Unavailable", message: "agent restarting" }, { status: 500 });
      const expiration = new Date(Date.now() + minutes * 60_000).toISOString().replace(/\.\d+Z$/, "Z");
      return Response.json({ AccessKeyId: `ASIA${seen.length}`, SecretAccessKey: "s3cret", Token: "session", Expiration: expiration });
    },
  });
  state.url = `http://127.0.0.1:${server.port}/v2/credentials`;
  stops.push(() => server.stop(true));
  return state;
}

async function serve(env: Record<string, string>) {
  const s = await launchServer({ ...noKeys, ...env });
  stops.push(s.stop);
  return s;
}

const logEvents = (log: string, event: string) =>
  readFileSync(log, "utf8")
    .split("\n")
    .filter((l) => l.includes(`"event":"${event}"`))
    .map((l) => JSON.parse(l));

test("container endpoint: one fetch serves every client, with its authorization token", async () => {
  const creds = credsEndpoint(60);
  const { base, log } = await serve({ AWS_CONTAINER_CREDENTIALS_FULL_URI: creds.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: "pod-token" });
  const me = dev(uid("cred"));
  expect((await http(base, "POST", "/v1/users", me, {})).status).toBe(201);
  expect((await http(base, "GET", "/v1/dashboard", me)).status).toBe(200);
  const ready = await http(base, "GET", "/health/readiness");
  expect(ready.status).toBe(200); // DynamoDB and EventBridge signed with the fetched keys
  expect(creds.seen).toEqual(["pod-token"]);
  expect(logEvents(log, "aws_credentials").map((e) => e.source)).toEqual([`container ${creds.url}`]);
}, 60000);

test("keys about to expire are fetched again; a refused renewal keeps valid keys", async () => {
  const creds = credsEndpoint(4); // inside the five-minute margin: every use renews
  const { base, log } = await serve({ AWS_CONTAINER_CREDENTIALS_FULL_URI: creds.url });
  const me = dev(uid("cred"));
  expect((await http(base, "POST", "/v1/users", me, {})).status).toBe(201);
  const before = creds.seen.length;
  expect((await http(base, "GET", "/v1/dashboard", me)).status).toBe(200);
  expect(creds.seen.length).toBeGreaterThan(before);
  creds.up = false;
  expect((await http(base, "GET", "/v1/dashboard", me)).status).toBe(200); // four minutes left
  const failed = logEvents(log, "aws_credentials_renewal_failed");
  expect(failed.length).toBeGreaterThan(0);
  expect(failed.every((e) => e.kept === true)).toBe(true);
  expect(failed[0].why).toContain("HTTP 500");
}, 60000);

test("no keys to be had: 503, unhealthy readiness, and the log names the source", async () => {
  const creds = credsEndpoint(60);
  creds.up = false;
  const { base, log } = await serve({ AWS_CONTAINER_CREDENTIALS_FULL_URI: creds.url });
  const reg = await http(base, "POST", "/v1/users", dev(uid("cred")), {});
  expect(reg.status).toBe(503);
  expect(reg.body.error.code).toBe("DEPENDENCY_UNAVAILABLE");
  const ready = await http(base, "GET", "/health/readiness");
  expect(ready.status).toBe(503);
  expect(ready.body.dependencies.database).toBe("unhealthy");
  const why = logEvents(log, "readiness_dependency_unhealthy").map((e) => e.detail);
  expect(why.some((d) => d.includes(`AWS credentials (container ${creds.url}) refused`))).toBe(true);
}, 60000);

test("web identity: the token file is exchanged at STS for the role's keys", async () => {
  const dir = mkdtempSync(join(tmpdir(), "webid-"));
  writeFileSync(join(dir, "token"), "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYSJ9.c2ln\n");
  const { base, log } = await serve({
    AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, "token"),
    AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/financial-api",
  });
  const me = dev(uid("cred"));
  expect((await http(base, "POST", "/v1/users", me, {})).status).toBe(201);
  expect((await http(base, "GET", "/v1/dashboard", me)).status).toBe(200);
  const sources = logEvents(log, "aws_credentials").map((e) => e.source);
  expect(sources).toHaveLength(1);
  expect(sources[0]).toStartWith("web identity arn:aws:iam::123456789012:role/financial-api at ");
  expect(logEvents(log, "aws_credentials_renewal_failed")).toEqual([]);
}, 60000);

test("a profile of the AWS CLI's credentials file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "profile-"));
  writeFileSync(join(dir, "credentials"), "[default]\naws_access_key_id = A\naws_secret_access_key = B\n[ci]\naws_access_key_id = AKIDCI\naws_secret_access_key = s3cret\n");
  const { base, log } = await serve({ AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"), AWS_PROFILE: "ci" });
  expect((await http(base, "POST", "/v1/users", dev(uid("cred")), {})).status).toBe(201);
  expect(logEvents(log, "aws_credentials").map((e) => e.source)).toEqual([`profile ci (${join(dir, "credentials")})`]);
}, 60000);
