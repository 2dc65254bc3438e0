/* test_outbox_worker.c - the in-process outbox worker and the WhatsApp
 * subscribers it feeds (behaviour.md §7.4, §9.2, §9.3).
 *
 * The ports are fakes defined here (static, in memory, single world), so the
 * test needs no adapter: an outbox, a publisher that fails on demand, users,
 * cards, WhatsApp records, trackers, a messenger and a settable clock. */
/* cmocka.h needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../core/app/outbox_worker.h"
#include "../../core/app/records.h"
#include "../../core/app/whatsapp_notify.h"
#include "../../core/util/log.h"

#define MAXN 32
#define T0 1795549922176LL /* 2026-11-24T19:52:02.176Z */
#define ADMIN1 "5511999999999"
#define ADMIN2 "5511888888888"

static struct world {
  fin_ms now;
  /* outbox */
  struct fin_event ev[MAXN];
  size_t n_ev;
  int mark_sent_calls, mark_failed_calls, mark_dead_calls;
  char trace[256]; /* one letter per call: P publish, S mark_sent, F mark_failed, X mark_dead */
  /* publisher */
  int publish_fail; /* remaining failures; < 0 = always */
  int publish_calls;
  /* users / cards */
  bool user_present, card_present;
  /* WhatsApp records */
  struct fin_wa_notification notes[MAXN];
  size_t n_notes;
  enum fin_status notes_save_status;
  struct fin_pending_approval trackers[MAXN];
  size_t n_trackers;
  int short_taken;            /* saves refused as "short id taken" still to come */
  char tried_short[MAXN][12]; /* the short ids saves were asked for */
  int n_tried;
  /* messenger */
  int send_calls;
  char sent_phone[MAXN][16];
  char *sent_text[MAXN];
  const char *fail_phone;
} W;

static void trace(char ch) {
  size_t n = strlen(W.trace);
  if (n + 1 < sizeof W.trace) W.trace[n] = ch;
}

static char *sdup(const char *s) {
  return s != NULL ? strdup(s) : NULL;
}

/* ---- fake outbox ---- */

static void copy_event(struct fin_event *d, const struct fin_event *s) {
  *d = *s;
  d->event_type = sdup(s->event_type);
  d->entity_type = sdup(s->entity_type);
  d->entity_id = sdup(s->entity_id);
  d->ecosystem_id = sdup(s->ecosystem_id);
  d->last_error = sdup(s->last_error);
  d->payload = json_incref(s->payload);
}

static struct fin_event *event_by_id(const char *id) {
  for (size_t i = 0; i < W.n_ev; i++)
    if (strcmp(W.ev[i].event_id, id) == 0) return &W.ev[i];
  return NULL;
}

static enum fin_status ob_find_pending(void *self, int limit, struct fin_event **out, size_t *n,
                                       struct fin_err *e) {
  *out = calloc(MAXN, sizeof **out);
  *n = 0;
  for (size_t i = 0; i < W.n_ev && (int)*n < limit; i++)
    if (strcmp(W.ev[i].status, "pending") == 0) copy_event(&(*out)[(*n)++], &W.ev[i]);
  return FIN_OK;
}

static enum fin_status ob_find_retry(void *self, fin_ms now, int limit, struct fin_event **out,
                                     size_t *n, struct fin_err *e) {
  *out = calloc(MAXN, sizeof **out);
  *n = 0;
  bool taken[MAXN] = {0};
  for (;;) { /* earliest next_retry_at first */
    ssize_t best = -1;
    for (size_t i = 0; i < W.n_ev; i++) {
      if (taken[i] || strcmp(W.ev[i].status, "failed") != 0 || W.ev[i].next_retry_at > now)
        continue;
      if (best < 0 || W.ev[i].next_retry_at < W.ev[best].next_retry_at) best = (ssize_t)i;
    }
    if (best < 0 || (int)*n >= limit) break;
    taken[best] = true;
    copy_event(&(*out)[(*n)++], &W.ev[best]);
  }
  return FIN_OK;
}

static enum fin_status ob_get(void *self, const char *id, struct fin_event *out,
                              struct fin_err *e) {
  struct fin_event *ev = event_by_id(id);
  if (ev == NULL) return FIN_NOT_FOUND;
  copy_event(out, ev);
  return FIN_OK;
}

