/* fin_module.c - the "fin" Lua module: helpers for wiring files and scripts.
 *
 *   fin.log(level, msg)          one JSON log line {"event":"script","msg":...}
 *   fin.env(name)                os.getenv, but "" counts as unset (nil)
 *   fin.now_ms()                 wall clock, epoch ms
 *   fin.iso(ms)                  "2026-11-24T19:52:02.176Z"
 *   fin.uuid_v7()                time-ordered UUID
 *   fin.sha256_hex(s)            lower-case hex SHA-256 (idempotency key hashes)
 *   fin.json_encode(v)           JSON text as JSON.stringify writes it
 *   fin.json_decode(s)           value | nil, message   (null -> fin.null)
 *   fin.null                     the JSON null sentinel
 *   fin.load_wiring([path])      runs a wiring file, checks and returns its
 *                                container table (path: the mode precedence
 *                                of mode.h when omitted); raises on errors
 *   fin.version                  the program version
 */
#include <jansson.h>
#include <lauxlib.h>
#include <stdlib.h>

#include "../ports/port_list.h"
#include "../util/codec.h"
#include "../util/ids.h"
#include "../util/jsonout.h"
#include "../util/log.h"
#include "../util/timefmt.h"
#include "bind.h"
#include "mode.h"
#include "modules.h"
#include "version.h"
#include "wiring.h"

static int l_log(lua_State *L) {
  const char *level = luaL_checkstring(L, 1);
  const char *msg = luaL_checkstring(L, 2);
  char m[2048];
  fin_log(level, "script", "\"msg\":\"%s\"", fin_log_esc(msg, m, sizeof m));
  return 0;
}

static int l_env(lua_State *L) {
  const char *v = getenv(luaL_checkstring(L, 1));
  if (v == NULL || v[0] == '\0')
    lua_pushnil(L);
  else
    lua_pushstring(L, v);
  return 1;
}

static int l_now_ms(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)fin_now_ms());
  return 1;
}

static int l_iso(lua_State *L) {
  char buf[32];
  lua_pushstring(L, fin_iso((int64_t)luaL_checkinteger(L, 1), buf));
  return 1;
}

static int l_uuid_v7(lua_State *L) {
  char buf[40];
  if (fin_uuid_v7(buf)) return luaL_error(L, "fin.uuid_v7: the random source failed");
  lua_pushstring(L, buf);
  return 1;
}

static int l_sha256_hex(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  char out[65];
  fin_sha256_hex(s, len, out);
  lua_pushstring(L, out);
  return 1;
}

static void json_release(void *p, size_t n) {
  (void)n;
  json_decref(p);
}
static void free_release(void *p, size_t n) {
  (void)n;
  free(p);
}

static int l_json_encode(lua_State *L) {
  luaL_checkany(L, 1);
  struct fin_scratch *s = fin_scratch_push(L);
  char err[160];
  json_t *j = fin_json_from_lua(L, 1, err, sizeof err);
  if (j == NULL) return luaL_error(L, "json_encode: %s", err);
  *s = (struct fin_scratch){j, 0, json_release};
  size_t len = 0;
  char *text = fin_json_dump(j, &len);
  fin_scratch_release(s);
  if (text == NULL) return luaL_error(L, "json_encode: out of memory");
  *s = (struct fin_scratch){text, len, free_release};
  lua_pushlstring(L, text, len);
  fin_scratch_release(s);
  return 1;
}

static int l_json_decode(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  struct fin_scratch *s = fin_scratch_push(L);
  json_error_t je;
  json_t *j = json_loadb(text, len, JSON_DECODE_ANY, &je);
  if (j == NULL) {
    lua_pushnil(L);
    lua_pushfstring(L, "line %d, column %d: %s", je.line, je.column, je.text);
    return 2;
  }
  *s = (struct fin_scratch){j, 0, json_release};
  fin_json_push(L, j);
  fin_scratch_release(s);
  return 1;
}

static int l_load_wiring(lua_State *L) {
  const char *path = luaL_optstring(L, 1, NULL);
  char err[1024], where[4200];
  static struct fin_mode_decision d; /* large; scripts are single-threaded */
  if (path == NULL) {
    if (fin_mode_decide(NULL, &d, err, sizeof err) != 0) goto fail;
    path = d.wiring;
  }
  if (fin_wiring_run(L, path, where, sizeof where, err, sizeof err) != 0) goto fail;
  if (fin_wiring_check(L, lua_gettop(L), where, err, sizeof err) != 0) goto fail;
  return 1;
fail:
  lua_pushstring(L, err); /* already carries file:line */
  return lua_error(L);
}

int luaopen_fin(lua_State *L) {
  static const luaL_Reg fns[] = {
      {"log", l_log},
      {"env", l_env},
      {"now_ms", l_now_ms},
      {"iso", l_iso},
      {"uuid_v7", l_uuid_v7},
      {"sha256_hex", l_sha256_hex},
      {"json_encode", l_json_encode},
      {"json_decode", l_json_decode},
      {"load_wiring", l_load_wiring},
      {NULL, NULL},
  };
  luaL_newlib(L, fns);
  lua_pushlightuserdata(L, FIN_LUA_NULL);
  lua_setfield(L, -2, "null");
  lua_pushliteral(L, FIN_VERSION);
  lua_setfield(L, -2, "version");
  /* the slots one database handle serves (port_list.h), for lua/shared.lua */
  static const char *const storage[] = {
#define STORAGE_SLOT_(field, type, slot, tname, req) slot,
      FIN_STORAGE_PORTS(STORAGE_SLOT_)
#undef STORAGE_SLOT_
  };
  lua_createtable(L, (int)(sizeof storage / sizeof storage[0]), 0);
  for (size_t i = 0; i < sizeof storage / sizeof storage[0]; i++) {
    lua_pushstring(L, storage[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "storage_slots");
  return 1;
}
