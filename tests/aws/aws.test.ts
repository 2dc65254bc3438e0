// aws.test.ts - what only AWS mode has: events through EventBridge into SQS,
// SSM driving the rules, Cognito tokens, and an emulator outage. Runs against
// the emulator at AWS_ENDPOINT_URL (scripts/test-aws.sh starts it) with
// servers of its own (tests/contract/support/server.ts, FIN_SERVER_MODE=aws).
import { afterAll, describe, expect, test } from "bun:test";
import { spawn, type Subprocess } from "bun";
import { readFileSync } from "node:fs";
import { cognitoToken } from "../contract/support/auth";
import { dev, http } from "../contract/support/direct";
import { launchServer, startServer } from "../contract/support/server";
import { uid } from "../contract/support/ids";
import { aws, endpoint, ssmValue, until } from "./awsapi";
import { startMoto } from "./moto";

process.env.FIN_SERVER_MODE = "aws";
const bin = process.env.FIN_BIN ?? "build/financial-api";

const ADMIN = dev("admin-001", "admin");

/** A registered user with a card (score 720: auto-approved, limit 10000). */
async function userWithCard(base: string, auth: (eco: string) => string, eco = uid("aws")) {
  expect((await http(base, "POST", "/v1/users", auth(eco), {})).status).toBe(201);
  const s = await http(base, "PATCH", `/v1/admin/users/${eco}/score`, ADMIN, { score: 720, reason: "setup" }, uid("k"));
  expect(s.status).toBe(200);
  const r = await http(base, "POST", "/v1/cards/requests", auth(eco), { productId: "prod-standard" }, uid("k"));
  expect(r.status).toBe(201);
  return { eco, card: r.body.request.card.cardId as string, limit: r.body.request.card.limit as number };
}

describe("events", () => {
  test("reach SQS through the EventBridge rule, once each even with SQS_QUEUE_URL set, per entity in sequence order, typed by detail-type", async () => {
    // the queue also holds every event of the suites that ran before (the
    // contract suite's, by the thousand): paging through them 10 at a time
    // took most of the deadline on a busy machine. Start from an empty queue.
    const queueUrl = (await aws("sqs", "GetQueueUrl", { QueueName: "acme-events-queue" })).QueueUrl;
    await aws("sqs", "PurgeQueue", { QueueUrl: queueUrl });
    // the earlier service also sent each event straight to SQS_QUEUE_URL: the
    // rule's queue got it twice. This server ignores the variable, and says so
    const { base, log } = await launchServer({ FIN_DEV_AUTH: "true", SQS_QUEUE_URL: queueUrl });
    expect(readFileSync(log, "utf8")).toContain("SQS_QUEUE_URL is ignored");
    const { eco, card } = await userWithCard(base, (e) => dev(e));
    expect((await http(base, "POST", `/v1/cards/${card}/transactions/purchases`, dev(eco), { amount: 300 }, uid("k"))).status).toBe(201);
    for (let i = 0; i < 3; i++)
      expect((await http(base, "POST", `/v1/cards/${card}/transactions/payments`, dev(eco), { amount: 50 }, uid("k"))).status).toBe(201);
    const ours: any[] = [];
    // others' messages: hidden while we look, visible again when we are done
    const others: string[] = [];
    // 1 admin score change + 3 payments change the score; plus the card and payment events
    try {
      await until("our score events in SQS", async () => {
        const r = await aws("sqs", "ReceiveMessage", { QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 30 });
        for (const m of r.Messages ?? []) {
          const body = JSON.parse(m.Body);
          if (body.detail?.ecosystemId === eco) {
            ours.push(body);
            await aws("sqs", "DeleteMessage", { QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle });
          } else others.push(m.ReceiptHandle);
        }
        return ours.filter((b) => b["detail-type"] === "score.changed").length >= 4 &&
          ours.filter((b) => b["detail-type"] === "transaction.payment").length >= 3;
      }, 30000);
    } finally {
      for (const h of others) await aws("sqs", "ChangeMessageVisibility", { QueueUrl: queueUrl, ReceiptHandle: h, VisibilityTimeout: 0 });
    }
    const ids = ours.map((b) => b.detail.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const b of ours) {
      expect(b.source).toBe("acme.financial-api");
      expect(b["detail-type"]).toBe(b.detail.eventType);
      expect(b.detail.status === "pending" || b.detail.status === "failed").toBe(true);
    }
    const score = ours.filter((b) => b["detail-type"] === "score.changed");
    expect(score.map((b) => b.detail.sequenceNumber)).toEqual(score.map((_, i) => i + 1));
    expect(new Set(score.map((b) => b.detail.entityId))).toEqual(new Set([eco]));
  }, 60000);
});

