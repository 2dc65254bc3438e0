/* bind_repos.c - script methods of the repository ports (reads only; every
 * business write goes through store:commit, bind_store.c).
 *
 *   users:get(id)                         -> user | nil, code, msg
 *   users:list()                          -> {user...}
 *   scores:list(eco [, limit])            -> {score...} newest first
 *   cards:get(eco, cardId)                -> card | nil, code, msg
 *   cards:list(eco [, status])            -> {card...} oldest first
 *   card_requests:get(eco, requestId)     -> request
 *   card_requests:get_any(requestId)      -> request
 *   card_requests:by_status(status [, sort [, limit [, cursor]]]) -> {request...}, page
 *   card_requests:pending([sort [, limit [, cursor]]])  by_status("pending", ...)
 *   transactions:get(eco, cardId, txnId)  -> txn
 *   transactions:list(eco, cardId [, {type=, limit=, cursor=}]) -> {txn...}, page
 *   outbox:pending([limit])               -> {event...}
 *   outbox:retry([limit [, now]])         -> {event...}
 *   outbox:get(eventId)                   -> event
 *   outbox:by_entity(eco, entityType, entityId) -> {event...}
 *   idempotency:get(eco, keyHash [, now]) -> record
 *
 * Limits are clamped to 1..100 like the HTTP layer does (default 20, outbox
 * 100). Failures of the port come back as nil, code, message.
 */
#include <stdlib.h>

#include "../util/timefmt.h"
#include "bind.h"
#include "box.h"

#define OPS(b, type) ((const struct type *)(b)->ops)
#define NEED(L, fn, name)                                                                          \
  do {                                                                                             \
    if ((fn) == NULL) return luaL_error(L, "%s is not implemented by this adapter", name);         \
  } while (0)

static int opt_limit(lua_State *L, int idx, int def) {
  lua_Integer n = luaL_optinteger(L, idx, def);
  return n < 1 ? 1 : n > 100 ? 100 : (int)n;
}

/* Scratch holding one calloc'd struct released with `clear`. */
#define ONE(name, type, clear)                                                                     \
  static void name##_release(void *p, size_t n) {                                                  \
    (void)n;                                                                                       \
    clear((type *)p);                                                                              \
    free(p);                                                                                       \
  }                                                                                                \
  static type *name##_new(lua_State *L) {                                                          \
    struct fin_scratch *s = fin_scratch_push(L);                                                   \
    type *v = calloc(1, sizeof *v);                                                                \
    if (v == NULL) luaL_error(L, "out of memory");                                                 \
    s->p = v;                                                                                      \
    s->release = name##_release;                                                                   \
    return v;                                                                                      \
  }

ONE(user, struct fin_user, fin_user_clear)
ONE(card, struct fin_card, fin_card_clear)
ONE(request, struct fin_card_request, fin_card_request_clear)
ONE(txn, struct fin_txn, fin_txn_clear)
ONE(event, struct fin_event, fin_event_clear)
ONE(idem, struct fin_idem, fin_idem_clear)
ONE(page, struct fin_page, fin_page_clear)

static void users_free(void *p, size_t n) {
  fin_user_list_free(p, n);
}
static void scores_free(void *p, size_t n) {
  fin_score_list_free(p, n);
}
static void cards_free(void *p, size_t n) {
  fin_card_list_free(p, n);
}
static void requests_free(void *p, size_t n) {
  fin_card_request_list_free(p, n);
}
static void txns_free(void *p, size_t n) {
  fin_txn_list_free(p, n);
}
static void events_free(void *p, size_t n) {
  fin_event_list_free(p, n);
}

/* Finishes a single read: the struct sits in the scratch at the stack top. */
static int one_result(lua_State *L, enum fin_status st, const struct fin_err *e, const void *v,
                      void (*push)(lua_State *, const void *)) {
  struct fin_scratch *s = lua_touserdata(L, -1);
  if (st != FIN_OK) {
    fin_scratch_release(s);
    return fin_bind_fail(L, st, e);
  }
  push(L, v);
  fin_scratch_release(s);
  return 1;
}

static void push_user_v(lua_State *L, const void *v) {
  fin_push_user(L, v);
}
static void push_card_v(lua_State *L, const void *v) {
  fin_push_card(L, v);
}
static void push_request_v(lua_State *L, const void *v) {
  fin_push_request(L, v);
}
static void push_txn_v(lua_State *L, const void *v) {
  fin_push_txn(L, v);
}
static void push_event_v(lua_State *L, const void *v) {
  fin_push_event(L, v);
}
static void push_idem_v(lua_State *L, const void *v) {
  fin_push_idem(L, v);
}

