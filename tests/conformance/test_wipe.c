/* test_wipe.c - the whole-table deletes (admin cleanup). They empty shared
 * tables, so they run last and can be skipped (FIN_CONFORMANCE_NO_WIPE=1)
 * against a store that others use. */
#include <stdlib.h>

#include "conf.h"

static void users_scores_cards_delete_all(void **state) {
  char eco[2][64];
  fin_id card;
  for (int i = 0; i < 2; i++) {
    new_key(eco[i], "conf-wipe");
    make_user(eco[i], 600);
  }
  make_card(eco[0], 1000, card);
  struct fin_score s = {.ecosystem_id = eco[0], .value = 610, .reason = "r", .timestamp = now_ms()};
  new_id(s.score_id);
  strcpy(s.source, "system");
  struct fin_write w = {.kind = FIN_W_USER_SCORE};
  w.u.score.ecosystem_id = eco[0];
  w.u.score.score = 610;
  w.u.score.tier = "medium";
  w.u.score.entry = &s;
  assert_status(commit(&w, 1, NULL), FIN_OK);

  long deleted = -1;
  assert_status(C.users.ops->delete_all(C.users.self, &deleted, NULL), FIN_OK);
  assert_true(deleted >= 2);
  struct fin_user u;
  for (int i = 0; i < 2; i++)
    assert_status(C.users.ops->get(C.users.self, eco[i], &u, NULL), FIN_NOT_FOUND);
  struct fin_user *all = NULL;
  size_t n = 1;
  assert_status(C.users.ops->list_all(C.users.self, &all, &n, NULL), FIN_OK);
  for (size_t i = 0; i < n; i++)
    assert_true(strcmp(all[i].ecosystem_id, eco[0]) && strcmp(all[i].ecosystem_id, eco[1]));
  fin_user_list_free(all, n);

  deleted = -1;
  assert_status(C.scores.ops->delete_all(C.scores.self, &deleted, NULL), FIN_OK);
  assert_true(deleted >= 1);
  struct fin_score *hist = NULL;
  assert_status(C.scores.ops->list(C.scores.self, eco[0], 0, &hist, &n, NULL), FIN_OK);
  assert_int_equal(n, 0);
  free(hist);

  deleted = -1;
  assert_status(C.cards.ops->delete_all(C.cards.self, &deleted, NULL), FIN_OK);
  assert_true(deleted >= 1);
  struct fin_card c;
  assert_status(C.cards.ops->get(C.cards.self, eco[0], card, &c, NULL), FIN_NOT_FOUND);

  /* the same keys can be created again */
  make_user(eco[0], 500);
  struct fin_card again;
  fill_card(&again, eco[0], 500);
  memcpy(again.card_id, card, sizeof(fin_id));
  w = (struct fin_write){.kind = FIN_W_CARD_CREATE, .u.card = &again};
  assert_status(commit(&w, 1, NULL), FIN_OK);
  assert_status(C.cards.ops->get(C.cards.self, eco[0], card, &c, NULL), FIN_OK);
  assert_true(c.limit == 500 && c.version == 1);
  fin_card_clear(&c);
}

