// examples.test.ts - every repro script in lua/examples/ runs against the
// emulator it targets and says what its header promises. The AWS ones run
// here against the step's emulator (AWS_ENDPOINT_URL), on tables, an SSM path
// and a queue of their own so other tests' data never shows; memory-mode
// runs need nothing. consume_events.lua has a file of its own
// (consume_events.test.ts) and the Firebase ones run in
// tests/firebase/examples.test.ts; the last test checks that no script is
// left out.
import { beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { outcome, runBin } from "../contract/support/direct";
import { uid } from "../contract/support/ids";
import { aws, ssmValue } from "./awsapi";

const tag = uid("ex").replace(/[^A-Za-z0-9-]/g, "-").toLowerCase();
const prefix = `${tag}-`;
/** AWS-mode runs: our own tables; dev tokens so the wiring needs no pool. */
const awsEnv = { FIN_TABLE_PREFIX: prefix, FIN_DEV_AUTH: "true", FIN_AWS_TIMEOUT_MS: "20000" };
/** Memory-mode runs: INFRA_MODE wins over the AWS variables of this step. */
const memEnv = { INFRA_MODE: "memory" };

const script = (name: string, ...args: string[]) => ["run", `lua/examples/${name}`, ...args];
const lines = (out: string) => out.trim().split("\n").filter(Boolean);

beforeAll(async () => {
  const r = await runBin(["provision", "localstack/manifest.json", "--tables-only", "--prefix", prefix], awsEnv);
  expect(outcome(r)).toStartWith("exit 0\n");
}, 60000);

describe("memory mode", () => {
  test("dump_outbox.lua --demo: two events on one entity with sequence numbers 1 and 2", async () => {
    const r = await runBin(script("dump_outbox.lua", "lua/memory.lua", "--demo"), memEnv);
    expect(outcome(r)).toStartWith("exit 0\n");
    const evs = lines(r.out).map((l) => JSON.parse(l));
    expect(evs.map((e) => [e.eventType, e.entityId, e.sequenceNumber, e.status])).toEqual([
      ["score.changed", "demo-user", 1, "pending"],
      ["score.changed", "demo-user", 2, "pending"],
    ]);
    expect(r.err).toContain("pending: 2 event(s)");
    expect(r.err).toContain("retry: 0 event(s)");
  });

  test("dump_outbox.lua without --demo: a fresh process has an empty outbox", async () => {
    const r = await runBin(script("dump_outbox.lua"), memEnv);
    expect(outcome(r)).toBe("exit 0\n" + r.err);
    expect(r.err).toContain("pending: 0 event(s)");
  });

  test("version_conflict.lua: the stale update is VERSION_CONFLICT and writes nothing", async () => {
    const r = await runBin(script("version_conflict.lua"), memEnv);
    expect(outcome(r)).toStartWith("exit 0\n");
    checkVersionConflict(r.out);
  });
});

/** What version_conflict.lua prints, in any mode. */
function checkVersionConflict(out: string) {
  const l = lines(out);
  expect(l[0]).toStartWith("created: ");
  const created = JSON.parse(l[0].slice("created: ".length));
  expect([created.balance, created.version, created.ecosystemId]).toEqual([0, 1, "repro-version-conflict"]);
  expect(l[1]).toStartWith("first update (expectedVersion 1): true");
  expect(l[2]).toStartWith("second update (expectedVersion 1 again): nil  VERSION_CONFLICT");
  expect(l[2]).toContain("Expected version 1, got 2");
  const now = JSON.parse(l[3].slice("card now: ".length));
  expect([now.cardId, now.balance, now.availableCredit, now.version]).toEqual([created.cardId, 100, 900, 2]);
}

describe("AWS mode", () => {
  test("version_conflict.lua lua/aws.lua: the conditional write refuses the stale version", async () => {
    const r = await runBin(script("version_conflict.lua", "lua/aws.lua"), awsEnv);
    expect(outcome(r)).toStartWith("exit 0\n");
    checkVersionConflict(r.out);
  }, 60000);

  test("dump_outbox.lua and aws_outbox_and_queue.lua show the outbox; the queue's messages, drained on --drain", async () => {
    const demo = await runBin(script("dump_outbox.lua", "lua/aws.lua", "--demo"), awsEnv);
    expect(outcome(demo)).toStartWith("exit 0\n");
    expect(lines(demo.out).map((l) => JSON.parse(l).sequenceNumber)).toEqual([1, 2]);

    const queue = `${tag}-queue`;
    const { QueueUrl } = await aws("sqs", "CreateQueue", { QueueName: queue });
    for (const seq of [1, 2])
      await aws("sqs", "SendMessage", {
        QueueUrl,
        MessageBody: JSON.stringify({ "detail-type": "score.changed", detail: { entityId: tag, sequenceNumber: seq } }),
      });
    const env = { ...awsEnv, EVENTS_QUEUE: queue };
    const look = await runBin(script("aws_outbox_and_queue.lua"), env);
    expect(outcome(look)).toStartWith("exit 0\n");
    const printed = lines(look.out).map((l) => JSON.parse(l));
    expect(printed.filter((p) => p.outbox).map((p) => [p.outbox, p.eventType, p.entityId, p.sequenceNumber])).toEqual([
      ["pending", "score.changed", "demo-user", 1],
      ["pending", "score.changed", "demo-user", 2],
    ]);
    const queued = printed.filter((p) => p.queue === queue);
    expect(queued.length).toBeGreaterThan(0); // one receive: at least one of the two
    for (const q of queued) expect([q["detail-type"], q.entityId]).toEqual(["score.changed", tag]);
    expect(look.err).toContain("outbox pending: 2 event(s)");

    const drain = await runBin(script("aws_outbox_and_queue.lua", "--drain"), env);
    expect(outcome(drain)).toStartWith("exit 0\n");
    const drained = lines(drain.out).map((l) => JSON.parse(l)).filter((p) => p.queue === queue);
    expect(drained.map((p) => p.sequenceNumber).sort()).toEqual([1, 2]);
    expect(drain.err).toContain("queue: 2 message(s) (deleted)");
    const left = await aws("sqs", "ReceiveMessage", { QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 });
    expect(left.Messages ?? []).toEqual([]);
    await aws("sqs", "DeleteQueue", { QueueUrl });
  }, 60000);

  test("ssm_override.lua reads, overrides and restores a parameter (under an SSM_PATH of its own)", async () => {
    const env = { SSM_PATH: `/${tag}/financial-api/` };
    const name = `/${tag}/financial-api/limits/highTier`;
    const empty = await runBin(script("ssm_override.lua"), env);
    expect(outcome(empty)).toBe("exit 0\n");
    const set = await runBin(script("ssm_override.lua", "limits/highTier", "8000"), env);
    expect(outcome(set)).toBe(`exit 0\n${name} = 8000 (version 1)\n`);
    expect(await ssmValue(name)).toBe("8000");
    const read = await runBin(script("ssm_override.lua", "limits/highTier"), env);
    expect(outcome(read)).toBe(`exit 0\n${name} = 8000 (version 1)\n`);
    const restore = await runBin(script("ssm_override.lua", "limits/highTier", "--restore"), env);
    const manifest = JSON.parse(readFileSync("localstack/manifest.json", "utf8"));
    const want = manifest.ssm.parameters["/tazco/financial-api/limits/highTier"];
    expect(outcome(restore)).toBe(`exit 0\n${name} = ${want} (version 2)\n`);
    const list = await runBin(script("ssm_override.lua"), env);
    expect(outcome(list)).toBe(`exit 0\n${name} = ${want}\n`);
    await aws("ssm", "DeleteParameter", { Name: name });
  }, 60000);

  test("cognito_token.lua signs the manifest's user in and prints the pool's ID token; a wrong password fails", async () => {
    const r = await runBin(script("cognito_token.lua"));
    expect(outcome(r)).toStartWith("exit 0\n");
    const claims = JSON.parse(Buffer.from(r.out.trim().split(".")[1], "base64url").toString());
    const pool = await ssmValue("/tazco/financial-api/cognito/userPoolId");
    const client = await ssmValue("/tazco/financial-api/cognito/clientId");
    expect(claims.iss.endsWith(`/${pool}`)).toBe(true);
    expect([claims.aud, claims.token_use, claims.email]).toEqual([client, "id", "user@test.com"]);
    const admin = await runBin(script("cognito_token.lua", "admin@test.com"));
    expect(outcome(admin)).toStartWith("exit 0\n");
    expect(JSON.parse(Buffer.from(admin.out.trim().split(".")[1], "base64url").toString())["custom:role"]).toBe("admin");

    const bad = await runBin(script("cognito_token.lua", "user@test.com", "wrong-password"));
    expect(bad.code).not.toBe(0);
    expect(bad.out).toBe("");
    expect(bad.err).toContain("sign-in failed");
  }, 60000);
});

test("no script in lua/examples/ is left out", () => {
  const here = ["aws_outbox_and_queue.lua", "cognito_token.lua", "dump_outbox.lua", "ssm_override.lua", "version_conflict.lua"];
  const elsewhere: Record<string, string> = {
    "consume_events.lua": "tests/aws/consume_events.test.ts",
    "firestore_card.lua": "tests/firebase/examples.test.ts",
  };
  for (const [name, file] of Object.entries(elsewhere)) expect(readFileSync(file, "utf8")).toContain(name);
  const all = readdirSync("lua/examples").filter((f) => f.endsWith(".lua")).sort();
  expect(all).toEqual([...here, ...Object.keys(elsewhere)].sort());
});
