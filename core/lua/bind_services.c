/* bind_services.c - script methods of the service ports.
 *
 *   config:get(key)      -> string | nil, "NOT_FOUND", msg
 *   clock:now()          -> epoch ms (integer)
 *   auth:verify(token)   -> {uid, email, role, ecosystemId} | nil,
 * "INVALID"|"EXPIRED"|"UNAVAILABLE", detail auth:name(), publisher:name()  -> string auth:ping(),
 * publisher:ping()  -> true | nil, code, msg
 */
#include <stdio.h>
#include <stdlib.h>

#include "../ports/services.h"
#include "bind.h"
#include "box.h"

static void free_str(void *p, size_t n) {
  (void)n;
  free(p);
}

static int config_get(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_CONFIG);
  const char *key = luaL_checkstring(L, 2);
  const struct fin_config_ops *ops = b->ops;
  if (ops->get == NULL) return luaL_error(L, "config:get is not implemented by this adapter");
  struct fin_scratch *s = fin_scratch_push(L);
  char *v = NULL;
  struct fin_err e = {0};
  enum fin_status st = ops->get(b->self, key, &v, &e);
  *s = (struct fin_scratch){v, 0, free_str};
  if (st != FIN_OK) {
    fin_scratch_release(s);
    if (st == FIN_NOT_FOUND && e.msg[0] == '\0')
      snprintf(e.msg, sizeof e.msg, "no value for '%s'", key);
    return fin_bind_fail(L, st, &e);
  }
  lua_pushstring(L, v != NULL ? v : "");
  fin_scratch_release(s);
  return 1;
}

const luaL_Reg fin_bind_config[] = {{"get", config_get}, {NULL, NULL}};

static int clock_now(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_CLOCK);
  const struct fin_clock_ops *ops = b->ops;
  if (ops->now == NULL) return luaL_error(L, "clock:now is not implemented by this adapter");
  lua_pushinteger(L, (lua_Integer)ops->now(b->self));
  return 1;
}

const luaL_Reg fin_bind_clock[] = {{"now", clock_now}, {NULL, NULL}};

/* ---- auth ---- */

static void principal_release(void *p, size_t n) {
  (void)n;
  fin_principal_clear(p);
  free(p);
}

static int auth_verify(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_AUTH);
  const char *token = luaL_checkstring(L, 2);
  const struct fin_auth_ops *ops = b->ops;
  if (ops->verify == NULL) return luaL_error(L, "auth:verify is not implemented by this adapter");
  struct fin_scratch *s = fin_scratch_push(L);
  struct fin_principal *p = calloc(1, sizeof *p);
  if (p == NULL) return luaL_error(L, "out of memory");
  s->p = p;
  s->release = principal_release;
  char detail[128] = "";
  enum fin_auth_result r = ops->verify(b->self, token, p, detail, sizeof detail);
  if (r != FIN_AUTH_OK) {
    fin_scratch_release(s);
    lua_pushnil(L);
    lua_pushstring(L, r == FIN_AUTH_EXPIRED       ? "EXPIRED"
                      : r == FIN_AUTH_UNAVAILABLE ? "UNAVAILABLE"
                                                  : "INVALID");
    lua_pushstring(L, detail);
    return 3;
  }
  lua_createtable(L, 0, 4);
  fin_set_str(L, "uid", p->uid);
  lua_pushstring(L, p->email != NULL ? p->email : "");
  lua_setfield(L, -2, "email");
  fin_set_str(L, "role", p->role);
  fin_set_str(L, "ecosystemId", p->ecosystem_id);
  fin_scratch_release(s);
  return 1;
}

static int auth_name(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_AUTH);
  const struct fin_auth_ops *ops = b->ops;
  lua_pushstring(L, ops->name != NULL ? ops->name(b->self) : FIN_T_AUTH);
  return 1;
}

static int auth_ping(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_AUTH);
  const struct fin_auth_ops *ops = b->ops;
  if (ops->ping == NULL) return luaL_error(L, "auth:ping is not implemented by this adapter");
  struct fin_err e = {0};
  enum fin_status st = ops->ping(b->self, &e);
  if (st != FIN_OK) return fin_bind_fail(L, st, &e);
  lua_pushboolean(L, 1);
  return 1;
}

const luaL_Reg fin_bind_auth[] = {
    {"verify", auth_verify}, {"name", auth_name}, {"ping", auth_ping}, {NULL, NULL}};

/* ---- publisher ---- */

static int publisher_name(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_PUBLISHER);
  const struct fin_publisher_ops *ops = b->ops;
  lua_pushstring(L, ops->name != NULL ? ops->name(b->self) : FIN_T_PUBLISHER);
  return 1;
}

static int publisher_ping(lua_State *L) {
  struct fin_box *b = fin_box_check(L, 1, FIN_T_PUBLISHER);
  const struct fin_publisher_ops *ops = b->ops;
  if (ops->ping == NULL) return luaL_error(L, "publisher:ping is not implemented by this adapter");
  struct fin_err e = {0};
  enum fin_status st = ops->ping(b->self, &e);
  if (st != FIN_OK) return fin_bind_fail(L, st, &e);
  lua_pushboolean(L, 1);
  return 1;
}

const luaL_Reg fin_bind_publisher[] = {
    {"name", publisher_name}, {"ping", publisher_ping}, {NULL, NULL}};