/* Finishes a list read: the array sits in scratch `s` (already filled). */
static int list_result(lua_State *L, struct fin_scratch *s, enum fin_status st,
                       const struct fin_err *e, size_t elem_size,
                       void (*push)(lua_State *, const void *)) {
  if (st != FIN_OK) {
    fin_scratch_release(s);
    return fin_bind_fail(L, st, e);
  }
  lua_createtable(L, (int)s->n, 0);
  for (size_t i = 0; i < s->n; i++) {
    push(L, (const char *)s->p + i * elem_size);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  fin_scratch_release(s);
  return 1;
}

/* ---- users ---- */

static int users_get(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_USERS);
  const char *id = luaL_checkstring(L, 2);
  NEED(L, OPS(b, fin_users_ops)->get, "users:get");
  struct fin_user *u = user_new(L);
  struct fin_err e = {0};
  enum fin_status st = OPS(b, fin_users_ops)->get(b->self, id, u, &e);
  return one_result(L, st, &e, u, push_user_v);
}

static int users_list(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_USERS);
  NEED(L, OPS(b, fin_users_ops)->list_all, "users:list");
  struct fin_scratch *s = fin_scratch_push(L);
  struct fin_user *arr = NULL;
  size_t n = 0;
  struct fin_err e = {0};
  enum fin_status st = OPS(b, fin_users_ops)->list_all(b->self, &arr, &n, &e);
  *s = (struct fin_scratch){arr, n, users_free};
  return list_result(L, s, st, &e, sizeof *arr, push_user_v);
}

const luaL_Reg fin_bind_users[] = {{"get", users_get}, {"list", users_list}, {NULL, NULL}};

/* ---- scores ---- */

static void push_score_v(lua_State *L, const void *v) {
  fin_push_score(L, v);
}

static int scores_list(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_SCORES);
  const char *eco = luaL_checkstring(L, 2);
  int limit = (int)luaL_optinteger(L, 3, 0);
  NEED(L, OPS(b, fin_scores_ops)->list, "scores:list");
  struct fin_scratch *s = fin_scratch_push(L);
  struct fin_score *arr = NULL;
  size_t n = 0;
  struct fin_err e = {0};
  enum fin_status st = OPS(b, fin_scores_ops)->list(b->self, eco, limit, &arr, &n, &e);
  *s = (struct fin_scratch){arr, n, scores_free};
  return list_result(L, s, st, &e, sizeof *arr, push_score_v);
}

const luaL_Reg fin_bind_scores[] = {{"list", scores_list}, {NULL, NULL}};

/* ---- cards ---- */

static int cards_get(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_CARDS);
  const char *eco = luaL_checkstring(L, 2);
  const char *id = luaL_checkstring(L, 3);
  NEED(L, OPS(b, fin_cards_ops)->get, "cards:get");
  struct fin_card *c = card_new(L);
  struct fin_err e = {0};
  enum fin_status st = OPS(b, fin_cards_ops)->get(b->self, eco, id, c, &e);
  return one_result(L, st, &e, c, push_card_v);
}

static int cards_list(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_CARDS);
  const char *eco = luaL_checkstring(L, 2);
  const char *status = luaL_optstring(L, 3, NULL);
  NEED(L, OPS(b, fin_cards_ops)->list_by_user, "cards:list");
  struct fin_scratch *s = fin_scratch_push(L);
  struct fin_card *arr = NULL;
  size_t n = 0;
  struct fin_err e = {0};
  enum fin_status st = OPS(b, fin_cards_ops)->list_by_user(b->self, eco, status, &arr, &n, &e);
  *s = (struct fin_scratch){arr, n, cards_free};
  return list_result(L, s, st, &e, sizeof *arr, push_card_v);
}

const luaL_Reg fin_bind_cards[] = {{"get", cards_get}, {"list", cards_list}, {NULL, NULL}};

/* ---- card requests ---- */

static int requests_get(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_REQUESTS);
  const char *eco = luaL_checkstring(L, 2);
  const char *id = luaL_checkstring(L, 3);
  NEED(L, OPS(b, fin_card_requests_ops)->get, "card_requests:get");
  struct fin_card_request *r = request_new(L);
  struct fin_err e = {0};
  enum fin_status st = OPS(b, fin_card_requests_ops)->get(b->self, eco, id, r, &e);
  return one_result(L, st, &e, r, push_request_v);
}

