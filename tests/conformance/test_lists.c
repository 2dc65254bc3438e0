/* test_lists.c - ordered reads and pagination: a card's transactions, audit
 * logs, score history, a user's cards (card requests: test_request_lists.c). A walk
 * must return every item exactly once, in order, with limit applied after
 * the filter; an unknown cursor means the first page. */
#include <stdio.h>
#include <stdlib.h>

#include "conf.h"

/* ---- transactions ---- */
enum { NTX = 23 };

struct txn_set {
  char eco[64];
  fin_id card, other_card;
  fin_id ids[NTX];
  fin_ms ts[NTX];
  const char *type[NTX];
};

/* Expected newest-first order: timestamp descending, later insert first. */
static size_t expected(const struct txn_set *s, const char *type, fin_id *out) {
  int order[NTX];
  for (int i = 0; i < NTX; i++)
    order[i] = i;
  for (int i = 1; i < NTX; i++) { /* insertion sort: stable on insert index */
    int x = order[i], j = i;
    for (; j > 0; j--) {
      int y = order[j - 1];
      bool x_first = s->ts[x] > s->ts[y] || (s->ts[x] == s->ts[y] && x > y);
      if (!x_first) break;
      order[j] = y;
    }
    order[j] = x;
  }
  size_t n = 0;
  for (int i = 0; i < NTX; i++)
    if (type == NULL || strcmp(s->type[order[i]], type) == 0)
      memcpy(out[n++], s->ids[order[i]], sizeof(fin_id));
  return n;
}

static void walk_txns(const struct txn_set *s, const char *type, int limit) {
  fin_id want[NTX];
  size_t nwant = expected(s, type, want), seen = 0;
  char *cursor = NULL;
  for (int pages = 0;; pages++) {
    if (pages > NTX + 1) fail_msg("walk does not end (type %s, limit %d)", type, limit);
    struct fin_txn *items = NULL;
    size_t n = 0;
    struct fin_page page = {0};
    assert_status(C.txns.ops->list_by_card(C.txns.self, s->eco, s->card, type, cursor, limit,
                                           &items, &n, &page, NULL),
                  FIN_OK);
    assert_true(n <= (size_t)limit);
    assert_int_equal(page.total_count, -1);
    for (size_t i = 0; i < n; i++, seen++) {
      if (seen >= nwant)
        fail_msg("extra item %s (type %s, limit %d)", items[i].transaction_id, type, limit);
      if (strcmp(items[i].transaction_id, want[seen]) != 0)
        fail_msg("item %zu is %s, want %s (type %s, limit %d)", seen, items[i].transaction_id,
                 want[seen], type ? type : "any", limit);
      assert_string_equal(items[i].card_id, s->card);
      assert_string_equal(items[i].ecosystem_id, s->eco);
    }
    free(cursor);
    cursor = NULL;
    if (page.has_more) {
      assert_non_null(page.next_cursor);
      assert_int_equal(n, limit); /* only a full page can have more */
      cursor = strdup(page.next_cursor);
    } else {
      assert_null(page.next_cursor);
    }
    fin_txn_list_free(items, n);
    fin_page_clear(&page);
    if (cursor == NULL) break;
  }
  if (seen != nwant) fail_msg("walk saw %zu of %zu (type %s, limit %d)", seen, nwant, type, limit);
}

