/* purchases.c - POST /v1/cards/:cardId/transactions/purchases (behaviour.md §1.10, §4.6).
 * Transaction row, card balance (version-checked), card summary, the
 * transaction.purchase event and the idempotency record go in one commit. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/rules.h"
#include "../http/errmap.h"
#include "../util/jsonout.h"
#include "app_errors.h"
#include "handlers.h"
#include "idem.h"
#include "input.h"
#include "money.h"
#include "records.h"
#include "views.h"

#define OP_PURCHASE "make-purchase"

struct purchase {
  const char *eco, *card_id, *key, *merchant;
  char hash[65];
  char fp[65]; /* request fingerprint (fin_idem_fingerprint) */
  double amount;
};

static void replay(struct fin_container *c, const struct purchase *p, const struct fin_idem *rec,
                   struct fin_resp *r) {
  if (strcmp(rec->operation, OP_PURCHASE) != 0) {
    fin_resp_fail(r, FIN_E_OPERATION_MISMATCH);
    return;
  }
  if (!fin_idem_same_request(rec, p->fp)) return fin_idem_refuse_reuse(r);
  /* The original transaction, on the card it was made on (quirk 9 fixed). */
  json_t *sum = json_loads(rec->response, 0, NULL);
  const char *tid = json_string_value(json_object_get(sum, "transactionId"));
  const char *cid = json_string_value(json_object_get(sum, "cardId"));
  fin_answer_txn(c, p->eco, cid ? cid : p->card_id, tid ? tid : "", 200, NULL, r);
  json_decref(sum);
}

/* The 201 answer {"transaction","card"}, written as text: the bytes
 * fin_json_dump writes for the views' trees (test_views_text). */
struct answer {
  char *text;
  size_t len;
};

static void answer_text(const struct fin_txn *t, const struct fin_card *after, struct answer *a) {
  struct fin_jw w = {0};
  FIN_JW_LIT(&w, "{\"transaction\":");
  fin_text_txn(&w, t);
  FIN_JW_LIT(&w, ",\"card\":");
  fin_text_card_summary(&w, after);
  FIN_JW_LIT(&w, "}");
  a->text = fin_jw_end(&w, &a->len);
}

/* One attempt against the user's cards as read now (card is one of them). */
static enum fin_status attempt(struct fin_container *c, const struct purchase *p,
                               struct fin_card *card, struct fin_card *cards, size_t n,
                               struct answer *body, struct fin_err *pe) {
  fin_ms now = fin_app_now(c);
  struct fin_txn t;
  struct fin_event ev = {0};
  struct fin_idem idem = {0};
  enum fin_status st =
      fin_txn_prepare(&t, p->eco, p->card_id, "purchase", p->amount, p->key, now, pe);
  if (st != FIN_OK) return st;
  fin_strlcpy(t.status, "completed", sizeof t.status);
  bool oom = false;
  t.merchant = fin_own(p->merchant, &oom);
  struct fin_card after = *card; /* a view of card: its strings stay card's */
  after.balance = fin_dollars(fin_cents(card->balance) + fin_cents(p->amount));
  after.available_credit = fin_available(card->limit, after.balance);
  after.minimum_payment = fin_min_payment(after.balance);

  struct fin_card_summary sum;
  double before = card->balance;
  card->balance = after.balance; /* the summary counts the new balance */
  fin_summary_of(cards, n, &sum);
  card->balance = before;

  st = oom ? FIN_NOMEM
           : fin_event_fill(&ev, "transaction.purchase", "transaction", t.transaction_id, p->eco,
                            fin_json_purchase_event(t.transaction_id, p->card_id, p->eco, p->amount,
                                                    p->merchant, after.balance,
                                                    after.available_credit, p->key),
                            now);
  if (st == FIN_OK) /* the key's record: the summary a replay answers from */
    st = fin_idem_fill(&idem, p->eco, p->hash, p->fp, OP_PURCHASE,
                       fin_text_purchase_summary(t.transaction_id, p->card_id, after.balance,
                                                 after.available_credit),
                       200, now, fin_rules_of(c));
  if (st != FIN_OK) {
    fin_err_set(pe, st, "purchase records not filled: no id (random source) or no memory");
    goto done;
  }
  struct fin_write w[5];
  w[0].kind = FIN_W_TXN_PUT, w[0].u.txn = &t;
  w[1].kind = FIN_W_CARD_BALANCE;
  w[1].u.balance = (typeof(w[0].u.balance)){p->eco,
                                            p->card_id,
                                            card->version,
                                            after.balance,
                                            after.available_credit,
                                            after.minimum_payment,
                                            now};
  w[2].kind = FIN_W_USER_SUMMARY;
  w[2].u.summary = (typeof(w[0].u.summary)){p->eco, sum, now};
  w[3].kind = FIN_W_EVENT_APPEND, w[3].u.event = &ev;
  w[4].kind = FIN_W_IDEM_PUT, w[4].u.idem = (typeof(w[0].u.idem)){&idem, now};
  st = fin_app_commit(c, w, 5, pe);
  if (st == FIN_EXISTS && pe->failed_write != 4) st = FIN_INTERNAL;
  /* The response shows what this commit wrote: no second read needed. */
  if (st == FIN_OK) answer_text(&t, &after, body);
done:
  fin_event_clear(&ev);
  fin_idem_clear(&idem);
  fin_txn_clear(&t);
  return st;
}

/* Answers from the stored record of this key: true when there was one (or
 * the lookup failed, which is answered too). */
static bool answered_by_key(struct fin_container *c, const struct purchase *p, struct fin_resp *r) {
  struct fin_idem rec = {0};
  enum fin_status st = fin_idem_find(c, p->eco, p->hash, &rec, r);
  if (st == FIN_OK) replay(c, p, &rec, r);
  fin_idem_clear(&rec);
  return st != FIN_NOT_FOUND;
}

