// suite.test.ts - the fault suite's own parts, without emulators: each proxy
// fault does what docs/faults.md says (against a local upstream), and each
// invariant reports a store made to break it. `bun test tests/faults`.
import { afterAll, describe, expect, test } from "bun:test";
import net from "node:net";
import { answerLength, startProxy, type Fault, type Proxy } from "./proxy";
import { checkAnswers, checkKeys, checkOutbox, checkScores, type StoreView } from "./invariants";
import { history } from "./history";
import type { Op, Workload } from "./workload";

const BODY = JSON.stringify({ Item: { id: { S: "x".repeat(200) } } });
let received = 0; // requests that reached the upstream
const upstream = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    await req.text();
    received++;
    return new Response(BODY, { headers: { "Content-Type": "application/json" } });
  },
});
const proxies: Proxy[] = [];
afterAll(() => {
  proxies.forEach((p) => p.stop());
  upstream.stop(true);
});

async function proxyWith(kind: Fault): Promise<Proxy> {
  const p = await startProxy({
    targetHost: "127.0.0.1",
    targetPort: upstream.port,
    seed: 1,
    rate: kind === "none" ? 0 : 1,
    kinds: kind === "none" ? undefined : [kind],
    clientTimeoutMs: 600, // stall holds the answer 1.8 s; late delivers after 0.8-1.6 s
    logFile: `.run/faults/selftest-${kind}.log`,
  });
  proxies.push(p);
  return p;
}

/** One raw request; what came back before the connection closed or the
 * client's own time-out (ms), and how it ended. */