static enum fin_status ob_mark_sent(void *self, const char *id, fin_ms now, struct fin_err *e) {
  W.mark_sent_calls++;
  trace('S');
  struct fin_event *ev = event_by_id(id);
  if (ev == NULL) return FIN_NOT_FOUND;
  fin_strlcpy(ev->status, "sent", sizeof ev->status);
  ev->sent_at = now;
  return FIN_OK;
}

static enum fin_status ob_mark_failed(void *self, const char *id, const char *error,
                                      fin_ms retry_at, struct fin_err *e) {
  W.mark_failed_calls++;
  trace('F');
  struct fin_event *ev = event_by_id(id);
  if (ev == NULL) return FIN_NOT_FOUND;
  ev->retry_count++;
  fin_strlcpy(ev->status, "failed", sizeof ev->status);
  free(ev->last_error);
  ev->last_error = sdup(error);
  ev->next_retry_at = retry_at;
  return FIN_OK;
}

static enum fin_status ob_mark_dead(void *self, const char *id, const char *error,
                                    struct fin_err *e) {
  W.mark_dead_calls++;
  trace('X');
  struct fin_event *ev = event_by_id(id);
  if (ev == NULL) return FIN_NOT_FOUND;
  fin_strlcpy(ev->status, "dead_letter", sizeof ev->status);
  free(ev->last_error);
  ev->last_error = sdup(error);
  return FIN_OK;
}

static enum fin_status ob_clear(void *self, long *deleted, struct fin_err *e) {
  *deleted = 0;
  return FIN_OK;
}

static void nop_destroy(void *self) {}

static const struct fin_outbox_ops outbox_ops = {
    .find_pending = ob_find_pending,
    .find_retry = ob_find_retry,
    .get = ob_get,
    .mark_sent = ob_mark_sent,
    .mark_failed = ob_mark_failed,
    .mark_dead = ob_mark_dead,
    .clear = ob_clear,
    .destroy = nop_destroy,
};

/* ---- fake publisher ---- */

static enum fin_status pub_publish(void *self, const struct fin_event *ev, struct fin_err *e) {
  W.publish_calls++;
  trace('P');
  if (W.publish_fail != 0) {
    if (W.publish_fail > 0) W.publish_fail--;
    return fin_err_set(e, FIN_UNAVAILABLE, "boom");
  }
  return FIN_OK;
}

static const struct fin_publisher_ops publisher_ops = {.publish = pub_publish,
                                                       .destroy = nop_destroy};

/* ---- fake users and cards ---- */

static enum fin_status users_get(void *self, const char *eco, struct fin_user *out,
                                 struct fin_err *e) {
  if (!W.user_present || strcmp(eco, "low-x") != 0) return FIN_NOT_FOUND;
  memset(out, 0, sizeof *out);
  out->ecosystem_id = sdup(eco);
  out->email = sdup("low-x@test.local");
  out->score = 450;
  return FIN_OK;
}

static const struct fin_users_ops users_ops = {.get = users_get, .destroy = nop_destroy};

static enum fin_status cards_get(void *self, const char *eco, const char *card_id,
                                 struct fin_card *out, struct fin_err *e) {
  if (!W.card_present) return FIN_NOT_FOUND;
  memset(out, 0, sizeof *out);
  fin_strlcpy(out->card_id, card_id, sizeof out->card_id);
  out->ecosystem_id = sdup(eco);
  return FIN_OK;
}

static const struct fin_cards_ops cards_ops = {.get = cards_get, .destroy = nop_destroy};

/* ---- fake WhatsApp notifications ---- */

static void copy_note(struct fin_wa_notification *d, const struct fin_wa_notification *s) {
  *d = *s;
  d->recipient_phone = sdup(s->recipient_phone);
  d->message_content = sdup(s->message_content);
  d->related_entity_id = sdup(s->related_entity_id);
  d->ecosystem_id = sdup(s->ecosystem_id);
  d->wpp_message_id = sdup(s->wpp_message_id);
  d->last_error = sdup(s->last_error);
}

static struct fin_wa_notification *note_by_id(const char *id) {
  for (size_t i = 0; i < W.n_notes; i++)
    if (strcmp(W.notes[i].notification_id, id) == 0) return &W.notes[i];
  return NULL;
}

static enum fin_status notes_save(void *self, const struct fin_wa_notification *n,
                                  struct fin_err *e) {
  if (W.notes_save_status != FIN_OK) return fin_err_set(e, W.notes_save_status, "store down");
  struct fin_wa_notification *old = note_by_id(n->notification_id);
  if (old != NULL) {
    fin_wa_notification_clear(old);
  } else {
    old = &W.notes[W.n_notes++];
  }
  copy_note(old, n);
  return FIN_OK;
}

