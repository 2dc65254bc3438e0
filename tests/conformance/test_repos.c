/* test_repos.c - the maintenance writes of the repositories: the outbox
 * state machine, and the WhatsApp notifications, inbound messages and
 * pending-approval trackers. */
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "conf.h"

static bool contains(const struct fin_event *evs, size_t n, const char *id, size_t *at) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(evs[i].event_id, id) == 0) {
      if (at) *at = i;
      return true;
    }
  return false;
}

/* Pending lists e2, e1, e3 (oldest created_at first), and a limit of 1
 * gives one. */
static void pending_lists_oldest_first(const char *e1, const char *e2, const char *e3) {
  struct fin_event *evs = NULL;
  size_t n = 0, a1 = 0, a2 = 0, a3 = 0;
  assert_status(C.outbox.ops->find_pending(C.outbox.self, 100, &evs, &n, NULL), FIN_OK);
  assert_true(contains(evs, n, e1, &a1) && contains(evs, n, e2, &a2) && contains(evs, n, e3, &a3));
  assert_true(a2 < a1 && a1 < a3); /* oldest created_at first */
  for (size_t i = 0; i < n; i++)
    assert_string_equal(evs[i].status, "pending");
  fin_event_list_free(evs, n);
  assert_status(C.outbox.ops->find_pending(C.outbox.self, 1, &evs, &n, NULL), FIN_OK);
  assert_int_equal(n, 1);
  fin_event_list_free(evs, n);
}

/* failed: retry_count + 1, last_error, next_retry_at; out of pending */
static void failed_leave_pending(const char *e1, const char *e2, const char *e3, fin_ms t) {
  assert_status(C.outbox.ops->mark_failed(C.outbox.self, e1, "boom", t + 10000, NULL), FIN_OK);
  assert_status(C.outbox.ops->mark_failed(C.outbox.self, e2, "bang", t + 5000, NULL), FIN_OK);
  struct fin_event ev;
  assert_status(C.outbox.ops->get(C.outbox.self, e1, &ev, NULL), FIN_OK);
  assert_string_equal(ev.status, "failed");
  assert_int_equal(ev.retry_count, 1);
  assert_string_equal(ev.last_error, "boom");
  assert_true(ev.next_retry_at == t + 10000);
  fin_event_clear(&ev);
  struct fin_event *evs = NULL;
  size_t n = 0;
  assert_status(C.outbox.ops->find_pending(C.outbox.self, 100, &evs, &n, NULL), FIN_OK);
  assert_false(contains(evs, n, e1, NULL) || contains(evs, n, e2, NULL));
  assert_true(contains(evs, n, e3, NULL));
  fin_event_list_free(evs, n);
}

/* retry: due ones only, earliest next_retry_at first */
static void retry_lists_due_earliest_first(const char *e1, const char *e2, fin_ms t) {
  struct fin_event *evs = NULL;
  size_t n = 0, a1 = 0, a2 = 0;
  assert_status(C.outbox.ops->find_retry(C.outbox.self, t + 4999, 100, &evs, &n, NULL), FIN_OK);
  assert_false(contains(evs, n, e1, NULL) || contains(evs, n, e2, NULL));
  fin_event_list_free(evs, n);
  assert_status(C.outbox.ops->find_retry(C.outbox.self, t + 5000, 100, &evs, &n, NULL), FIN_OK);
  assert_true(contains(evs, n, e2, NULL) && !contains(evs, n, e1, NULL));
  fin_event_list_free(evs, n);
  assert_status(C.outbox.ops->find_retry(C.outbox.self, t + 10000, 100, &evs, &n, NULL), FIN_OK);
  assert_true(contains(evs, n, e2, &a2) && contains(evs, n, e1, &a1));
  assert_true(a2 < a1);
  for (size_t i = 1; i < n; i++)
    assert_true(evs[i - 1].next_retry_at <= evs[i].next_retry_at);
  fin_event_list_free(evs, n);
}

