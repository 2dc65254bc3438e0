/* mem_lua.c - the Lua module "fin.memory" (see mem_lua.h).
 *
 * Binding order everywhere: check the arguments (may raise), push the box or
 * handle (may raise, nothing acquired yet), create the C object (errors are
 * values), and raise only as the last step. */
#include "mem_lua.h"

#include <lauxlib.h>

#include "../../core/lua/bind.h"
#include "../../core/lua/box.h"
#include "../devtokens/devtok.h"
#include "mem_db.h"
#include "mem_ports.h"

#define DB_T "fin.memory.Database"

FIN_DB_HANDLE(DB_T, struct mem_db, mem_db_unref)

static int db_tostring(lua_State *L) {
  struct db_handle *h = luaL_checkudata(L, 1, DB_T);
  if (h->d == NULL)
    lua_pushliteral(L, DB_T " (closed)");
  else
    lua_pushfstring(L, DB_T ": %p", (void *)h->d);
  return 1;
}

static int l_database(lua_State *L) {
  struct db_handle *h = lua_newuserdatauv(L, sizeof *h, 0);
  h->d = NULL;
  luaL_setmetatable(L, DB_T);
  if ((h->d = mem_db_new()) == NULL) return luaL_error(L, "fin.memory.database: out of memory");
  return 1;
}

#define FIN_DB_CTOR(field) mem_##field##_port
FIN_DB_PORT_METHODS

/* Fills a pushed box with a service port, or raises when it could not be
 * made (the box stays empty and owns nothing). */
#define FILL(L, b, port, what)                                                                     \
  do {                                                                                             \
    if ((port).ops == NULL) return luaL_error(L, "fin.memory." what ": out of memory");            \
    FIN_BOX_SET(b, port);                                                                          \
  } while (0)

static int l_dev_auth(lua_State *L) {
  struct fin_box *b = fin_box_push(L, FIN_T_AUTH);
  struct fin_auth a = devtok_auth_new();
  FILL(L, b, a, "dev_auth");
  return 1;
}

static int l_publisher(lua_State *L) {
  struct fin_box *b = fin_box_push(L, FIN_T_PUBLISHER);
  struct fin_publisher p = mem_publisher_new();
  FILL(L, b, p, "publisher");
  return 1;
}

/* config{key = value}: string keys; string, number or boolean values, kept
 * as text (numbers as Lua's tostring prints them, booleans "true"/"false"). */
static int l_config(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  size_t n = 0;
  for (lua_pushnil(L); lua_next(L, 1); lua_pop(L, 1), n++) {
    if (lua_type(L, -2) != LUA_TSTRING)
      return luaL_error(L, "fin.memory.config: keys must be strings (got %s)",
                        luaL_typename(L, -2));
    int t = lua_type(L, -1);
    if (t != LUA_TSTRING && t != LUA_TNUMBER && t != LUA_TBOOLEAN)
      return luaL_error(L,
                        "fin.memory.config: value of '%s' must be a string, number or boolean"
                        " (got %s)",
                        lua_tostring(L, -2), luaL_typename(L, -1));
  }
  struct fin_box *b = fin_box_push(L, FIN_T_CONFIG); /* index 2 */
  /* Scratch owned by Lua, so a raise frees it: the pointer arrays and a
   * table anchoring the value texts. */
  const char **keys = lua_newuserdatauv(L, (n ? n : 1) * sizeof *keys, 0);     /* 3 */
  const char **values = lua_newuserdatauv(L, (n ? n : 1) * sizeof *values, 0); /* 4 */
  lua_createtable(L, (int)n, 0);                                               /* 5 */
  size_t i = 0;
  for (lua_pushnil(L); lua_next(L, 1); lua_pop(L, 1), i++) {
    keys[i] = lua_tostring(L, -2); /* a string key: no conversion in place */
    if (lua_type(L, -1) == LUA_TBOOLEAN)
      lua_pushstring(L, lua_toboolean(L, -1) ? "true" : "false");
    else
      luaL_tolstring(L, -1, NULL);
    values[i] = lua_tostring(L, -1);
    lua_rawseti(L, 5, (lua_Integer)i + 1);
  }
  struct fin_config c = mem_config_new(keys, values, n);
  lua_settop(L, 2);
  FILL(L, b, c, "config");
  return 1;
}

static int l_clock(lua_State *L) {
  struct fin_box *b = fin_box_push(L, FIN_T_CLOCK);
  struct fin_clock c = mem_clock_new();
  FILL(L, b, c, "clock");
  return 1;
}

static int l_fake_clock(lua_State *L) {
  lua_Integer ms = luaL_checkinteger(L, 1);
  struct fin_box *b = fin_box_push(L, FIN_T_CLOCK);
  struct fin_clock c = mem_fake_clock_new((fin_ms)ms);
  FILL(L, b, c, "fake_clock");
  return 1;
}

static int l_messenger(lua_State *L) {
  if (!lua_isnoneornil(L, 1))
    return luaL_argerror(L, 1,
                         "fin.memory.messenger() takes no arguments: it only records "
                         "messages (real sending is another module's client)");
  struct fin_box *b = fin_box_push(L, FIN_T_MESSENGER);
  struct fin_messenger m = mem_messenger_new();
  FILL(L, b, m, "messenger");
  return 1;
}

int luaopen_fin_memory(lua_State *L) {
  static const luaL_Reg db_methods[] = {
      FIN_DB_PORT_REGS{NULL, NULL},
  };
  static const luaL_Reg db_meta[] = {
      {"__gc", db_release},
      {"__close", db_release},
      {"__tostring", db_tostring},
      {NULL, NULL},
  };
  static const luaL_Reg funcs[] = {
      {"database", l_database},   {"dev_auth", l_dev_auth},
      {"publisher", l_publisher}, {"config", l_config},
      {"clock", l_clock},         {"fake_clock", l_fake_clock},
      {"messenger", l_messenger}, {NULL, NULL},
  };
  fin_db_metatable(L, DB_T, db_methods, db_meta);
  luaL_newlib(L, funcs);
  return 1;
}