static int requests_get_any(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_REQUESTS);
  const char *id = luaL_checkstring(L, 2);
  NEED(L, OPS(b, fin_card_requests_ops)->get_any, "card_requests:get_any");
  struct fin_card_request *r = request_new(L);
  struct fin_err e = {0};
  enum fin_status st = OPS(b, fin_card_requests_ops)->get_any(b->self, id, r, &e);
  return one_result(L, st, &e, r, push_request_v);
}

/* Pushes items and page (both scratches are on the stack under them). */
static int paged_result(lua_State *L, struct fin_scratch *s, struct fin_page *page,
                        enum fin_status st, const struct fin_err *e, size_t elem_size,
                        void (*push)(lua_State *, const void *)) {
  int idx_page = lua_gettop(L) - 1; /* page scratch, then list scratch */
  struct fin_scratch *ps = lua_touserdata(L, idx_page);
  int r = list_result(L, s, st, e, elem_size, push);
  if (r == 1) {
    fin_push_page(L, page);
    r = 2;
  }
  fin_scratch_release(ps);
  return r;
}

/* The admin list of `status`; sort, limit and cursor from `arg` on. */
static int requests_list(lua_State *L, const char *status, int arg) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_REQUESTS);
  static const char *const sorts[] = {"oldest", "newest", NULL};
  enum fin_sort sort =
      luaL_checkoption(L, arg, "oldest", sorts) == 1 ? FIN_SORT_NEWEST : FIN_SORT_OLDEST;
  int limit = opt_limit(L, arg + 1, 20);
  const char *cursor = luaL_optstring(L, arg + 2, NULL);
  NEED(L, OPS(b, fin_card_requests_ops)->list_by_status, "card_requests:by_status");
  struct fin_page *page = page_new(L);
  struct fin_scratch *s = fin_scratch_push(L);
  struct fin_card_request *arr = NULL;
  size_t n = 0;
  struct fin_err e = {0};
  enum fin_status st =
      OPS(b, fin_card_requests_ops)
          ->list_by_status(b->self, status, sort, cursor, limit, &arr, &n, page, &e);
  *s = (struct fin_scratch){arr, n, requests_free};
  return paged_result(L, s, page, st, &e, sizeof *arr, push_request_v);
}

static int requests_by_status(lua_State *L) {
  return requests_list(L, luaL_checkstring(L, 2), 3);
}

static int requests_pending(lua_State *L) {
  return requests_list(L, "pending", 2);
}

const luaL_Reg fin_bind_requests[] = {{"get", requests_get},
                                      {"get_any", requests_get_any},
                                      {"by_status", requests_by_status},
                                      {"pending", requests_pending},
                                      {NULL, NULL}};

/* ---- transactions ---- */

static int txns_get(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_TXNS);
  const char *eco = luaL_checkstring(L, 2);
  const char *card = luaL_checkstring(L, 3);
  const char *id = luaL_checkstring(L, 4);
  NEED(L, OPS(b, fin_txns_ops)->get, "transactions:get");
  struct fin_txn *t = txn_new(L);
  struct fin_err e = {0};
  enum fin_status st = OPS(b, fin_txns_ops)->get(b->self, eco, card, id, t, &e);
  return one_result(L, st, &e, t, push_txn_v);
}

static int txns_list(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_TXNS);
  const char *eco = luaL_checkstring(L, 2);
  const char *card = luaL_checkstring(L, 3);
  const char *type = NULL, *cursor = NULL;
  int limit = 20;
  if (!lua_isnoneornil(L, 4)) {
    luaL_checktype(L, 4, LUA_TTABLE);
    if (lua_getfield(L, 4, "type") != LUA_TNIL) type = luaL_checkstring(L, -1);
    if (lua_getfield(L, 4, "cursor") != LUA_TNIL) cursor = luaL_checkstring(L, -1);
    if (lua_getfield(L, 4, "limit") != LUA_TNIL) {
      if (!lua_isinteger(L, -1))
        return luaL_error(L, "transactions:list: option 'limit' must be an integer");
      lua_Integer l = lua_tointeger(L, -1);
      limit = l < 1 ? 1 : l > 100 ? 100 : (int)l;
    }
    /* the strings stay anchored in the options table */
    lua_pop(L, 3);
  }
  NEED(L, OPS(b, fin_txns_ops)->list_by_card, "transactions:list");
  struct fin_page *page = page_new(L);
  struct fin_scratch *s = fin_scratch_push(L);
  struct fin_txn *arr = NULL;
  size_t n = 0;
  struct fin_err e = {0};
  enum fin_status st =
      OPS(b, fin_txns_ops)
          ->list_by_card(b->self, eco, card, type, cursor, limit, &arr, &n, page, &e);
  *s = (struct fin_scratch){arr, n, txns_free};
  return paged_result(L, s, page, st, &e, sizeof *arr, push_txn_v);
}

