// compose.test.ts - docker-compose.aws.yml cannot run here (no Docker), so it
// is checked by reading it: a pinned Community tag that starts without a
// token, its four services, moto beside it for Cognito, the ports, the init
// hook and manifest mounts, and a health check that requires the hook's
// marker. What the hook does is tested against moto (localstack_hook.test.ts).
import { expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "fs";
import { parse } from "yaml";

const root = new URL("../../", import.meta.url).pathname;
const text = readFileSync(root + "docker-compose.aws.yml", "utf8");
const compose = parse(text);
const ls = compose.services.localstack;
const cognito = compose.services.cognito;
const hookState = "/tmp/financial-api";

test("LocalStack is pinned to a Community tag that starts without an auth token", () => {
  const [image, tag] = ls.image.split(":");
  expect(image).toBe("localstack/localstack");
  expect(tag).toMatch(/^4\.\d+(\.\d+)?$/);
  expect(Number(tag.split(".")[1])).toBeLessThan(15); // 4.15+ exit 55 without a token
});

test("a token does not make that image Pro: none is passed, and the comment names the Pro image", () => {
  expect(Object.keys(ls.environment)).not.toContain("LOCALSTACK_AUTH_TOKEN");
  expect(text).toContain("localstack/localstack-pro");
});

test("the four Community services, the edge port on loopback", () => {
  expect(ls.environment.SERVICES.split(",").sort()).toEqual(["dynamodb", "events", "sqs", "ssm"]);
  expect(ls.ports).toContain("127.0.0.1:4566:4566");
});

test("the health check requires the hook's marker, not only a completed init stage", () => {
  const check = JSON.stringify(ls.healthcheck.test);
  expect(check).toContain("/_localstack/init/ready");
  expect(check).toContain(`test -f ${hookState}/ready`);
  // the hook writes it there, and emulator:start:aws reads it there
  const py = readFileSync(root + "localstack/ready.d/01-provision.py", "utf8");
  expect(py).toContain(`"FIN_HOOK_STATE", "${hookState}"`);
  const sh = readFileSync(root + "scripts/aws-emulator.sh", "utf8");
  expect(sh).toContain(`state=${hookState}`);
});

test("moto 5.2.1 serves Cognito beside LocalStack: cognito-idp only, on a loopback port of its own", () => {
  expect(cognito.image).toBe("motoserver/moto:5.2.1");
  // run by the project's launcher (WriteAttributes and AllowAdminCreateUserOnly enforced)
  const launcher = cognito.volumes.find((v: string) => v.startsWith("./scripts/moto_server.py:"));
  expect(launcher).toBeString();
  const inContainer = launcher.split(":")[1];
  expect(cognito.entrypoint).toContain(inContainer);
  const services = cognito.entrypoint[cognito.entrypoint.indexOf("--services") + 1];
  expect(services).toBe("cognito-idp");
  const containerPort = cognito.entrypoint[cognito.entrypoint.indexOf("-p") + 1];
  expect(cognito.ports).toEqual([`127.0.0.1:4567:${containerPort}`]);
  expect(JSON.stringify(cognito.healthcheck.test)).toContain(`:${containerPort}/moto-api/`);
  // the hook creates the pool there, once moto answers
  expect(ls.environment.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER).toBe(`http://cognito:${containerPort}`);
  expect(ls.depends_on.cognito.condition).toBe("service_healthy");
  // and dev:aws, token:aws, the tests find it on the host port
  const env = readFileSync(root + "scripts/lib/aws-env.sh", "utf8");
  expect(env).toContain("${COGNITO_EMULATOR_PORT:-4567}");
});

test("the init hook and the manifest are mounted where LocalStack runs them", () => {
  expect(ls.volumes).toContain("./localstack/ready.d:/etc/localstack/init/ready.d:ro");
  expect(ls.volumes).toContain("./localstack/manifest.json:/etc/localstack/init/manifest.json:ro");
  const hook = root + "localstack/ready.d/01-provision.py";
  expect(existsSync(hook)).toBe(true);
  expect(statSync(hook).mode & 0o111).not.toBe(0);
  const py = readFileSync(hook, "utf8");
  expect(py).toContain("/etc/localstack/init/manifest.json");
});

test("the manifest has the 12 tables, their indexes and the idempotency TTL", () => {
  const m = JSON.parse(readFileSync(root + "localstack/manifest.json", "utf8"));
  const tables = Object.fromEntries(m.dynamodb.tables.map((t: any) => [t.name, t]));
  expect(Object.keys(tables).length).toBe(12);
  expect(tables["acme-idempotency"].ttl).toBe("expiresAt");
  expect(tables["acme-card-requests"].indexes).toEqual([{ name: "PendingRequests", hash: "status", range: "createdAt" }]);
  expect(Object.keys(m.ssm.parameters).length).toBe(11);
});
