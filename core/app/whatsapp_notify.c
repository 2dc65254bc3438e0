/* whatsapp_notify.c - WhatsApp notifications to the admins for pending card
 * requests and payments (behaviour.md §9.2, §9.3, §9.6). */
#include "whatsapp_notify.h"

#include <math.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/codec.h"
#include "../util/jsnum.h"
#include "../util/log.h"
#include "../util/text.h"
#include "../util/timefmt.h"
#include "records.h"

#define NBSP "\xc2\xa0"
#define N_ADMIN_PHONES (sizeof(((struct fin_whatsapp_settings *)0)->admin_phones) / sizeof(char *))

/* ---- texts ------------------------------------------------------------ */

char *fin_wa_card_request_text(const char *short_id, const char *email, const char *tier,
                               double score) {
  char num[FIN_JSNUM_MAX];
  fin_jsnum(score, num);
  /* The email came from a user: no line breaks or invisible characters that
   * could forge lines ("Reply: y ...") or hide text in the admin's message. */
  char *customer = fin_text_clean(email, FIN_WA_TEXT_MAX);
  if (customer == NULL) return NULL;
  char *out = NULL;
  if (asprintf(&out,
               "[Card Request #%s]\nCustomer: %s\nTier: %s\nScore: %s\n\n"
               "Reply: \"y %s\" to approve\nReply: \"n %s\" to reject",
               short_id, customer, tier, num, short_id, short_id) < 0)
    out = NULL;
  free(customer);
  return out;
}

int fin_wa_new_short_id(char out[FIN_SHORT_ID_MAX]) {
  unsigned char b[4];
  if (RAND_bytes(b, sizeof b) != 1) return -1;
  snprintf(out, FIN_SHORT_ID_MAX, "%02X%02X%02X%02X", b[0], b[1], b[2], b[3]);
  return 0;
}

/* Splits the JavaScript text of a non-negative finite number ("123.45",
 * "1.5e+21", "1e-7") into integer and fraction digits. */
static void split_decimal(const char *js, char *ip, size_t ip_size, char *fp, size_t fp_size) {
  char digits[FIN_JSNUM_MAX];
  size_t nd = 0, point = 0;
  bool seen_point = false;
  const char *p = js;
  for (; *p != '\0' && *p != 'e'; p++) {
    if (*p == '.') {
      seen_point = true;
      continue;
    }
    digits[nd++] = *p;
    if (!seen_point) point++;
  }
  long exp10 = *p == 'e' ? strtol(p + 1, NULL, 10) : 0;
  long pos = (long)point + exp10; /* digits before the decimal point */
  size_t i = 0, o = 0;
  if (pos <= 0) {
    ip[o++] = '0';
  } else {
    for (long k = 0; k < pos && o + 1 < ip_size; k++)
      ip[o++] = i < nd ? digits[i++] : '0';
  }
  ip[o] = '\0';
  o = 0;
  for (long k = pos; k < 0 && o + 1 < fp_size; k++)
    fp[o++] = '0';
  while (i < nd && o + 1 < fp_size)
    fp[o++] = digits[i++];
  fp[o] = '\0';
}

/* Adds one to the decimal integer in s (room for one more digit). */
static void increment_digits(char *s) {
  size_t len = strlen(s);
  for (size_t i = len; i-- > 0;) {
    if (s[i] != '9') {
      s[i]++;
      return;
    }
    s[i] = '0';
  }
  memmove(s + 1, s, len + 1); /* all nines: 999 -> 1000 */
  s[0] = '1';
}