static enum fin_status notes_get(void *self, const char *id, struct fin_wa_notification *out,
                                 struct fin_err *e) {
  struct fin_wa_notification *n = note_by_id(id);
  if (n == NULL) return FIN_NOT_FOUND;
  copy_note(out, n);
  return FIN_OK;
}

static enum fin_status notes_update(void *self, const char *id, const char *status,
                                    const char *wpp_id, const char *error, fin_ms now,
                                    struct fin_err *e) {
  struct fin_wa_notification *n = note_by_id(id);
  if (n == NULL) return FIN_NOT_FOUND;
  fin_strlcpy(n->delivery_status, status, sizeof n->delivery_status);
  if (strcmp(status, "sent") == 0) n->sent_at = now;
  if (wpp_id != NULL) {
    free(n->wpp_message_id);
    n->wpp_message_id = sdup(wpp_id);
  }
  if (error != NULL) {
    free(n->last_error);
    n->last_error = sdup(error);
  }
  return FIN_OK;
}

static const struct fin_wa_notifications_ops notes_ops = {
    .save = notes_save, .get = notes_get, .update_status = notes_update, .destroy = nop_destroy};

/* ---- fake trackers ---- */

static void copy_tracker(struct fin_pending_approval *d, const struct fin_pending_approval *s) {
  *d = *s;
  d->ecosystem_id = sdup(s->ecosystem_id);
  d->responding_admin_phone = sdup(s->responding_admin_phone);
  d->notification_ids = calloc(s->n_notification_ids + 1, sizeof(char *));
  for (size_t i = 0; i < s->n_notification_ids; i++)
    d->notification_ids[i] = sdup(s->notification_ids[i]);
}

static struct fin_pending_approval *tracker_by_id(const char *id) {
  for (size_t i = 0; i < W.n_trackers; i++)
    if (strcmp(W.trackers[i].request_id, id) == 0) return &W.trackers[i];
  return NULL;
}

static enum fin_status tr_save(void *self, const struct fin_pending_approval *p,
                               struct fin_err *e) {
  fin_strlcpy(W.tried_short[W.n_tried++], p->short_id, sizeof W.tried_short[0]);
  if (W.short_taken > 0) { /* as a store where another pending tracker holds it */
    W.short_taken--;
    return FIN_EXISTS;
  }
  struct fin_pending_approval *old = tracker_by_id(p->request_id);
  if (old != NULL)
    fin_pending_approval_clear(old);
  else
    old = &W.trackers[W.n_trackers++];
  copy_tracker(old, p);
  return FIN_OK;
}

static enum fin_status tr_get(void *self, const char *id, struct fin_pending_approval *out,
                              struct fin_err *e) {
  struct fin_pending_approval *p = tracker_by_id(id);
  if (p == NULL) return FIN_NOT_FOUND;
  copy_tracker(out, p);
  return FIN_OK;
}

static const struct fin_pending_approvals_ops trackers_ops = {
    .save = tr_save, .get = tr_get, .destroy = nop_destroy};

/* ---- fake messenger and clock ---- */

static enum fin_status msg_send(void *self, const char *phone, const char *text, char **message_id,
                                struct fin_err *e) {
  int i = W.send_calls++;
  fin_strlcpy(W.sent_phone[i], phone, sizeof W.sent_phone[i]);
  W.sent_text[i] = sdup(text);
  if (W.fail_phone != NULL && strcmp(phone, W.fail_phone) == 0)
    return fin_err_set(e, FIN_UNAVAILABLE, "wpp down");
  char id[32];
  snprintf(id, sizeof id, "wpp-%d", i);
  *message_id = sdup(id);
  return FIN_OK;
}

static const struct fin_messenger_ops messenger_ops = {.send = msg_send, .destroy = nop_destroy};

static fin_ms clock_now(void *self) {
  return W.now;
}

static const struct fin_clock_ops clock_ops = {.now = clock_now, .destroy = nop_destroy};

/* ---- world setup ---- */

static struct fin_container C;
static char admin1[] = ADMIN1, admin2[] = ADMIN2;