static void requests_txns_idem_delete_all(void **state) {
  char eco[64], hash[65];
  new_key(eco, "conf-wipe2");
  fin_id req, done, card, txn;
  fin_ms t = now_ms();
  make_request(eco, t, "pending", req);
  make_request(eco, t, "rejected", done);
  make_card(eco, 1000, card);
  put_txn(eco, card, "purchase", t, txn);
  memset(hash, 'w', 64), hash[64] = '\0';
  struct fin_idem rec;
  fill_idem(&rec, eco, hash, t, t + 60000);
  struct fin_write w = {.kind = FIN_W_IDEM_PUT, .u.idem = {&rec, t}};
  assert_status(commit(&w, 1, NULL), FIN_OK);

  long deleted = -1;
  assert_status(C.requests.ops->delete_all(C.requests.self, &deleted, NULL), FIN_OK);
  assert_true(deleted >= 2);
  struct fin_card_request r;
  assert_status(C.requests.ops->get_any(C.requests.self, req, &r, NULL), FIN_NOT_FOUND);
  assert_status(C.requests.ops->get(C.requests.self, eco, done, &r, NULL), FIN_NOT_FOUND);
  assert_status(C.requests.ops->find_pending_by_user(C.requests.self, eco, &r, NULL),
                FIN_NOT_FOUND);
  struct fin_card_request *items = NULL;
  size_t n = 0;
  struct fin_page page = {0};
  assert_status(C.requests.ops->list_by_status(C.requests.self, "pending", FIN_SORT_OLDEST, NULL,
                                               100, &items, &n, &page, NULL),
                FIN_OK);
  for (size_t i = 0; i < n; i++)
    assert_true(strcmp(items[i].request_id, req) != 0);
  fin_card_request_list_free(items, n);
  fin_page_clear(&page);
  /* the id is free again */
  struct fin_card_request again;
  fill_request(&again, eco, t, "pending");
  memcpy(again.request_id, req, sizeof(fin_id));
  w = (struct fin_write){.kind = FIN_W_REQUEST_CREATE, .u.request = &again};
  assert_status(commit(&w, 1, NULL), FIN_OK);

  deleted = -1;
  assert_status(C.txns.ops->delete_all(C.txns.self, &deleted, NULL), FIN_OK);
  assert_true(deleted >= 1);
  struct fin_txn x;
  assert_status(C.txns.ops->get(C.txns.self, eco, card, txn, &x, NULL), FIN_NOT_FOUND);
  struct fin_txn *list = NULL;
  assert_status(
      C.txns.ops->list_by_card(C.txns.self, eco, card, NULL, NULL, 10, &list, &n, &page, NULL),
      FIN_OK);
  assert_int_equal(n, 0);
  free(list);
  fin_page_clear(&page);

  deleted = -1;
  assert_status(C.idem.ops->delete_all(C.idem.self, &deleted, NULL), FIN_OK);
  assert_true(deleted >= 1);
  struct fin_idem got;
  assert_status(C.idem.ops->get(C.idem.self, eco, hash, t, &got, NULL), FIN_NOT_FOUND);
  w = (struct fin_write){.kind = FIN_W_IDEM_PUT, .u.idem = {&rec, t}};
  assert_status(commit(&w, 1, NULL), FIN_OK);
}

static void outbox_clear_resets_sequences(void **state) {
  char eco[64];
  new_key(eco, "conf-wipe3");
  fin_id e1;
  assert_int_equal(append_event(eco, "user", eco, now_ms(), e1), 1);
  assert_int_equal(append_event(eco, "user", eco, now_ms(), NULL), 2);
  long deleted = -1;
  assert_status(C.outbox.ops->clear(C.outbox.self, &deleted, NULL), FIN_OK);
  assert_true(deleted >= 2);
  struct fin_event ev;
  assert_status(C.outbox.ops->get(C.outbox.self, e1, &ev, NULL), FIN_NOT_FOUND);
  struct fin_event *evs = NULL;
  size_t n = 1;
  assert_status(C.outbox.ops->list_by_entity(C.outbox.self, eco, "user", eco, &evs, &n, NULL),
                FIN_OK);
  assert_int_equal(n, 0);
  free(evs);
  assert_status(C.outbox.ops->find_pending(C.outbox.self, 100, &evs, &n, NULL), FIN_OK);
  for (size_t i = 0; i < n; i++)
    assert_true(strcmp(evs[i].ecosystem_id, eco) != 0);
  fin_event_list_free(evs, n);
  assert_int_equal(append_event(eco, "user", eco, now_ms(), NULL), 1); /* counters reset */
}