static void transactions_walk_newest_first(void **state) {
  struct txn_set *s = calloc(1, sizeof *s);
  new_key(s->eco, "conf-walk");
  make_card(s->eco, 1000, s->card);
  make_card(s->eco, 1000, s->other_card);
  fin_ms base = now_ms() - 100000;
  for (int i = 0; i < NTX; i++) {
    s->type[i] = i % 3 == 0 ? "payment" : "purchase";
    s->ts[i] = base + i * 10;
    if (i == 5 || i == 6) s->ts[i] = s->ts[4]; /* equal timestamps */
    if (i == 12) s->ts[i] = base + 25;         /* out of order, between 2 and 3 */
    if (i == 20) s->ts[i] = base - 1;          /* older than everything */
    put_txn(s->eco, s->card, s->type[i], s->ts[i], s->ids[i]);
    fin_id noise;
    if (i % 5 == 0) put_txn(s->eco, s->other_card, s->type[i], s->ts[i] + 1, noise);
  }
  const int limits[] = {1, 2, 7, 100};
  for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
    walk_txns(s, NULL, limits[i]);
    walk_txns(s, "payment", limits[i]);
    walk_txns(s, "purchase", limits[i]);
  }
  /* a type nobody has: an empty page */
  struct fin_txn *items = NULL;
  size_t n = 1;
  struct fin_page page = {0};
  assert_status(C.txns.ops->list_by_card(C.txns.self, s->eco, s->card, "refund", NULL, 5, &items,
                                         &n, &page, NULL),
                FIN_OK);
  assert_int_equal(n, 0);
  assert_false(page.has_more);
  free(items);
  /* an unknown cursor means the first page */
  fin_id want[NTX];
  expected(s, NULL, want);
  const char *junk[] = {"zzz", "00000000-0000-7000-8000-000000000000", ""};
  for (size_t j = 0; j < sizeof junk / sizeof junk[0]; j++) {
    assert_status(C.txns.ops->list_by_card(C.txns.self, s->eco, s->card, NULL, junk[j], 2, &items,
                                           &n, &page, NULL),
                  FIN_OK);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].transaction_id, want[0]);
    assert_string_equal(items[1].transaction_id, want[1]);
    assert_true(page.has_more);
    fin_txn_list_free(items, n);
    fin_page_clear(&page);
  }
  /* unknown card, unknown user: empty */
  assert_status(C.txns.ops->list_by_card(C.txns.self, s->eco, "no-such-card", NULL, NULL, 5, &items,
                                         &n, &page, NULL),
                FIN_OK);
  assert_int_equal(n, 0);
  free(items);
  fin_page_clear(&page);
  free(s);
}

/* ---- audit logs: newest first, paged ---- */
static void audit_logs_walk_newest_first(void **state) {
  enum { NA = 9 };
  char target[64];
  new_key(target, "conf-audit");
  fin_id ids[NA];
  fin_ms t = now_ms();
  const fin_ms ts[NA] = {t + 5, t + 1, t + 9, t + 1, t + 3, t + 7, t + 7, t + 0, t + 2};
  for (int i = 0; i < NA; i++) {
    struct fin_audit a;
    fill_audit(&a, target, ts[i]);
    struct fin_write w = {.kind = FIN_W_AUDIT_APPEND, .u.audit = &a};
    assert_status(commit(&w, 1, NULL), FIN_OK);
    memcpy(ids[i], a.log_id, sizeof(fin_id));
  }
  struct fin_audit noise;
  fill_audit(&noise, "someone-else", t);
  struct fin_write w = {.kind = FIN_W_AUDIT_APPEND, .u.audit = &noise};
  assert_status(commit(&w, 1, NULL), FIN_OK);
  const int limits[] = {1, 2, 4, 100};
  for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
    char *cursor = NULL;
    size_t seen = 0;
    fin_ms prev = INT64_MAX;
    for (;;) {
      struct fin_audit *items = NULL;
      size_t n = 0;
      struct fin_page page = {0};
      assert_status(C.audit.ops->find_by_target(C.audit.self, "user", target, cursor, limits[l],
                                                &items, &n, &page, NULL),
                    FIN_OK);
      for (size_t i = 0; i < n; i++, seen++) {
        assert_string_equal(items[i].target_id, target);
        assert_true(items[i].timestamp <= prev);
        prev = items[i].timestamp;
      }
      free(cursor);
      cursor = page.has_more ? strdup(page.next_cursor) : NULL;
      fin_audit_list_free(items, n);
      fin_page_clear(&page);
      if (cursor == NULL) break;
    }
    assert_int_equal(seen, NA);
  }
}

