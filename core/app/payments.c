/* payments.c - POST /v1/cards/:cardId/transactions/payments (behaviour.md §1.11, §4.7).
 * Transaction row, card balance, user score + history entry, card summary,
 * transaction.payment + score.changed and the idempotency record: one commit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/rules.h"
#include "../http/errmap.h"
#include "../util/ids.h"
#include "../util/jsnum.h"
#include "../util/jsonout.h"
#include "../util/timefmt.h"
#include "app_errors.h"
#include "handlers.h"
#include "idem.h"
#include "input.h"
#include "money.h"
#include "records.h"
#include "views.h"

#define OP_PAYMENT "make-payment"

struct payment {
  const char *eco, *card_id, *key;
  char hash[65];
  char fp[65]; /* request fingerprint (fin_idem_fingerprint) */
  double amount;
};

static json_t *impact_json(int prev, int next, int delta, bool on_time) {
  return json_pack("{s:i,s:i,s:i,s:s}", "previousScore", prev, "newScore", next, "delta", delta,
                   "reason", on_time ? "on_time" : "late");
}

static void replay(struct fin_container *c, const struct payment *p, int current_score,
                   const struct fin_idem *rec, struct fin_resp *r) {
  if (strcmp(rec->operation, OP_PAYMENT) != 0) {
    fin_resp_fail(r, FIN_E_OPERATION_MISMATCH);
    return;
  }
  if (!fin_idem_same_request(rec, p->fp)) return fin_idem_refuse_reuse(r);
  json_t *s = json_loads(rec->response, 0, NULL);
  const char *tid = json_string_value(json_object_get(s, "transactionId"));
  const char *cid = json_string_value(json_object_get(s, "cardId"));
  const char *ps = json_string_value(json_object_get(s, "paymentStatus"));
  int next = (int)json_number_value(json_object_get(s, "newScore"));
  int delta = (int)json_number_value(json_object_get(s, "scoreImpact"));
  json_t *impact = impact_json(current_score, next, delta, ps && strcmp(ps, "on_time") == 0);
  fin_answer_txn(c, p->eco, cid ? cid : p->card_id, tid ? tid : "", 200, impact, r);
  json_decref(s);
}

/* One payment as it will be committed. t and entry own their strings
 * (plan_clear); after is a view of the card read (its strings are the card's). */
struct plan {
  struct fin_txn t;
  struct fin_card after;
  struct fin_payment_outcome out;
  struct fin_score entry;
  struct fin_card_summary sum;
  const char *prev_tier, *new_tier;
};

static void plan_clear(struct plan *pl) {
  fin_txn_clear(&pl->t);
  fin_score_clear(&pl->entry);
}

/* The score history entry of the payment (owned copies). */
static enum fin_status plan_entry(const struct payment *p, const struct fin_user *u, fin_ms now,
                                  struct plan *pl, struct fin_err *pe) {
  struct fin_score *en = &pl->entry;
  memset(en, 0, sizeof *en);
  if (fin_uuid_v7(en->score_id) != 0)
    return fin_err_set(pe, FIN_UNAVAILABLE, "no score entry id: random source failed");
  bool oom = false;
  en->ecosystem_id = fin_own(p->eco, &oom);
  en->reason = fin_own(pl->out.on_time ? "payment_on_time" : "payment_late", &oom);
  en->related_entity_type = fin_own("transaction", &oom);
  en->related_entity_id = fin_own(pl->t.transaction_id, &oom);
  if (oom) return fin_err_set(pe, FIN_NOMEM, "out of memory");
  en->value = pl->out.new_score;
  en->previous_value = u->score;
  en->delta = pl->out.new_score - u->score;
  fin_strlcpy(en->source, "system", sizeof en->source);
  en->timestamp = now;
  return FIN_OK;
}