static void audit_and_whatsapp_clear(void **state) {
  char target[64];
  new_key(target, "conf-wipe4");
  struct fin_audit a;
  fill_audit(&a, target, now_ms());
  struct fin_write w = {.kind = FIN_W_AUDIT_APPEND, .u.audit = &a};
  assert_status(commit(&w, 1, NULL), FIN_OK);
  long deleted = -1;
  assert_status(C.audit.ops->clear(C.audit.self, &deleted, NULL), FIN_OK);
  assert_true(deleted >= 1);
  struct fin_audit *logs = NULL;
  size_t n = 1;
  struct fin_page page = {0};
  assert_status(
      C.audit.ops->find_by_target(C.audit.self, "user", target, NULL, 10, &logs, &n, &page, NULL),
      FIN_OK);
  assert_int_equal(n, 0);
  free(logs);
  fin_page_clear(&page);

  struct fin_wa_notification nt = {.recipient_phone = "5511",
                                   .message_content = "m",
                                   .related_entity_id = target,
                                   .ecosystem_id = target};
  new_id(nt.notification_id);
  strcpy(nt.delivery_status, "pending");
  assert_status(C.wa_notifications.ops->save(C.wa_notifications.self, &nt, NULL), FIN_OK);
  struct fin_wa_inbound m = {.sender_phone = "5511", .raw_body = "hi"};
  new_id(m.message_id);
  assert_status(C.wa_inbound.ops->save(C.wa_inbound.self, &m, NULL), FIN_OK);
  struct fin_pending_approval p = {.ecosystem_id = target};
  new_id(p.request_id);
  strcpy(p.approval_status, "pending");
  assert_status(C.approvals.ops->save(C.approvals.self, &p, NULL), FIN_OK);

  deleted = -1;
  assert_status(C.wa_notifications.ops->delete_all(C.wa_notifications.self, &deleted, NULL),
                FIN_OK);
  assert_true(deleted >= 1);
  deleted = -1;
  assert_status(C.wa_inbound.ops->delete_all(C.wa_inbound.self, &deleted, NULL), FIN_OK);
  assert_true(deleted >= 1);
  deleted = -1;
  assert_status(C.approvals.ops->delete_all(C.approvals.self, &deleted, NULL), FIN_OK);
  assert_true(deleted >= 1);
  struct fin_wa_notification gn;
  assert_status(C.wa_notifications.ops->get(C.wa_notifications.self, nt.notification_id, &gn, NULL),
                FIN_NOT_FOUND);
  struct fin_wa_inbound gm;
  assert_status(C.wa_inbound.ops->get(C.wa_inbound.self, m.message_id, &gm, NULL), FIN_NOT_FOUND);
  struct fin_pending_approval gp;
  assert_status(C.approvals.ops->get(C.approvals.self, p.request_id, &gp, NULL), FIN_NOT_FOUND);
}

/* A delete of more than one page: Firestore deletes 500 documents a commit
 * and DynamoDB scans 500 keys a page, so 1201 messages take three of each;
 * a wipe that stopped after its first page would leave some behind. */
static void wipe_spans_pages(void **state) {
  enum { N = 1201 };
  static fin_id ids[N];
  for (int i = 0; i < N; i++) {
    struct fin_wa_inbound m = {.sender_phone = "5511", .raw_body = "bulk"};
    new_id(m.message_id);
    strcpy(ids[i], m.message_id);
    assert_status(C.wa_inbound.ops->save(C.wa_inbound.self, &m, NULL), FIN_OK);
  }
  long deleted = -1;
  assert_status(C.wa_inbound.ops->delete_all(C.wa_inbound.self, &deleted, NULL), FIN_OK);
  assert_true(deleted >= N);
  for (int i = 0; i < N; i += 100) { /* the first, every hundredth, the last (1200) */
    struct fin_wa_inbound g;
    assert_status(C.wa_inbound.ops->get(C.wa_inbound.self, ids[i], &g, NULL), FIN_NOT_FOUND);
  }
}

const struct CMUnitTest conf_wipe_tests[] = {
    conf_test(users_scores_cards_delete_all),
    conf_test(requests_txns_idem_delete_all),
    conf_test(outbox_clear_resets_sequences),
    conf_test(audit_and_whatsapp_clear),
    conf_test(wipe_spans_pages),
};
const size_t conf_wipe_count = sizeof conf_wipe_tests / sizeof conf_wipe_tests[0];