/* failing again counts on; then sent: status and sent_at; out of retry */
static void fail_again_then_send(const char *e1, fin_ms t) {
  assert_status(C.outbox.ops->mark_failed(C.outbox.self, e1, "boom again", t + 20000, NULL),
                FIN_OK);
  struct fin_event ev;
  assert_status(C.outbox.ops->get(C.outbox.self, e1, &ev, NULL), FIN_OK);
  assert_int_equal(ev.retry_count, 2);
  assert_string_equal(ev.last_error, "boom again");
  fin_event_clear(&ev);

  assert_status(C.outbox.ops->mark_sent(C.outbox.self, e1, t + 1, NULL), FIN_OK);
  assert_status(C.outbox.ops->get(C.outbox.self, e1, &ev, NULL), FIN_OK);
  assert_string_equal(ev.status, "sent");
  assert_true(ev.sent_at == t + 1);
  assert_int_equal(ev.retry_count, 2);
  fin_event_clear(&ev);
  struct fin_event *evs = NULL;
  size_t n = 0;
  assert_status(C.outbox.ops->find_retry(C.outbox.self, t + 100000, 100, &evs, &n, NULL), FIN_OK);
  assert_false(contains(evs, n, e1, NULL));
  fin_event_list_free(evs, n);
}

/* dead letter: status and last_error; in neither list (e3 is sent) */
static void dead_letter_leaves_lists(const char *e1, const char *e2, const char *e3, fin_ms t) {
  assert_status(C.outbox.ops->mark_dead(C.outbox.self, e2, "gave up", NULL), FIN_OK);
  assert_status(C.outbox.ops->mark_sent(C.outbox.self, e3, t, NULL), FIN_OK);
  struct fin_event ev;
  assert_status(C.outbox.ops->get(C.outbox.self, e2, &ev, NULL), FIN_OK);
  assert_string_equal(ev.status, "dead_letter");
  assert_string_equal(ev.last_error, "gave up");
  fin_event_clear(&ev);
  struct fin_event *evs = NULL;
  size_t n = 0;
  assert_status(C.outbox.ops->find_retry(C.outbox.self, t + 100000, 100, &evs, &n, NULL), FIN_OK);
  assert_false(contains(evs, n, e2, NULL));
  fin_event_list_free(evs, n);
  assert_status(C.outbox.ops->find_pending(C.outbox.self, 100, &evs, &n, NULL), FIN_OK);
  assert_false(contains(evs, n, e1, NULL) || contains(evs, n, e2, NULL) ||
               contains(evs, n, e3, NULL));
  fin_event_list_free(evs, n);
}

static void outbox_state_machine(void **state) {
  char eco[64];
  new_key(eco, "conf-outbox");
  /* very old created_at: ours are the oldest pending events of the store */
  fin_ms old = 1000;
  fin_id e1, e2, e3;
  append_event(eco, "user", eco, old + 2, e1);
  append_event(eco, "user", eco, old + 1, e2);
  append_event(eco, "user", eco, old + 3, e3);
  pending_lists_oldest_first(e1, e2, e3);
  fin_ms t = now_ms();
  failed_leave_pending(e1, e2, e3, t);
  retry_lists_due_earliest_first(e1, e2, t);
  fail_again_then_send(e1, t);
  dead_letter_leaves_lists(e1, e2, e3, t);

  /* every event of the key, any status, ascending sequence */
  struct fin_event *evs = NULL;
  size_t n = 0;
  assert_status(C.outbox.ops->list_by_entity(C.outbox.self, eco, "user", eco, &evs, &n, NULL),
                FIN_OK);
  assert_int_equal(n, 3);
  for (size_t i = 0; i < n; i++)
    assert_int_equal(evs[i].sequence, (int64_t)i + 1);
  assert_string_equal(evs[0].event_id, e1);
  assert_string_equal(evs[1].event_id, e2);
  assert_string_equal(evs[2].event_id, e3);
  fin_event_list_free(evs, n);
}

/* A small retry batch is the earliest *due* events, even when events that
 * are not due yet failed first (stores that read an index in failure order
 * and cut at the limit before filtering would return nothing). Retry times
 * in 1970, so no other test's failed event is due before ours. */
