/* bind_store.c - store:commit{...} for scripts.
 *
 *   local ok, res = store:commit{
 *     { kind = "card_create", ecosystemId = "user-123", limit = 1000 },
 *     { kind = "event_append", eventType = "card.approved", entityType = "card",
 *       entityId = "...", ecosystemId = "user-123", payload = { limit = 1000 } },
 *   }
 *   -> true, { {cardId = "..."}, {eventId = "...", sequenceNumber = 1} }
 *   -> nil, "VERSION_CONFLICT", message, {failedWrite = 1, cardId = ...,
 *      expectedVersion = 1, actualVersion = 2}
 *
 * A write is a table with `kind`, or a one-key table { card_balance = {...} }.
 * Kinds (fields; [x] optional with its default; times are epoch ms or ISO):
 *   user_create    ecosystemId [firebaseUid=ecosystemId] [email=""] [role="user"]
 *                  [status="active"] [currentScore=500] [tier=from score]
 *   card_create    ecosystemId limit [cardId=uuid v7] [productId="default-credit-card"]
 *                  [status="active"] [balance=0] [availableCredit=limit-balance]
 *                  [minimumPayment=0] [version=1] [approvedBy="auto"]
 *                  [scoreAtApproval=0] [nextDueDate=now+30d] [createdAt=now]
 *   card_balance   ecosystemId cardId expectedVersion balance availableCredit
 *                  minimumPayment [updatedAt=now]
 *   request_create ecosystemId [requestId=uuid v7] [productId="default-credit-card"]
 *                  [idempotencyKey=requestId] [status="pending"] [scoreAtRequest=0]
 *                  [tierAtRequest=from score] [createdAt=now] [expiresAt=+7d]
 *   txn_put        ecosystemId cardId type amount [transactionId=uuid v7]
 *                  [status="completed"] [merchant] [paymentStatus] [timestamp=now]
 *   event_append   eventType entityType entityId ecosystemId [payload={}]
 *                  [eventId=uuid v7] [sequenceNumber=0: the store allocates]
 * The entities own copies of their strings (released with the commit
 * buffer, also when a later write raises).
 */
#include <stdlib.h>
#include <string.h>

#include "../domain/rules.h"
#include "../ports/store.h"
#include "../util/ids.h"
#include "../util/timefmt.h"
#include "bind.h"
#include "box.h"

#define DAY_MS 86400000LL

union slot {
  struct fin_user user;
  struct fin_card card;
  struct fin_card_request req;
  struct fin_txn txn;
  struct fin_event ev;
};

struct commit_buf {
  size_t n; /* writes parsed so far */
  struct fin_write w[FIN_MAX_WRITES];
  union slot s[FIN_MAX_WRITES];
};

static void slot_clear(enum fin_write_kind kind, union slot *s) {
  switch (kind) {
  case FIN_W_USER_CREATE:
    fin_user_clear(&s->user);
    break;
  case FIN_W_CARD_CREATE:
    fin_card_clear(&s->card);
    break;
  case FIN_W_REQUEST_CREATE:
    fin_card_request_clear(&s->req);
    break;
  case FIN_W_TXN_PUT:
    fin_txn_clear(&s->txn);
    break;
  case FIN_W_EVENT_APPEND:
    fin_event_clear(&s->ev);
    break;
  default:
    break;
  }
}

static void commit_buf_release(void *p, size_t n) {
  (void)n;
  struct commit_buf *b = p;
  for (size_t i = 0; i < b->n; i++)
    slot_clear(b->w[i].kind, &b->s[i]);
  free(b);
}

/* ---- field readers: the write table is at stack index t ---- */

struct wctx {
  lua_State *L;
  int t;
  int no;           /* 1-based write number */
  const char *kind; /* for messages */
};

static int field_error(struct wctx *w, const char *k, const char *what) {
  return luaL_error(w->L, "store:commit: write #%d (%s): field '%s' %s", w->no, w->kind, k, what);
}

