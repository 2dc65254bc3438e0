// setup.ts - scenario set-ups through the API only (behaviour.md §13).
import { expect } from "bun:test";
import { ADMIN, tok } from "./auth";
import { patch, post } from "./client";
import { key, uid } from "./ids";

/** Registers a user (score 500) and sets its score through the admin API. */
export async function user(score = 500, prefix = "u"): Promise<{ id: string; auth: string }> {
  const id = uid(prefix);
  const auth = tok(id);
  const r = await post("/v1/users", { auth, body: {} });
  expect(r.status).toBe(201);
  if (score !== 500) await setScore(id, score);
  return { id, auth };
}

export async function setScore(id: string, score: number): Promise<void> {
  const r = await patch(`/v1/admin/users/${id}/score`, {
    auth: ADMIN(),
    key: key(),
    body: { score, reason: "setup" },
  });
  expect(r.status).toBe(200);
}

/** A user holding an active card of the given limit (behaviour.md §13). */
export async function userWithCard(
  limit: number,
  finalScore?: number,
): Promise<{ id: string; auth: string; cardId: string }> {
  let u: { id: string; auth: string };
  if (limit === 10000 || limit === 5000) {
    u = await user(limit === 10000 ? 720 : 600);
    const r = await post("/v1/cards/requests", { auth: u.auth, key: key(), body: { productId: "prod-standard" } });
    expect(r.status).toBe(201);
    expect(r.body.request.card.limit).toBe(limit);
    if (finalScore !== undefined) await setScore(u.id, finalScore);
    return { ...u, cardId: r.body.request.card.cardId };
  }
  u = await user(400);
  const req = await post("/v1/cards/requests", { auth: u.auth, key: key(), body: { productId: "prod-standard" } });
  expect(req.status).toBe(201);
  const needed = limit > 2000 ? (limit > 5000 ? 720 : 600) : undefined;
  if (needed) await setScore(u.id, needed);
  const ap = await post(`/v1/admin/card-requests/${req.body.request.requestId}/approve`, {
    auth: ADMIN(),
    key: key(),
    body: { creditLimit: limit },
  });
  expect(ap.status).toBe(200);
  if (finalScore !== undefined) await setScore(u.id, finalScore);
  else if (needed) await setScore(u.id, 400);
  return { ...u, cardId: ap.body.card.cardId };
}

/** A purchase with any body; `k` null sends no Idempotency-Key. */
export const buy = (auth: string, card: string, body: unknown, k: string | null = key()) =>
  post(`/v1/cards/${card}/transactions/purchases`, { auth, key: k ?? undefined, body });

/** A payment with any body; `k` null sends no Idempotency-Key. */
export const payment = (auth: string, card: string, body: unknown, k: string | null = key()) =>
  post(`/v1/cards/${card}/transactions/payments`, { auth, key: k ?? undefined, body });

export async function purchase(auth: string, cardId: string, amount: number, merchant = "Store") {
  return buy(auth, cardId, { amount, merchant });
}

export async function pay(auth: string, cardId: string, amount: number) {
  return payment(auth, cardId, { amount });
}