static void outbox_retry_limit_skips_not_due(void **state) {
  char eco[64];
  new_key(eco, "conf-retry");
  fin_id late, due1, due2;
  append_event(eco, "user", eco, 1000, late);
  append_event(eco, "user", eco, 1001, due1);
  append_event(eco, "user", eco, 1002, due2);
  assert_status(C.outbox.ops->mark_failed(C.outbox.self, late, "x", 3000, NULL), FIN_OK);
  assert_status(C.outbox.ops->mark_failed(C.outbox.self, due1, "x", 1500, NULL), FIN_OK);
  assert_status(C.outbox.ops->mark_failed(C.outbox.self, due2, "x", 1200, NULL), FIN_OK);
  struct fin_event *evs = NULL;
  size_t n = 0;
  assert_status(C.outbox.ops->find_retry(C.outbox.self, 2000, 1, &evs, &n, NULL), FIN_OK);
  assert_int_equal(n, 1);
  assert_string_equal(evs[0].event_id, due2);
  fin_event_list_free(evs, n);
  assert_status(C.outbox.ops->find_retry(C.outbox.self, 2000, 2, &evs, &n, NULL), FIN_OK);
  assert_int_equal(n, 2);
  assert_string_equal(evs[0].event_id, due2);
  assert_string_equal(evs[1].event_id, due1);
  fin_event_list_free(evs, n);
  assert_status(C.outbox.ops->find_retry(C.outbox.self, 1199, 5, &evs, &n, NULL), FIN_OK);
  assert_int_equal(n, 0);
  fin_event_list_free(evs, n);
  const char *ids[] = {late, due1, due2};
  for (int i = 0; i < 3; i++) /* out of the way of later runs on this store */
    assert_status(C.outbox.ops->mark_sent(C.outbox.self, ids[i], now_ms(), NULL), FIN_OK);
}

/* Many events leave pending in any order: the rest stays listed in order. */
static void outbox_pending_survives_churn(void **state) {
  enum { NE = 300 };
  char eco[64];
  new_key(eco, "conf-churn");
  fin_id ids[NE];
  for (int i = 0; i < NE; i++)
    append_event(eco, "churn", eco, 2000 + i, ids[i]);
  fin_ms t = now_ms();
  for (int i = 0; i < NE; i++) /* every odd one, and the first 100 */
    if (i % 2 == 1 || i < 100)
      assert_status(C.outbox.ops->mark_sent(C.outbox.self, ids[i], t, NULL), FIN_OK);
  struct fin_event *evs = NULL;
  size_t n = 0;
  assert_status(C.outbox.ops->find_pending(C.outbox.self, 100, &evs, &n, NULL), FIN_OK);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) { /* ours appear in created_at order */
    if (strcmp(evs[i].ecosystem_id, eco) != 0) continue;
    int want = 100 + 2 * (int)k;
    assert_string_equal(evs[i].event_id, ids[want]);
    k++;
  }
  assert_int_equal(k, 100); /* the 100 remaining even ones >= 100 */
  fin_event_list_free(evs, n);
  for (int i = 100; i < NE; i += 2)
    assert_status(C.outbox.ops->mark_dead(C.outbox.self, ids[i], "done", NULL), FIN_OK);
}

/* ---- claims: one instance delivers an event ---- */
static enum fin_status claim(const char *id, const char *owner, fin_ms now, fin_ms until) {
  return C.outbox.ops->claim(C.outbox.self, id, owner, now, until, NULL);
}

static void outbox_claim_leases(void **state) {
  char eco[64];
  new_key(eco, "conf-claim");
  fin_id e1, e2;
  append_event(eco, "user", eco, 3000, e1);
  append_event(eco, "user", eco, 3001, e2);
  fin_ms t = now_ms();
  fin_id ghost;
  new_id(ghost);
  assert_status(claim(ghost, "a", t, t + 60000), FIN_NOT_FOUND);

  /* a lease keeps others off until it ends; its owner may renew */
  assert_status(claim(e1, "a", t, t + 60000), FIN_OK);
  assert_status(claim(e1, "b", t + 1, t + 60001), FIN_PRECONDITION);
  assert_status(claim(e1, "a", t + 2, t + 60002), FIN_OK);
  assert_status(claim(e1, "b", t + 60001, t + 120000), FIN_PRECONDITION);
  /* an expired lease is anyone's (the holder died) */
  assert_status(claim(e1, "b", t + 60002, t + 120000), FIN_OK);
  assert_status(claim(e1, "a", t + 60003, t + 120000), FIN_PRECONDITION);

  /* a status change ends the lease: failed is claimable again at once */
  assert_status(C.outbox.ops->mark_failed(C.outbox.self, e1, "boom", t, NULL), FIN_OK);
  assert_status(claim(e1, "a", t + 60004, t + 120000), FIN_OK);
  struct fin_event ev;
  assert_status(C.outbox.ops->get(C.outbox.self, e1, &ev, NULL), FIN_OK);
  bool failed = strcmp(ev.status, "failed") == 0 && ev.retry_count == 1;
  fin_event_clear(&ev);
  assert_true(failed); /* a claim changes nothing a reader sees */
  /* sent and dead events are nobody's to claim */
  assert_status(C.outbox.ops->mark_sent(C.outbox.self, e1, t, NULL), FIN_OK);
  assert_status(claim(e1, "a", t + 60005, t + 120000), FIN_PRECONDITION);
  assert_status(C.outbox.ops->mark_dead(C.outbox.self, e2, "gave up", NULL), FIN_OK);
  assert_status(claim(e2, "a", t, t + 60000), FIN_PRECONDITION);
}

