/* views.c - JSON views of the entities, keys in the order of behaviour.md §1. */
#include <math.h>
#include <string.h>

#include "../util/jsonout.h"
#include "../util/text.h"
#include "../util/timefmt.h"
#include "app_errors.h"
#include "views.h"

json_t *fin_json_iso(fin_ms ms) {
  char buf[40];
  return json_string(fin_iso(ms, buf));
}

json_t *fin_json_money(double v) {
  return json_real(v);
}

static void set(json_t *o, const char *k, json_t *v) {
  json_object_set_new_nocheck(o, k, v);
}

json_t *fin_json_user(const struct fin_user *u) {
  json_t *o = json_object();
  set(o, "ecosystemId", json_string(u->ecosystem_id));
  set(o, "firebaseUid", json_string(u->firebase_uid ? u->firebase_uid : u->ecosystem_id));
  set(o, "email", json_string(u->email ? u->email : ""));
  set(o, "role", json_string(u->role ? u->role : "user"));
  set(o, "status", json_string(u->status));
  set(o, "currentScore", json_integer(u->score));
  set(o, "tier", json_string(u->tier));
  set(o, "createdAt", fin_json_iso(u->created_at));
  set(o, "updatedAt", fin_json_iso(u->updated_at));
  set(o, "lastLoginAt", fin_json_iso(u->last_login_at));
  return o;
}

json_t *fin_json_card_summary(const struct fin_card *c) {
  json_t *o = json_object();
  set(o, "cardId", json_string(c->card_id));
  set(o, "type", json_string("credit-card"));
  set(o, "status", json_string(c->status));
  set(o, "limit", fin_json_money(c->limit));
  set(o, "balance", fin_json_money(c->balance));
  set(o, "availableCredit", fin_json_money(c->available_credit));
  set(o, "minimumPayment", fin_json_money(c->minimum_payment));
  set(o, "nearLimit", json_boolean(c->limit > 0 && c->balance / c->limit > 0.9));
  if (c->next_due_date) set(o, "nextDueDate", fin_json_iso(c->next_due_date));
  return o;
}

json_t *fin_json_card_detail(const struct fin_card *c) {
  json_t *o = fin_json_card_summary(c);
  set(o, "createdAt", fin_json_iso(c->created_at));
  set(o, "approvedBy", json_string(c->approved_by));
  set(o, "scoreAtApproval", json_integer(c->score_at_approval));
  if (c->activated_at) set(o, "activatedAt", fin_json_iso(c->activated_at));
  return o;
}

json_t *fin_json_txn(const struct fin_txn *t) {
  json_t *o = json_object();
  set(o, "transactionId", json_string(t->transaction_id));
  set(o, "type", json_string(t->type));
  set(o, "amount", fin_json_money(t->amount));
  set(o, "status", json_string(t->status));
  set(o, "timestamp", fin_json_iso(t->timestamp));
  if (t->merchant) set(o, "merchant", json_string(t->merchant));
  if (t->payment_status[0]) set(o, "paymentStatus", json_string(t->payment_status));
  if (t->has_score_impact) set(o, "scoreImpact", json_integer(t->score_impact));
  return o;
}

/* The text writers keep set()'s rule: a key whose value jansson would not
 * make (a NULL or non-UTF-8 string, a non-finite real) is left out. */
struct obj {
  struct fin_jw *w;
  bool more; /* a key was written: the next one needs a comma */
};

static void key(struct obj *o, const char *quoted, size_t n) {
  if (o->more) fin_jw_raw(o->w, ",", 1);
  o->more = true;
  fin_jw_raw(o->w, quoted, n);
}
#define KEY(o, k) key((o), "\"" k "\":", sizeof("\"" k "\":") - 1)

#define PUT_STR(o, k, s)                                                                           \
  do {                                                                                             \
    const char *s_ = (s);                                                                          \
    size_t n_ = s_ != NULL ? strlen(s_) : 0;                                                       \
    if (s_ != NULL && fin_utf8_valid(s_, n_)) KEY(o, k), fin_jw_str((o)->w, s_, n_);               \
  } while (0)

#define PUT_NUM(o, k, x)                                                                           \
  do {                                                                                             \
    double x_ = (x);                                                                               \
    if (isfinite(x_)) KEY(o, k), fin_jw_num((o)->w, x_);                                           \
  } while (0)

