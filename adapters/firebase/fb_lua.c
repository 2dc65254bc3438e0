/* fb_lua.c - the Lua module "fin.firebase" (Firebase mode wiring and repro
 * scripts).
 *
 *   firebase.firestore{project=, database=, emulator_host=, token=, key_file=,
 *                      metadata_host=, metadata=, timeout_ms=}
 *        -> database handle: :users() ... :store() like fin.memory, and for
 *           scripts :get(path) -> document as a plain table | nil,
 *           :query(parent, collection [, field, value]) -> list of
 *           {path=, data=}, :reset() (emulator only: deletes everything)
 *   firebase.auth{project=, emulator_host=, allow_remote_emulator=, certs_url=, timeout_ms=,
 *                 firestore=<database handle>, status_ttl_s=}
 *        -> fin.Auth (emulator tokens only when emulator_host is given, and
 *        loopback unless allow_remote_emulator = true); account statuses
 *        (accounts:lookup, authorized by firestore's credentials off the
 *        emulator) kept status_ttl_s seconds (30; 0: asked every request)
 *   firebase.dev_auth_fallback{firestore=<database handle>, auth=<fin.Auth>}
 *        -> fin.Auth: dev tokens ("mock.") beside the Auth emulator's tokens
 *        (fb_dev_auth.h); raises unless both are emulators on loopback. The
 *        auth port is moved into the new one.
 *
 * Paths are below ".../documents/", e.g. "users/u1/cards/c1".
 */
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/lua/bind.h"
#include "../../core/lua/box.h"
#include "../common/ustat.h"
#include "fb_auth.h"
#include "fb_dev_auth.h"
#include "fs_db.h"
#include "fs_value.h"

#define DB_T "fin.firebase.Database"

FIN_DB_HANDLE(DB_T, struct fs, fs_unref)

static int l_firestore(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  struct fs_cfg cfg = {
      .project = fin_opt_str(L, 1, "project"),
      .database = fin_opt_str(L, 1, "database"),
      .emulator_host = fin_opt_str(L, 1, "emulator_host"),
      .token = fin_opt_str(L, 1, "token"),
      .key_file = fin_opt_str(L, 1, "key_file"),
      .metadata_host = fin_opt_str(L, 1, "metadata_host"),
      .metadata = lua_getfield(L, 1, "metadata") == LUA_TBOOLEAN && lua_toboolean(L, -1),
      .timeout_ms = fin_opt_int(L, 1, "timeout_ms", 0),
  };
  struct db_handle *h = lua_newuserdatauv(L, sizeof *h, 0);
  h->d = NULL;
  luaL_setmetatable(L, DB_T);
  char err[256];
  if ((h->d = fs_new(&cfg, err, sizeof err)) == NULL)
    return luaL_error(L, "fin.firebase.firestore: %s", err);
  return 1;
}

/* Pushes a document's fields as a plain table. */
static void push_doc(lua_State *L, const json_t *doc) {
  json_t *m = json_pack("{s:{s:O}}", "mapValue", "fields", json_object_get(doc, "fields"));
  json_t *plain = m ? fs_to_json(m) : NULL;
  if (plain != NULL)
    fin_json_push(L, plain);
  else
    lua_newtable(L);
  json_decref(plain);
  json_decref(m);
}

static int db_get(lua_State *L) {
  struct fs *f = check_db(L);
  json_t *doc = NULL;
  struct fin_err e = {0};
  enum fin_status st = fs_read1(f, luaL_checkstring(L, 2), &doc, &e);
  if (st == FIN_NOT_FOUND) {
    lua_pushnil(L);
    return 1;
  }
  if (st != FIN_OK) return luaL_error(L, "firestore get: %s", e.msg);
  push_doc(L, doc);
  json_decref(doc);
  return 1;
}

static int push_hit(void *ctx, const json_t *doc) {
  lua_State *L = ctx;
  const char *name = json_string_value(json_object_get(doc, "name"));
  const char *rel = name ? strstr(name, "/documents/") : NULL;
  lua_createtable(L, 0, 2);
  lua_pushstring(L, rel ? rel + strlen("/documents/") : "");
  lua_setfield(L, -2, "path");
  push_doc(L, doc);
  lua_setfield(L, -2, "data");
  lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
  return 0;
}