enum { CLAIMERS = 20 };
struct claimer {
  const char *id;
  char owner[24];
  enum fin_status st;
};

static void *lease_one(void *p) {
  struct claimer *c = p;
  fin_ms t = now_ms();
  c->st = claim(c->id, c->owner, t, t + 60000);
  return NULL;
}

static void outbox_claim_has_one_winner(void **state) {
  char eco[64];
  new_key(eco, "conf-claim-race");
  fin_id id;
  append_event(eco, "user", eco, 3000, id);
  pthread_t th[CLAIMERS];
  struct claimer *c = conf_hold(sizeof(struct claimer) * CLAIMERS, NULL);
  for (int i = 0; i < CLAIMERS; i++) {
    c[i].id = id;
    snprintf(c[i].owner, sizeof c[i].owner, "instance-%d", i);
    assert_int_equal(pthread_create(&th[i], NULL, lease_one, &c[i]), 0);
  }
  int won = 0, lost = 0;
  for (int i = 0; i < CLAIMERS; i++) {
    pthread_join(th[i], NULL);
    won += c[i].st == FIN_OK;
    lost += c[i].st == FIN_PRECONDITION;
  }
  assert_int_equal(won, 1);
  assert_int_equal(lost, CLAIMERS - 1);
  assert_status(C.outbox.ops->mark_sent(C.outbox.self, id, now_ms(), NULL), FIN_OK);
}

/* ---- claims and marks of many: all or none ---- */
static enum fin_status claim_many(const char *const *ids, size_t n, const char *owner, fin_ms now) {
  return C.outbox.ops->claim_many(C.outbox.self, ids, n, owner, now, now + 60000, NULL);
}

static bool status_is(const char *id, const char *want) {
  struct fin_event ev;
  if (C.outbox.ops->get(C.outbox.self, id, &ev, NULL) != FIN_OK) return false;
  bool same = strcmp(ev.status, want) == 0;
  fin_event_clear(&ev);
  return same;
}

static void outbox_claim_many_is_all_or_none(void **state) {
  if (C.outbox.ops->claim_many == NULL || C.outbox.ops->mark_sent_many == NULL)
    skip(); /* this store claims event by event */
  char eco[64];
  new_key(eco, "conf-claim-many");
  fin_id e[3], ghost;
  for (int i = 0; i < 3; i++)
    append_event(eco, "user", eco, 4000 + i, e[i]);
  new_id(ghost);
  const char *ids[3] = {e[0], e[1], e[2]};
  fin_ms t = now_ms();

  /* b holds the middle one: a takes none of the three */
  assert_status(claim(e[1], "b", t, t + 60000), FIN_OK);
  assert_status(claim_many(ids, 3, "a", t + 1), FIN_PRECONDITION);
  assert_status(claim(e[0], "c", t + 2, t + 60002), FIN_OK); /* a did not lease e0 */
  /* an unknown event among them: none either */
  const char *with_ghost[2] = {e[2], ghost};
  assert_status(claim_many(with_ghost, 2, "a", t + 3), FIN_PRECONDITION);
  assert_status(claim(e[2], "c", t + 4, t + 60004), FIN_OK);

  /* once the leases end, a takes all three at once and keeps others off */
  assert_status(claim_many(ids, 3, "a", t + 60005), FIN_OK);
  for (int i = 0; i < 3; i++)
    assert_status(claim(e[i], "b", t + 60006, t + 120000), FIN_PRECONDITION);
  assert_status(claim_many(ids, 3, "a", t + 60007), FIN_OK); /* its owner renews */
  assert_true(status_is(e[0], "pending")); /* a claim changes nothing a reader sees */

  /* marks: a missing event marks none; else all are sent and unclaimable */
  const char *mark_ghost[2] = {e[0], ghost};
  assert_status(C.outbox.ops->mark_sent_many(C.outbox.self, mark_ghost, 2, t, NULL),
                FIN_PRECONDITION);
  assert_true(status_is(e[0], "pending"));
  assert_status(C.outbox.ops->mark_sent_many(C.outbox.self, ids, 3, t, NULL), FIN_OK);
  for (int i = 0; i < 3; i++) {
    assert_true(status_is(e[i], "sent"));
    assert_status(claim(e[i], "a", t + 60008, t + 120000), FIN_PRECONDITION);
  }
}

