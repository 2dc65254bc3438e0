/* box.c - ports as Lua userdata (see box.h).
 *
 * A box's metatable is its type tag (FIN_T_*). It is created on first use
 * with: __name (luaL_newmetatable), __gc and __close (one idempotent release),
 * __tostring, a marker field so the release function only ever touches our
 * boxes, and __index = the port's script methods from bind_*.c (an empty
 * table for types without methods, so an adapter may add its own).
 */
#include "box.h"

#include <lauxlib.h>
#include <string.h>

#include "bind.h"

#define BOX_MARK "__fin_box"

/* The box at idx when its metatable carries our marker, else NULL. */
static struct fin_box *any_box(lua_State *L, int idx) {
  void *p = lua_touserdata(L, idx);
  if (p == NULL || lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx)) return NULL;
  int ours = lua_getfield(L, -1, BOX_MARK) == LUA_TBOOLEAN && lua_toboolean(L, -1);
  lua_pop(L, 2);
  return ours ? p : NULL;
}

/* __gc and __close: release the port once, and only while the box owns it.
 * The box is marked closed (ops = NULL) before destroy runs (liolib's
 * aux_close clears closef first). */
static int box_release(lua_State *L) {
  struct fin_box *b = any_box(L, 1);
  if (b == NULL) return 0;
  void (*destroy)(void *) = b->owned ? b->destroy : NULL;
  void *self = b->self;
  b->owned = false;
  b->ops = NULL;
  b->self = NULL;
  b->destroy = NULL;
  if (destroy != NULL) destroy(self);
  return 0;
}

static int box_tostring(lua_State *L) {
  struct fin_box *b = any_box(L, 1);
  const char *name = luaL_typename(L, 1);
  if (luaL_getmetafield(L, 1, "__name") == LUA_TSTRING) name = lua_tostring(L, -1);
  if (b == NULL || b->ops == NULL)
    lua_pushfstring(L, "%s (closed)", name);
  else
    lua_pushfstring(L, "%s: %p", name, (void *)b);
  return 1;
}

struct fin_box *fin_box_push(lua_State *L, const char *tname) {
  /* Safe before anything is acquired: empty, owned = false (liolib's
   * newprefile). One user value so adapters can keep a dependency alive. */
  struct fin_box *b = lua_newuserdatauv(L, sizeof *b, 1);
  memset(b, 0, sizeof *b);
  if (luaL_newmetatable(L, tname)) {
    static const luaL_Reg meta[] = {{"__gc", box_release},
                                    {"__close", box_release},
                                    {"__tostring", box_tostring},
                                    {NULL, NULL}};
    luaL_setfuncs(L, meta, 0);
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, BOX_MARK);
    const luaL_Reg *methods = fin_bind_methods(tname);
    lua_newtable(L);
    if (methods != NULL) luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
  }
  lua_setmetatable(L, -2);
  return b;
}

struct fin_box *fin_box_test(lua_State *L, int idx, const char *tname) {
  return luaL_testudata(L, idx, tname);
}

struct fin_box *fin_box_check(lua_State *L, int idx, const char *tname) {
  struct fin_box *b = fin_box_test(L, idx, tname);
  if (b == NULL) {
    luaL_typeerror(L, idx, tname);
    return NULL;
  }
  if (b->ops == NULL) {
    luaL_argerror(L, idx,
                  lua_pushfstring(L, "%s port was moved into the container or closed", tname));
    return NULL;
  }
  return b;
}
