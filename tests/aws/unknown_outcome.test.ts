// A commit that reached DynamoDB but whose answer was lost (the connection
// reset after forwarding): the server must not guess. Before the fixes of
// docs/aws.md "Unknown outcomes", the commit was sent again, the second one
// failed its conditions, and the client got a 400 for a payment that was
// stored, or a 500 "Card already exists" for a card request that was made.
// Now the answer is the operation's own (read back through its idempotency
// record) or a 503 to retry with the same key, and the retry replays it.
import { afterAll, describe, expect, test } from "bun:test";
import { dev, http, type Res } from "../contract/support/direct";
import { startServer } from "../contract/support/server";
import { uid } from "../contract/support/ids";
import { startProxy, type Proxy, type Req } from "../faults/proxy";
import { endpoint } from "./awsapi";

process.env.FIN_SERVER_MODE = "aws";

const ADMIN = dev("admin-001", "admin");

const proxies: Proxy[] = [];
afterAll(() => proxies.forEach((p) => p.stop()));

/** A server whose DynamoDB calls go through a proxy that, once armed, resets
 * the connection after forwarding the next TransactWriteItems (once). */
async function serverLosingOneCommitAnswer() {
  const up = new URL(endpoint);
  let armed = false;
  const isCommit = (r: Req) => (r.headers["x-amz-target"] ?? "").endsWith(".TransactWriteItems");
  const proxy = await startProxy({
    targetHost: up.hostname,
    targetPort: Number(up.port),
    seed: 1,
    rate: 1,
    kinds: ["reset_after"],
    clientTimeoutMs: 20000,
    logFile: `.run/unknown-outcome-${process.pid}-${proxies.length}.log`,
    only: (r) => armed && isCommit(r),
    budget: 1,
  });
  proxies.push(proxy);
  const base = await startServer({ AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${proxy.port}`, FIN_DEV_AUTH: "true" }, true);
  return { base, proxy, arm: () => (armed = true) };
}

async function registered(base: string, score: number) {
  const eco = uid("uo");
  expect((await http(base, "POST", "/v1/users", dev(eco), {})).status).toBe(201);
  expect((await http(base, "PATCH", `/v1/admin/users/${eco}/score`, ADMIN, { score, reason: "setup" }, uid("k"))).status).toBe(200);
  return eco;
}

/** The first answer is the key's stored outcome or a retryable 503, never a
 * guess. The stored outcome comes back as a replay does (200): the server
 * cannot tell its own lost commit from a concurrent request with the key. */
function expectOwnAnswerOr503(r: Res) {
  expect([200, 201, 503]).toContain(r.status);
  if (r.status === 503) expect(r.body.error.code).toBe("DEPENDENCY_UNAVAILABLE");
}

describe("a commit applied but its answer lost", () => {
  test("a payment answers its stored outcome or 503, never 400; its retry replays one stored payment", async () => {
    const { base, proxy, arm } = await serverLosingOneCommitAnswer();
    const eco = await registered(base, 720);
    const req = await http(base, "POST", "/v1/cards/requests", dev(eco), { productId: "prod-standard" }, uid("k"));
    expect(req.status).toBe(201);
    const card = req.body.request.card.cardId as string;
    expect((await http(base, "POST", `/v1/cards/${card}/transactions/purchases`, dev(eco), { amount: 100 }, uid("k"))).status).toBe(201);

    arm();
    const key = uid("pay");
    // the whole balance: a second commit of it would find nothing left to pay
    const pay = () => http(base, "POST", `/v1/cards/${card}/transactions/payments`, dev(eco), { amount: 100 }, key);
    const first = await pay();
    expect(proxy.counts.reset_after).toBe(1); // the payment's commit lost its answer
    expectOwnAnswerOr503(first);
    const again = await pay();
    expect(again.status).toBe(200); // a replay
    if (first.status !== 503) expect(again.body.transaction.transactionId).toBe(first.body.transaction.transactionId);

    const list = await http(base, "GET", `/v1/cards/${card}/transactions?type=payment&limit=100`, dev(eco));
    expect(list.body.transactions.map((t: any) => [t.amount, t.status])).toEqual([[100, "completed"]]);
    expect((await http(base, "GET", `/v1/cards/${card}`, dev(eco))).body.card.balance).toBe(0);
  }, 120000);

  test("a card request answers its stored outcome or 503, never a refusal (409, 500); its retry replays one card", async () => {
    const { base, proxy, arm } = await serverLosingOneCommitAnswer();
    const eco = await registered(base, 720);

    arm();
    const key = uid("req");
    const ask = () => http(base, "POST", "/v1/cards/requests", dev(eco), { productId: "prod-standard" }, key);
    const first = await ask();
    expect(proxy.counts.reset_after).toBe(1); // the request's commit lost its answer
    expectOwnAnswerOr503(first);
    const again = await ask();
    expect(again.status).toBe(200); // a replay
    if (first.status !== 503) expect(again.body.request.requestId).toBe(first.body.request.requestId);

    const cards = await http(base, "GET", "/v1/cards", dev(eco));
    expect(cards.status).toBe(200);
    expect(cards.body.cards.length).toBe(1);
  }, 120000);
});
