/* mem_lua.h - Lua module "fin.memory": the memory adapters as port boxes. */
#ifndef FIN_MEM_LUA_H
#define FIN_MEM_LUA_H

#include <lua.h>

int luaopen_fin_memory(lua_State *L);

#endif