/* db:query(parent|nil, collection [, field, value]) */
static int db_query(lua_State *L) {
  struct fs *f = check_db(L);
  const char *parent = luaL_optstring(L, 2, NULL);
  json_t *q = fs_q_new(luaL_checkstring(L, 3), false);
  if (!lua_isnoneornil(L, 4)) {
    char err[128];
    json_t *v = fin_json_from_lua(L, 5, err, sizeof err);
    if (v == NULL) {
      json_decref(q);
      return luaL_argerror(L, 5, err);
    }
    fs_q_where(q, luaL_checkstring(L, 4), "EQUAL", fs_from_json(v));
    json_decref(v);
  }
  lua_newtable(L);
  struct fin_err e = {0};
  if (fs_query(f, parent, q, push_hit, L, &e) != FIN_OK)
    return luaL_error(L, "firestore query: %s", e.msg);
  return 1;
}

static int db_reset(lua_State *L) {
  struct fin_err e = {0};
  if (fs_emulator_reset(check_db(L), &e) != FIN_OK)
    return luaL_error(L, "firestore reset: %s", e.msg);
  return 0;
}

#define FIN_DB_CTOR(field) fs_##field##_port
FIN_DB_PORT_METHODS

static int l_auth(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "firestore");
  struct db_handle *h = luaL_testudata(L, -1, DB_T);
  if (!lua_isnil(L, -1) && (h == NULL || h->d == NULL))
    return luaL_error(L, "fin.firebase.auth: firestore= must be an open "
                         "fin.firebase.firestore handle");
  struct fb_auth_cfg cfg = {
      .firestore = h != NULL ? h->d : NULL,
      .status_ttl_s = fin_opt_int(L, 1, "status_ttl_s", USTAT_DEFAULT_TTL_S),
      .project = fin_opt_str(L, 1, "project"),
      .emulator_host = fin_opt_str(L, 1, "emulator_host"),
      .allow_remote_emulator =
          lua_getfield(L, 1, "allow_remote_emulator") == LUA_TBOOLEAN && lua_toboolean(L, -1),
      .certs_url = fin_opt_str(L, 1, "certs_url"),
      .timeout_ms = fin_opt_int(L, 1, "timeout_ms", 0),
  };
  if (cfg.status_ttl_s < 0) return luaL_error(L, "fin.firebase.auth: status_ttl_s < 0");
  struct fin_box *b = fin_box_push(L, FIN_T_AUTH);
  char err[256] = "out of memory";
  struct fin_auth a = fb_auth_new(&cfg, err, sizeof err);
  if (a.ops == NULL) return luaL_error(L, "fin.firebase.auth: %s", err);
  FIN_BOX_SET(b, a);
  return 1;
}

static int l_dev_auth_fallback(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "firestore");
  struct db_handle *h = luaL_testudata(L, -1, DB_T);
  if (h == NULL || h->d == NULL)
    return luaL_error(L, "fin.firebase.dev_auth_fallback: firestore= must be an open "
                         "fin.firebase.firestore handle");
  lua_getfield(L, 1, "auth");
  struct fin_box *real = fin_box_check(L, -1, FIN_T_AUTH); /* raises on another type */
  struct fin_box *b = fin_box_push(L, FIN_T_AUTH);
  struct fin_auth inner = {real->ops, real->self};
  real->owned = false; /* moved into the new provider, made or not */
  real->ops = NULL;
  char err[256] = "out of memory";
  struct fin_auth a = fb_dev_auth_new(fs_emulator_origin(h->d), inner, err, sizeof err);
  if (a.ops == NULL) return luaL_error(L, "fin.firebase.dev_auth_fallback: %s", err);
  FIN_BOX_SET(b, a);
  return 1;
}

int luaopen_fin_firebase(lua_State *L) {
  static const luaL_Reg db_methods[] = {
      FIN_DB_PORT_REGS{"get", db_get},
      {"query", db_query},
      {"reset", db_reset},
      {NULL, NULL},
  };
  static const luaL_Reg db_meta[] = {
      {"__gc", db_release},
      {"__close", db_release},
      {NULL, NULL},
  };
  static const luaL_Reg funcs[] = {
      {"firestore", l_firestore},
      {"auth", l_auth},
      {"dev_auth_fallback", l_dev_auth_fallback},
      {NULL, NULL},
  };
  fin_db_metatable(L, DB_T, db_methods, db_meta);
  luaL_newlib(L, funcs);
  return 1;
}