describe("ssm", () => {
  test("an override under the configured path changes a rule while the server runs", async () => {
    const path = `/acme/test-${process.pid}-${Date.now()}/`;
    const base = await startServer({ FIN_DEV_AUTH: "true", SSM_PATH: path, SSM_REFRESH_SECONDS: "1" });
    // nothing under the path: the default rule (score >= 700 -> 10000)
    expect((await userWithCard(base, (e) => dev(e))).limit).toBe(10000);
    await aws("ssm", "PutParameter", { Name: `${path}limits/highTier`, Value: "7500", Type: "String", Overwrite: true });
    const got = await until("the new limit", async () => {
      const { limit } = await userWithCard(base, (e) => dev(e));
      return limit === 7500 ? limit : undefined;
    }, 15000);
    expect(got).toBe(7500);
    await aws("ssm", "DeleteParameter", { Name: `${path}limits/highTier` });
  }, 40000);

  // GetParametersByPath answers at most 10 parameters a page: 12 names that
  // come before limits/highTier both by name and by creation put it on the
  // second page, which a server reading one page would never see.
  test("parameters on a later page of GetParametersByPath count", async () => {
    const path = `/acme/test-pages-${process.pid}-${Date.now()}/`;
    const names = Array.from({ length: 12 }, (_, i) => `${path}a${String(i).padStart(2, "0")}`);
    for (const name of names) await aws("ssm", "PutParameter", { Name: name, Value: "x", Type: "String" });
    await aws("ssm", "PutParameter", { Name: `${path}limits/highTier`, Value: "7300", Type: "String" });
    const page = await aws("ssm", "GetParametersByPath", { Path: path, Recursive: true, MaxResults: 10 });
    expect(page.Parameters.length).toBe(10);
    expect(page.Parameters.map((p: { Name: string }) => p.Name)).not.toContain(`${path}limits/highTier`);
    try {
      const base = await startServer({ FIN_DEV_AUTH: "true", SSM_PATH: path, SSM_REFRESH_SECONDS: "3600" });
      expect((await userWithCard(base, (e) => dev(e))).limit).toBe(7300);
    } finally {
      for (const name of [...names, `${path}limits/highTier`]) await aws("ssm", "DeleteParameter", { Name: name });
    }
  }, 40000);

  // servers started without SSM_PATH find the Cognito pool there (the cognito tests below)
  test("the manifest keeps every SSM name under the spec's path, the wiring's default SSM_PATH", async () => {
    const m = JSON.parse(await Bun.file("localstack/manifest.json").text());
    expect(m.ssm.path).toBe("/tazco/financial-api/");
    const names = [...Object.keys(m.ssm.parameters), m.cognito.ssm_pool_id, m.cognito.ssm_client_id];
    for (const n of names) expect(n).toStartWith("/tazco/financial-api/");
  });

  test("the provisioned parameters keep the rules of memory mode", async () => {
    expect(await ssmValue("/tazco/financial-api/limits/highTier")).toBe("10000");
    expect(await ssmValue("/tazco/financial-api/limits/mediumTier")).toBe("5000");
    expect(await ssmValue("/tazco/financial-api/limits/lowTier")).toBe("2000");
    expect(await ssmValue("/tazco/financial-api/approval/autoApproveThreshold")).toBe("500");
  });
});

