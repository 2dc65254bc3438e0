// workload.ts - a seeded randomized money workload: registrations, admin
// score set-up, card requests, admin approvals and rejections, purchases,
// payments and admin score changes, by 12 concurrent clients over 16 users.
//
// Clients behave as real ones do: a 503, a time-out or a broken connection
// is retried with the SAME Idempotency-Key (a bounded number of times).
// One client works on a user at a time (a per-user lock), so the expected
// state of every user is known and any refusal or 404 is the server's doing.
// Everything sent and answered is recorded for the invariants.
import { mulberry32 } from "./rng";

export type Kind = "register" | "score" | "request" | "approve" | "reject" | "purchase" | "payment" | "read";

export interface Attempt {
  status: number; // 0: no HTTP answer (time-out, connection error)
  code?: string;
  message?: string;
}

export interface Op {
  key?: string; // Idempotency-Key (absent for register and reads)
  kind: Kind;
  user: string;
  path: string;
  amount?: number; // purchase / payment amount, approve limit, score value
  cardId?: string;
  requestId?: string;
  attempts: Attempt[];
  duplicate?: boolean; // sent at the same time as another request with its key
  t0?: number; // first attempt sent (ms since epoch)
  t1?: number; // last answer
  final: number; // last status
  body?: any; // last body
}

export interface Workload {
  ops: Op[];
  users: string[];
  cards: Map<string, string>; // user -> card id (as the workload learnt it)
}

export type TokenFn = (eco: string, role: string) => string;

const RETRYABLE = (s: number) => s === 0 || s === 503;
const cents = (x: number) => Math.round(x * 100) / 100;

