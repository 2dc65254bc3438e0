/* modules.h - the Lua modules the host preloads (require "fin", ...).
 * Adding an adapter module is one line here: X("fin.aws", luaopen_fin_aws). */
#ifndef FIN_LUA_MODULES_H
#define FIN_LUA_MODULES_H

#include <lua.h>

#define FIN_LUA_MODULES(X)                                                                         \
  X("fin", luaopen_fin)                                                                            \
  X("fin.memory", luaopen_fin_memory)                                                              \
  X("fin.wpp", luaopen_fin_wpp)                                                                    \
  X("fin.aws", luaopen_fin_aws)                                                                    \
  X("fin.firebase", luaopen_fin_firebase)

#define FIN_LUA_DECLARE_(name, fn) int fn(lua_State *L);
FIN_LUA_MODULES(FIN_LUA_DECLARE_)
#undef FIN_LUA_DECLARE_

#endif
