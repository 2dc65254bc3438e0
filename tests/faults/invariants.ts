// invariants.ts - what must hold after a faulted workload, checked against
// the store (read directly from the emulator) and through the API of a
// server that talks to the emulator without faults:
//
//   no-500 / no-404        no answer 500, no 404 for an entity that exists
//                          (the workload only names users, cards and
//                          requests it knows exist; a user whose
//                          registration failed is reported once, under
//                          registration, and its 404s are right)
//   registration           every user whose registration was answered 2xx
//                          is stored
//   refused                no 4xx refusal other than a legitimate 402 (the
//                          workload never sends what should be refused),
//                          unless an earlier request of the same user that
//                          the client gave up on (every try 503 or
//                          unanswered) is stored: it landed after the client
//                          stopped waiting, so the client's picture of the
//                          user was stale (counted in the summary)
//   refused-but-applied    no key answered 4xx whose effect is stored
//   one-effect             a key answered 2xx has exactly one effect, with
//                          the amount sent and the id the answer gave
//   double-effect          no key has two effects (transactions, requests,
//                          decision events)
//   phantom                every stored transaction, request and money
//                          event belongs to a key the workload sent
//   balance                a card's balance is the sum of its listed
//                          completed purchases minus payments; available
//                          credit is limit minus balance; API = store
//   listed                 the API lists exactly the stored transactions
//   version                a card's stored version is 1 + its moves
//   outbox-seq             per entity the sequence numbers are 1..N
//   event-per-move         one transaction event per completed move, one
//                          score.changed per completed payment
//   card-summary           the user's stored card summary and the dashboard
//                          match the user's cards
//   score-chain            a user's score.changed events, in sequence order,
//                          chain (each starts where the last ended, the first
//                          at 500) and end at the stored score
import type { Op, TokenFn, Workload } from "./workload";

type Doc = Record<string, any>;
export type StoreView = { cards: Doc[]; users: Doc[]; requests: Doc[]; outbox: Doc[]; transactions: Doc[] };
export interface Violation {
  invariant: string;
  detail: string;
  op?: Op; // the request it is about: its faults are looked up in the proxy log
}

const near = (a: number, b: number) => Math.abs(a - b) < 0.005;
const r2 = (x: number) => Math.round(x * 100) / 100;
const MONEY_EVENTS = new Set(["transaction.purchase", "transaction.payment"]);

function txCard(t: Doc): string {
  if (t.ecosystemIdCardId) return String(t.ecosystemIdCardId).split("#")[1]!;
  const m = /cards\/([^/]+)\/transactions\//.exec(t._path ?? "");
  return m ? m[1]! : "?";
}

function describe(op: Op): string {
  const tries = op.attempts.map((a) => `${a.status}${a.code ? ` ${a.code}` : ""}${a.message && a.status !== 0 ? ` "${a.message}"` : ""}`).join(" -> ");
  const dup = op.duplicate ? " (sent twice at once)" : "";
  return `${op.kind}${dup} key=${op.key ?? "-"} user=${op.user} ${op.path}${op.amount !== undefined ? ` amount=${op.amount}` : ""}: ${tries}`;
}

