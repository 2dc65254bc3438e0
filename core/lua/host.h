/* host.h - the embedded Lua 5.4 host.
 *
 * Lua runs only at start-up (wiring) and in `financial-api run` scripts; no
 * Lua runs per request. Errors come back as values (a message buffer).
 */
#ifndef FIN_HOST_H
#define FIN_HOST_H

#include <lua.h>
#include <stddef.h>

#include "../app/container.h"

/* A new state with the safe standard libraries and every fin.* module
 * preloaded (require "fin", "fin.memory", ...). NULL on OOM. */
lua_State *fin_host_new(void);

/* Runs `wiring_file` (text only), checks the returned container table and
 * moves every slot into *c (zeroed by the caller). Returns 0, or -1 with a
 * one-line message in err naming the slot and "file:line", e.g.
 * "lua/memory.lua:12: container slot 'cards' is missing (expected fin.Cards)".
 * Also fills c->rules (defaults + config port) and c->whatsapp/seeds. */
int fin_host_load_container(const char *wiring_file, struct fin_container *c, char *err,
                            size_t err_size);

/* Runs a script with args (the `arg` table, like lua.c). Returns the process
 * exit status; errors go to stderr with a traceback. */
int fin_host_run_script(const char *script, int argc, char **argv);

#endif