function exchange(port: number, timeoutMs: number): Promise<{ bytes: Buffer; end: "close" | "reset" | "timeout" }> {
  return new Promise((resolve) => {
    let bytes = Buffer.alloc(0);
    const s = net.connect(port, "127.0.0.1", () => s.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"));
    const t = setTimeout(() => (s.destroy(), resolve({ bytes, end: "timeout" })), timeoutMs);
    s.on("data", (d) => {
      bytes = Buffer.concat([bytes, d]);
      const n = answerLength(bytes);
      if (n !== undefined && n > 0 && bytes.length >= n) clearTimeout(t), s.destroy(), resolve({ bytes, end: "close" });
    });
    s.on("error", () => (clearTimeout(t), resolve({ bytes, end: "reset" })));
    s.on("close", () => (clearTimeout(t), resolve({ bytes, end: "close" })));
  });
}

describe("proxy faults", () => {
  test("none: the whole answer", async () => {
    const p = await proxyWith("none");
    const r = await exchange(p.port, 2000);
    expect(r.bytes.toString()).toEndWith(BODY);
  });

  test("reset_before: nothing reaches the upstream", async () => {
    const p = await proxyWith("reset_before");
    const before = received;
    const r = await exchange(p.port, 2000);
    await p.idle();
    expect(r.bytes.length).toBe(0);
    expect(received).toBe(before);
  });

  test("reset_after: the upstream got the request, the client no answer", async () => {
    const p = await proxyWith("reset_after");
    const before = received;
    const r = await exchange(p.port, 2000);
    expect(r.bytes.length).toBe(0);
    expect(r.end).not.toBe("timeout");
    expect(received).toBe(before + 1);
  });

  test("cut_headers: the answer ends inside its headers", async () => {
    const p = await proxyWith("cut_headers");
    const r = await exchange(p.port, 2000);
    expect(r.end).toBe("close");
    expect(r.bytes.length).toBeGreaterThan(0);
    expect(r.bytes.indexOf("\r\n\r\n")).toBe(-1);
  });

  test("cut_body: the headers whole, the body short of its Content-Length", async () => {
    const p = await proxyWith("cut_body");
    const r = await exchange(p.port, 2000);
    const end = r.bytes.indexOf("\r\n\r\n");
    expect(end).toBeGreaterThan(0);
    expect(r.bytes.length - end - 4).toBeLessThan(BODY.length);
    expect(answerLength(r.bytes)).toBeUndefined();
  });

  test("stall: forwarded, but no answer within the client's time-out", async () => {
    const p = await proxyWith("stall");
    const before = received;
    const r = await exchange(p.port, 700);
    expect(r.end).toBe("timeout");
    expect(r.bytes.length).toBe(0);
    expect(received).toBe(before + 1);
  });

  test("late: delivered only after the client gave up", async () => {
    const p = await proxyWith("late");
    const before = received;
    const r = await exchange(p.port, 300);
    expect(r.end).toBe("timeout");
    expect(received).toBe(before); // not yet when the client gives up
    await p.idle();
    expect(received).toBe(before + 1);
  });
});

// ---- invariants on made-up stores ----
const op = (o: Partial<Op>): Op => ({ kind: "payment", user: "u1", path: "/p", attempts: [], final: 201, ...o });
const wl = (ops: Op[]): Workload => ({ ops, users: ["u1"], cards: new Map([["u1", "c1"]]) });
const store = (s: Partial<StoreView>): StoreView => ({ cards: [], users: [{ ecosystemId: "u1" }], requests: [], outbox: [], transactions: [], ...s });
const tx = (id: string, key: string, amount: number, type = "payment") => ({ transactionId: id, idempotencyKey: key, amount, type, status: "completed", ecosystemIdCardId: "u1#c1" });
const ev = (id: string, key: string, seq = 1, type = "transaction.payment") => ({
  eventType: type,
  entityType: "transaction",
  entityId: id,
  ecosystemId: "u1",
  sequenceNumber: seq,
  payload: { idempotencyKey: key, transactionId: id, cardId: "c1" },
});
const names = (v: { invariant: string }[]) => [...new Set(v.map((x) => x.invariant))].sort();

describe("invariants", () => {
  test("a payment answered 400 whose effect is stored is refused-but-applied", () => {
    const v: any[] = [];
    const w = wl([op({ key: "k1", amount: 10, final: 400, attempts: [{ status: 400, code: "VALIDATION_ERROR" }] })]);
    checkAnswers(w, store({}), v);
    checkKeys(w, store({ transactions: [tx("t1", "k1", 10)], outbox: [ev("t1", "k1")] }), v);
    expect(names(v)).toEqual(["refused", "refused-but-applied"]);
  });

  test("a key with two stored transactions is a double effect; a success must match its answer", () => {
    const v: any[] = [];
    const w = wl([op({ key: "k1", amount: 10, attempts: [{ status: 201 }], body: { transaction: { transactionId: "t1" } } })]);
    checkKeys(w, store({ transactions: [tx("t1", "k1", 10), tx("t2", "k1", 10)], outbox: [ev("t1", "k1"), ev("t2", "k1")] }), v);
    expect(names(v)).toEqual(["double-effect", "one-effect"]);
  });

  test("a transaction of a key nobody sent is a phantom", () => {
    const v: any[] = [];
    checkKeys(wl([]), store({ transactions: [tx("t9", "nobody", 5)], outbox: [ev("t9", "nobody")] }), v);
    expect(names(v)).toEqual(["phantom"]);
  });

  test("a 500 and a 404 for a stored user are reported", () => {
    const v: any[] = [];
    const w = wl([
      op({ kind: "register", key: undefined, final: 201, attempts: [{ status: 201 }] }),
      op({ key: "k2", final: 500, attempts: [{ status: 503 }, { status: 500 }] }),
      op({ kind: "read", final: 404, attempts: [{ status: 404 }] }),
    ]);
    checkAnswers(w, store({}), v);
    expect(names(v)).toEqual(["no-404", "no-500"]);
  });

  test("outbox sequences with a gap, and a move without its events, are reported", () => {
    const v: any[] = [];
    const score = { eventType: "score.changed", entityType: "score", entityId: "u1", ecosystemId: "u1", payload: {} };
    checkOutbox(store({ transactions: [tx("t1", "k1", 10)], outbox: [{ ...score, sequenceNumber: 1 }, { ...score, sequenceNumber: 3 }] }), v);
    expect(names(v)).toEqual(["event-per-move", "outbox-seq"]);
  });

  test("a score that does not follow its events is reported", () => {
    const v: any[] = [];
    const sc = (seq: number, prev: number, next: number) => ({ eventType: "score.changed", entityType: "score", entityId: "u1", ecosystemId: "u1", sequenceNumber: seq, payload: { previousScore: prev, newScore: next } });
    checkScores(store({ users: [{ ecosystemId: "u1", currentScore: 560 }], outbox: [sc(1, 500, 720), sc(2, 700, 560)] }), v);
    expect(v.map((x) => x.detail)).toEqual(["user u1: score.changed #2 starts at 700, the previous one ended at 720"]);
    const ok: any[] = [];
    checkScores(store({ users: [{ ecosystemId: "u1", currentScore: 560 }], outbox: [sc(1, 500, 720), sc(2, 720, 560)] }), ok);
    expect(ok).toEqual([]);
  });

  test("a refusal after a request the client gave up on is explained only when that request is stored", () => {
    const at = (sec: number) => Date.parse(`2026-01-01T00:00:${String(sec).padStart(2, "0")}Z`);
    const gaveUp = op({ kind: "request", key: "k1", t0: at(1), t1: at(9), final: 503, attempts: [{ status: 0 }, { status: 503 }] });
    const refused = op({ kind: "request", key: "k2", t0: at(10), final: 409, attempts: [{ status: 409, code: "CARD_ALREADY_EXISTS" }] });
    const landed = store({ requests: [{ requestId: "r1", idempotencyKey: "k1", status: "approved", ecosystemId: "u1" }] });
    const v: any[] = [];
    expect(checkAnswers(wl([gaveUp, refused]), landed, v)).toBe(1);
    expect(v).toEqual([]);
    // the abandoned request is not stored: the refusal has no excuse
    const none: any[] = [];
    expect(checkAnswers(wl([gaveUp, refused]), store({}), none)).toBe(0);
    expect(names(none)).toEqual(["refused"]);
    // another user's stored request, or one sent after the refusal, explains nothing
    const other: any[] = [];
    const theirs = store({ requests: [{ requestId: "r1", idempotencyKey: "k1", status: "approved", ecosystemId: "u2" }] });
    checkAnswers(wl([{ ...gaveUp, user: "u2" }, refused]), theirs, other);
    checkAnswers(wl([{ ...gaveUp, t0: at(11) }, refused]), landed, other);
    expect(other.map((x) => x.invariant)).toEqual(["refused", "refused"]);
    // a request the client did get an answer for is no excuse either
    const answered: any[] = [];
    checkAnswers(wl([{ ...gaveUp, final: 201, attempts: [{ status: 201 }] }, refused]), landed, answered);
    expect(names(answered)).toEqual(["refused"]);
  });

  test("a consistent store passes", () => {
    const v: any[] = [];
    const w = wl([op({ kind: "register", key: undefined, attempts: [{ status: 201 }] }), op({ key: "k1", amount: 10, attempts: [{ status: 201 }], body: { transaction: { transactionId: "t1" } } })]);
    const s = store({
      transactions: [tx("t1", "k1", 10)],
      outbox: [ev("t1", "k1"), { eventType: "score.changed", entityType: "score", entityId: "u1", ecosystemId: "u1", sequenceNumber: 1, payload: { relatedEntityId: "t1" } }],
    });
    checkAnswers(w, s, v);
    checkKeys(w, s, v);
    checkOutbox(s, v);
    expect(v).toEqual([]);
  });
});

describe("failure report", () => {
  test("a refusal is shown with its user's earlier requests and stored card requests", () => {
    const earlier = op({ kind: "request", key: "k1", t0: Date.parse("2026-01-01T00:00:01Z"), t1: Date.parse("2026-01-01T00:00:09Z"), final: 0, attempts: [{ status: 503 }, { status: 0 }] });
    const other = op({ kind: "request", user: "u2", key: "k9", t0: Date.parse("2026-01-01T00:00:02Z"), final: 201, attempts: [{ status: 201 }] });
    const refused = op({ kind: "request", key: "k2", t0: Date.parse("2026-01-01T00:00:10Z"), final: 409, attempts: [{ status: 409, code: "CARD_ALREADY_EXISTS" }] });
    const s = store({
      requests: [
        { requestId: "r1", idempotencyKey: "k1", status: "approved", createdAt: "2026-01-01T00:00:05Z", _path: "users/u1/cardRequests/r1" },
        { requestId: "r9", idempotencyKey: "k9", status: "approved", ecosystemId: "u2" },
      ],
    });
    const lines = history(wl([earlier, other, refused]), s, { invariant: "refused", detail: "", op: refused });
    expect(lines).toEqual([
      "      before: request key=k1 00:00:01.000..00:00:09.000 final=0 [503,0]",
      "      stored request r1 key=k1 status=approved created=2026-01-01T00:00:05Z",
    ]);
  });
});