static const char *opt_str(struct wctx *w, const char *k, const char *def) {
  int t = lua_getfield(w->L, w->t, k);
  const char *v = def;
  if (t == LUA_TSTRING)
    v = lua_tostring(w->L, -1); /* anchored by the write table */
  else if (t != LUA_TNIL)
    field_error(w, k, "must be a string");
  lua_pop(w->L, 1);
  return v;
}

static const char *req_str(struct wctx *w, const char *k) {
  const char *v = opt_str(w, k, NULL);
  if (v == NULL) field_error(w, k, "is required (string)");
  return v;
}

static int has(struct wctx *w, const char *k) {
  int t = lua_getfield(w->L, w->t, k);
  lua_pop(w->L, 1);
  return t != LUA_TNIL;
}

static double opt_num(struct wctx *w, const char *k, double def) {
  int t = lua_getfield(w->L, w->t, k);
  double v = def;
  if (t == LUA_TNUMBER)
    v = lua_tonumber(w->L, -1);
  else if (t != LUA_TNIL)
    field_error(w, k, "must be a number");
  lua_pop(w->L, 1);
  return v;
}

static double req_num(struct wctx *w, const char *k) {
  if (!has(w, k)) field_error(w, k, "is required (number)");
  return opt_num(w, k, 0);
}

static lua_Integer opt_int(struct wctx *w, const char *k, lua_Integer def) {
  int t = lua_getfield(w->L, w->t, k);
  lua_Integer v = def;
  if (t == LUA_TNUMBER && lua_isinteger(w->L, -1))
    v = lua_tointeger(w->L, -1);
  else if (t != LUA_TNIL)
    field_error(w, k, "must be an integer");
  lua_pop(w->L, 1);
  return v;
}

static lua_Integer req_int(struct wctx *w, const char *k) {
  if (!has(w, k)) field_error(w, k, "is required (integer)");
  return opt_int(w, k, 0);
}

/* A copy the slot owns (slot_clear frees it); NULL stays NULL. Set the
 * write's kind before the first copy, so a raise releases what was made. */
static char *own(struct wctx *w, const char *v) {
  char *c = v != NULL ? strdup(v) : NULL;
  if (v != NULL && c == NULL) luaL_error(w->L, "out of memory");
  return c;
}

static void fixed(char *dst, size_t size, const char *src) {
  fin_strlcpy(dst, src, size);
}

/* A new id for a write that names none; a failed random source is raised
 * (errors are raised at the Lua boundary only). */
static void new_id(struct wctx *w, char *dst) {
  if (fin_uuid_v7(dst)) field_error(w, "id", "cannot be generated: the random source failed");
}

static const char *tier_of(int score) {
  static struct fin_rules r;
  static int ready;
  if (!ready) {
    fin_rules_defaults(&r);
    ready = 1;
  }
  return fin_tier_of(&r, score);
}

/* ---- one write ---- */

static void parse_user(struct wctx *w, struct fin_write *out, union slot *s, fin_ms now) {
  struct fin_user *u = &s->user;
  out->kind = FIN_W_USER_CREATE;
  out->u.user = u;
  u->ecosystem_id = own(w, req_str(w, "ecosystemId"));
  u->firebase_uid = own(w, opt_str(w, "firebaseUid", u->ecosystem_id));
  u->email = own(w, opt_str(w, "email", ""));
  u->role = own(w, opt_str(w, "role", "user"));
  fixed(u->status, sizeof u->status, opt_str(w, "status", "active"));
  u->score = (int)opt_int(w, "currentScore", 500);
  fixed(u->tier, sizeof u->tier, opt_str(w, "tier", tier_of(u->score)));
  u->created_at = fin_opt_time(w->L, w->t, "createdAt", now);
  u->updated_at = fin_opt_time(w->L, w->t, "updatedAt", u->created_at);
  u->last_login_at = fin_opt_time(w->L, w->t, "lastLoginAt", u->created_at);
}

/* The id field when given, else a fresh one. */
static void id_or_new(struct wctx *w, const char *field, char *out, size_t size) {
  const char *id = opt_str(w, field, NULL);
  if (id != NULL)
    fixed(out, size, id);
  else
    new_id(w, out);
}