/* Fills pl (release it with plan_clear, whatever the result). */
static enum fin_status plan_payment(struct fin_container *c, const struct payment *p,
                                    const struct fin_user *u, const struct fin_card *card,
                                    fin_ms now, struct plan *pl, struct fin_err *pe) {
  struct fin_payment_facts facts = {.amount = p->amount,
                                    .balance_before = card->balance,
                                    .current_score = u->score,
                                    .paid_at = now,
                                    .due_at = card->next_due_date,
                                    .paid_day = fin_local_day(now),
                                    .due_day = fin_local_day(card->next_due_date)};
  fin_payment_score(fin_rules_of(c), &facts, &pl->out);
  enum fin_status st =
      fin_txn_prepare(&pl->t, p->eco, p->card_id, "payment", p->amount, p->key, now, pe);
  if (st != FIN_OK) return st;
  fin_strlcpy(pl->t.status, "completed", sizeof pl->t.status);
  fin_strlcpy(pl->t.payment_status, pl->out.on_time ? "on_time" : "late",
              sizeof pl->t.payment_status);
  pl->t.days_overdue = pl->out.days_overdue;
  pl->t.has_score_impact = true;
  pl->t.score_impact = pl->out.delta;
  pl->after = *card;
  int64_t left = fin_cents(card->balance) - fin_cents(p->amount);
  pl->after.balance = fin_dollars(left > 0 ? left : 0);
  pl->after.available_credit = fin_available(card->limit, pl->after.balance);
  pl->after.minimum_payment = fin_min_payment(pl->after.balance);
  pl->prev_tier = fin_tier_of(fin_rules_of(c), u->score);
  pl->new_tier = fin_tier_of(fin_rules_of(c), pl->out.new_score);
  st = plan_entry(p, u, now, pl, pe);
  if (st != FIN_OK) return st;
  struct fin_card *cards = NULL;
  size_t n = 0;
  st = c->cards.ops->list_by_user(c->cards.self, p->eco, NULL, &cards, &n, pe);
  if (st != FIN_OK && st != FIN_NOT_FOUND) return st;
  for (size_t i = 0; i < n; i++)
    if (strcmp(cards[i].card_id, card->card_id) == 0) cards[i].balance = pl->after.balance;
  fin_summary_of(cards, n, &pl->sum);
  fin_card_list_free(cards, n);
  return 0;
}

static json_t *payment_payload(const struct payment *p, const struct plan *pl) {
  json_t *o = json_pack("{s:s,s:s,s:s,s:f,s:s}", "transactionId", pl->t.transaction_id, "cardId",
                        p->card_id, "ecosystemId", p->eco, "amount", p->amount, "paymentStatus",
                        pl->t.payment_status);
  if (!pl->out.on_time) json_object_set_new(o, "daysOverdue", json_integer(pl->out.days_overdue));
  json_object_set_new(o, "scoreImpact", json_integer(pl->out.delta));
  json_object_set_new(o, "newBalance", json_real(pl->after.balance));
  json_object_set_new(o, "newAvailableCredit", json_real(pl->after.available_credit));
  json_object_set_new(o, "newScore", json_integer(pl->out.new_score));
  json_object_set_new(o, "newTier", json_string(pl->new_tier));
  json_object_set_new(o, "idempotencyKey", json_string(p->key));
  return o;
}

static json_t *score_payload(const struct payment *p, const struct plan *pl) {
  return json_pack("{s:s,s:i,s:i,s:i,s:s,s:s,s:s,s:s,s:s,s:s}", "ecosystemId", p->eco,
                   "previousScore", pl->entry.previous_value, "newScore", pl->entry.value, "delta",
                   pl->entry.delta, "previousTier", pl->prev_tier, "newTier", pl->new_tier,
                   "reason", pl->entry.reason, "source", "system", "relatedEntityType",
                   "transaction", "relatedEntityId", pl->t.transaction_id);
}

static char *summary_text(const struct payment *p, const struct plan *pl) {
  json_t *s = json_pack("{s:b,s:s,s:s,s:f,s:f,s:s,s:i,s:i,s:s}", "success", 1, "transactionId",
                        pl->t.transaction_id, "cardId", p->card_id, "newBalance", pl->after.balance,
                        "newAvailableCredit", pl->after.available_credit, "message",
                        "Payment completed", "newScore", pl->out.new_score, "scoreImpact",
                        pl->out.delta, "paymentStatus", pl->t.payment_status);
  size_t len;
  char *text = fin_json_dump(s, &len);
  json_decref(s);
  return text;
}