describe("provision --check", () => {
  async function provision(...args: string[]) {
    const p = spawn([bin, "provision", "localstack/manifest.json", ...args], { env: process.env, stdout: "pipe", stderr: "pipe" });
    const [code, out, err] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()]);
    return { code, out: out + err };
  }

  test("provisioned tables match; an index with other keys or a smaller projection is a difference", async () => {
    const prefix = `${uid("pc")}-`;
    expect((await provision("--tables-only", "--prefix", prefix)).code).toBe(0);
    const ok = await provision("--check", "--tables-only", "--prefix", prefix);
    expect(`${ok.code}\n${ok.out}`).toBe(`0\n${ok.out}`);
    expect(ok.out).toContain("provision: the account matches the manifest");

    // the admin lists query PendingRequests by status and read whole items from it
    const table = `${prefix}card-requests`;
    await aws("dynamodb", "DeleteTable", { TableName: table });
    const S = (n: string) => ({ AttributeName: n, AttributeType: "S" });
    await aws("dynamodb", "CreateTable", {
      TableName: table,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [S("ecosystemId"), S("requestId"), S("status"), S("updatedAt")],
      KeySchema: [{ AttributeName: "ecosystemId", KeyType: "HASH" }, { AttributeName: "requestId", KeyType: "RANGE" }],
      GlobalSecondaryIndexes: [{
        IndexName: "PendingRequests",
        KeySchema: [{ AttributeName: "status", KeyType: "HASH" }, { AttributeName: "updatedAt", KeyType: "RANGE" }],
        Projection: { ProjectionType: "KEYS_ONLY" },
      }],
    });
    const r = await provision("--check", "--tables-only", "--prefix", prefix);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`DIFF table ${table} index PendingRequests is keyed status/updatedAt, the manifest says status/createdAt`);
    expect(r.out).toContain(`DIFF table ${table} index PendingRequests projects KEYS_ONLY, not ALL`);
    expect(r.out).toContain("provision: 2 difference(s)");
  }, 40000); // three provision runs over 12 tables each on a shared emulator

  // AWS delivers a rule's events to an SQS target only when the queue's policy
  // lets EventBridge send to it; the emulators do not check, so the policy is
  // checked here. A moto of its own: the test removes the policy.
  test("the events queue lets the rule send to it (AWS delivers nothing otherwise)", async () => {
    const m = await startMoto();
    try {
      const env = { ...process.env, AWS_ENDPOINT_URL: m.url };
      const run = async (...args: string[]) => {
        const p = spawn([bin, "provision", "localstack/manifest.json", ...args], { env, stdout: "pipe", stderr: "pipe" });
        const [code, out, err] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()]);
        return { code, out: out + err };
      };
      const first = await run();
      expect(`${first.code}\n${first.out}`).toBe(`0\n${first.out}`);
      expect(first.out).toContain("put policy on acme-events-queue: rule acme-events-to-sqs may send to it");
      const url = (await aws("sqs", "GetQueueUrl", { QueueName: "acme-events-queue" }, m.url)).QueueUrl;
      const attrs = (await aws("sqs", "GetQueueAttributes", { QueueUrl: url, AttributeNames: ["QueueArn", "Policy"] }, m.url)).Attributes;
      const rule = await aws("events", "DescribeRule", { Name: "acme-events-to-sqs", EventBusName: "acme-financial-events" }, m.url);
      const st = JSON.parse(attrs.Policy).Statement;
      expect(st).toContainEqual(expect.objectContaining({
        Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sqs:SendMessage",
        Resource: attrs.QueueArn, Condition: { ArnEquals: { "aws:SourceArn": rule.Arn } },
      }));
      const ok = await run("--check");
      expect(`${ok.code}\n${ok.out}`).toBe(`0\n${ok.out}`);

      await aws("sqs", "SetQueueAttributes", { QueueUrl: url, Attributes: { Policy: "" } }, m.url);
      const r = await run("--check");
      expect(r.code).toBe(1);
      expect(r.out).toContain("DIFF queue acme-events-queue has no policy letting rule acme-events-to-sqs send to it");
    } finally {
      m.proc.kill("SIGKILL");
    }
  }, 60000);
});

