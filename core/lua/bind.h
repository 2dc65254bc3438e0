/* bind.h - private to core/lua: the script-side methods of the port types and
 * the small helpers the bind_*.c files and the "fin" module share.
 *
 * Conventions (Lua's own): misuse (a wrong argument type, a missing field)
 * raises with the script position; expected failures return
 * `nil, code, message` where code is fin_status_name() (e.g. "NOT_FOUND",
 * "VERSION_CONFLICT"). Every method only calls port ops, so it works for any
 * adapter. C memory that must survive a raise lives in a scratch userdata
 * (fin_scratch_push) whose __gc releases it.
 */
#ifndef FIN_LUA_BIND_H
#define FIN_LUA_BIND_H

#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>

#include "../domain/model.h"
#include "../ports/errors.h"
#include "../ports/repos.h"

/* The methods of a port type (FIN_T_*), NULL-terminated, or NULL when the
 * type has none. box.c puts them into the metatable's __index table. */
const luaL_Reg *fin_bind_methods(const char *tname);

extern const luaL_Reg fin_bind_users[], fin_bind_scores[], fin_bind_cards[], fin_bind_requests[],
    fin_bind_txns[], fin_bind_outbox[], fin_bind_idem[];
extern const luaL_Reg fin_bind_store[];
extern const luaL_Reg fin_bind_config[], fin_bind_clock[], fin_bind_auth[], fin_bind_publisher[];

/* ---- scratch: C memory anchored in a userdata ---- */
struct fin_scratch {
  void *p;
  size_t n;
  void (*release)(void *p, size_t n); /* called once with (p, n) when p != NULL */
};
/* Pushes an empty scratch userdata (may raise on OOM: do it before acquiring). */
struct fin_scratch *fin_scratch_push(lua_State *L);
/* Releases what the scratch holds now (idempotent); the userdata stays. */
void fin_scratch_release(struct fin_scratch *s);

/* ---- results ---- */
/* Pushes nil, status name, message; returns 3. */
int fin_bind_fail(lua_State *L, enum fin_status st, const struct fin_err *e);

/* Field setters on the table at the top of the stack. Strings that are NULL or
 * "" and times that are 0 are left out (absent like the API's optional keys). */
void fin_set_str(lua_State *L, const char *k, const char *v);
void fin_set_int(lua_State *L, const char *k, lua_Integer v);
void fin_set_num(lua_State *L, const char *k, double v);
void fin_set_bool(lua_State *L, const char *k, int v);
void fin_set_time(lua_State *L, const char *k, fin_ms v); /* ISO string */

/* Entity tables with the API's camelCase names; times as ISO strings. */
void fin_push_user(lua_State *L, const struct fin_user *u);
void fin_push_card(lua_State *L, const struct fin_card *c);
void fin_push_request(lua_State *L, const struct fin_card_request *r);
void fin_push_txn(lua_State *L, const struct fin_txn *t);
void fin_push_event(lua_State *L, const struct fin_event *ev);
void fin_push_idem(lua_State *L, const struct fin_idem *i);
void fin_push_score(lua_State *L, const struct fin_score *s);
void fin_push_page(lua_State *L, const struct fin_page *p);

/* ---- JSON <-> Lua ---- */
/* The JSON null sentinel (a light userdata), exported as fin.null. */
#define FIN_LUA_NULL ((void *)0)
/* Pushes v as a Lua value (object/array -> table, null -> fin.null). May
 * raise on OOM: keep v anchored (scratch) if you own it. */
void fin_json_push(lua_State *L, const json_t *v);
/* A new JSON value for the Lua value at idx, or NULL with a message in err.
 * Never raises. Tables with keys 1..n (n >= 1) become arrays, other tables
 * objects with sorted keys (keys must be strings or integers); an empty
 * table is {}. */
json_t *fin_json_from_lua(lua_State *L, int idx, char *err, size_t err_size);

/* ---- option tables of adapter constructors ---- */
/* Field k of the table at idx: NULL/def when nil, raises on a wrong type.
 * The string stays anchored in the table. */
const char *fin_opt_str(lua_State *L, int idx, const char *k);
long fin_opt_int(lua_State *L, int idx, const char *k, long def);

/* A database handle userdata of an adapter module (fin.memory, fin.aws,
 * fin.firebase): FIN_DB_HANDLE(T, struct ddb, ddb_unref) defines
 * `struct db_handle`, `check_db(L)` (the handle at index 1, raising once
 * closed) and `db_release(L)` (for __gc and __close: drops the handle's
 * reference once; ports made from it keep theirs). */
#define FIN_DB_HANDLE(tname, ctype, unref)                                                         \
  struct db_handle {                                                                               \
    ctype *d; /* NULL once closed */                                                               \
  };                                                                                               \
  static ctype *check_db(lua_State *L) {                                                           \
    struct db_handle *h = luaL_checkudata(L, 1, tname);                                            \
    if (h->d == NULL) luaL_argerror(L, 1, "database handle is closed");                            \
    return h->d;                                                                                   \
  }                                                                                                \
  static int db_release(lua_State *L) {                                                            \
    struct db_handle *h = luaL_checkudata(L, 1, tname);                                            \
    ctype *d = h->d;                                                                               \
    h->d = NULL;                                                                                   \
    unref(d);                                                                                      \
    return 0;                                                                                      \
  }

/* Registers the metatable `tname` of such a handle once: __index =
 * `methods`, and `meta` (__gc, __close ...). */
void fin_db_metatable(lua_State *L, const char *tname, const luaL_Reg *methods,
                      const luaL_Reg *meta);

/* ---- times ---- */
/* Reads an optional time field: integer epoch ms or an ISO string; returns
 * def when absent. Raises on another type or an unparsable string. */
fin_ms fin_opt_time(lua_State *L, int tidx, const char *k, fin_ms def);

#endif