const luaL_Reg fin_bind_txns[] = {{"get", txns_get}, {"list", txns_list}, {NULL, NULL}};

/* ---- outbox ---- */

static int outbox_pending(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_OUTBOX);
  int limit = opt_limit(L, 2, 100);
  NEED(L, OPS(b, fin_outbox_ops)->find_pending, "outbox:pending");
  struct fin_scratch *s = fin_scratch_push(L);
  struct fin_event *arr = NULL;
  size_t n = 0;
  struct fin_err e = {0};
  enum fin_status st = OPS(b, fin_outbox_ops)->find_pending(b->self, limit, &arr, &n, &e);
  *s = (struct fin_scratch){arr, n, events_free};
  return list_result(L, s, st, &e, sizeof *arr, push_event_v);
}

static int outbox_retry(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_OUTBOX);
  int limit = opt_limit(L, 2, 100);
  fin_ms now = (fin_ms)luaL_optinteger(L, 3, fin_now_ms());
  NEED(L, OPS(b, fin_outbox_ops)->find_retry, "outbox:retry");
  struct fin_scratch *s = fin_scratch_push(L);
  struct fin_event *arr = NULL;
  size_t n = 0;
  struct fin_err e = {0};
  enum fin_status st = OPS(b, fin_outbox_ops)->find_retry(b->self, now, limit, &arr, &n, &e);
  *s = (struct fin_scratch){arr, n, events_free};
  return list_result(L, s, st, &e, sizeof *arr, push_event_v);
}

static int outbox_get(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_OUTBOX);
  const char *id = luaL_checkstring(L, 2);
  NEED(L, OPS(b, fin_outbox_ops)->get, "outbox:get");
  struct fin_event *ev = event_new(L);
  struct fin_err e = {0};
  enum fin_status st = OPS(b, fin_outbox_ops)->get(b->self, id, ev, &e);
  return one_result(L, st, &e, ev, push_event_v);
}

static int outbox_by_entity(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_OUTBOX);
  const char *eco = luaL_checkstring(L, 2);
  const char *type = luaL_checkstring(L, 3);
  const char *id = luaL_checkstring(L, 4);
  NEED(L, OPS(b, fin_outbox_ops)->list_by_entity, "outbox:by_entity");
  struct fin_scratch *s = fin_scratch_push(L);
  struct fin_event *arr = NULL;
  size_t n = 0;
  struct fin_err e = {0};
  enum fin_status st = OPS(b, fin_outbox_ops)->list_by_entity(b->self, eco, type, id, &arr, &n, &e);
  *s = (struct fin_scratch){arr, n, events_free};
  return list_result(L, s, st, &e, sizeof *arr, push_event_v);
}

const luaL_Reg fin_bind_outbox[] = {{"pending", outbox_pending},
                                    {"retry", outbox_retry},
                                    {"get", outbox_get},
                                    {"by_entity", outbox_by_entity},
                                    {NULL, NULL}};

/* ---- idempotency ---- */

static int idem_get(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_IDEM);
  const char *eco = luaL_checkstring(L, 2);
  const char *hash = luaL_checkstring(L, 3);
  fin_ms now = (fin_ms)luaL_optinteger(L, 4, fin_now_ms());
  NEED(L, OPS(b, fin_idempotency_ops)->get, "idempotency:get");
  struct fin_idem *rec = idem_new(L);
  struct fin_err e = {0};
  enum fin_status st = OPS(b, fin_idempotency_ops)->get(b->self, eco, hash, now, rec, &e);
  return one_result(L, st, &e, rec, push_idem_v);
}

const luaL_Reg fin_bind_idem[] = {{"get", idem_get}, {NULL, NULL}};