char *fin_brl_format(double amount, char *buf, size_t size) {
  if (size == 0) return buf;
  if (isnan(amount)) {
    snprintf(buf, size, "R$" NBSP "NaN");
    return buf;
  }
  if (isinf(amount)) {
    snprintf(buf, size, "%sR$" NBSP "\xe2\x88\x9e", amount < 0 ? "-" : ""); /* U+221E */
    return buf;
  }
  /* ICU rounds the shortest round-trip decimal (what JavaScript prints), half
   * away from zero: 1.005 -> 1,01 although the double is just below 1.005. */
  char js[FIN_JSNUM_MAX], ip[340], fp[340];
  fin_jsnum(fabs(amount), js);
  split_decimal(js, ip, sizeof ip - 1, fp, sizeof fp);
  char cents[3] = {fp[0] ? fp[0] : '0', fp[0] && fp[1] ? fp[1] : '0', '\0'};
  if (fp[0] && fp[1] && fp[2] >= '5') { /* round up the integer.cents pair */
    if (strcmp(cents, "99") == 0) {
      cents[0] = cents[1] = '0';
      increment_digits(ip);
    } else {
      int v = (cents[0] - '0') * 10 + (cents[1] - '0') + 1;
      cents[0] = (char)('0' + v / 10);
      cents[1] = (char)('0' + v % 10);
    }
  }
  size_t int_len = strlen(ip);
  char grouped[480];
  size_t o = 0;
  for (size_t i = 0; i < int_len; i++) {
    if (i > 0 && (int_len - i) % 3 == 0) grouped[o++] = '.';
    grouped[o++] = ip[i];
  }
  grouped[o] = '\0';
  snprintf(buf, size, "%sR$" NBSP "%s,%s", amount < 0 ? "-" : "", grouped, cents);
  return buf;
}

char *fin_wa_payment_text(const char *card_id, double amount, fin_ms at) {
  size_t len = strlen(card_id);
  const char *last4 = len > 4 ? card_id + len - 4 : card_id;
  char money[96], when[32];
  fin_brl_format(amount, money, sizeof money);
  fin_ptbr_time(at, when);
  char *out = NULL;
  if (asprintf(&out,
               "[Payment Received]\nCard: **** %s\nAmount: %s\nTime: %s\n\n(No action required)",
               last4, money, when) < 0)
    return NULL;
  return out;
}

char *fin_wa_notification_id(const struct fin_event *ev, const char *phone, char *buf) {
  static const char variants[] = "89ab";
  char seed[160], hex[65];
  int n = snprintf(seed, sizeof seed, "%s\n%s", ev->event_id, phone);
  size_t len = n < 0 ? 0 : (size_t)n >= sizeof seed ? sizeof seed - 1 : (size_t)n;
  fin_sha256_hex(seed, len, hex);
  unsigned long long ms = ev->created_at > 0 ? (unsigned long long)ev->created_at : 0;
  char v = hex[18]; /* not among the 18 digits used below */
  int nib = v >= 'a' ? v - 'a' + 10 : v - '0';
  snprintf(buf, 37, "%08llx-%04llx-7%.3s-%c%.3s-%.12s", (ms >> 16) & 0xffffffffULL, ms & 0xffffULL,
           hex, variants[nib & 3], hex + 3, hex + 6);
  return buf;
}

/* ---- delivery --------------------------------------------------------- */

static bool sending_on(const struct fin_container *c) {
  return c->messenger.ops != NULL && fin_rules_of(c)->wa_notifications_enabled &&
         c->wa_notifications.ops != NULL;
}