describe("cognito", () => {
  let base = "";
  const pool = () => ssmValue("/tazco/financial-api/cognito/userPoolId");
  const client = () => ssmValue("/tazco/financial-api/cognito/clientId");
  async function server() {
    if (!base) base = await startServer({ FIN_DEV_AUTH: "false" });
    return base;
  }
  async function signIn(email: string) {
    const r = await aws("cognito-idp", "InitiateAuth", {
      AuthFlow: "USER_PASSWORD_AUTH", ClientId: await client(),
      AuthParameters: { USERNAME: email, PASSWORD: "Password123!" },
    });
    return r.AuthenticationResult.IdToken as string;
  }
  async function withPoolKey<T>(fn: () => T): Promise<T> {
    process.env.FIN_COGNITO_POOL = await pool();
    process.env.FIN_COGNITO_CLIENT = await client();
    return fn();
  }

  test("an ID token from the pool is accepted and maps custom:ecosystemId and custom:role", async () => {
    const b = await server();
    const token = await signIn("admin@test.com");
    const r = await http(b, "POST", "/v1/users", `Bearer ${token}`, {});
    expect([200, 201]).toContain(r.status);
    expect(r.body.user.ecosystemId).toBe("admin-001");
    expect(r.body.user.role).toBe("admin");
    expect((await http(b, "GET", "/v1/admin/card-requests", `Bearer ${token}`)).status).toBe(200);
  });

  // the manifest's app client also allows the admin flow (server-side sign-in)
  // and refresh tokens: the ID tokens both give are accepted like the first
  test("ID tokens from ADMIN_USER_PASSWORD_AUTH and from a refresh token are accepted", async () => {
    const b = await server();
    const admin = await aws("cognito-idp", "AdminInitiateAuth", {
      AuthFlow: "ADMIN_USER_PASSWORD_AUTH", UserPoolId: await pool(), ClientId: await client(),
      AuthParameters: { USERNAME: "user@test.com", PASSWORD: "Password123!" },
    });
    const refreshed = await aws("cognito-idp", "InitiateAuth", {
      AuthFlow: "REFRESH_TOKEN_AUTH", ClientId: await client(),
      AuthParameters: { REFRESH_TOKEN: admin.AuthenticationResult.RefreshToken },
    });
    for (const token of [admin.AuthenticationResult.IdToken, refreshed.AuthenticationResult.IdToken]) {
      expect(typeof token).toBe("string");
      const me = await http(b, "POST", "/v1/users", `Bearer ${token}`, {});
      expect([200, 201]).toContain(me.status);
      expect(me.body.user.role).toBe("user");
      expect((await http(b, "GET", "/v1/dashboard", `Bearer ${token}`)).status).toBe(200);
    }
    // the refresh gives a new ID token, not the old one again
    expect(refreshed.AuthenticationResult.IdToken).not.toBe(admin.AuthenticationResult.IdToken);
  });

  test("a user cannot make themselves admin: UpdateUserAttributes and SignUp are refused", async () => {
    const b = await server();
    const auth = await aws("cognito-idp", "InitiateAuth", {
      AuthFlow: "USER_PASSWORD_AUTH", ClientId: await client(),
      AuthParameters: { USERNAME: "user@test.com", PASSWORD: "Password123!" },
    });
    for (const attr of ["custom:role", "custom:ecosystemId"]) {
      const refused = await aws("cognito-idp", "UpdateUserAttributes", {
        AccessToken: auth.AuthenticationResult.AccessToken,
        UserAttributes: [{ Name: attr, Value: attr === "custom:role" ? "admin" : "admin-001" }],
      }).then(() => "accepted", (e: Error) => e.message);
      expect(refused).toContain("NotAuthorizedException");
    }
    const signUp = await aws("cognito-idp", "SignUp", {
      ClientId: await client(), Username: `${uid("mallory")}@test.com`, Password: "Password123!",
      UserAttributes: [{ Name: "custom:role", Value: "admin" }],
    }).then(() => "accepted", (e: Error) => e.message);
    expect(signUp).toContain("NotAuthorizedException");
    // the token the user gets afterwards still says user, and admin routes stay closed
    const token = await signIn("user@test.com");
    const me = await http(b, "POST", "/v1/users", `Bearer ${token}`, {});
    expect([200, 201]).toContain(me.status);
    expect(me.body.user.role).toBe("user");
    expect((await http(b, "GET", "/v1/admin/card-requests", `Bearer ${token}`)).status).toBe(403);
  });

  test("a tampered token is refused", async () => {
    const b = await server();
    const [h, p, s] = (await signIn("user@test.com")).split(".");
    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    claims["custom:role"] = "admin";
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`;
    const r = await http(b, "GET", "/v1/dashboard", `Bearer ${forged}`);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("INVALID_TOKEN");
  });

  test("an expired token is refused as expired", async () => {
    if (!process.env.FIN_COGNITO_JWK) return expect(process.env.FIN_COGNITO_JWK).toBeDefined();
    const b = await server();
    const t = await withPoolKey(() => cognitoToken("user-001", "user", { exp: Math.floor(Date.now() / 1000) - 60 }));
    const r = await http(b, "GET", "/v1/dashboard", `Bearer ${t}`);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("TOKEN_EXPIRED");
  });

  test("a token of another pool is refused", async () => {
    if (!process.env.FIN_COGNITO_JWK) return expect(process.env.FIN_COGNITO_JWK).toBeDefined();
    const b = await server();
    const t = await withPoolKey(() =>
      cognitoToken("user-001", "user", { iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other" }));
    const r = await http(b, "GET", "/v1/dashboard", `Bearer ${t}`);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("INVALID_TOKEN");
  });

  test("an unsigned alg:none token and a dev token are refused", async () => {
    const b = await server();
    const [, p] = (await signIn("user@test.com")).split(".");
    const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${p}.`;
    for (const t of [none, dev("user-001").slice(7)]) {
      const r = await http(b, "GET", "/v1/dashboard", `Bearer ${t}`);
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe("INVALID_TOKEN");
    }
  });
});