static enum fin_status attempt(struct fin_container *c, const struct payment *p,
                               const struct fin_user *u, const struct fin_card *card,
                               struct plan *pl, struct fin_err *pe) {
  fin_ms now = fin_app_now(c);
  enum fin_status st = plan_payment(c, p, u, card, now, pl, pe);
  if (st != FIN_OK) return st;
  struct fin_event ev[2];
  struct fin_idem idem;
  st = fin_event_fill(&ev[0], "transaction.payment", "transaction", pl->t.transaction_id, p->eco,
                      payment_payload(p, pl), now);
  if (st != FIN_OK)
    return fin_err_set(pe, st, "payment event not filled: no id (random source) or no memory");
  st = fin_event_fill(&ev[1], "score.changed", "score", p->eco, p->eco, score_payload(p, pl), now);
  if (st != FIN_OK) {
    fin_event_clear(&ev[0]);
    return fin_err_set(pe, st, "score event not filled: no id (random source) or no memory");
  }
  st = fin_idem_fill(&idem, p->eco, p->hash, p->fp, OP_PAYMENT, summary_text(p, pl), 200, now,
                     fin_rules_of(c));
  if (st != FIN_OK) {
    fin_err_set(pe, st, "payment idempotency record not filled: no memory");
  } else {
    struct fin_write w[8];
    w[0].kind = FIN_W_TXN_PUT, w[0].u.txn = &pl->t;
    w[1].kind = FIN_W_CARD_BALANCE;
    w[1].u.balance = (typeof(w[0].u.balance)){p->eco,
                                              p->card_id,
                                              card->version,
                                              pl->after.balance,
                                              pl->after.available_credit,
                                              pl->after.minimum_payment,
                                              now};
    w[2].kind = FIN_W_USER_SCORE;
    w[2].u.score = (typeof(w[0].u.score)){p->eco, pl->out.new_score, pl->new_tier, now, &pl->entry};
    w[3].kind = FIN_W_USER_SUMMARY;
    w[3].u.summary = (typeof(w[0].u.summary)){p->eco, pl->sum, now};
    w[4].kind = FIN_W_EVENT_APPEND, w[4].u.event = &ev[0];
    w[5].kind = FIN_W_EVENT_APPEND, w[5].u.event = &ev[1];
    w[6].kind = FIN_W_IDEM_PUT, w[6].u.idem = (typeof(w[0].u.idem)){&idem, now};
    /* The new score was computed from this read of the user: the commit
     * holds only if no other commit changed the user since. The card's
     * version serialises payments of one card; this covers the others (a
     * second card, an admin's change, another instance: docs/deploy.md). */
    w[7].kind = FIN_W_USER_CARD_SLOT;
    w[7].u.slot = (typeof(w[0].u.slot)){p->eco, u->card_rev};
    st = fin_app_commit(c, w, 8, pe);
    if (st == FIN_EXISTS && pe->failed_write != 6) st = FIN_INTERNAL;
    fin_idem_clear(&idem);
  }
  fin_event_clear(&ev[0]);
  fin_event_clear(&ev[1]);
  return st;
}

/* Card checks of behaviour.md §1.11 step 7: true when the card refuses the payment (the
 * failed transaction is stored and r answered). */
static bool refused_by_card(struct fin_container *c, const struct payment *p,
                            const struct fin_card *card, struct fin_resp *r) {
  struct fin_err pe = {0};
  if (card->balance <= 0) {
    fin_store_failed_txn(c, p->eco, p->card_id, "payment", p->amount, p->key, "no_balance", &pe);
    fin_resp_fail(r, FIN_E_NO_BALANCE);
    return true;
  }
  if (p->amount > card->balance) {
    char a[FIN_JSNUM_MAX], b[FIN_JSNUM_MAX];
    fin_jsnum(p->amount, a);
    fin_jsnum(card->balance, b);
    fin_store_failed_txn(c, p->eco, p->card_id, "payment", p->amount, p->key, "exceeds_balance",
                         &pe);
    fin_resp_failf(r, FIN_E_PAYMENT_EXCEEDS_BALANCE, "Payment amount ($%s) exceeds balance ($%s)",
                   a, b);
    return true;
  }
  return false;
}

/* Answers from the stored record of this key: true when there was one (or
 * the lookup failed, which is answered too). Consulted before refusing and
 * after a commit that failed: a concurrent duplicate of a payment that just
 * emptied the balance, or a commit whose answer was lost, is this key's own
 * payment, not a reason to refuse. */
static bool answered_by_key(struct fin_container *c, const struct payment *p, int current_score,
                            struct fin_resp *r) {
  struct fin_idem rec = {0};
  enum fin_status st = fin_idem_find(c, p->eco, p->hash, &rec, r);
  if (st == FIN_OK) replay(c, p, current_score, &rec, r);
  fin_idem_clear(&rec);
  return st != FIN_NOT_FOUND;
}

static bool would_refuse(const struct payment *p, const struct fin_card *card) {
  return card->balance <= 0 || p->amount > card->balance;
}

/* The 201 body of a committed payment (prev: the score before). */
static json_t *made_body(int prev, const struct plan *pl) {
  json_t *impact = impact_json(prev, pl->out.new_score, pl->out.delta, pl->out.on_time);
  return json_pack("{s:o,s:o,s:o}", "transaction", fin_json_txn(&pl->t), "card",
                   fin_json_card_summary(&pl->after), "scoreImpact", impact);
}

