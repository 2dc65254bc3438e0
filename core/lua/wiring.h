/* wiring.h - private to core/lua: running a wiring file and checking the
 * container table it returns (used by host.c and fin.load_wiring). */
#ifndef FIN_LUA_WIRING_H
#define FIN_LUA_WIRING_H

#include <lua.h>
#include <stddef.h>

#include "../app/container.h"

/* Message handler for lua_pcall: the message plus a traceback (lua.c's). */
int fin_lua_msgh(lua_State *L);

/* Copies msg as one line: up to the traceback, whitespace runs as one space. */
void fin_one_line(const char *msg, char *out, size_t n);

/* Loads `file` as text and runs it under lua_pcall with fin_lua_msgh; the
 * chunk receives its own path as `...` (to find files next to it).
 * On success pushes the returned table and returns 0; `where` receives
 * "file:line" of the `return` statement that produced it (or of the chunk's
 * last line). On failure returns -1 with a one-line message in err and
 * leaves the stack as it was. Never raises (except on OOM of the state). */
int fin_wiring_run(lua_State *L, const char *file, char *where, size_t where_size, char *err,
                   size_t err_size);

/* Checks every slot of the container table at idx. Returns 0, or -1 with
 * "<where>: container slot 'cards' is missing (expected fin.Cards)" in err.
 * May raise only if the table has metamethods that raise (call it
 * protected). Leaves the stack as it was. */
int fin_wiring_check(lua_State *L, int idx, const char *where, char *err, size_t err_size);

/* Moves a checked table's ports into c (each box is left closed, so Lua's
 * __gc no longer releases them) and copies mode, seed_users and whatsapp.
 * Returns 0, or -1 on OOM (c then holds what was moved: destroy it). */
int fin_wiring_move(lua_State *L, int idx, struct fin_container *c, char *err, size_t err_size);

#endif