static const char *pstr(const json_t *p, const char *key) {
  const json_t *v = json_object_get(p, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

struct wa_target {
  const char *type;         /* card_request_approval | payment_notification */
  const char *related_type; /* cardRequest | payment */
  const char *related_id;
  const char *eco;
  const char *text;
};

/* Saves the pending notification record id of t for phone. */
static enum fin_status save_pending(struct fin_container *c, const char *id, const char *phone,
                                    const struct wa_target *t, struct fin_err *e) {
  struct fin_wa_notification n = {.created_at = fin_app_now(c)};
  fin_strlcpy(n.notification_id, id, sizeof n.notification_id);
  fin_strlcpy(n.notification_type, t->type, sizeof n.notification_type);
  fin_strlcpy(n.related_entity_type, t->related_type, sizeof n.related_entity_type);
  fin_strlcpy(n.delivery_status, "pending", sizeof n.delivery_status);
  bool oom = false; /* n owns copies of its strings */
  n.recipient_phone = fin_own(phone, &oom);
  n.message_content = fin_own(t->text, &oom);
  n.related_entity_id = fin_own(t->related_id, &oom);
  n.ecosystem_id = fin_own(t->eco, &oom);
  enum fin_status st = oom ? fin_err_set(e, FIN_NOMEM, "out of memory")
                           : c->wa_notifications.ops->save(c->wa_notifications.self, &n, e);
  fin_wa_notification_clear(&n);
  return st;
}

/* One admin: record (pending) -> send -> sent/failed. Skips a phone whose
 * record for this event already went out. id_out gets the record id. */
static enum fin_status notify_one(struct fin_container *c, const struct fin_event *ev,
                                  const char *phone, const struct wa_target *t, char *id_out,
                                  struct fin_err *e) {
  fin_wa_notification_id(ev, phone, id_out);
  struct fin_wa_notification n = {0};
  enum fin_status st = c->wa_notifications.ops->get(c->wa_notifications.self, id_out, &n, e);
  if (st == FIN_OK) {
    bool done =
        strcmp(n.delivery_status, "sent") == 0 || strcmp(n.delivery_status, "delivered") == 0;
    fin_wa_notification_clear(&n);
    if (done) return FIN_OK; /* re-delivery of the event: never message twice */
  } else if (st == FIN_NOT_FOUND) {
    st = save_pending(c, id_out, phone, t, e);
    if (st != FIN_OK) return st;
  } else {
    return st;
  }

  char *wpp_id = NULL;
  struct fin_err se = {0};
  enum fin_status sst = c->messenger.ops->send(c->messenger.self, phone, t->text, &wpp_id, &se);
  fin_ms now = fin_app_now(c);
  if (sst == FIN_OK) {
    st = c->wa_notifications.ops->update_status(c->wa_notifications.self, id_out, "sent", wpp_id,
                                                NULL, now, e);
  } else {
    /* Best effort, as the original: the failure is recorded, the event is done. */
    const char *why = se.msg[0] != '\0' ? se.msg : fin_status_name(sst);
    char esc[300];
    fin_log("warn", "whatsapp_send_failed",
            "\"notificationId\":\"%s\",\"type\":\"%s\",\"error\":\"%s\"", id_out, t->type,
            fin_log_esc(why, esc, sizeof esc));
    st = c->wa_notifications.ops->update_status(c->wa_notifications.self, id_out, "failed", NULL,
                                                why, now, e);
  }
  free(wpp_id);
  return st;
}

/* Sends to every configured admin phone; ids/n_ids get the record ids. */
static enum fin_status notify_admins(struct fin_container *c, const struct fin_event *ev,
                                     const struct wa_target *t, char (*ids)[40], size_t *n_ids,
                                     struct fin_err *e) {
  *n_ids = 0;
  for (size_t i = 0; i < N_ADMIN_PHONES; i++) {
    const char *phone = c->whatsapp.admin_phones[i];
    if (phone == NULL || phone[0] == '\0') continue;
    enum fin_status st = notify_one(c, ev, phone, t, ids[*n_ids], e);
    if (st != FIN_OK) return st;
    (*n_ids)++;
  }
  return FIN_OK;
}

/* Tries a fresh random short id this many times before giving up: with 2^32
 * ids and a few hundred open approvals a clash is already rare. */
#define SHORT_ID_ATTEMPTS 16

/* Saves the tracker of request_id with a new short id, or finds the one an
 * earlier delivery saved; reply_id gets the id admins reply with: the short
 * id, or the full request id for a tracker saved before short ids. */
static enum fin_status save_tracker(struct fin_container *c, const char *request_id,
                                    const char *eco, char (*ids)[40], size_t n_ids, fin_id reply_id,
                                    struct fin_err *e) {
  struct fin_pending_approval t = {0};
  enum fin_status st = c->approvals.ops->get(c->approvals.self, request_id, &t, e);
  if (st == FIN_OK) { /* an earlier delivery made it; an admin may have answered since */
    fin_strlcpy(reply_id, t.short_id[0] != '\0' ? t.short_id : request_id, sizeof(fin_id));
    fin_pending_approval_clear(&t);
    return FIN_OK;
  }
  if (st != FIN_NOT_FOUND) return st;
  fin_ms now = fin_app_now(c);
  bool oom = false; /* t owns copies of its strings */
  t.ecosystem_id = fin_own(eco, &oom);
  t.notification_ids = n_ids > 0 ? calloc(n_ids, sizeof *t.notification_ids) : NULL;
  if (n_ids > 0 && t.notification_ids == NULL) oom = true;
  for (size_t i = 0; t.notification_ids != NULL && i < n_ids; i++, t.n_notification_ids++)
    t.notification_ids[i] = fin_own(ids[i], &oom);
  if (oom) {
    fin_pending_approval_clear(&t);
    return fin_err_set(e, FIN_NOMEM, "out of memory");
  }
  fin_strlcpy(t.request_id, request_id, sizeof t.request_id);
  t.notifications_sent_at = now;
  fin_strlcpy(t.approval_status, "pending", sizeof t.approval_status);
  t.expires_at = now + (fin_ms)fin_rules_of(c)->wa_approval_expiry_hours * 3600000;
  t.created_at = t.updated_at = now;
  /* The store refuses a short id another pending tracker holds (FIN_EXISTS). */
  st = FIN_EXISTS;
  for (int i = 0; i < SHORT_ID_ATTEMPTS && st == FIN_EXISTS; i++) {
    if (fin_wa_new_short_id(t.short_id) != 0)
      st = fin_err_set(e, FIN_INTERNAL, "no randomness");
    else
      st = c->approvals.ops->save(c->approvals.self, &t, e);
  }
  if (st == FIN_OK) fin_strlcpy(reply_id, t.short_id, sizeof(fin_id));
  fin_pending_approval_clear(&t);
  return st;
}

static void skip_malformed(const struct fin_event *ev) {
  fin_log("warn", "whatsapp_event_skipped",
          "\"eventId\":\"%s\",\"reason\":\"payload misses required fields\"", ev->event_id);
}

enum fin_status fin_wa_on_card_requested(struct fin_container *c, const struct fin_event *ev,
                                         struct fin_err *e) {
  const char *rid = pstr(ev->payload, "requestId");
  const char *eco = pstr(ev->payload, "ecosystemId");
  const char *tier = pstr(ev->payload, "tierAtRequest");
  const json_t *score = json_object_get(ev->payload, "scoreAtRequest");
  if (rid == NULL || eco == NULL || tier == NULL || !json_is_number(score)) {
    skip_malformed(ev);
    return FIN_OK;
  }
  if (strcmp(tier, "low") != 0 && strcmp(tier, "medium") != 0) return FIN_OK;
  if (!sending_on(c)) return FIN_OK;

  char ids[N_ADMIN_PHONES][40];
  size_t n_ids = 0;
  for (size_t i = 0; i < N_ADMIN_PHONES; i++) {
    const char *phone = c->whatsapp.admin_phones[i];
    if (phone != NULL && phone[0] != '\0') fin_wa_notification_id(ev, phone, ids[n_ids++]);
  }
  if (n_ids == 0) return FIN_OK; /* nobody to ask */

  struct fin_user u = {0};
  enum fin_status st = c->users.ops->get(c->users.self, eco, &u, e);
  if (st == FIN_NOT_FOUND) return FIN_OK; /* the user is gone: nothing to ask */
  if (st != FIN_OK) return st;
  /* The tracker first (record ids are known in advance): an admin who
   * answers the moment the message arrives must find it. Its short id goes
   * into the message. */
  fin_id reply_id = "";
  st = save_tracker(c, rid, eco, ids, n_ids, reply_id, e);
  char *text = st == FIN_OK
                   ? fin_wa_card_request_text(reply_id, u.email, tier, json_number_value(score))
                   : NULL;
  fin_user_clear(&u);
  if (st != FIN_OK) return st;
  if (text == NULL) return fin_err_set(e, FIN_NOMEM, "out of memory");

  struct wa_target t = {"card_request_approval", "cardRequest", rid, eco, text};
  st = notify_admins(c, ev, &t, ids, &n_ids, e);
  free(text);
  return st;
}

enum fin_status fin_wa_on_payment(struct fin_container *c, const struct fin_event *ev,
                                  struct fin_err *e) {
  const char *tid = pstr(ev->payload, "transactionId");
  const char *card_id = pstr(ev->payload, "cardId");
  const char *eco = pstr(ev->payload, "ecosystemId");
  const json_t *amount = json_object_get(ev->payload, "amount");
  if (tid == NULL || card_id == NULL || eco == NULL || !json_is_number(amount)) {
    skip_malformed(ev);
    return FIN_OK;
  }
  if (!sending_on(c)) return FIN_OK;

  struct fin_card card = {0};
  enum fin_status st = c->cards.ops->get(c->cards.self, eco, card_id, &card, e);
  if (st == FIN_NOT_FOUND) return FIN_OK;
  if (st != FIN_OK) return st;
  char *text = fin_wa_payment_text(card.card_id, json_number_value(amount), ev->created_at);
  fin_card_clear(&card);
  if (text == NULL) return fin_err_set(e, FIN_NOMEM, "out of memory");

  struct wa_target t = {"payment_notification", "payment", tid, eco, text};
  char ids[N_ADMIN_PHONES][40];
  size_t n_ids = 0;
  st = notify_admins(c, ev, &t, ids, &n_ids, e);
  free(text);
  return st;
}