/* ---- score history and cards ---- */
static void scores_newest_first_and_cards_in_creation_order(void **state) {
  char eco[64];
  new_key(eco, "conf-hist");
  make_user(eco, 500);
  fin_ms t = now_ms();
  fin_id sid[4];
  for (int i = 0; i < 4; i++) {
    struct fin_score s = {.ecosystem_id = eco,
                          .value = 510 + i,
                          .previous_value = 509 + i,
                          .delta = 1,
                          .reason = "admin_adjustment",
                          .source_id = "admin-1",
                          .timestamp = t + i};
    new_id(s.score_id);
    memcpy(sid[i], s.score_id, sizeof(fin_id));
    strcpy(s.source, "admin");
    struct fin_write w = {.kind = FIN_W_USER_SCORE};
    w.u.score.ecosystem_id = eco;
    w.u.score.score = s.value;
    w.u.score.tier = "medium";
    w.u.score.updated_at = t + i;
    w.u.score.entry = &s;
    assert_status(commit(&w, 1, NULL), FIN_OK);
  }
  struct fin_score *hist = NULL;
  size_t n = 0;
  assert_status(C.scores.ops->list(C.scores.self, eco, 0, &hist, &n, NULL), FIN_OK);
  assert_int_equal(n, 4);
  for (int i = 0; i < 4; i++)
    assert_string_equal(hist[i].score_id, sid[3 - i]);
  assert_string_equal(hist[0].source_id, "admin-1");
  fin_score_list_free(hist, n);
  assert_status(C.scores.ops->list(C.scores.self, eco, 2, &hist, &n, NULL), FIN_OK);
  assert_int_equal(n, 2);
  assert_string_equal(hist[0].score_id, sid[3]);
  assert_string_equal(hist[1].score_id, sid[2]);
  fin_score_list_free(hist, n);

  fin_id cards[3];
  for (int i = 0; i < 3; i++) {
    struct fin_card c;
    fill_card(&c, eco, 1000 * (i + 1));
    if (i == 1) strcpy(c.status, "suspended");
    c.created_at += i;
    struct fin_write w = {.kind = FIN_W_CARD_CREATE, .u.card = &c};
    assert_status(commit(&w, 1, NULL), FIN_OK);
    memcpy(cards[i], c.card_id, sizeof(fin_id));
  }
  struct fin_card *list = NULL;
  assert_status(C.cards.ops->list_by_user(C.cards.self, eco, NULL, &list, &n, NULL), FIN_OK);
  assert_int_equal(n, 3);
  for (int i = 0; i < 3; i++)
    assert_string_equal(list[i].card_id, cards[i]);
  fin_card_list_free(list, n);
  assert_status(C.cards.ops->list_by_user(C.cards.self, eco, "active", &list, &n, NULL), FIN_OK);
  assert_int_equal(n, 2);
  assert_string_equal(list[0].card_id, cards[0]);
  assert_string_equal(list[1].card_id, cards[2]);
  fin_card_list_free(list, n);
  assert_status(C.cards.ops->list_by_user(C.cards.self, eco, "cancelled", &list, &n, NULL), FIN_OK);
  assert_int_equal(n, 0);
  free(list);

  struct fin_user *users = NULL;
  assert_status(C.users.ops->list_all(C.users.self, &users, &n, NULL), FIN_OK);
  bool found = false;
  for (size_t i = 0; i < n; i++)
    found |= strcmp(users[i].ecosystem_id, eco) == 0;
  assert_true(found);
  fin_user_list_free(users, n);
}

const struct CMUnitTest conf_list_tests[] = {
    conf_test(transactions_walk_newest_first),
    conf_test(audit_logs_walk_newest_first),
    conf_test(scores_newest_first_and_cards_in_creation_order),
};
const size_t conf_list_count = sizeof conf_list_tests / sizeof conf_list_tests[0];