async function get(base: string, path: string, auth: string): Promise<any> {
  const r = await fetch(base + path, { headers: { Authorization: auth } });
  const body = await r.json().catch(() => undefined);
  if (r.status !== 200) throw new Error(`checker GET ${path}: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

async function listTransactions(base: string, card: string, auth: string): Promise<Doc[]> {
  const out: Doc[] = [];
  let cursor = "";
  for (;;) {
    // small pages: the cursor path is part of what is checked
    const b = await get(base, `/v1/cards/${card}/transactions?limit=7${cursor ? `&cursor=${cursor}` : ""}`, auth);
    out.push(...b.transactions);
    if (!b.pagination.hasMore) return out;
    cursor = b.pagination.nextCursor;
  }
}

/** Whether the effect of op, a request whose outcome the client never
 * learnt, is stored. */
function stored(s: StoreView, op: Op): boolean {
  if (op.kind === "request") return s.requests.some((r) => r.idempotencyKey === op.key);
  if (op.kind === "purchase" || op.kind === "payment") return s.transactions.some((t) => t.status === "completed" && t.idempotencyKey === op.key);
  if (op.kind === "approve" || op.kind === "reject") return s.requests.some((r) => r.requestId === op.requestId && r.status === (op.kind === "approve" ? "approved" : "rejected"));
  return false;
}

/** An earlier request of op's user that the client gave up on and that the
 * store holds nonetheless: the server went on with it after the client
 * stopped waiting (an attempt the client timed out on, or a write the store
 * received late), so the client acted on a stale picture of the user. A
 * refusal after one is the server's right answer to what it holds. */
export function staleAfter(w: Workload, s: StoreView, op: Op): Op | undefined {
  return w.ops.find((y) => y !== op && y.user === op.user && y.key !== undefined && (y.final === 0 || y.final === 503) && (y.t0 ?? 0) < (op.t0 ?? 0) && stored(s, y));
}

/** Checks the answers; returns the refusals explained by staleAfter. */
export function checkAnswers(w: Workload, s: StoreView, v: Violation[]): number {
  let explained = 0;
  const stored = new Set(s.users.map((u) => u.ecosystemId));
  // a registration whose retries all failed is unavailability, not a wrong answer
  for (const op of w.ops.filter((o) => o.kind === "register" && (o.final === 200 || o.final === 201)))
    if (!stored.has(op.user)) v.push({ invariant: "registration", detail: `user not stored after ${describe(op)}`, op });
  for (const op of w.ops) {
    if (op.attempts.some((a) => a.status === 500)) v.push({ invariant: "no-500", detail: describe(op), op });
    // a user whose registration failed does not exist: its 404s are right
    if (op.attempts.some((a) => a.status === 404) && stored.has(op.user)) v.push({ invariant: "no-404", detail: describe(op), op });
    const last = op.attempts[op.attempts.length - 1];
    if (!last) continue;
    const legit402 = op.kind === "purchase" && last.status === 402;
    if (last.status < 400 || last.status >= 500 || last.status === 404 || legit402) continue;
    if (staleAfter(w, s, op)) explained++;
    else v.push({ invariant: "refused", detail: describe(op), op });
  }
  return explained;
}

export function checkKeys(w: Workload, s: StoreView, v: Violation[]): void {
  const by = <T>(xs: T[], k: (x: T) => string | undefined) => {
    const m = new Map<string, T[]>();
    for (const x of xs) {
      const key = k(x);
      if (key !== undefined) m.set(key, [...(m.get(key) ?? []), x]);
    }
    return m;
  };
  const txs = by(s.transactions.filter((t) => t.status === "completed"), (t) => t.idempotencyKey);
  const events = by(s.outbox.filter((e) => MONEY_EVENTS.has(e.eventType)), (e) => e.payload?.idempotencyKey);
  const requests = by(s.requests, (r) => r.idempotencyKey);
  const decisions = by(s.outbox.filter((e) => e.eventType === "card.rejected" || (e.eventType === "card.approved" && e.payload?.source === "admin")), (e) => e.payload?.requestId);
  const sent = new Set(w.ops.map((o) => o.key).filter(Boolean));
  for (const op of w.ops) {
    if (!op.key) continue;
    const ok = op.final === 200 || op.final === 201;
    const refused = op.final >= 400 && op.final < 500;
    let effects: Doc[] | undefined;
    if (op.kind === "purchase" || op.kind === "payment") {
      effects = txs.get(op.key) ?? [];
      const evs = events.get(op.key) ?? [];
      if (evs.length > 1) v.push({ invariant: "double-effect", detail: `${evs.length} events for ${describe(op)}`, op });
      if (ok) {
        const t = effects[0];
        const answered = op.body?.transaction?.transactionId;
        if (effects.length !== 1 || evs.length !== 1 || !near(t.amount, op.amount!) || t.transactionId !== answered)
          v.push({
            invariant: "one-effect",
            detail: `${effects.length} stored, ${evs.length} events, amount ${t?.amount}, id ${t?.transactionId} (answered ${answered}) for ${describe(op)}`,
            op,
          });
      }
    } else if (op.kind === "request") {
      effects = requests.get(op.key) ?? [];
      if (ok && (effects.length !== 1 || effects[0]!.requestId !== op.body?.request?.requestId))
        v.push({ invariant: "one-effect", detail: `${effects.length} requests stored for ${describe(op)}`, op });
    } else if ((op.kind === "approve" || op.kind === "reject") && ok) {
      const r = s.requests.find((x) => x.requestId === op.requestId);
      const want = op.kind === "approve" ? "approved" : "rejected";
      if (r?.status !== want) v.push({ invariant: "one-effect", detail: `request ${op.requestId} is ${r?.status} after ${describe(op)}`, op });
    }
    if (effects && effects.length > 1) v.push({ invariant: "double-effect", detail: `${effects.length} effects for ${describe(op)}`, op });
    if (effects && effects.length > 0 && refused) v.push({ invariant: "refused-but-applied", detail: `stored ${effects.map((e) => e.transactionId ?? e.requestId).join(",")} for ${describe(op)}`, op });
  }
  for (const [req, evs] of decisions)
    if (evs.length > 1) v.push({ invariant: "double-effect", detail: `${evs.length} decision events for request ${req}: ${evs.map((e) => e.eventType).join(",")}` });
  for (const t of s.transactions)
    if (!sent.has(t.idempotencyKey)) v.push({ invariant: "phantom", detail: `transaction ${t.transactionId} (${t.type} ${t.amount} ${t.status}) key ${t.idempotencyKey}` });
  for (const r of s.requests)
    if (!sent.has(r.idempotencyKey)) v.push({ invariant: "phantom", detail: `card request ${r.requestId} key ${r.idempotencyKey}` });
  for (const e of s.outbox)
    if (MONEY_EVENTS.has(e.eventType) && !sent.has(e.payload?.idempotencyKey)) v.push({ invariant: "phantom", detail: `event ${e.eventType} ${e.entityId} key ${e.payload?.idempotencyKey}` });
}

export function checkOutbox(s: StoreView, v: Violation[]): void {
  const seqs = new Map<string, number[]>();
  for (const e of s.outbox) {
    const k = `${e.ecosystemId}:${e.entityType}:${e.entityId}`;
    seqs.set(k, [...(seqs.get(k) ?? []), Number(e.sequenceNumber)]);
  }
  for (const [k, xs] of seqs) {
    xs.sort((a, b) => a - b);
    if (xs.some((x, i) => x !== i + 1)) v.push({ invariant: "outbox-seq", detail: `${k}: ${xs.join(",")}` });
  }
  const moves = new Map<string, number>();
  const scoreEvents = new Map<string, number>();
  for (const e of s.outbox) {
    if (MONEY_EVENTS.has(e.eventType)) moves.set(e.entityId, (moves.get(e.entityId) ?? 0) + 1);
    if (e.eventType === "score.changed" && e.payload?.relatedEntityId) scoreEvents.set(e.payload.relatedEntityId, (scoreEvents.get(e.payload.relatedEntityId) ?? 0) + 1);
  }
  const completed = s.transactions.filter((t) => t.status === "completed");
  const ids = new Set(completed.map((t) => t.transactionId));
  for (const t of completed) {
    if (moves.get(t.transactionId) !== 1) v.push({ invariant: "event-per-move", detail: `${t.type} ${t.transactionId} (key ${t.idempotencyKey}) has ${moves.get(t.transactionId) ?? 0} events` });
    if (t.type === "payment" && scoreEvents.get(t.transactionId) !== 1)
      v.push({ invariant: "event-per-move", detail: `payment ${t.transactionId} (key ${t.idempotencyKey}) has ${scoreEvents.get(t.transactionId) ?? 0} score.changed events` });
  }
  for (const [id, n] of moves) if (!ids.has(id)) v.push({ invariant: "event-per-move", detail: `${n} money event(s) for transaction ${id}, which is not a completed transaction` });
}

export function checkScores(s: StoreView, v: Violation[]): void {
  for (const u of s.users) {
    const evs = s.outbox.filter((e) => e.eventType === "score.changed" && e.entityId === u.ecosystemId).sort((a, b) => a.sequenceNumber - b.sequenceNumber);
    let score = 500; // a registered user's score
    for (const e of evs) {
      if (e.payload?.previousScore !== score)
        v.push({ invariant: "score-chain", detail: `user ${u.ecosystemId}: score.changed #${e.sequenceNumber} starts at ${e.payload?.previousScore}, the previous one ended at ${score}` });
      score = e.payload?.newScore;
    }
    if (u.currentScore !== score) v.push({ invariant: "score-chain", detail: `user ${u.ecosystemId}: stored score ${u.currentScore}, its events end at ${score} (${evs.length} events)` });
  }
}

