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

#include "../ports/port_list.h" /* the FIN_T_* type names */

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

/* The slot methods of an adapter's database handle, one per storage port
 * of port_list.h. The adapter defines FIN_DB_CTOR(field) (its constructor,
 * e.g. ddb_##field##_port) and check_db(), then FIN_DB_PORT_METHODS defines
 * the methods and FIN_DB_PORT_REGS lists them (with a trailing comma) for
 * the handle's luaL_Reg table. */
#define FIN_DB_PORT_METHOD_(field, type, slot, tname, req)                                         \
  FIN_BOX_PORT_METHOD(db_##field, tname, check_db, FIN_DB_CTOR(field))
#define FIN_DB_PORT_METHODS FIN_STORAGE_PORTS(FIN_DB_PORT_METHOD_)
#define FIN_DB_PORT_REG_(field, type, slot, tname, req) {slot, db_##field},
#define FIN_DB_PORT_REGS FIN_STORAGE_PORTS(FIN_DB_PORT_REG_)

#endif
