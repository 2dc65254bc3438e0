/* test_views_text.c - the text writers of views.c write what fin_json_dump
 * writes for the jansson trees they stand in for (a purchase's answer and
 * its idempotency summary), and the purchase event's payload is the tree
 * json_pack built. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/app/views.h"
#include "../../core/util/jsonout.h"
#include "rnd.h"

/* Text with what the writer escapes, multi-byte characters, and now and
 * then bytes that are not UTF-8 (jansson makes no string of those: the key
 * is left out). */
static void rnd_text(char *s, size_t max) {
  static const char *const parts[] = {"a",
                                      "Z",
                                      "0",
                                      " ",
                                      "-",
                                      "\"",
                                      "\\",
                                      "/",
                                      "\n",
                                      "\t",
                                      "\x01",
                                      "\x1f",
                                      "\x7f",
                                      "\xc3\xa9",
                                      "\xe2\x82\xac",
                                      "\xf0\x9f\x98\x80",
                                      "\xe2\x80\xa8",
                                      "\xef\xbf\xbe",
                                      "\xff",
                                      "\xc0\x80",
                                      "\xed\xa0\x80",
                                      "\xf4\x90\x80\x80",
                                      "\xe2\x82",
                                      "\x80"};
  size_t nparts = sizeof parts / sizeof *parts;
  rnd_join(s, max, parts, nparts, nparts - 7, 10); /* the invalid parts are the last seven */
}

static double rnd_real(void) {
  static const double odd[] = {0.0,  -0.0, 1.0,  100.0,    0.1,       0.01,
                               1e20, 1e21, 1e-7, 1e-5,     5e-324,    1e16,
                               -2.5, NAN,  -NAN, INFINITY, -INFINITY, 0.30000000000000004};
  return rnd_double(odd, sizeof odd / sizeof *odd, true); /* NaN and infinities now and then */
}

static fin_ms rnd_ms(void) {
  static const fin_ms odd[] = {0, 1, -1, -62198755200000LL, 253402300799999LL, 253402300800000LL};
  return rnd() % 4 == 0 ? odd[rnd() % 6] : (fin_ms)(rnd() % 4102444800000ULL);
}

static char *tree_text(json_t *v) {
  char *s = fin_json_dump(v, NULL);
  json_decref(v);
  return s;
}

static char *writer_text(const struct fin_txn *t, const struct fin_card *c) {
  struct fin_jw w = {0};
  FIN_JW_LIT(&w, "{\"transaction\":");
  fin_text_txn(&w, t);
  FIN_JW_LIT(&w, ",\"card\":");
  fin_text_card_summary(&w, c);
  FIN_JW_LIT(&w, "}");
  return fin_jw_end(&w, NULL);
}

static void rnd_card(struct fin_card *c) {
  memset(c, 0, sizeof *c);
  rnd_text(c->card_id, sizeof c->card_id);
  rnd_text(c->status, sizeof c->status);
  c->limit = rnd() % 5 == 0 ? 0 : rnd_real();
  c->balance = rnd_real();
  c->available_credit = rnd_real();
  c->minimum_payment = rnd_real();
  c->next_due_date = rnd() % 3 == 0 ? 0 : rnd_ms();
}

static void rnd_txn(struct fin_txn *t, char *merchant, size_t max) {
  memset(t, 0, sizeof *t);
  rnd_text(t->transaction_id, sizeof t->transaction_id);
  rnd_text(t->type, sizeof t->type);
  rnd_text(t->status, sizeof t->status);
  t->amount = rnd_real();
  t->timestamp = rnd_ms();
  rnd_text(merchant, max);
  t->merchant = rnd() % 4 == 0 ? NULL : merchant;
  if (rnd() % 3 == 0) rnd_text(t->payment_status, sizeof t->payment_status);
  t->has_score_impact = rnd() % 3 == 0;
  t->score_impact = (int)(uint32_t)rnd();
}

/* 50,000 random transactions and cards: the same bytes both ways. */
static void writers_match_the_trees(void **state) {
  (void)state;
  for (int i = 0; i < 50000; i++) {
    struct fin_card c;
    struct fin_txn t;
    char merchant[64];
    rnd_card(&c);
    rnd_txn(&t, merchant, sizeof merchant);
    char *want = tree_text(
        json_pack("{s:o,s:o}", "transaction", fin_json_txn(&t), "card", fin_json_card_summary(&c)));
    char *got = writer_text(&t, &c);
    assert_non_null(want);
    assert_non_null(got);
    if (strcmp(want, got) != 0) fail_msg("case %d:\n want %s\n got  %s", i, want, got);
    free(want);
    free(got);
  }
}