static void parse_card(struct wctx *w, struct fin_write *out, union slot *s, fin_ms now) {
  struct fin_card *c = &s->card;
  out->kind = FIN_W_CARD_CREATE;
  out->u.card = c;
  c->ecosystem_id = own(w, req_str(w, "ecosystemId"));
  c->limit = req_num(w, "limit");
  id_or_new(w, "cardId", c->card_id, sizeof c->card_id);
  c->product_id = own(w, opt_str(w, "productId", "default-credit-card"));
  fixed(c->status, sizeof c->status, opt_str(w, "status", "active"));
  c->balance = opt_num(w, "balance", 0);
  c->available_credit = opt_num(w, "availableCredit", c->limit - c->balance);
  c->minimum_payment = opt_num(w, "minimumPayment", 0);
  c->version = opt_int(w, "version", 1);
  fixed(c->approved_by, sizeof c->approved_by, opt_str(w, "approvedBy", "auto"));
  c->score_at_approval = (int)opt_int(w, "scoreAtApproval", 0);
  c->created_at = fin_opt_time(w->L, w->t, "createdAt", now);
  c->updated_at = fin_opt_time(w->L, w->t, "updatedAt", c->created_at);
  c->activated_at = fin_opt_time(w->L, w->t, "activatedAt", c->created_at);
  c->next_due_date = fin_opt_time(w->L, w->t, "nextDueDate", c->created_at + 30 * DAY_MS);
}

static void parse_balance(struct wctx *w, struct fin_write *out, union slot *s, fin_ms now) {
  (void)s; /* a balance write points into the write table, anchored by it */
  out->kind = FIN_W_CARD_BALANCE;
  out->u.balance.ecosystem_id = req_str(w, "ecosystemId");
  out->u.balance.card_id = req_str(w, "cardId");
  out->u.balance.expected_version = req_int(w, "expectedVersion");
  out->u.balance.balance = req_num(w, "balance");
  out->u.balance.available_credit = req_num(w, "availableCredit");
  out->u.balance.minimum_payment = req_num(w, "minimumPayment");
  out->u.balance.updated_at = fin_opt_time(w->L, w->t, "updatedAt", now);
}

static void parse_request(struct wctx *w, struct fin_write *out, union slot *s, fin_ms now) {
  struct fin_card_request *r = &s->req;
  out->kind = FIN_W_REQUEST_CREATE;
  out->u.request = r;
  r->ecosystem_id = own(w, req_str(w, "ecosystemId"));
  id_or_new(w, "requestId", r->request_id, sizeof r->request_id);
  r->product_id = own(w, opt_str(w, "productId", "default-credit-card"));
  r->idempotency_key = own(w, opt_str(w, "idempotencyKey", r->request_id));
  fixed(r->status, sizeof r->status, opt_str(w, "status", "pending"));
  r->score_at_request = (int)opt_int(w, "scoreAtRequest", 0);
  fixed(r->tier_at_request, sizeof r->tier_at_request,
        opt_str(w, "tierAtRequest", tier_of(r->score_at_request)));
  r->created_at = fin_opt_time(w->L, w->t, "createdAt", now);
  r->updated_at = fin_opt_time(w->L, w->t, "updatedAt", r->created_at);
  r->expires_at = fin_opt_time(w->L, w->t, "expiresAt", r->created_at + 7 * DAY_MS);
}