static void reset_world(void) {
  for (size_t i = 0; i < W.n_ev; i++)
    fin_event_clear(&W.ev[i]);
  for (size_t i = 0; i < W.n_notes; i++)
    fin_wa_notification_clear(&W.notes[i]);
  for (size_t i = 0; i < W.n_trackers; i++)
    fin_pending_approval_clear(&W.trackers[i]);
  for (int i = 0; i < W.send_calls; i++)
    free(W.sent_text[i]);
  memset(&W, 0, sizeof W);
  W.now = T0;
  W.user_present = W.card_present = true;

  memset(&C, 0, sizeof C);
  C.outbox = (struct fin_outbox){&outbox_ops, &W};
  C.publisher = (struct fin_publisher){&publisher_ops, &W};
  C.users = (struct fin_users){&users_ops, &W};
  C.cards = (struct fin_cards){&cards_ops, &W};
  C.wa_notifications = (struct fin_wa_notifications){&notes_ops, &W};
  C.approvals = (struct fin_pending_approvals){&trackers_ops, &W};
  C.messenger = (struct fin_messenger){&messenger_ops, &W};
  C.clock = (struct fin_clock){&clock_ops, &W};
  C.whatsapp.admin_phones[0] = admin1;
  C.whatsapp.admin_phones[1] = admin2;
  C.rules.outbox_interval_ms = 1000;
  C.rules.outbox_batch = 100;
  C.rules.outbox_retry_batch = 50;
  C.rules.outbox_max_retries = 5;
  C.rules.outbox_backoff_base_ms = 10000;
  C.rules.outbox_backoff_max_ms = 300000;
  C.rules.wa_approval_expiry_hours = 24;
  C.rules.wa_notifications_enabled = true;
}

static int setup(void **state) {
  reset_world();
  return 0;
}

static int teardown(void **state) {
  reset_world();
  return 0;
}

/* Adds an event with the given payload (stolen); returns it. */
static struct fin_event *add_event(const char *type, const char *entity_id, json_t *payload) {
  struct fin_event *ev = &W.ev[W.n_ev];
  assert_int_equal(fin_event_fill(ev, type, "x", entity_id, "low-x", payload, W.now), 0);
  snprintf(ev->event_id, sizeof ev->event_id, "01a20f1d-8380-7000-8000-%012zu", W.n_ev);
  W.n_ev++;
  return ev;
}

static struct fin_event *plain_event(void) {
  return add_event("card.approved", "card-1", json_pack("{s:s}", "cardId", "card-1"));
}

#define REQ_ID "01a20f20-40a0-7abc-8def-0123456789ab"

static struct fin_event *card_requested(const char *tier) {
  return add_event("card.requested", REQ_ID,
                   json_pack("{s:s,s:s,s:s,s:i,s:s,s:s}", "requestId", REQ_ID, "ecosystemId",
                             "low-x", "productId", "default-credit-card", "scoreAtRequest", 450,
                             "tierAtRequest", tier, "idempotencyKey", "k1"));
}

static void run(int want_processed, int want_failed) {
  int processed = -1, failed = -1;
  assert_int_equal(fin_outbox_run_once(&C, &processed, &failed), 0);
  assert_int_equal(processed, want_processed);
  assert_int_equal(failed, want_failed);
}

/* ---- outbox tests ---- */

static void marks_sent_after_publish(void **state) {
  struct fin_event *ev = plain_event();
  run(1, 0);
  assert_string_equal(ev->status, "sent");
  assert_int_equal(ev->sent_at, T0);
  assert_string_equal(W.trace, "PS"); /* publish, then mark_sent */
  run(0, 0);                          /* nothing left */
  assert_int_equal(W.publish_calls, 1);
}

static void failure_backs_off_then_succeeds(void **state) {
  struct fin_event *ev = plain_event();
  W.publish_fail = 1;
  run(0, 1);
  assert_string_equal(ev->status, "failed");
  assert_int_equal(ev->retry_count, 1);
  assert_int_equal(ev->next_retry_at, T0 + 10000);
  assert_string_equal(ev->last_error, "publish: boom");
  assert_int_equal(W.mark_sent_calls, 0); /* never marked sent on failure */
  run(0, 0);                              /* not due yet */
  W.now = T0 + 9999;
  run(0, 0);
  assert_int_equal(W.publish_calls, 1);
  W.now = T0 + 10000;
  run(1, 0);
  assert_string_equal(ev->status, "sent");
  assert_string_equal(W.trace, "PFPS");
}

