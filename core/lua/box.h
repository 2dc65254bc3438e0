/* box.h - how a port travels through Lua.
 *
 * Every port is { ops, self }. An adapter module (e.g. fin.memory) creates a
 * port and pushes it as a userdata holding a fin_box, whose metatable is the
 * port type's name (FIN_T_USERS ...). The metatable is the type tag: the core
 * checks slots with luaL_testudata. __gc calls destroy(self) only while
 * `owned` is true; the core clears `owned` when it moves the port into the
 * container (liolib's closef = NULL pattern).
 *
 * Only core/lua and adapters' *_lua.c files include this (they include Lua).
 */
#ifndef FIN_BOX_H
#define FIN_BOX_H

#include <lua.h>
#include <stdbool.h>

#define FIN_T_USERS "fin.Users"
#define FIN_T_SCORES "fin.Scores"
#define FIN_T_CARDS "fin.Cards"
#define FIN_T_REQUESTS "fin.CardRequests"
#define FIN_T_TXNS "fin.Transactions"
#define FIN_T_IDEM "fin.Idempotency"
#define FIN_T_OUTBOX "fin.Outbox"
#define FIN_T_AUDIT "fin.AuditLogs"
#define FIN_T_WA_NOTIF "fin.WhatsAppNotifications"
#define FIN_T_WA_INBOUND "fin.WhatsAppInbound"
#define FIN_T_APPROVALS "fin.PendingApprovals"
#define FIN_T_STORE "fin.Store"
#define FIN_T_AUTH "fin.Auth"
#define FIN_T_PUBLISHER "fin.Publisher"
#define FIN_T_CONFIG "fin.Config"
#define FIN_T_CLOCK "fin.Clock"
#define FIN_T_MESSENGER "fin.Messenger"

struct fin_box {
  const void *ops;
  void *self;
  void (*destroy)(void *self);
  bool owned;
};

/* Pushes a new, empty (owned=false) box whose metatable is `tname` (created
 * on first use with __gc/__close, __name and the port's script methods).
 * Fill ops/self/destroy, then set owned = true. May raise (OOM). */
struct fin_box *fin_box_push(lua_State *L, const char *tname);
/* The box at `idx` if its metatable is `tname`, else NULL. Never raises. */
struct fin_box *fin_box_test(lua_State *L, int idx, const char *tname);
/* Like fin_box_test but raises "<tname> expected, got <type>" and also
 * raises on a box whose port was moved out. */
struct fin_box *fin_box_check(lua_State *L, int idx, const char *tname);

/* Moves a made port into a pushed box, which then owns it. */
#define FIN_BOX_SET(b, port)                                                                       \
  do {                                                                                             \
    (b)->ops = (port).ops;                                                                         \
    (b)->self = (port).self;                                                                       \
    (b)->destroy = (port).ops->destroy;                                                            \
    (b)->owned = true;                                                                             \
  } while (0)

/* Defines `static int fn(lua_State *L)`: a method of a database handle
 * (argument 1, checked by `check`) that pushes the port `ctor(handle)`
 * boxed as `tname`. Adapters list their repositories with it. */
#define FIN_BOX_PORT_METHOD(fn, tname, check, ctor)                                                \
  static int fn(lua_State *L) {                                                                    \
    __typeof__(check(L)) handle_ = check(L);                                                       \
    struct fin_box *b_ = fin_box_push(L, tname);                                                   \
    __typeof__(ctor(handle_)) port_ = ctor(handle_);                                               \
    FIN_BOX_SET(b_, port_);                                                                        \
    return 1;                                                                                      \
  }

/* The twelve slot methods of an adapter's database handle, from port
 * constructors named <p>_users_port ... <p>_store_port and a check_db():
 * FIN_DB_PORT_METHODS(ddb) defines them, FIN_DB_PORT_REGS lists them for
 * the handle's luaL_Reg table (slot names as in lua/shared.lua). */
#define FIN_DB_PORT_METHODS(p)                                                                     \
  FIN_BOX_PORT_METHOD(db_users, FIN_T_USERS, check_db, p##_users_port)                             \
  FIN_BOX_PORT_METHOD(db_scores, FIN_T_SCORES, check_db, p##_scores_port)                          \
  FIN_BOX_PORT_METHOD(db_cards, FIN_T_CARDS, check_db, p##_cards_port)                             \
  FIN_BOX_PORT_METHOD(db_requests, FIN_T_REQUESTS, check_db, p##_requests_port)                    \
  FIN_BOX_PORT_METHOD(db_txns, FIN_T_TXNS, check_db, p##_txns_port)                                \
  FIN_BOX_PORT_METHOD(db_idem, FIN_T_IDEM, check_db, p##_idem_port)                                \
  FIN_BOX_PORT_METHOD(db_outbox, FIN_T_OUTBOX, check_db, p##_outbox_port)                          \
  FIN_BOX_PORT_METHOD(db_audit, FIN_T_AUDIT, check_db, p##_audit_port)                             \
  FIN_BOX_PORT_METHOD(db_wa_notif, FIN_T_WA_NOTIF, check_db, p##_wa_notifications_port)            \
  FIN_BOX_PORT_METHOD(db_wa_inbound, FIN_T_WA_INBOUND, check_db, p##_wa_inbound_port)              \
  FIN_BOX_PORT_METHOD(db_approvals, FIN_T_APPROVALS, check_db, p##_approvals_port)                 \
  FIN_BOX_PORT_METHOD(db_store, FIN_T_STORE, check_db, p##_store_port)

#define FIN_DB_PORT_REGS                                                                           \
  {"users", db_users}, {"scores", db_scores}, {"cards", db_cards}, {"card_requests", db_requests}, \
      {"transactions", db_txns}, {"idempotency", db_idem}, {"outbox", db_outbox},                  \
      {"audit_logs", db_audit}, {"wa_notifications", db_wa_notif}, {"wa_inbound", db_wa_inbound},  \
      {"pending_approvals", db_approvals}, {                                                       \
    "store", db_store                                                                              \
  }

#endif