/* ---- WhatsApp notifications ---- */
static void wa_notifications_save_get_update(void **state) {
  char eco[64], related[64];
  new_key(eco, "conf-wa");
  new_key(related, "conf-wa-req");
  fin_ms t = now_ms();
  struct fin_wa_notification nt = {.recipient_phone = "5511999999999",
                                   .message_content = "Nova solicitação de cartão",
                                   .related_entity_id = related,
                                   .ecosystem_id = eco,
                                   .retry_count = 0,
                                   .created_at = t};
  new_id(nt.notification_id);
  strcpy(nt.notification_type, "card_request_approval");
  strcpy(nt.related_entity_type, "cardRequest");
  strcpy(nt.delivery_status, "pending");
  assert_status(C.wa_notifications.ops->save(C.wa_notifications.self, &nt, NULL), FIN_OK);
  struct fin_wa_notification g;
  assert_status(C.wa_notifications.ops->get(C.wa_notifications.self, nt.notification_id, &g, NULL),
                FIN_OK);
  assert_string_equal(g.recipient_phone, nt.recipient_phone);
  assert_string_equal(g.message_content, nt.message_content);
  assert_string_equal(g.notification_type, "card_request_approval");
  assert_string_equal(g.related_entity_type, "cardRequest");
  assert_string_equal(g.related_entity_id, related);
  assert_string_equal(g.ecosystem_id, eco);
  assert_string_equal(g.delivery_status, "pending");
  assert_null(g.wpp_message_id);
  assert_null(g.last_error);
  assert_true(g.created_at == t && g.sent_at == 0 && g.delivered_at == 0);
  fin_wa_notification_clear(&g);

  /* save is an upsert */
  nt.retry_count = 2;
  nt.next_retry_at = t + 60000;
  assert_status(C.wa_notifications.ops->save(C.wa_notifications.self, &nt, NULL), FIN_OK);
  assert_status(C.wa_notifications.ops->get(C.wa_notifications.self, nt.notification_id, &g, NULL),
                FIN_OK);
  assert_int_equal(g.retry_count, 2);
  assert_true(g.next_retry_at == t + 60000);
  fin_wa_notification_clear(&g);

  assert_status(C.wa_notifications.ops->update_status(C.wa_notifications.self, nt.notification_id,
                                                      "sent", "wpp-1", NULL, t + 1, NULL),
                FIN_OK);
  assert_status(C.wa_notifications.ops->get(C.wa_notifications.self, nt.notification_id, &g, NULL),
                FIN_OK);
  assert_string_equal(g.delivery_status, "sent");
  assert_string_equal(g.wpp_message_id, "wpp-1");
  assert_true(g.sent_at == t + 1 && g.delivered_at == 0);
  fin_wa_notification_clear(&g);

  assert_status(C.wa_notifications.ops->update_status(C.wa_notifications.self, nt.notification_id,
                                                      "delivered", NULL, NULL, t + 2, NULL),
                FIN_OK);
  assert_status(C.wa_notifications.ops->get(C.wa_notifications.self, nt.notification_id, &g, NULL),
                FIN_OK);
  assert_string_equal(g.delivery_status, "delivered");
  assert_string_equal(g.wpp_message_id, "wpp-1"); /* kept when not given */
  assert_true(g.sent_at == t + 1 && g.delivered_at == t + 2);
  fin_wa_notification_clear(&g);

  assert_status(C.wa_notifications.ops->update_status(C.wa_notifications.self, nt.notification_id,
                                                      "failed", NULL, "timeout", t + 3, NULL),
                FIN_OK);
  assert_status(C.wa_notifications.ops->get(C.wa_notifications.self, nt.notification_id, &g, NULL),
                FIN_OK);
  assert_string_equal(g.delivery_status, "failed");
  assert_string_equal(g.last_error, "timeout");
  fin_wa_notification_clear(&g);
}