static void parse_txn(struct wctx *w, struct fin_write *out, union slot *s, fin_ms now) {
  struct fin_txn *t = &s->txn;
  out->kind = FIN_W_TXN_PUT;
  out->u.txn = t;
  t->ecosystem_id = own(w, req_str(w, "ecosystemId"));
  fixed(t->card_id, sizeof t->card_id, req_str(w, "cardId"));
  fixed(t->type, sizeof t->type, req_str(w, "type"));
  t->amount = req_num(w, "amount");
  id_or_new(w, "transactionId", t->transaction_id, sizeof t->transaction_id);
  fixed(t->status, sizeof t->status, opt_str(w, "status", "completed"));
  t->merchant = own(w, opt_str(w, "merchant", NULL));
  fixed(t->payment_status, sizeof t->payment_status, opt_str(w, "paymentStatus", ""));
  t->days_overdue = (int)opt_int(w, "daysOverdue", 0);
  t->has_score_impact = has(w, "scoreImpact");
  t->score_impact = (int)opt_int(w, "scoreImpact", 0);
  t->idempotency_key = own(w, opt_str(w, "idempotencyKey", NULL));
  t->failure_reason = own(w, opt_str(w, "failureReason", NULL));
  t->timestamp = fin_opt_time(w->L, w->t, "timestamp", now);
  t->processed_at = fin_opt_time(w->L, w->t, "processedAt", t->timestamp);
}

static void parse_event(struct wctx *w, struct fin_write *out, union slot *s, fin_ms now) {
  struct fin_event *ev = &s->ev;
  out->kind = FIN_W_EVENT_APPEND;
  out->u.event = ev;
  ev->event_type = own(w, req_str(w, "eventType"));
  ev->entity_type = own(w, req_str(w, "entityType"));
  ev->entity_id = own(w, req_str(w, "entityId"));
  ev->ecosystem_id = own(w, req_str(w, "ecosystemId"));
  id_or_new(w, "eventId", ev->event_id, sizeof ev->event_id);
  ev->sequence = opt_int(w, "sequenceNumber", 0);
  fixed(ev->status, sizeof ev->status, "pending");
  ev->created_at = fin_opt_time(w->L, w->t, "createdAt", now);
  ev->next_retry_at = ev->created_at;
  /* payload last (the slot owns it; the scratch releases it on a raise) */
  int t = lua_getfield(w->L, w->t, "payload");
  if (t == LUA_TNIL) {
    ev->payload = json_object();
  } else if (t == LUA_TTABLE) {
    char err[160];
    ev->payload = fin_json_from_lua(w->L, -1, err, sizeof err);
    if (ev->payload == NULL) field_error(w, "payload", err);
    if (!json_is_object(ev->payload)) field_error(w, "payload", "must be an object");
  } else {
    field_error(w, "payload", "must be a table");
  }
  lua_pop(w->L, 1);
  if (ev->payload == NULL) luaL_error(w->L, "out of memory");
}

static const struct {
  const char *kind;
  void (*parse)(struct wctx *, struct fin_write *, union slot *, fin_ms);
} PARSERS[] = {
    {"user_create", parse_user},       {"card_create", parse_card}, {"card_balance", parse_balance},
    {"request_create", parse_request}, {"txn_put", parse_txn},      {"event_append", parse_event},
};

static void parse_write(struct wctx *w, struct fin_write *out, union slot *s, fin_ms now) {
  memset(s, 0, sizeof *s);
  for (size_t i = 0; i < sizeof PARSERS / sizeof PARSERS[0]; i++)
    if (strcmp(w->kind, PARSERS[i].kind) == 0) return PARSERS[i].parse(w, out, s, now);
  luaL_error(w->L,
             "store:commit: write #%d: unknown kind '%s' (supported: user_create, card_create, "
             "card_balance, request_create, txn_put, event_append)",
             w->no, w->kind);
}

