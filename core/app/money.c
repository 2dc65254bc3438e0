/* money.c - shared steps of purchases and payments. */
#include <openssl/rand.h>
#include <string.h>
#include <time.h>

#include "../http/errmap.h"
#include "../util/ids.h"
#include "../util/io.h"
#include "../util/stripes.h"
#include "app_errors.h"
#include "input.h"
#include "money.h"
#include "records.h"
#include "views.h"

enum fin_status fin_txn_prepare(struct fin_txn *t, const char *eco, const char *card_id,
                                const char *type, double amount, const char *key, fin_ms now,
                                struct fin_err *pe) {
  memset(t, 0, sizeof *t);
  if (fin_uuid_v7_at(now, t->transaction_id) != 0) /* id order is time order (repos.h) */
    return fin_err_set(pe, FIN_UNAVAILABLE, "no transaction id: random source failed");
  bool oom = false;
  t->ecosystem_id = fin_own(eco, &oom);
  t->idempotency_key = fin_own(key, &oom);
  if (oom) {
    fin_txn_clear(t);
    return fin_err_set(pe, FIN_NOMEM, "out of memory");
  }
  fin_strlcpy(t->card_id, card_id, sizeof t->card_id);
  fin_strlcpy(t->type, type, sizeof t->type);
  t->amount = amount;
  t->timestamp = t->processed_at = now;
  return FIN_OK;
}

enum fin_status fin_store_failed_txn(struct fin_container *c, const char *eco, const char *card_id,
                                     const char *type, double amount, const char *key,
                                     const char *reason, struct fin_err *pe) {
  struct fin_txn t;
  enum fin_status st = fin_txn_prepare(&t, eco, card_id, type, amount, key, fin_app_now(c), pe);
  if (st != FIN_OK) return st;
  fin_strlcpy(t.status, "failed", sizeof t.status);
  bool oom = false;
  t.failure_reason = fin_own(reason, &oom);
  if (oom) {
    st = fin_err_set(pe, FIN_NOMEM, "out of memory");
  } else {
    struct fin_write w = {.kind = FIN_W_TXN_PUT, .u.txn = &t};
    st = fin_app_commit(c, &w, 1, pe);
  }
  fin_txn_clear(&t);
  return st;
}

void fin_answer_txn(struct fin_container *c, const char *eco, const char *card_id,
                    const char *txn_id, int http, json_t *extra, struct fin_resp *r) {
  struct fin_txn t = {0};
  struct fin_card card = {0};
  struct fin_err pe = {0};
  struct fin_app_error e = {0};
  enum fin_status st = c->txns.ops->get(c->txns.self, eco, card_id, txn_id, &t, &pe);
  if (st == FIN_NOT_FOUND) {
    fin_resp_fail(r, FIN_E_TXN_MISSING);
  } else if (st != FIN_OK) {
    fin_app_error_from_port(&e, st, &pe, "read transaction");
    fin_app_fail(r, &e);
  } else if ((st = fin_app_get_card(c, eco, card_id, &card, &e)) == FIN_NOT_FOUND) {
    fin_resp_failf(r, FIN_E_CARD_NOT_FOUND, "Card not found: %s", card_id);
  } else if (st != FIN_OK) {
    fin_app_fail(r, &e);
  } else {
    json_t *b = json_object();
    json_object_set_new(b, "transaction", fin_json_txn(&t));
    json_object_set_new(b, "card", fin_json_card_summary(&card));
    if (extra != NULL) {
      json_object_set_new(b, "scoreImpact", extra);
      extra = NULL;
    }
    fin_resp_json(r, http, b);
  }
  json_decref(extra);
  fin_txn_clear(&t);
  fin_card_clear(&card);
}

/* ---- per-card serialisation ---- */
void fin_card_lock(const char *card_id) {
  fin_stripe_lock(FIN_STRIPES_CARD, card_id, NULL);
}

void fin_card_unlock(const char *card_id) {
  fin_stripe_unlock(FIN_STRIPES_CARD, card_id, NULL);
}

void fin_conflict_pause(int attempt) {
  unsigned char r[2] = {0, 0};
  RAND_bytes(r, sizeof r);
  long cap_us = 1000L << (attempt < 6 ? attempt : 6); /* 2 ms, 4 ms ... 64 ms */
  long us = 250 + (long)((r[0] << 8 | r[1]) % cap_us);
  fin_io_sleep_us(us);
}