/* ---- WhatsApp inbound messages ---- */
static void wa_inbound_save_get(void **state) {
  fin_ms t = now_ms();
  char wpp[64];
  new_key(wpp, "conf-wpp");
  struct fin_wa_inbound m = {.wpp_message_id = wpp,
                             .sender_phone = "5511888888888",
                             .sender_name = "Admin",
                             .from_whitelisted_admin = true,
                             .raw_body = "y 0196abcd",
                             .has_command = true,
                             .command_request_id = "0196abcd",
                             .command_raw = "y 0196abcd",
                             .related_request_id = "req-1",
                             .related_ecosystem_id = "eco-1",
                             .received_at = t,
                             .processed_at = t + 1};
  new_id(m.message_id);
  strcpy(m.command_action, "approve");
  strcpy(m.processed_status, "processed");
  m.processed_action = "approved";
  assert_status(C.wa_inbound.ops->save(C.wa_inbound.self, &m, NULL), FIN_OK);
  struct fin_wa_inbound g;
  assert_status(C.wa_inbound.ops->get(C.wa_inbound.self, m.message_id, &g, NULL), FIN_OK);
  assert_string_equal(g.wpp_message_id, wpp);
  assert_string_equal(g.sender_phone, "5511888888888");
  assert_string_equal(g.sender_name, "Admin");
  assert_true(g.from_whitelisted_admin && g.has_command);
  assert_string_equal(g.raw_body, "y 0196abcd");
  assert_string_equal(g.command_action, "approve");
  assert_string_equal(g.command_request_id, "0196abcd");
  assert_string_equal(g.command_raw, "y 0196abcd");
  assert_string_equal(g.processed_status, "processed");
  assert_string_equal(g.processed_action, "approved");
  assert_null(g.processing_error);
  assert_string_equal(g.related_request_id, "req-1");
  assert_string_equal(g.related_ecosystem_id, "eco-1");
  assert_true(g.received_at == t && g.processed_at == t + 1);
  fin_wa_inbound_clear(&g);
  /* upsert */
  strcpy(m.processed_status, "error");
  m.processing_error = "boom";
  assert_status(C.wa_inbound.ops->save(C.wa_inbound.self, &m, NULL), FIN_OK);
  assert_status(C.wa_inbound.ops->get(C.wa_inbound.self, m.message_id, &g, NULL), FIN_OK);
  assert_string_equal(g.processed_status, "error");
  assert_string_equal(g.processing_error, "boom");
  fin_wa_inbound_clear(&g);
  char ghost[64];
  new_key(ghost, "conf-ghost");
  assert_status(C.wa_inbound.ops->get(C.wa_inbound.self, ghost, &g, NULL), FIN_NOT_FOUND);
}

/* ---- pending-approval trackers ---- */
struct decide_arg {
  const char *id;
  char phone[24];
  enum fin_status st;
};

static pthread_barrier_t start_line;

static void *decide_one(void *p) {
  struct decide_arg *a = p;
  pthread_barrier_wait(&start_line);
  a->st = C.approvals.ops->decide(C.approvals.self, a->id, "approved", a->phone, now_ms(), NULL);
  return NULL;
}