void fin_text_card_summary(struct fin_jw *w, const struct fin_card *c) {
  struct obj o = {w, false};
  char iso[40];
  fin_jw_raw(w, "{", 1);
  PUT_STR(&o, "cardId", c->card_id);
  PUT_STR(&o, "type", "credit-card");
  PUT_STR(&o, "status", c->status);
  PUT_NUM(&o, "limit", c->limit);
  PUT_NUM(&o, "balance", c->balance);
  PUT_NUM(&o, "availableCredit", c->available_credit);
  PUT_NUM(&o, "minimumPayment", c->minimum_payment);
  KEY(&o, "nearLimit");
  if (c->limit > 0 && c->balance / c->limit > 0.9)
    FIN_JW_LIT(w, "true");
  else
    FIN_JW_LIT(w, "false");
  if (c->next_due_date) PUT_STR(&o, "nextDueDate", fin_iso(c->next_due_date, iso));
  fin_jw_raw(w, "}", 1);
}

void fin_text_txn(struct fin_jw *w, const struct fin_txn *t) {
  struct obj o = {w, false};
  char iso[40];
  fin_jw_raw(w, "{", 1);
  PUT_STR(&o, "transactionId", t->transaction_id);
  PUT_STR(&o, "type", t->type);
  PUT_NUM(&o, "amount", t->amount);
  PUT_STR(&o, "status", t->status);
  PUT_STR(&o, "timestamp", fin_iso(t->timestamp, iso));
  if (t->merchant) PUT_STR(&o, "merchant", t->merchant);
  if (t->payment_status[0]) PUT_STR(&o, "paymentStatus", t->payment_status);
  if (t->has_score_impact) KEY(&o, "scoreImpact"), fin_jw_int(w, t->score_impact);
  fin_jw_raw(w, "}", 1);
}

static bool utf8_str(const char *s) {
  return s != NULL && fin_utf8_valid(s, strlen(s));
}

/* One member of a flat object as json_pack makes it: 0 or -1 (o released). */
static int put_member(json_t *o, const char *k, json_t *v) {
  if (v != NULL && json_object_set_new_nocheck(o, k, v) == 0) return 0;
  json_decref(o);
  return -1;
}

static json_t *str_nocheck(const char *s) { /* s checked by the caller */
  return json_stringn_nocheck(s, strlen(s));
}

json_t *fin_json_purchase_event(const char *transaction_id, const char *card_id, const char *eco,
                                double amount, const char *merchant, double balance,
                                double available, const char *key) {
  if (!utf8_str(transaction_id) || !utf8_str(card_id) || !utf8_str(eco) || !utf8_str(merchant) ||
      !utf8_str(key) || !isfinite(amount) || !isfinite(balance) || !isfinite(available))
    return NULL;
  json_t *o = json_object();
  if (o == NULL || put_member(o, "transactionId", str_nocheck(transaction_id)) ||
      put_member(o, "cardId", str_nocheck(card_id)) ||
      put_member(o, "ecosystemId", str_nocheck(eco)) ||
      put_member(o, "amount", json_real(amount)) ||
      put_member(o, "merchant", str_nocheck(merchant)) ||
      put_member(o, "newBalance", json_real(balance)) ||
      put_member(o, "newAvailableCredit", json_real(available)) ||
      put_member(o, "idempotencyKey", str_nocheck(key)))
    return NULL;
  return o;
}

char *fin_text_purchase_summary(const char *transaction_id, const char *card_id, double balance,
                                double available) {
  if (!utf8_str(transaction_id) || !utf8_str(card_id) || !isfinite(balance) || !isfinite(available))
    return NULL;
  struct fin_jw w = {0};
  FIN_JW_LIT(&w, "{\"success\":true,\"transactionId\":");
  fin_jw_str(&w, transaction_id, strlen(transaction_id));
  FIN_JW_LIT(&w, ",\"cardId\":");
  fin_jw_str(&w, card_id, strlen(card_id));
  FIN_JW_LIT(&w, ",\"newBalance\":");
  fin_jw_num(&w, balance);
  FIN_JW_LIT(&w, ",\"newAvailableCredit\":");
  fin_jw_num(&w, available);
  FIN_JW_LIT(&w, ",\"message\":\"Purchase completed\"}");
  return fin_jw_end(&w, NULL);
}

static json_t *decision_json(const struct fin_decision *d) {
  json_t *o = json_object();
  set(o, "outcome", json_string(d->outcome));
  set(o, "source", json_string(d->source));
  if (d->has_approved_limit) set(o, "approvedLimit", fin_json_money(d->approved_limit));
  if (d->reason) set(o, "reason", json_string(d->reason));
  return o;
}