export async function runWorkload(base: string, seed: number, token: TokenFn, opsWanted: number, duplicates = 0.05): Promise<Workload> {
  const rnd = mulberry32(seed ^ 0x5eed);
  const ops: Op[] = [];
  const users = Array.from({ length: 16 }, (_, i) => `f${seed}u${i}`);
  const cards = new Map<string, string>();
  const pending = new Map<string, string>(); // user -> pending request id
  const w0 = new Map<string, string>(); // user -> a request id it made (for reads)
  const busy = new Set<string>();
  let keyN = 0;
  const newKey = (kind: string) => `${kind}-${seed}-${++keyN}`;
  const ADMIN = token("admin-001", "admin");

  async function send(op: Op, method: string, auth: string, body?: unknown): Promise<Op> {
    ops.push(op);
    op.t0 = Date.now();
    for (let i = 0; i < 10; i++) {
      const headers: Record<string, string> = { Authorization: auth };
      if (op.key) headers["Idempotency-Key"] = op.key;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      let a: Attempt;
      try {
        const r = await fetch(base + op.path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await r.text();
        op.body = text ? JSON.parse(text) : undefined;
        a = { status: r.status, code: op.body?.error?.code, message: op.body?.error?.message };
      } catch (e) {
        a = { status: 0, message: String(e) };
        op.body = undefined;
      }
      op.attempts.push(a);
      op.final = a.status;
      op.t1 = Date.now();
      if (!RETRYABLE(a.status)) break;
      await Bun.sleep(20 + Math.floor(rnd() * 80) * (i + 1)); // client back-off, not synchronisation
    }
    return op;
  }
  const mk = (kind: Kind, user: string, path: string, extra: Partial<Op> = {}): Op => ({
    kind,
    user,
    path,
    attempts: [],
    final: -1,
    ...extra,
  });

  // set-up: every user registered; scores spread over the three decisions
  await Promise.all(
    users.map(async (u, i) => {
      await send(mk("register", u, "/v1/users"), "POST", token(u, "user"), {});
      const score = i < 9 ? 720 : i < 12 ? 550 : 420;
      await send(mk("score", u, `/v1/admin/users/${u}/score`, { key: newKey("score"), amount: score }), "PATCH", ADMIN, {
        score,
        reason: "fault suite set-up",
      });
    }),
  );

  async function refreshCard(u: string): Promise<any> {
    const id = cards.get(u)!;
    const op = await send(mk("read", u, `/v1/cards/${id}`, { cardId: id }), "GET", token(u, "user"));
    return op.final === 200 ? op.body.card : undefined;
  }

  /** After a card request or decision that did not end in a 2xx, the client
   * learns the user's state again (as a real one would), so it does not
   * send what the server would rightly refuse. */
  async function resync(u: string): Promise<void> {
    const op = await send(mk("read", u, "/v1/dashboard"), "GET", token(u, "user"));
    if (op.final !== 200) return;
    const card = op.body.cards?.[0]?.cardId;
    if (card) cards.set(u, card);
    const req = op.body.pendingRequests?.[0]?.requestId;
    if (req) pending.set(u, req);
    else pending.delete(u);
  }
  const settled = (op: Op) => op.final === 200 || op.final === 201;

  /** Now and then a request goes twice at once with the same key: what a
   * client does when it gives up on an answer the server is still working
   * on (FAULT_DUPLICATES, the share of money requests, default 0.05). */
  async function twice(r: () => number, fn: (dup: boolean) => Promise<Op>): Promise<void> {
    if (r() >= duplicates) return void (await fn(false));
    await Promise.all([fn(true), Bun.sleep(Math.floor(r() * 30)).then(() => fn(true))]);
  }

  async function step(u: string, r: () => number): Promise<void> {
    const auth = token(u, "user");
    if (r() < 0.04) {
      const score = 600 + Math.floor(r() * 200);
      await send(mk("score", u, `/v1/admin/users/${u}/score`, { key: newKey("score"), amount: score }), "PATCH", ADMIN, {
        score,
        reason: "fault suite",
      });
      return;
    }
    const req = pending.get(u);
    if (req) {
      if (r() < 0.75) {
        const limit = 500 + Math.floor(r() * 15) * 100;
        const op = await send(mk("approve", u, `/v1/admin/card-requests/${req}/approve`, { key: newKey("approve"), amount: limit, requestId: req }), "POST", ADMIN, { creditLimit: limit });
        if (op.final === 200) pending.delete(u), cards.set(u, op.body.card.cardId);
        else await resync(u);
      } else {
        const op = await send(mk("reject", u, `/v1/admin/card-requests/${req}/reject`, { key: newKey("reject"), requestId: req }), "POST", ADMIN, { reason: "fault suite" });
        if (op.final === 200) pending.delete(u);
        else await resync(u);
      }
      return;
    }
    if (!cards.has(u)) {
      const op = await send(mk("request", u, "/v1/cards/requests", { key: newKey("request") }), "POST", auth, { productId: "prod-standard" });
      if (op.final === 200 || op.final === 201) {
        op.requestId = op.body.request.requestId;
        w0.set(u, op.requestId!);
        if (op.body.request.card) cards.set(u, (op.cardId = op.body.request.card.cardId));
        else if (op.body.request.status === "pending") pending.set(u, op.body.request.requestId);
      }
      if (!settled(op)) await resync(u);
      return;
    }
    const cardId = cards.get(u)!;
    if (r() < 0.1) {
      // reads of what exists: a failed store read must never be a 404
      await send(mk("read", u, `/v1/cards/${cardId}/transactions?limit=5`, { cardId }), "GET", auth);
      const req = w0.get(u);
      if (req) await send(mk("read", u, `/v1/cards/requests/${req}`, { requestId: req }), "GET", auth);
      return;
    }
    const card = await refreshCard(u);
    if (!card) return;
    const path = (t: string) => `/v1/cards/${cardId}/transactions/${t}`;
    if (card.balance > 0 && r() < 0.4) {
      const amount = r() < 0.3 ? card.balance : Math.max(0.01, cents(card.balance * r()));
      const key = newKey("pay");
      await twice(r, (duplicate) => send(mk("payment", u, path("payments"), { key, amount, cardId, duplicate }), "POST", auth, { amount }));
    } else {
      // now and then more than the available credit: a legitimate 402
      const amount = r() < 0.05 ? cents(card.availableCredit + 1) : cents(1 + r() * 150);
      const key = newKey("buy");
      await twice(r, (duplicate) =>
        send(mk("purchase", u, path("purchases"), { key, amount, cardId, duplicate }), "POST", auth, { amount, merchant: "fault-suite" }),
      );
    }
  }

  let started = 0;
  async function client(c: number): Promise<void> {
    const r = mulberry32(seed * 31 + c);
    while (started < opsWanted) {
      const free = users.filter((u) => !busy.has(u));
      if (free.length === 0) return; // more clients than free users: this one is done
      const u = free[Math.floor(r() * free.length)]!;
      busy.add(u);
      started++;
      try {
        await step(u, r);
      } finally {
        busy.delete(u);
      }
    }
  }
  await Promise.all(Array.from({ length: 12 }, (_, c) => client(c)));
  return { ops, users, cards };
}