static void dead_letter_after_five_retries(void **state) {
  struct fin_event *ev = plain_event();
  W.publish_fail = -1;
  const long delays[] = {10000, 20000, 40000, 80000, 160000};
  for (int i = 0; i < 5; i++) {
    run(0, 1);
    assert_string_equal(ev->status, "failed");
    assert_int_equal(ev->retry_count, i + 1);
    assert_int_equal(ev->next_retry_at - W.now, delays[i]);
    W.now = ev->next_retry_at;
  }
  run(0, 1); /* the 6th attempt fails with 5 retries used: dead letter */
  assert_string_equal(ev->status, "dead_letter");
  assert_int_equal(ev->retry_count, 5);
  assert_string_equal(ev->last_error, "publish: boom");
  assert_int_equal(W.publish_calls, 6);
  assert_int_equal(W.mark_dead_calls, 1);
  assert_int_equal(W.mark_sent_calls, 0);
  W.now += 3600000;
  run(0, 0);
  assert_int_equal(W.publish_calls, 6);
}

static void backoff_formula(void **state) {
  struct fin_rules r = {.outbox_backoff_base_ms = 10000, .outbox_backoff_max_ms = 300000};
  const long want[] = {10000, 20000, 40000, 80000, 160000, 300000, 300000};
  for (int n = 1; n <= 7; n++)
    assert_int_equal(fin_outbox_backoff_ms(&r, n), want[n - 1]);
  assert_int_equal(fin_outbox_backoff_ms(&r, 1000), 300000); /* no overflow */
  r.outbox_backoff_base_ms = 1000;
  assert_int_equal(fin_outbox_backoff_ms(&r, 3), 4000);
}

static void batches_are_bounded(void **state) {
  for (int i = 0; i < 5; i++)
    plain_event();
  C.rules.outbox_batch = 2;
  run(2, 0);
  run(2, 0);
  run(1, 0);
}

/* ---- subscribers ---- */

/* The admin message for the tracker's short id (static buffer). */
static const char *card_text_for(const char *short_id) {
  static char buf[256];
  snprintf(buf, sizeof buf,
           "[Card Request #%s]\nCustomer: low-x@test.local\nTier: low\nScore: 450\n\n"
           "Reply: \"y %s\" to approve\nReply: \"n %s\" to reject",
           short_id, short_id, short_id);
  return buf;
}