static void push_results(lua_State *L, const struct commit_buf *b) {
  lua_createtable(L, (int)b->n, 0);
  for (size_t i = 0; i < b->n; i++) {
    const union slot *s = &b->s[i];
    lua_createtable(L, 0, 2);
    switch (b->w[i].kind) {
    case FIN_W_USER_CREATE:
      fin_set_str(L, "ecosystemId", s->user.ecosystem_id);
      break;
    case FIN_W_CARD_CREATE:
      fin_set_str(L, "cardId", s->card.card_id);
      break;
    case FIN_W_CARD_BALANCE:
      fin_set_str(L, "cardId", b->w[i].u.balance.card_id);
      break;
    case FIN_W_REQUEST_CREATE:
      fin_set_str(L, "requestId", s->req.request_id);
      break;
    case FIN_W_TXN_PUT:
      fin_set_str(L, "transactionId", s->txn.transaction_id);
      break;
    case FIN_W_EVENT_APPEND:
      fin_set_str(L, "eventId", s->ev.event_id);
      fin_set_int(L, "sequenceNumber", s->ev.sequence);
      break;
    default:
      break;
    }
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

static int store_commit(lua_State *L) {
  struct fin_box *box = fin_box_check(L, 1, FIN_T_STORE);
  luaL_checktype(L, 2, LUA_TTABLE);
  const struct fin_store_ops *ops = box->ops;
  if (ops->commit == NULL) return luaL_error(L, "store:commit is not implemented by this adapter");
  lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
  if (n < 1 || n > FIN_MAX_WRITES)
    return luaL_error(L, "store:commit: expected 1..%d writes, got %d", FIN_MAX_WRITES, (int)n);

  struct fin_scratch *scratch = fin_scratch_push(L);
  struct commit_buf *b = calloc(1, sizeof *b);
  if (b == NULL) return luaL_error(L, "out of memory");
  scratch->p = b;
  scratch->release = commit_buf_release;

  luaL_checkstack(L, 2 * (int)n + 8, "store:commit: too many writes");
  fin_ms now = fin_now_ms();
  for (lua_Integer i = 1; i <= n; i++) {
    struct wctx w = {L, 0, (int)i, NULL};
    if (lua_rawgeti(L, 2, i) != LUA_TTABLE)
      return luaL_error(L, "store:commit: write #%d must be a table", (int)i);
    if (lua_getfield(L, -1, "kind") == LUA_TSTRING) {
      w.kind = lua_tostring(L, -1);
      lua_pop(L, 1);
    } else {
      /* { card_balance = {...} }: exactly one string key holding a table */
      lua_pop(L, 1);
      lua_pushnil(L);
      if (lua_next(L, -2) == 0 || lua_type(L, -2) != LUA_TSTRING || !lua_istable(L, -1))
        return luaL_error(L, "store:commit: write #%d needs kind = \"...\" or { <kind> = {...} }",
                          (int)i);
      w.kind = lua_tostring(L, -2);
      lua_remove(L, -3); /* the outer table; key and inner table stay (anchors) */
    }
    w.t = lua_gettop(L);
    b->n = (size_t)i; /* before parsing: a raise mid-write still releases its payload */
    parse_write(&w, &b->w[i - 1], &b->s[i - 1], now);
  }
  /* the write tables stay on the stack until commit returns (anchors) */

  struct fin_err e = {0};
  e.failed_write = -1;
  enum fin_status st = ops->commit(box->self, b->w, b->n, &e);
  if (st != FIN_OK) {
    fin_bind_fail(L, st, &e);
    lua_createtable(L, 0, 4);
    if (e.failed_write >= 0) fin_set_int(L, "failedWrite", (lua_Integer)e.failed_write + 1);
    if (st == FIN_VERSION_CONFLICT) {
      fin_set_str(L, "cardId", e.card_id);
      fin_set_int(L, "expectedVersion", e.expected_version);
      fin_set_int(L, "actualVersion", e.actual_version);
    }
    fin_scratch_release(scratch);
    return 4;
  }
  lua_pushboolean(L, 1);
  push_results(L, b);
  fin_scratch_release(scratch);
  return 2;
}

static int store_ping(lua_State *L) {
  struct fin_box *box = fin_box_check(L, 1, FIN_T_STORE);
  const struct fin_store_ops *ops = box->ops;
  if (ops->ping == NULL) return luaL_error(L, "store:ping is not implemented by this adapter");
  struct fin_err e = {0};
  enum fin_status st = ops->ping(box->self, &e);
  if (st != FIN_OK) return fin_bind_fail(L, st, &e);
  lua_pushboolean(L, 1);
  return 1;
}

const luaL_Reg fin_bind_store[] = {{"commit", store_commit}, {"ping", store_ping}, {NULL, NULL}};