static void approvals_save_get_decide(void **state) {
  enum { T = 20 };
  char eco[64];
  new_key(eco, "conf-appr");
  fin_ms t = now_ms();
  char *nids[2] = {"notif-1", "notif-2"};
  struct fin_pending_approval p = {.ecosystem_id = eco,
                                   .notification_ids = nids,
                                   .n_notification_ids = 2,
                                   .notifications_sent_at = t,
                                   .expires_at = t + 86400000,
                                   .created_at = t,
                                   .updated_at = t};
  new_id(p.request_id);
  strcpy(p.approval_status, "pending");
  assert_status(C.approvals.ops->save(C.approvals.self, &p, NULL), FIN_OK);
  struct fin_pending_approval g;
  assert_status(C.approvals.ops->get(C.approvals.self, p.request_id, &g, NULL), FIN_OK);
  assert_string_equal(g.ecosystem_id, eco);
  assert_int_equal(g.n_notification_ids, 2);
  assert_string_equal(g.notification_ids[0], "notif-1");
  assert_string_equal(g.notification_ids[1], "notif-2");
  assert_string_equal(g.approval_status, "pending");
  assert_null(g.responding_admin_phone);
  assert_true(g.notifications_sent_at == t && g.expires_at == t + 86400000);
  fin_pending_approval_clear(&g);

  /* 20 admins answer at once: exactly one decides */
  struct decide_arg args[T];
  pthread_t th[T];
  pthread_barrier_init(&start_line, NULL, T);
  for (int i = 0; i < T; i++) {
    args[i] = (struct decide_arg){.id = p.request_id};
    snprintf(args[i].phone, sizeof args[i].phone, "55119%08d", i);
    assert_int_equal(pthread_create(&th[i], NULL, decide_one, &args[i]), 0);
  }
  int ok = 0, winner = -1;
  for (int i = 0; i < T; i++)
    pthread_join(th[i], NULL);
  for (int i = 0; i < T; i++) {
    if (args[i].st == FIN_OK)
      ok++, winner = i;
    else
      assert_status(args[i].st, FIN_PRECONDITION);
  }
  pthread_barrier_destroy(&start_line);
  assert_int_equal(ok, 1);
  assert_status(C.approvals.ops->get(C.approvals.self, p.request_id, &g, NULL), FIN_OK);
  assert_string_equal(g.approval_status, "approved");
  assert_string_equal(g.responding_admin_phone, args[winner].phone);
  assert_true(g.response_received_at >= t && g.updated_at >= t);
  fin_pending_approval_clear(&g);
  /* decide of a tracker that is not pending: refused, nothing changes */
  assert_status(
      C.approvals.ops->decide(C.approvals.self, p.request_id, "rejected", "5511000", t, NULL),
      FIN_PRECONDITION);
  assert_status(C.approvals.ops->get(C.approvals.self, p.request_id, &g, NULL), FIN_OK);
  assert_string_equal(g.approval_status, "approved");
  assert_string_equal(g.responding_admin_phone, args[winner].phone);
  fin_pending_approval_clear(&g);
  /* save is an upsert (the expiry job marks trackers this way) */
  strcpy(p.approval_status, "expired");
  p.n_notification_ids = 0;
  p.notification_ids = NULL;
  assert_status(C.approvals.ops->save(C.approvals.self, &p, NULL), FIN_OK);
  assert_status(C.approvals.ops->get(C.approvals.self, p.request_id, &g, NULL), FIN_OK);
  assert_string_equal(g.approval_status, "expired");
  assert_int_equal(g.n_notification_ids, 0);
  fin_pending_approval_clear(&g);
}

/* ---- short ids: unique among pending trackers, enforced by the store ---- */
static void random_short(char out[FIN_SHORT_ID_MAX]) {
  unsigned char b[4];
  assert_int_equal(RAND_bytes(b, sizeof b), 1);
  snprintf(out, FIN_SHORT_ID_MAX, "%02X%02X%02X%02X", b[0], b[1], b[2], b[3]);
}

static struct fin_pending_approval short_tracker(char *eco, const char *short_id) {
  fin_ms t = now_ms();
  struct fin_pending_approval p = {
      .ecosystem_id = eco, .expires_at = t + 86400000, .created_at = t, .updated_at = t};
  new_id(p.request_id);
  strcpy(p.approval_status, "pending");
  fin_strlcpy(p.short_id, short_id, sizeof p.short_id);
  return p;
}

/* find_short must return exactly `want` (a request id, or NULL for none). */
static void expect_short(const char *short_id, const char *want) {
  struct fin_pending_approval out[2];
  size_t n = 9;
  assert_status(C.approvals.ops->find_short(C.approvals.self, short_id, out, 2, &n, NULL), FIN_OK);
  assert_int_equal(n, want != NULL ? 1 : 0);
  if (want == NULL) return;
  assert_string_equal(out[0].request_id, want);
  assert_string_equal(out[0].short_id, short_id);
  assert_string_equal(out[0].approval_status, "pending");
  fin_pending_approval_clear(&out[0]);
}

struct claim_arg {
  struct fin_pending_approval p;
  enum fin_status st;
};

static void *claim_one(void *p) {
  struct claim_arg *a = p;
  pthread_barrier_wait(&start_line);
  a->st = C.approvals.ops->save(C.approvals.self, &a->p, NULL);
  return NULL;
}

