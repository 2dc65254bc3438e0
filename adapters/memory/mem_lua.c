/* mem_lua.c - the Lua module "fin.memory".
 *
 *   local mem = require "fin.memory"
 *   local db = mem.database()          -- one shared database
 *   db:users(), db:cards(), ..., db:store()   -> port boxes (fin.Users ...)
 *   mem.dev_auth(), mem.publisher(), mem.config{key=value,...},
 *   mem.clock(), mem.fake_clock(ms), mem.messenger()
 */
#include "mem_lua.h"

#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/lua/box.h"
#include "mem_services.h"
#include "memdb.h"

#define DB_T "fin.memory.Database"

struct db_handle {
  struct memdb *db;
};

static struct memdb *check_db(lua_State *L) {
  struct db_handle *h = luaL_checkudata(L, 1, DB_T);
  if (h->db == NULL) luaL_error(L, "database is closed");
  return h->db;
}

/* Pushes a box of type tname holding {ops, self}; `self` is released with
 * `destroy` when the box is collected before the core takes it. */
static void push_port(lua_State *L, const char *tname, const void *ops, void *self,
                      void (*destroy)(void *)) {
  struct fin_box *b = fin_box_push(L, tname);
  if (ops == NULL) {
    if (destroy && self) destroy(self);
    luaL_error(L, "out of memory creating %s", tname);
  }
  b->ops = ops;
  b->self = self;
  b->destroy = destroy;
  b->owned = true;
}

#define DB_PORT(fn, tname, ctor)                                                                   \
  static int fn(lua_State *L) {                                                                    \
    struct memdb *db = check_db(L);                                                                \
    luaL_checkstack(L, 4, NULL);                                                                   \
    struct fin_box *b = fin_box_push(L, tname);                                                    \
    typeof(ctor(db)) port = ctor(db);                                                              \
    b->ops = port.ops, b->self = port.self, b->destroy = memdb_port_destroy, b->owned = true;      \
    return 1;                                                                                      \
  }

DB_PORT(db_users, FIN_T_USERS, memdb_users)
DB_PORT(db_scores, FIN_T_SCORES, memdb_scores)
DB_PORT(db_cards, FIN_T_CARDS, memdb_cards)
DB_PORT(db_requests, FIN_T_REQUESTS, memdb_requests)
DB_PORT(db_txns, FIN_T_TXNS, memdb_txns)
DB_PORT(db_idem, FIN_T_IDEM, memdb_idempotency)
DB_PORT(db_outbox, FIN_T_OUTBOX, memdb_outbox)
DB_PORT(db_audit, FIN_T_AUDIT, memdb_audit)
DB_PORT(db_wa_notif, FIN_T_WA_NOTIF, memdb_wa_notifications)
DB_PORT(db_wa_inbound, FIN_T_WA_INBOUND, memdb_wa_inbound)
DB_PORT(db_approvals, FIN_T_APPROVALS, memdb_approvals)
DB_PORT(db_store, FIN_T_STORE, memdb_store)

static int db_gc(lua_State *L) {
  struct db_handle *h = luaL_checkudata(L, 1, DB_T);
  struct memdb *db = h->db;
  h->db = NULL;
  memdb_unref(db);
  return 0;
}

static int m_database(lua_State *L) {
  struct db_handle *h = lua_newuserdatauv(L, sizeof *h, 0);
  h->db = NULL;
  luaL_setmetatable(L, DB_T);
  if ((h->db = memdb_new()) == NULL) return luaL_error(L, "out of memory creating database");
  return 1;
}

static int m_dev_auth(lua_State *L) {
  struct fin_auth a = mem_dev_auth();
  push_port(L, FIN_T_AUTH, a.ops, a.self, a.ops->destroy);
  return 1;
}

static int m_publisher(lua_State *L) {
  struct fin_publisher p = mem_publisher();
  push_port(L, FIN_T_PUBLISHER, p.ops, p.self, free);
  return 1;
}

/* config{key = value}: values are converted to strings (numbers, booleans). */
static int m_config(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  size_t n = 0;
  for (lua_pushnil(L); lua_next(L, 1); lua_pop(L, 1))
    n++;
  const char **keys = lua_newuserdatauv(L, (n + 1) * sizeof(char *), 0); /* freed by Lua */
  const char **vals = lua_newuserdatauv(L, (n + 1) * sizeof(char *), 0);
  size_t i = 0;
  for (lua_pushnil(L); lua_next(L, 1); lua_pop(L, 1)) {
    if (lua_type(L, -2) != LUA_TSTRING) return luaL_error(L, "config keys must be strings");
    int t = lua_type(L, -1);
    if (t != LUA_TSTRING && t != LUA_TNUMBER && t != LUA_TBOOLEAN)
      return luaL_error(L, "config value for '%s' must be a string, number or boolean",
                        lua_tostring(L, -2));
    keys[i] = lua_tostring(L, -2);
    luaL_tolstring(L, -1, NULL); /* pushes the text; kept alive by the table below */
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &vals[i]); /* anchor the string */
    vals[i] = lua_tostring(L, -1);
    lua_pop(L, 1);
    i++;
  }
  struct fin_config c = mem_config(keys, vals, n);
  for (size_t j = 0; j < n; j++) { /* drop the anchors */
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &vals[j]);
  }
  push_port(L, FIN_T_CONFIG, c.ops, c.self, c.ops ? c.ops->destroy : NULL);
  return 1;
}

static int m_clock(lua_State *L) {
  struct fin_clock c = mem_clock();
  push_port(L, FIN_T_CLOCK, c.ops, c.self, c.ops->destroy);
  return 1;
}

static int m_fake_clock(lua_State *L) {
  lua_Integer ms = luaL_checkinteger(L, 1);
  struct fin_clock c = mem_fake_clock(ms);
  push_port(L, FIN_T_CLOCK, c.ops, c.self, free);
  return 1;
}

static int m_messenger(lua_State *L) {
  struct fin_messenger m = mem_recording_messenger();
  push_port(L, FIN_T_MESSENGER, m.ops, m.self, free);
  return 1;
}

int luaopen_fin_memory(lua_State *L) {
  static const luaL_Reg db_methods[] = {{"users", db_users},
                                        {"scores", db_scores},
                                        {"cards", db_cards},
                                        {"card_requests", db_requests},
                                        {"transactions", db_txns},
                                        {"idempotency", db_idem},
                                        {"outbox", db_outbox},
                                        {"audit_logs", db_audit},
                                        {"wa_notifications", db_wa_notif},
                                        {"wa_inbound", db_wa_inbound},
                                        {"pending_approvals", db_approvals},
                                        {"store", db_store},
                                        {NULL, NULL}};
  if (luaL_newmetatable(L, DB_T)) {
    lua_pushcfunction(L, db_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, db_gc);
    lua_setfield(L, -2, "__close");
    luaL_newlib(L, db_methods);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
  static const luaL_Reg funcs[] = {{"database", m_database},   {"dev_auth", m_dev_auth},
                                   {"publisher", m_publisher}, {"config", m_config},
                                   {"clock", m_clock},         {"fake_clock", m_fake_clock},
                                   {"messenger", m_messenger}, {NULL, NULL}};
  luaL_newlib(L, funcs);
  return 1;
}