static void execute_locked(struct fin_container *c, const struct payment *p, struct fin_resp *r) {
  struct fin_app_error e = {0};
  struct fin_err pe = {0};
  enum fin_status st = FIN_INTERNAL;
  for (int i = 0; i < FIN_MONEY_RETRIES; i++) {
    if (i > 0) fin_conflict_pause(i);
    struct fin_user u = {0};
    struct fin_card card = {0};
    st = fin_app_get_user(c, p->eco, &u, &e);
    if (st == FIN_OK) st = fin_app_get_card(c, p->eco, p->card_id, &card, &e);
    if (st == FIN_NOT_FOUND) fin_resp_fail(r, FIN_E_CARD_NOT_FOUND);
    if (st != FIN_OK || (would_refuse(p, &card) && answered_by_key(c, p, u.score, r)) ||
        refused_by_card(c, p, &card, r)) {
      if (st != FIN_OK && st != FIN_NOT_FOUND) fin_app_fail(r, &e);
      fin_user_clear(&u);
      fin_card_clear(&card);
      return;
    }
    struct plan pl = {0};
    memset(&pe, 0, sizeof pe);
    st = attempt(c, p, &u, &card, &pl, &pe);
    int prev = u.score;
    /* The response shows what this commit wrote: no second read needed. */
    json_t *made = st == FIN_OK ? made_body(prev, &pl) : NULL;
    plan_clear(&pl);
    fin_user_clear(&u);
    fin_card_clear(&card);
    if (st == FIN_OK) return fin_resp_json(r, 201, made);
    if (st == FIN_EXISTS) { /* the key was used before, or concurrently: replay */
      if (!answered_by_key(c, p, prev, r)) fin_resp_fail(r, FIN_E_INTERNAL);
      return;
    }
    /* outcome unknown (the answer was lost): stored if its record is */
    if (st == FIN_UNAVAILABLE && answered_by_key(c, p, prev, r)) return;
    if (st != FIN_VERSION_CONFLICT && st != FIN_NOT_FOUND) break;
  }
  fin_app_error_from_port(&e, st, &pe, "commit payment");
  fin_app_fail(r, &e);
}

/* One money move per card at a time in this process (money.h). */
static void execute(struct fin_container *c, const struct payment *p, struct fin_resp *r) {
  fin_card_lock(p->card_id);
  execute_locked(c, p, r);
  fin_card_unlock(p->card_id);
}

void fin_h_payment(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  struct payment p = {.eco = q->principal->ecosystem_id, .card_id = q->params[0]};
  p.key = fin_require_key(q, r);
  if (p.key == NULL) return;
  const json_t *amount = json_is_object(q->body) ? json_object_get(q->body, "amount") : NULL;
  if (fin_js_missing_or_le_zero(amount)) return fin_resp_fail(r, FIN_E_AMOUNT_NOT_POSITIVE);
  struct fin_user u = {0};
  struct fin_app_error e = {0};
  enum fin_status st = fin_app_get_user(c, p.eco, &u, &e);
  int current = u.score;
  fin_user_clear(&u);
  if (st == FIN_NOT_FOUND)
    return fin_resp_failf(r, FIN_E_USER_NOT_FOUND, "User not found: %s", p.eco);
  if (st != FIN_OK) return fin_app_fail(r, &e);
  struct fin_msgs m = {0};
  fin_check_user_key(p.key, fin_rules_of(c)->key_max_len, &m);
  fin_check_amount(amount, &m);
  if (m.count) return fin_resp_failf(r, FIN_E_VALIDATION, "%s", m.text);
  p.amount = json_number_value(amount);
  if (fin_idem_fingerprint(OP_PAYMENT, q, p.fp) != FIN_OK) return fin_resp_fail(r, FIN_E_INTERNAL);
  fin_idem_hash(p.key, p.hash);
  struct fin_idem rec = {0};
  struct fin_err pe = {0};
  st = fin_idem_lookup(c, p.eco, p.hash, &rec, &pe);
  if (st == FIN_OK) {
    replay(c, &p, current, &rec, r);
  } else if (st == FIN_NOT_FOUND) {
    execute(c, &p, r);
  } else {
    fin_app_error_from_port(&e, st, &pe, "read idempotency record");
    fin_app_fail(r, &e);
  }
  fin_idem_clear(&rec);
}
