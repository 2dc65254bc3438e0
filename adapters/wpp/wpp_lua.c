/* wpp_lua.c - the Lua module "fin.wpp" (wiring files and scripts):
 *
 *   wpp.client{base_url=, secret_key=, session=} -> fin.Messenger
 *
 * base_url is required; secret_key defaults to "", session to
 * "acme-financial-api". The messenger itself is plain C (wpp_client.c).
 */
#include <lauxlib.h>

#include "../../core/lua/box.h"
#include "wpp_client.h"

/* Field `name` of the options table (argument 1) as a string, `def` when
 * absent; raises when it is not a string. Borrowed: the table keeps it alive. */
static const char *field(lua_State *L, const char *name, const char *def) {
  lua_getfield(L, 1, name);
  const char *v = lua_isnil(L, -1) ? def : luaL_checkstring(L, -1);
  lua_pop(L, 1);
  return v;
}

static int l_client(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const char *base = field(L, "base_url", NULL);
  const char *secret = field(L, "secret_key", "");
  const char *session = field(L, "session", "acme-financial-api");
  if (base == NULL || *base == '\0') return luaL_error(L, "fin.wpp.client: base_url is required");
  struct fin_box *b = fin_box_push(L, FIN_T_MESSENGER); /* before the messenger: may raise */
  struct fin_messenger m = wpp_messenger_new(base, secret, session);
  if (m.ops == NULL) return luaL_error(L, "fin.wpp.client: out of memory");
  FIN_BOX_SET(b, m);
  return 1;
}

int luaopen_fin_wpp(lua_State *L) {
  static const luaL_Reg funcs[] = {{"client", l_client}, {NULL, NULL}};
  luaL_newlib(L, funcs);
  return 1;
}