/* The card is not among the user's cards: 404 for the user or the card. */
static void not_found(struct fin_container *c, const struct purchase *p, struct fin_resp *r) {
  struct fin_user u = {0};
  struct fin_app_error e = {0};
  enum fin_status st = fin_app_get_user(c, p->eco, &u, &e);
  fin_user_clear(&u);
  if (st == FIN_NOT_FOUND) return fin_resp_fail(r, FIN_E_USER_NOT_FOUND);
  if (st != FIN_OK) return fin_app_fail(r, &e);
  fin_resp_fail(r, FIN_E_CARD_NOT_FOUND);
}

/* A purchase that cannot proceed on this card (behaviour.md §1.10 step 6). */
static void refuse(struct fin_container *c, const struct purchase *p, const struct fin_card *card,
                   struct fin_resp *r) {
  struct fin_err pe = {0};
  if (strcmp(card->status, "active") != 0) {
    fin_store_failed_txn(c, p->eco, p->card_id, "purchase", p->amount, p->key, "card_inactive",
                         &pe);
    return fin_resp_failf(r, FIN_E_CARD_INACTIVE, "Card is %s, cannot process purchase",
                          card->status);
  }
  fin_store_failed_txn(c, p->eco, p->card_id, "purchase", p->amount, p->key, "insufficient_credit",
                       &pe);
  fin_resp_fail(r, FIN_E_INSUFFICIENT_CREDIT);
  r->err_details = json_pack("{s:f,s:f}", "requestedAmount", p->amount, "availableCredit",
                             card->available_credit);
}

/* Steps 4-8 of behaviour.md §1.10. The common case is two store round trips: the
 * user's cards, then one commit whose idempotency write is conditional, so a
 * key seen before fails the commit (nothing applied) and is replayed. The
 * key is looked up first only on the paths that would not commit. Retried
 * when the card changed under us. */
static void execute_locked(struct fin_container *c, const struct purchase *p, struct fin_resp *r) {
  struct fin_app_error e = {0};
  struct fin_err pe = {0};
  enum fin_status st = FIN_OK;
  for (int i = 0; i < FIN_MONEY_RETRIES; i++) {
    if (i > 0) fin_conflict_pause(i);
    struct fin_card *cards = NULL, *card = NULL;
    size_t n = 0;
    memset(&pe, 0, sizeof pe);
    st = c->cards.ops->list_by_user(c->cards.self, p->eco, NULL, &cards, &n, &pe);
    if (st != FIN_OK && st != FIN_NOT_FOUND) break;
    for (size_t k = 0; k < n; k++)
      if (strcmp(cards[k].card_id, p->card_id) == 0) card = &cards[k];
    bool refused =
        card == NULL || strcmp(card->status, "active") != 0 || p->amount > card->available_credit;
    if (refused) {
      if (!answered_by_key(c, p, r)) {
        if (card == NULL)
          not_found(c, p, r);
        else
          refuse(c, p, card, r);
      }
      return fin_card_list_free(cards, n);
    }
    struct answer body = {0};
    memset(&pe, 0, sizeof pe);
    st = attempt(c, p, card, cards, n, &body, &pe);
    fin_card_list_free(cards, n);
    if (st == FIN_OK) return fin_resp_text(r, 201, body.text, body.len);
    if (st == FIN_EXISTS) { /* the key was used before, or concurrently: replay */
      if (!answered_by_key(c, p, r)) fin_resp_fail(r, FIN_E_INTERNAL);
      return;
    }
    if (st != FIN_VERSION_CONFLICT) break;
  }
  fin_app_error_from_port(&e, st, &pe, "commit purchase");
  fin_app_fail(r, &e);
}

static void execute(struct fin_container *c, const struct purchase *p, struct fin_resp *r) {
  fin_card_lock(p->card_id);
  execute_locked(c, p, r);
  fin_card_unlock(p->card_id);
}

/* Steps 2-3 of behaviour.md §1.10: true when valid, else r is answered. */
static bool valid(struct fin_container *c, const struct fin_req *q, struct purchase *p,
                  struct fin_resp *r) {
  const json_t *body = json_is_object(q->body) ? q->body : NULL;
  const json_t *amount = body ? json_object_get(body, "amount") : NULL;
  const json_t *merchant = body ? json_object_get(body, "merchant") : NULL;
  if (fin_js_missing_or_le_zero(amount)) {
    fin_resp_fail(r, FIN_E_AMOUNT_NOT_POSITIVE);
    return false;
  }
  struct fin_msgs m = {0};
  fin_check_user_key(p->key, fin_rules_of(c)->key_max_len, &m);
  fin_check_amount(amount, &m);
  p->merchant = "Unknown Merchant";
  if (merchant != NULL && !json_is_null(merchant)) {
    if (!json_is_string(merchant))
      fin_msgs_add(&m, "merchant must be a string");
    else if (fin_blank(json_string_value(merchant)))
      fin_msgs_add(&m, "merchant is required");
    else
      p->merchant = json_string_value(merchant);
  }
  if (m.count) {
    fin_resp_failf(r, FIN_E_VALIDATION, "%s", m.text);
    return false;
  }
  p->amount = json_number_value(amount);
  return true;
}

void fin_h_purchase(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  struct purchase p = {.eco = q->principal->ecosystem_id, .card_id = q->params[0]};
  p.key = fin_require_key(q, r);
  if (p.key == NULL || !valid(c, q, &p, r)) return;
  if (fin_idem_fingerprint(OP_PURCHASE, q, p.fp) != FIN_OK) return fin_resp_fail(r, FIN_E_INTERNAL);
  fin_idem_hash(p.key, p.hash);
  execute(c, &p, r);
}