async function checkCards(direct: string, token: TokenFn, s: StoreView, v: Violation[]): Promise<void> {
  const byCard = new Map<string, Doc[]>();
  for (const t of s.transactions) byCard.set(txCard(t), [...(byCard.get(txCard(t)) ?? []), t]);
  for (const c of s.cards) {
    const auth = token(c.ecosystemId, "user");
    const api = (await get(direct, `/v1/cards/${c.cardId}`, auth)).card;
    const listed = await listTransactions(direct, c.cardId, auth);
    const done = listed.filter((t) => t.status === "completed");
    const sum = r2(done.reduce((a, t) => a + (t.type === "purchase" ? t.amount : -t.amount), 0));
    if (!near(api.balance, sum) || !near(c.balance, api.balance))
      v.push({ invariant: "balance", detail: `card ${c.cardId} (${c.ecosystemId}): API balance ${api.balance}, stored ${c.balance}, listed moves sum to ${sum} (${done.length} completed)` });
    if (!near(api.availableCredit, Math.max(0, api.limit - api.balance)))
      v.push({ invariant: "balance", detail: `card ${c.cardId}: availableCredit ${api.availableCredit} with limit ${api.limit} and balance ${api.balance}` });
    const stored = (byCard.get(c.cardId) ?? []).filter((t) => t.status === "completed");
    const a = new Set(done.map((t) => t.transactionId));
    if (stored.length !== done.length || stored.some((t) => !a.has(t.transactionId)))
      v.push({ invariant: "listed", detail: `card ${c.cardId}: ${done.length} completed listed, ${stored.length} stored` });
    if (Number(c.version) !== 1 + stored.length)
      v.push({ invariant: "version", detail: `card ${c.cardId} (${c.ecosystemId}): version ${c.version}, ${stored.length} completed moves` });
  }
  for (const u of s.users) {
    const mine = s.cards.filter((c) => c.ecosystemId === u.ecosystemId && c.status === "active");
    const want = { activeCards: mine.length, totalLimit: r2(mine.reduce((a, c) => a + c.limit, 0)), totalBalance: r2(mine.reduce((a, c) => a + c.balance, 0)) };
    const got = u.cardSummary ?? { activeCards: 0, totalLimit: 0, totalBalance: 0 };
    if (got.activeCards !== want.activeCards || !near(got.totalLimit, want.totalLimit) || !near(got.totalBalance, want.totalBalance))
      v.push({ invariant: "card-summary", detail: `user ${u.ecosystemId}: stored ${JSON.stringify(got)}, cards say ${JSON.stringify(want)}` });
    const dash = await get(direct, "/v1/dashboard", token(u.ecosystemId, "user"));
    for (const dc of dash.cards) {
      const c = s.cards.find((x) => x.cardId === dc.cardId);
      if (!c || !near(dc.balance, c.balance)) v.push({ invariant: "card-summary", detail: `dashboard of ${u.ecosystemId}: card ${dc.cardId} balance ${dc.balance}, stored ${c?.balance}` });
    }
    if (dash.cards.length !== s.cards.filter((c) => c.ecosystemId === u.ecosystemId).length)
      v.push({ invariant: "card-summary", detail: `dashboard of ${u.ecosystemId}: ${dash.cards.length} cards listed` });
  }
}

/** The violations, and what was checked (so a pass is never vacuous). */
export async function checkInvariants(w: Workload, direct: string, token: TokenFn, s: StoreView): Promise<{ violations: Violation[]; checked: string }> {
  const v: Violation[] = [];
  const explained = checkAnswers(w, s, v);
  checkKeys(w, s, v);
  checkOutbox(s, v);
  checkScores(s, v);
  await checkCards(direct, token, s, v);
  const keys = w.ops.filter((o) => o.key).length;
  const ok = w.ops.filter((o) => o.key && (o.final === 200 || o.final === 201)).length;
  const moves = s.transactions.filter((t) => t.status === "completed").length;
  const gaveUp = w.ops.filter((o) => o.final === 0 || o.final === 503).length;
  const checked = `${keys} keys (${ok} answered 2xx), ${gaveUp} requests still 503/unanswered after 10 tries (${explained} later refusals explained by one of them being stored), ${s.cards.length} cards, ${moves} completed moves, ${s.outbox.length} events`;
  if (s.cards.length === 0 || moves === 0 || s.outbox.length === 0) v.push({ invariant: "suite", detail: `nothing to check: ${checked}` });
  return { violations: v, checked };
}
