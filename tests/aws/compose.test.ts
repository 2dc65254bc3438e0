// compose.test.ts - docker-compose.aws.yml cannot run here (no Docker), so it
// is checked by reading it: a pinned Community tag that starts without a
// token, the five services, the port, the init hook and manifest mounts.
import { expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "fs";
import { parse } from "yaml";

const root = new URL("../../", import.meta.url).pathname;
const compose = parse(readFileSync(root + "docker-compose.aws.yml", "utf8"));
const ls = compose.services.localstack;

test("LocalStack is pinned to a Community tag that starts without an auth token", () => {
  const [image, tag] = ls.image.split(":");
  expect(image).toBe("localstack/localstack");
  expect(tag).toMatch(/^4\.\d+(\.\d+)?$/);
  expect(Number(tag.split(".")[1])).toBeLessThan(15); // 4.15+ exit 55 without a token
});

test("the five services, the edge port on loopback, a health check on the init hook", () => {
  expect(ls.environment.SERVICES.split(",").sort()).toEqual(["cognito-idp", "dynamodb", "events", "sqs", "ssm"]);
  expect(ls.ports).toContain("127.0.0.1:4566:4566");
  expect(JSON.stringify(ls.healthcheck.test)).toContain("/_localstack/init/ready");
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