describe("outage", () => {
  const procs: Subprocess[] = [];
  afterAll(() => procs.forEach((p) => p.kill("SIGKILL")));

  /** Provisions the manifest into the emulator at url; a failure shows what provision said. */
  async function provisionInto(url: string) {
    const prov = spawn([bin, "provision", "localstack/manifest.json"], {
      env: { ...process.env, AWS_ENDPOINT_URL: url },
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, out, err] = await Promise.all([prov.exited, new Response(prov.stdout).text(), new Response(prov.stderr).text()]);
    expect(`provision exited ${code}\n${out}${err}`).toBe(`provision exited 0\n${out}${err}`);
  }

  /** A moto of this test's own, so pausing or killing it disturbs no other suite. */
  async function ownMoto(port = 0) {
    const m = await startMoto(port);
    procs.push(m.proc);
    return m;
  }

  test("emulator paused mid-run: 503 and unhealthy readiness, then recovery with no partial rows", async () => {
    // an emulator of our own, so pausing it does not disturb other suites
    const { url, proc: moto } = await ownMoto();
    const env = { AWS_ENDPOINT_URL: url };
    await provisionInto(url);
    // short enough that the paused emulator gives a quick 503, long enough that
    // a recovered one answers on a busy machine (500 ms was not)
    const base = await startServer({ ...env, FIN_DEV_AUTH: "true", FIN_AWS_TIMEOUT_MS: "2000" }, true);
    const { eco, card } = await userWithCard(base, (e) => dev(e));
    const buy = (amount: number) =>
      http(base, "POST", `/v1/cards/${card}/transactions/purchases`, dev(eco), { amount }, uid("k"));
    expect((await buy(10)).status).toBe(201);

    process.kill(moto.pid, "SIGSTOP");
    try {
      const started = Date.now();
      const r = await buy(20);
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe("DEPENDENCY_UNAVAILABLE");
      expect(Date.now() - started).toBeLessThan(10000); // bounded by the client timeouts, no hang
      // readiness answers from a background check: the next one sees the outage
      const ready = await until("readiness unhealthy", async () => {
        const x = await http(base, "GET", "/health/readiness");
        return x.status === 503 && x;
      });
      expect(ready.body.dependencies.database).toBe("unhealthy");
    } finally {
      process.kill(moto.pid, "SIGCONT");
    }
    await until("readiness again", async () => (await http(base, "GET", "/health/readiness")).status === 200);
    expect((await buy(30)).status).toBe(201);

    // whatever the interrupted purchase did, it did all of it or nothing
    const txns = await http(base, "GET", `/v1/cards/${card}/transactions?type=purchase&limit=100`, dev(eco));
    expect(txns.status).toBe(200);
    const done = txns.body.transactions.filter((t: any) => t.status === "completed");
    const sum = done.reduce((a: number, t: any) => a + t.amount, 0);
    const c = await http(base, "GET", `/v1/cards/${card}`, dev(eco));
    expect(c.body.card.balance).toBe(sum);
    expect([40, 60]).toContain(sum);
  }, 120000);

  test("emulator paused: concurrent readiness calls never stall liveness", async () => {
    const { url, proc: moto } = await ownMoto();
    const env = { AWS_ENDPOINT_URL: url };
    await provisionInto(url);
    const base = await startServer({ ...env, FIN_DEV_AUTH: "true", FIN_AWS_TIMEOUT_MS: "2000" }, true);
    expect((await http(base, "GET", "/health/readiness")).status).toBe(200);
    process.kill(moto.pid, "SIGSTOP");
    try {
      // the pings would each wait for the timeout: they must not do it on request threads
      const calls = Array.from({ length: 6 }, () => http(base, "GET", "/health/readiness"));
      const started = Date.now();
      expect((await http(base, "GET", "/health/liveness")).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(300);
      for (const r of await Promise.all(calls)) expect([200, 503]).toContain(r.status);
    } finally {
      process.kill(moto.pid, "SIGCONT");
    }
  }, 120000);

  test("emulator stopped: a fast 503, readiness unhealthy; restarted and provisioned: serving again", async () => {
    let port = 0;
    let url = "";
    const startMoto = async () => {
      const { url: u, proc: m, port: p } = await ownMoto(port);
      port = p;
      url = u;
      await provisionInto(url);
      return m;
    };
    let moto = await startMoto();
    const base = await startServer({ AWS_ENDPOINT_URL: url, FIN_DEV_AUTH: "true" }, true);
    const { eco, card } = await userWithCard(base, (e) => dev(e));

    moto.kill("SIGKILL");
    await moto.exited;
    const started = Date.now();
    const r = await http(base, "GET", "/v1/dashboard", dev(eco));
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe("DEPENDENCY_UNAVAILABLE");
    // clients get the operation, the log gets the service, endpoint and cause
    expect(r.body.error.message).toBe("A required service is unavailable (read user); please retry later");
    expect(Date.now() - started).toBeLessThan(3000); // refused connections fail fast
    const ready = await until("readiness unhealthy", async () => {
      const x = await http(base, "GET", "/health/readiness");
      return x.status === 503 && x;
    });
    expect(ready.body.status).toBe("unhealthy");

    moto = await startMoto(); // moto keeps nothing: the data starts empty again
    await until("readiness again", async () => (await http(base, "GET", "/health/readiness")).status === 200);
    const again = await userWithCard(base, (e) => dev(e));
    const buy = await http(base, "POST", `/v1/cards/${again.card}/transactions/purchases`, dev(again.eco), { amount: 5 }, uid("k"));
    expect(buy.status).toBe(201);
    expect(card).toBeString();
  }, 120000);
});