static void approvals_short_ids_unique(void **state) {
  char eco[64], x[FIN_SHORT_ID_MAX], y[FIN_SHORT_ID_MAX];
  new_key(eco, "conf-short");
  random_short(x);
  do
    random_short(y);
  while (strcmp(x, y) == 0);
  struct fin_pending_approval a = short_tracker(eco, x), b = short_tracker(eco, x);
  assert_status(C.approvals.ops->save(C.approvals.self, &a, NULL), FIN_OK);
  expect_short(x, a.request_id);
  /* another pending tracker cannot take it, and is not saved */
  assert_status(C.approvals.ops->save(C.approvals.self, &b, NULL), FIN_EXISTS);
  struct fin_pending_approval g;
  assert_status(C.approvals.ops->get(C.approvals.self, b.request_id, &g, NULL), FIN_NOT_FOUND);
  /* the holder may save again */
  assert_status(C.approvals.ops->save(C.approvals.self, &a, NULL), FIN_OK);
  expect_short(y, NULL);
  fin_strlcpy(b.short_id, y, sizeof b.short_id);
  assert_status(C.approvals.ops->save(C.approvals.self, &b, NULL), FIN_OK);
  expect_short(y, b.request_id);
  expect_short(x, a.request_id);
  /* a decision frees the short id */
  assert_status(
      C.approvals.ops->decide(C.approvals.self, a.request_id, "approved", "5511", now_ms(), NULL),
      FIN_OK);
  expect_short(x, NULL);
  struct fin_pending_approval c = short_tracker(eco, x);
  assert_status(C.approvals.ops->save(C.approvals.self, &c, NULL), FIN_OK);
  expect_short(x, c.request_id);

  /* eight trackers claim one new short id at once: exactly one gets it */
  enum { T = 8 };
  char z[FIN_SHORT_ID_MAX];
  do
    random_short(z);
  while (strcmp(z, x) == 0 || strcmp(z, y) == 0);
  struct claim_arg args[T];
  pthread_t th[T];
  pthread_barrier_init(&start_line, NULL, T);
  for (int i = 0; i < T; i++) {
    args[i] = (struct claim_arg){.p = short_tracker(eco, z)};
    assert_int_equal(pthread_create(&th[i], NULL, claim_one, &args[i]), 0);
  }
  for (int i = 0; i < T; i++)
    pthread_join(th[i], NULL);
  pthread_barrier_destroy(&start_line);
  int ok = 0, winner = -1;
  for (int i = 0; i < T; i++) {
    if (args[i].st == FIN_OK)
      ok++, winner = i;
    else
      assert_status(args[i].st, FIN_EXISTS);
  }
  assert_int_equal(ok, 1);
  expect_short(z, args[winner].p.request_id);
}

/* A pending tracker keeps its short id however old it is (replies to it still
 * count, behaviour.md §9.2), so a newer tracker drawing the same id must not
 * take it: a late "y <ID>" would decide the newer request. A claim is freed by
 * its tracker leaving `pending`, even when that was not a decision. */
static void approvals_short_id_outlives_expiry(void **state) {
  char eco[64], x[FIN_SHORT_ID_MAX];
  new_key(eco, "conf-short-old");
  random_short(x);
  struct fin_pending_approval a = short_tracker(eco, x), b = short_tracker(eco, x);
  a.created_at -= 2 * 86400000, a.updated_at = a.created_at;
  a.expires_at = a.created_at + 86400000; /* a day ago */
  assert_status(C.approvals.ops->save(C.approvals.self, &a, NULL), FIN_OK);
  expect_short(x, a.request_id);
  assert_status(C.approvals.ops->save(C.approvals.self, &b, NULL), FIN_EXISTS);
  expect_short(x, a.request_id);
  /* the old tracker saved as expired (not through decide): its id is free */
  strcpy(a.approval_status, "expired");
  assert_status(C.approvals.ops->save(C.approvals.self, &a, NULL), FIN_OK);
  expect_short(x, NULL);
  assert_status(C.approvals.ops->save(C.approvals.self, &b, NULL), FIN_OK);
  expect_short(x, b.request_id);
  /* and a third tracker cannot take it from the new holder */
  struct fin_pending_approval c = short_tracker(eco, x);
  assert_status(C.approvals.ops->save(C.approvals.self, &c, NULL), FIN_EXISTS);
  expect_short(x, b.request_id);
}

const struct CMUnitTest conf_repo_tests[] = {
    conf_test(outbox_state_machine),
    conf_test(outbox_retry_limit_skips_not_due),
    conf_test(outbox_pending_survives_churn),
    conf_test(outbox_claim_leases),
    conf_test(outbox_claim_has_one_winner),
    conf_test(outbox_claim_many_is_all_or_none),
    conf_test(wa_notifications_save_get_update),
    conf_test(wa_inbound_save_get),
    conf_test(approvals_save_get_decide),
    conf_test(approvals_short_ids_unique),
    conf_test(approvals_short_id_outlives_expiry),
};
const size_t conf_repo_count = sizeof conf_repo_tests / sizeof conf_repo_tests[0];
