/* host.c - the embedded Lua 5.4 host (see host.h).
 *
 * Lua runs at start-up only: fin_host_load_container runs the wiring file,
 * checks the table, moves the ports into the C container and closes the
 * state. `financial-api run` scripts get the same modules.
 */
#include "host.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/log.h"
#include "mode.h"
#include "modules.h"
#include "wiring.h"

/* ---- the state ---- */

static int open_host(lua_State *L) {
  /* the safe standard libraries only: no debug, no coroutine, and no C
   * module loading (cpath empty, package.loadlib removed) */
  static const luaL_Reg libs[] = {
      {LUA_GNAME, luaopen_base},       {LUA_LOADLIBNAME, luaopen_package},
      {LUA_TABLIBNAME, luaopen_table}, {LUA_STRLIBNAME, luaopen_string},
      {LUA_MATHLIBNAME, luaopen_math}, {LUA_UTF8LIBNAME, luaopen_utf8},
      {LUA_OSLIBNAME, luaopen_os},     {LUA_IOLIBNAME, luaopen_io},
  };
  for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
    luaL_requiref(L, libs[i].name, libs[i].func, 1);
    lua_pop(L, 1);
  }

  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
#define FIN_LUA_PRELOAD_(name, fn)                                                                 \
  lua_pushcfunction(L, fn);                                                                        \
  lua_setfield(L, -2, name);
  FIN_LUA_MODULES(FIN_LUA_PRELOAD_)
#undef FIN_LUA_PRELOAD_
  lua_pop(L, 1);

  lua_getglobal(L, LUA_LOADLIBNAME);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addstring(&b, "./lua/?.lua;./config/?.lua");
  const char *root = fin_install_root();
  if (root != NULL) {
    const char *dirs[] = {"/lua/?.lua", "/config/?.lua"};
    for (size_t i = 0; i < 2; i++) {
      luaL_addchar(&b, ';');
      luaL_addstring(&b, root);
      luaL_addstring(&b, dirs[i]);
    }
  }
  luaL_pushresult(&b);
  lua_setfield(L, -2, "path");
  lua_pushliteral(L, "");
  lua_setfield(L, -2, "cpath");
  lua_pushnil(L);
  lua_setfield(L, -2, "loadlib");
  lua_pop(L, 1);
  return 0;
}

lua_State *fin_host_new(void) {
  lua_State *L = luaL_newstate();
  if (L == NULL) return NULL;
  lua_pushcfunction(L, open_host);
  if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
    lua_close(L);
    return NULL;
  }
  return L;
}

/* ---- the container ---- */

struct load_ctx {
  const char *file;
  struct fin_container *c;
  char *err;
  size_t err_size;
  int rc;
};

/* Runs protected: a raise (OOM, a metamethod in the table) becomes an error
 * value in fin_host_load_container. */
static int load_protected(lua_State *L) {
  struct load_ctx *x = lua_touserdata(L, 1);
  char where[4200];
  if (fin_wiring_run(L, x->file, where, sizeof where, x->err, x->err_size) != 0) return 0;
  int t = lua_gettop(L);
  if (fin_wiring_check(L, t, where, x->err, x->err_size) != 0) return 0;
  if (fin_wiring_move(L, t, x->c, x->err, x->err_size) != 0) return 0;
  x->rc = 0;
  return 0;
}

static void warn_rule(const char *key, const char *why) {
  char k[128], w[256];
  fin_log("warn", "config_value_ignored", "\"key\":\"%s\",\"reason\":\"%s\"",
          fin_log_esc(key, k, sizeof k), fin_log_esc(why, w, sizeof w));
}

int fin_host_load_container(const char *wiring_file, struct fin_container *c, char *err,
                            size_t err_size) {
  if (err_size > 0) err[0] = '\0';
  lua_State *L = fin_host_new();
  if (L == NULL) {
    snprintf(err, err_size, "%s: cannot create a Lua state (out of memory)", wiring_file);
    return -1;
  }
  struct load_ctx x = {wiring_file, c, err, err_size, -1};
  lua_pushcfunction(L, load_protected);
  lua_pushlightuserdata(L, &x);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    char line[512];
    fin_one_line(lua_tostring(L, -1), line, sizeof line);
    snprintf(err, err_size, "%s: %s", wiring_file, line);
    x.rc = -1;
  }
  /* boxes that were not moved (unused ports, adapter objects) are released
   * here; no Lua state survives into request handling */
  lua_close(L);

  if (x.rc == 0) {
    c->wiring_file = strdup(wiring_file);
    if (c->wiring_file == NULL) {
      snprintf(err, err_size, "%s: out of memory", wiring_file);
      x.rc = -1;
    }
  }
  if (x.rc != 0) {
    if (err_size > 0 && err[0] == '\0') snprintf(err, err_size, "%s: wiring failed", wiring_file);
    fin_container_destroy(c);
    return -1;
  }
  fin_rules_defaults(&c->rules);
  fin_rules_load(&c->rules, &c->config, warn_rule);
  c->config_seen = c->rules; /* later config changes are measured from here */
  c->config_seen_valid = true;
  return 0;
}

/* ---- scripts ---- */

struct script_ctx {
  const char *script;
  int argc;
  char **argv;
  int status; /* the exit status */
};

/* Everything that may raise (arg table, stack growth, the chunk) runs here,
 * under the pcall of fin_host_run_script, like lua.c's pmain: an error
 * (even out of memory) ends the script, never the process by a panic. */
static int script_protected(lua_State *L) {
  struct script_ctx *x = lua_touserdata(L, 1);
  /* arg = { [0] = script, ... } like lua.c; the chunk also gets them as ... */
  lua_createtable(L, x->argc, 1);
  lua_pushstring(L, x->script);
  lua_rawseti(L, -2, 0);
  for (int i = 0; i < x->argc; i++) {
    lua_pushstring(L, x->argv[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setglobal(L, "arg");

  lua_pushcfunction(L, fin_lua_msgh);
  int msgh = lua_gettop(L);
  if (luaL_loadfilex(L, x->script, "t") != LUA_OK) {
    fprintf(stderr, "financial-api: %s\n", lua_tostring(L, -1));
    x->status = 1;
    return 0;
  }
  luaL_checkstack(L, x->argc + 2, "too many script arguments");
  for (int i = 0; i < x->argc; i++)
    lua_pushstring(L, x->argv[i]);
  if (lua_pcall(L, x->argc, 1, msgh) != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "financial-api: %s\n", msg != NULL ? msg : "(error)");
    x->status = 1;
  } else if (lua_isinteger(L, -1)) {
    lua_Integer v = lua_tointeger(L, -1);
    x->status = v < 0 || v > 255 ? 1 : (int)v;
  } else if (lua_isboolean(L, -1) && !lua_toboolean(L, -1)) {
    x->status = 1;
  }
  return 0;
}

int fin_host_run_script(const char *script, int argc, char **argv) {
  lua_State *L = fin_host_new();
  if (L == NULL) {
    fprintf(stderr, "financial-api: cannot create a Lua state (out of memory)\n");
    return 1;
  }
  struct script_ctx x = {script, argc, argv, 0};
  lua_pushcfunction(L, script_protected);
  lua_pushlightuserdata(L, &x);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "financial-api: %s\n", msg != NULL ? msg : "(error)");
    x.status = 1;
  }
  lua_close(L);
  return x.status;
}