/* The purchase summary against json_pack's tree on 50,000 random inputs,
 * NULL where json_pack fails included. */
static void summary_matches_json_pack(void **state) {
  (void)state;
  for (int i = 0; i < 50000; i++) {
    char tid[48], cid[48];
    rnd_text(tid, sizeof tid);
    rnd_text(cid, sizeof cid);
    const char *t = rnd() % 50 == 0 ? NULL : tid, *c = rnd() % 50 == 0 ? NULL : cid;
    double bal = rnd_real(), avail = rnd_real();
    json_t *tree =
        json_pack("{s:b,s:s,s:s,s:f,s:f,s:s}", "success", 1, "transactionId", t, "cardId", c,
                  "newBalance", bal, "newAvailableCredit", avail, "message", "Purchase completed");
    char *want = tree != NULL ? tree_text(tree) : NULL;
    char *got = fin_text_purchase_summary(t, c, bal, avail);
    if (want == NULL || got == NULL) {
      if (want != got)
        fail_msg("case %d: want %s, got %s", i, want ? want : "NULL", got ? got : "NULL");
    } else if (strcmp(want, got) != 0) {
      fail_msg("case %d:\n want %s\n got  %s", i, want, got);
    }
    free(want);
    free(got);
  }
  char *s = fin_text_purchase_summary("t-1", "c-1", 950.5, 49.5);
  assert_string_equal(s, "{\"success\":true,\"transactionId\":\"t-1\",\"cardId\":\"c-1\","
                         "\"newBalance\":950.5,\"newAvailableCredit\":49.5,"
                         "\"message\":\"Purchase completed\"}");
  free(s);
}

/* The purchase event's payload against json_pack's on 50,000 random
 * inputs: the same tree (as the store writes it, types and key order
 * included), NULL where json_pack fails. */
static void event_payload_matches_json_pack(void **state) {
  (void)state;
  for (int i = 0; i < 50000; i++) {
    char s[5][48];
    const char *v[5];
    for (int k = 0; k < 5; k++) {
      rnd_text(s[k], sizeof s[k]);
      v[k] = rnd() % 80 == 0 ? NULL : s[k];
    }
    double amount = rnd_real(), bal = rnd_real(), avail = rnd_real();
    json_t *want =
        json_pack("{s:s,s:s,s:s,s:f,s:s,s:f,s:f,s:s}", "transactionId", v[0], "cardId", v[1],
                  "ecosystemId", v[2], "amount", amount, "merchant", v[3], "newBalance", bal,
                  "newAvailableCredit", avail, "idempotencyKey", v[4]);
    json_t *got = fin_json_purchase_event(v[0], v[1], v[2], amount, v[3], bal, avail, v[4]);
    if (want == NULL || got == NULL) {
      if (want != got)
        fail_msg("case %d: json_pack %s, the builder %s", i, want ? "built" : "failed",
                 got ? "built" : "failed");
      continue;
    }
    char *a = fin_json_dump_typed(want, NULL), *b = fin_json_dump_typed(got, NULL);
    assert_true(json_equal(want, got));
    if (strcmp(a, b) != 0) fail_msg("case %d:\n want %s\n got  %s", i, a, b);
    free(a);
    free(b);
    json_decref(want);
    json_decref(got);
  }
}

/* A purchase as the server answers it, spelled out. */
static void a_purchase_answer(void **state) {
  (void)state;
  struct fin_card c = {.card_id = "c-1",
                       .status = "active",
                       .limit = 1000,
                       .balance = 950.5,
                       .available_credit = 49.5,
                       .minimum_payment = 25};
  struct fin_txn t = {.transaction_id = "t-1",
                      .type = "purchase",
                      .status = "completed",
                      .amount = 0.1,
                      .timestamp = 1700000000123,
                      .merchant = "Caf\xc3\xa9 \"x\""};
  char *got = writer_text(&t, &c);
  assert_string_equal(
      got, "{\"transaction\":{\"transactionId\":\"t-1\",\"type\":\"purchase\",\"amount\":0.1,"
           "\"status\":\"completed\",\"timestamp\":\"2023-11-14T22:13:20.123Z\",\"merchant\":"
           "\"Caf\xc3\xa9 \\\"x\\\"\"},\"card\":{\"cardId\":\"c-1\",\"type\":\"credit-card\","
           "\"status\":\"active\",\"limit\":1000,\"balance\":950.5,\"availableCredit\":49.5,"
           "\"minimumPayment\":25,\"nearLimit\":true}}");
  free(got);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(writers_match_the_trees),
      cmocka_unit_test(a_purchase_answer),
      cmocka_unit_test(summary_matches_json_pack),
      cmocka_unit_test(event_payload_matches_json_pack),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
