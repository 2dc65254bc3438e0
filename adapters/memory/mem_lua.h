/* mem_lua.h - Lua module "fin.memory": the memory adapters as port boxes.
 *
 *   local mem = require "fin.memory"
 *   local db = mem.database()      -- userdata fin.memory.Database
 *   db:users() db:scores() db:cards() db:card_requests() db:transactions()
 *   db:idempotency() db:outbox() db:audit_logs() db:wa_notifications()
 *   db:wa_inbound() db:pending_approvals() db:store()   -- fin.Users ... fin.Store
 *   mem.dev_auth() mem.publisher() mem.config{key = value, ...}
 *   mem.clock() mem.fake_clock(ms) mem.messenger()      -- fin.Auth ... fin.Messenger
 *
 * Every port of one database shares it (each holds a reference), so a store
 * commit is atomic across all of them. The database handle itself may be
 * collected or closed once its ports exist.
 */
#ifndef FIN_MEM_LUA_H
#define FIN_MEM_LUA_H

#include <lua.h>

int luaopen_fin_memory(lua_State *L);

#endif