static bool is_short_id(const char *s) {
  if (strlen(s) != 8) return false;
  for (int i = 0; i < 8; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F'))) return false;
  return true;
}

static void card_request_notifies_each_admin_once(void **state) {
  struct fin_event *ev = card_requested("low");
  W.publish_fail = 1;
  run(0, 1); /* subscribers ran, then publish failed */
  assert_int_equal(W.send_calls, 2);
  assert_string_equal(W.sent_phone[0], ADMIN1);
  assert_string_equal(W.sent_phone[1], ADMIN2);
  assert_int_equal(W.n_trackers, 1);
  assert_true(is_short_id(W.trackers[0].short_id));
  assert_string_equal(W.sent_text[0], card_text_for(W.trackers[0].short_id));
  assert_string_equal(W.sent_text[1], card_text_for(W.trackers[0].short_id));
  assert_int_equal(W.n_notes, 2);
  for (size_t i = 0; i < 2; i++) {
    assert_string_equal(W.notes[i].delivery_status, "sent");
    assert_string_equal(W.notes[i].notification_type, "card_request_approval");
    assert_string_equal(W.notes[i].related_entity_type, "cardRequest");
    assert_string_equal(W.notes[i].related_entity_id, REQ_ID);
    assert_string_equal(W.notes[i].ecosystem_id, "low-x");
    assert_non_null(W.notes[i].wpp_message_id);
  }
  assert_int_equal(W.n_trackers, 1);
  struct fin_pending_approval *t = &W.trackers[0];
  assert_string_equal(t->request_id, REQ_ID);
  assert_string_equal(t->ecosystem_id, "low-x");
  assert_string_equal(t->approval_status, "pending");
  assert_int_equal(t->expires_at, T0 + 24 * 3600000LL);
  assert_int_equal(t->n_notification_ids, 2);
  assert_string_equal(t->notification_ids[0], W.notes[0].notification_id);
  assert_string_equal(t->notification_ids[1], W.notes[1].notification_id);

  /* An admin answers before the retry; the retry must neither re-send nor
   * reset the tracker. */
  fin_strlcpy(t->approval_status, "approved", sizeof t->approval_status);
  W.now = ev->next_retry_at;
  run(1, 0);
  assert_string_equal(ev->status, "sent");
  assert_int_equal(W.send_calls, 2);
  assert_int_equal(W.n_notes, 2);
  assert_int_equal(W.n_trackers, 1);
  assert_string_equal(W.trackers[0].approval_status, "approved");
}

static void send_failure_is_recorded(void **state) {
  struct fin_event *ev = card_requested("medium");
  W.fail_phone = ADMIN2;
  run(1, 0); /* best effort: the event itself is delivered */
  assert_string_equal(ev->status, "sent");
  assert_int_equal(W.send_calls, 2);
  assert_string_equal(W.notes[0].delivery_status, "sent");
  assert_string_equal(W.notes[1].delivery_status, "failed");
  assert_string_equal(W.notes[1].last_error, "wpp down");
  assert_int_equal(W.n_trackers, 1);
  assert_int_equal(W.trackers[0].n_notification_ids, 2);
}

static void resend_only_what_failed(void **state) {
  /* Phone 2 failed on the first delivery; a re-delivery of the same event
   * (publish failed) sends to phone 2 only. */
  struct fin_event *ev = card_requested("low");
  W.fail_phone = ADMIN2;
  W.publish_fail = 1;
  run(0, 1);
  assert_int_equal(W.send_calls, 2);
  W.fail_phone = NULL;
  W.now = ev->next_retry_at;
  run(1, 0);
  assert_int_equal(W.send_calls, 3);
  assert_string_equal(W.sent_phone[2], ADMIN2);
  /* the re-sent message names the short id the tracker already holds */
  assert_string_equal(W.sent_text[2], W.sent_text[0]);
  assert_int_equal(W.n_tried, 1);
  assert_int_equal(W.n_notes, 2);
  assert_string_equal(W.notes[1].delivery_status, "sent");
}

/* The store refuses short ids another pending approval holds: a fresh random
 * one is drawn each time, and the message carries the one that was saved. */
static void short_id_redrawn_when_taken(void **state) {
  card_requested("low");
  W.short_taken = 3;
  run(1, 0);
  assert_int_equal(W.n_tried, 4);
  for (int i = 0; i < 4; i++) {
    assert_true(is_short_id(W.tried_short[i]));
    for (int j = 0; j < i; j++)
      assert_string_not_equal(W.tried_short[i], W.tried_short[j]);
  }
  assert_int_equal(W.n_trackers, 1);
  assert_string_equal(W.trackers[0].short_id, W.tried_short[3]);
  assert_int_equal(W.send_calls, 2);
  assert_string_equal(W.sent_text[0], card_text_for(W.tried_short[3]));
}

static void nothing_sent_when_off(void **state) {
  struct fin_event *ev = card_requested("low");
  C.rules.wa_notifications_enabled = false;
  run(1, 0);
  assert_string_equal(ev->status, "sent");
  assert_int_equal(W.send_calls, 0);
  assert_int_equal(W.n_notes, 0);
  assert_int_equal(W.n_trackers, 0);

  ev = card_requested("low");
  C.rules.wa_notifications_enabled = true;
  C.messenger.ops = NULL; /* no messenger wired */
  run(1, 0);
  assert_int_equal(W.send_calls, 0);
  assert_int_equal(W.n_notes, 0);
  assert_int_equal(W.n_trackers, 0);
}

static void skips_high_tier_missing_user_and_no_phones(void **state) {
  card_requested("high");
  run(1, 0);
  W.user_present = false;
  card_requested("low");
  run(1, 0);
  W.user_present = true;
  C.whatsapp.admin_phones[0] = C.whatsapp.admin_phones[1] = NULL;
  card_requested("low");
  run(1, 0);
  assert_int_equal(W.send_calls, 0);
  assert_int_equal(W.n_notes, 0);
  assert_int_equal(W.n_trackers, 0); /* no record, no tracker */
}

static void payment_notification(void **state) {
  add_event("transaction.payment", "txn-1",
            json_pack("{s:s,s:s,s:s,s:i,s:s,s:i}", "transactionId", "txn-1", "cardId",
                      "01a20f20-4095-7000-8000-00000000435a", "ecosystemId", "low-x", "amount", 200,
                      "paymentStatus", "on_time", "scoreImpact", 50));
  run(1, 0);
  assert_int_equal(W.send_calls, 2);
  assert_string_equal(W.sent_text[0], "[Payment Received]\n"
                                      "Card: **** 435a\n"
                                      "Amount: R$\xc2\xa0"
                                      "200,00\n"
                                      "Time: 24/11/2026, 19:52\n"
                                      "\n"
                                      "(No action required)");
  assert_string_equal(W.notes[0].notification_type, "payment_notification");
  assert_string_equal(W.notes[0].related_entity_type, "payment");
  assert_string_equal(W.notes[0].related_entity_id, "txn-1");
  assert_int_equal(W.n_trackers, 0);

  W.card_present = false; /* card gone: skipped */
  add_event("transaction.payment", "txn-2",
            json_pack("{s:s,s:s,s:s,s:f}", "transactionId", "txn-2", "cardId", "c", "ecosystemId",
                      "low-x", "amount", 10.5));
  run(1, 0);
  assert_int_equal(W.send_calls, 2);
}

static void subscriber_storage_error_retries_event(void **state) {
  struct fin_event *ev = card_requested("low");
  W.notes_save_status = FIN_UNAVAILABLE;
  run(0, 1);
  assert_string_equal(ev->status, "failed");
  assert_string_equal(ev->last_error, "subscriber: store down");
  assert_int_equal(W.publish_calls, 0); /* not published before the subscribers succeed */
  assert_int_equal(W.send_calls, 0);
  W.notes_save_status = FIN_OK;
  W.now = ev->next_retry_at;
  run(1, 0);
  assert_int_equal(W.send_calls, 2);
}

/* ---- the thread ---- */

static long long mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool event_sent(const struct fin_event *ev) {
  fin_outbox_lock(); /* the worker writes the fake world inside batches */
  bool sent = strcmp(ev->status, "sent") == 0;
  fin_outbox_unlock();
  return sent;
}

static void worker_thread_runs_and_stops_promptly(void **state) {
  C.rules.outbox_interval_ms = 20;
  struct fin_event *first = plain_event();
  assert_int_equal(fin_outbox_worker_start(&C), 0);
  assert_int_equal(fin_outbox_worker_start(&C), -1); /* one worker per process */
  long long t0 = mono_ms();
  while (!event_sent(first) && mono_ms() - t0 < 3000)
    usleep(5000);
  assert_true(event_sent(first));

  fin_outbox_lock();
  struct fin_event *second = plain_event(); /* picked up by a later tick */
  fin_outbox_unlock();
  t0 = mono_ms();
  while (!event_sent(second) && mono_ms() - t0 < 3000)
    usleep(5000);
  assert_true(event_sent(second));
  fin_outbox_worker_stop();
  fin_outbox_worker_stop(); /* idempotent */

  /* A long interval must not delay stop(): it waits on a condition. */
  C.rules.outbox_interval_ms = 60000;
  assert_int_equal(fin_outbox_worker_start(&C), 0);
  usleep(50000);
  t0 = mono_ms();
  fin_outbox_worker_stop();
  assert_true(mono_ms() - t0 < 1000);
}

int main(void) {
  setenv("TZ", "UTC", 1);
  tzset();
  fin_log_set_enabled(0);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(marks_sent_after_publish, setup, teardown),
      cmocka_unit_test_setup_teardown(failure_backs_off_then_succeeds, setup, teardown),
      cmocka_unit_test_setup_teardown(dead_letter_after_five_retries, setup, teardown),
      cmocka_unit_test_setup_teardown(backoff_formula, setup, teardown),
      cmocka_unit_test_setup_teardown(batches_are_bounded, setup, teardown),
      cmocka_unit_test_setup_teardown(card_request_notifies_each_admin_once, setup, teardown),
      cmocka_unit_test_setup_teardown(short_id_redrawn_when_taken, setup, teardown),
      cmocka_unit_test_setup_teardown(send_failure_is_recorded, setup, teardown),
      cmocka_unit_test_setup_teardown(resend_only_what_failed, setup, teardown),
      cmocka_unit_test_setup_teardown(nothing_sent_when_off, setup, teardown),
      cmocka_unit_test_setup_teardown(skips_high_tier_missing_user_and_no_phones, setup, teardown),
      cmocka_unit_test_setup_teardown(payment_notification, setup, teardown),
      cmocka_unit_test_setup_teardown(subscriber_storage_error_retries_event, setup, teardown),
      cmocka_unit_test_setup_teardown(worker_thread_runs_and_stops_promptly, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