json_t *fin_json_request(const struct fin_card_request *r, const char *status_override,
                         const struct fin_card *card) {
  json_t *o = json_object();
  set(o, "requestId", json_string(r->request_id));
  set(o, "status", json_string(status_override ? status_override : r->status));
  set(o, "scoreAtRequest", json_integer(r->score_at_request));
  if (r->decision.present) set(o, "decision", decision_json(&r->decision));
  if (card != NULL) set(o, "card", fin_json_card_summary(card));
  return o;
}

json_t *fin_json_admin_request(const struct fin_card_request *r, const struct fin_user *owner,
                               fin_ms now, bool attention_strict, const char *email_fallback) {
  long days = (long)((now - r->created_at) / 86400000LL);
  bool found = owner != NULL && owner->ecosystem_id != NULL;
  json_t *o = json_object();
  set(o, "requestId", json_string(r->request_id));
  json_t *u = json_object();
  set(u, "ecosystemId", json_string(r->ecosystem_id));
  set(u, "email", json_string(found && owner->email ? owner->email : email_fallback));
  set(o, "user", u);
  set(o, "scoreAtRequest", json_integer(r->score_at_request));
  set(o, "currentScore", json_integer(found ? owner->score : r->score_at_request));
  set(o, "tierAtRequest", json_string(r->tier_at_request));
  set(o, "daysPending", json_integer(days));
  set(o, "requiresAttention", json_boolean(attention_strict ? days > 7 : days >= 7));
  set(o, "productId", json_string(r->product_id ? r->product_id : ""));
  set(o, "status", json_string(r->status));
  set(o, "createdAt", fin_json_iso(r->created_at));
  return o;
}

/* The stored decision as an admin reviews it: who decided, and when. */
static json_t *admin_decision_json(const struct fin_decision *d) {
  json_t *o = json_object();
  set(o, "outcome", json_string(d->outcome));
  set(o, "source", json_string(d->source));
  if (d->admin_id) set(o, "adminId", json_string(d->admin_id));
  if (d->has_approved_limit) set(o, "approvedLimit", fin_json_money(d->approved_limit));
  if (d->reason) set(o, "reason", json_string(d->reason));
  if (d->decided_at) set(o, "decidedAt", fin_json_iso(d->decided_at));
  return o;
}

json_t *fin_json_admin_list_item(const struct fin_card_request *r, const struct fin_user *owner,
                                 fin_ms now) {
  if (strcmp(r->status, "pending") == 0)
    return fin_json_admin_request(r, owner, now, false, "Unknown");
  /* A decided request waited until its decision, and nothing is left to do
   * for it: counting days to now would flag every old decision. */
  fin_ms end = r->decision.present && r->decision.decided_at ? r->decision.decided_at
               : r->updated_at                               ? r->updated_at
                                                             : now;
  if (end < r->created_at) end = r->created_at;
  json_t *o = fin_json_admin_request(r, owner, end, false, "Unknown");
  if (o == NULL) return NULL;
  set(o, "requiresAttention", json_false()); /* replaced in place: the key order stays */
  if (r->decision.present) set(o, "decision", admin_decision_json(&r->decision));
  return o;
}

json_t *fin_json_score_view(struct fin_container *c, const struct fin_user *u,
                            struct fin_app_error *e) {
  struct fin_score *hist = NULL;
  size_t n = 0;
  struct fin_err pe = {0};
  enum fin_status st = c->scores.ops->list(c->scores.self, u->ecosystem_id, 10, &hist, &n, &pe);
  if (st != FIN_OK && st != FIN_NOT_FOUND) {
    fin_app_error_from_port(e, st, &pe, "read score history");
    return NULL;
  }
  json_t *o = json_object();
  json_t *user = json_object();
  set(user, "ecosystemId", json_string(u->ecosystem_id));
  set(user, "email", json_string(u->email ? u->email : ""));
  set(user, "currentScore", json_integer(u->score));
  set(user, "tier", json_string(u->tier));
  set(o, "user", user);
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *h = json_object();
    set(h, "value", json_integer(hist[i].value));
    set(h, "previousValue", json_integer(hist[i].previous_value));
    set(h, "delta", json_integer(hist[i].delta));
    set(h, "reason", json_string(hist[i].reason ? hist[i].reason : ""));
    set(h, "source", json_string(hist[i].source));
    set(h, "timestamp", fin_json_iso(hist[i].timestamp));
    json_array_append_new(arr, h);
  }
  set(o, "history", arr);
  fin_score_list_free(hist, n);
  return o;
}
