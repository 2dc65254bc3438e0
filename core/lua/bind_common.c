/* bind_common.c - the method table per port type, scratch userdata, result
 * helpers, entity tables and JSON <-> Lua conversion for the bindings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/ent_fields.h"
#include "../util/timefmt.h"
#include "bind.h"
#include "box.h"

const luaL_Reg *fin_bind_methods(const char *tname) {
  static const struct {
    const char *tname;
    const luaL_Reg *methods;
  } table[] = {
      {FIN_T_USERS, fin_bind_users},   {FIN_T_SCORES, fin_bind_scores},
      {FIN_T_CARDS, fin_bind_cards},   {FIN_T_REQUESTS, fin_bind_requests},
      {FIN_T_TXNS, fin_bind_txns},     {FIN_T_OUTBOX, fin_bind_outbox},
      {FIN_T_IDEM, fin_bind_idem},     {FIN_T_STORE, fin_bind_store},
      {FIN_T_CONFIG, fin_bind_config}, {FIN_T_CLOCK, fin_bind_clock},
      {FIN_T_AUTH, fin_bind_auth},     {FIN_T_PUBLISHER, fin_bind_publisher},
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(table[i].tname, tname) == 0) return table[i].methods;
  return NULL;
}

/* ---- scratch ---- */

#define SCRATCH_T "fin.Scratch"

void fin_scratch_release(struct fin_scratch *s) {
  if (s == NULL || s->p == NULL) return;
  void *p = s->p;
  size_t n = s->n;
  s->p = NULL;
  s->n = 0;
  if (s->release != NULL) s->release(p, n);
}

static int scratch_gc(lua_State *L) {
  fin_scratch_release(luaL_testudata(L, 1, SCRATCH_T));
  return 0;
}

struct fin_scratch *fin_scratch_push(lua_State *L) {
  struct fin_scratch *s = lua_newuserdatauv(L, sizeof *s, 0);
  memset(s, 0, sizeof *s);
  if (luaL_newmetatable(L, SCRATCH_T)) {
    lua_pushcfunction(L, scratch_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  return s;
}

/* ---- results ---- */

int fin_bind_fail(lua_State *L, enum fin_status st, const struct fin_err *e) {
  lua_pushnil(L);
  lua_pushstring(L, fin_status_name(st));
  lua_pushstring(L, e != NULL && e->msg[0] != '\0' ? e->msg : fin_status_name(st));
  return 3;
}

void fin_set_str(lua_State *L, const char *k, const char *v) {
  if (v == NULL || v[0] == '\0') return;
  lua_pushstring(L, v);
  lua_setfield(L, -2, k);
}

void fin_set_int(lua_State *L, const char *k, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}

void fin_set_num(lua_State *L, const char *k, double v) {
  /* whole amounts print as integers (10000, not 10000.0), like the API */
  if (isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0)
    lua_pushinteger(L, (lua_Integer)v);
  else
    lua_pushnumber(L, v);
  lua_setfield(L, -2, k);
}

void fin_set_bool(lua_State *L, const char *k, int v) {
  lua_pushboolean(L, v);
  lua_setfield(L, -2, k);
}

void fin_set_time(lua_State *L, const char *k, fin_ms v) {
  if (v == 0) return;
  char buf[32];
  fin_set_str(L, k, fin_iso(v, buf));
}

/* ---- entities ---- */

/* The entity fields of core/domain/ent_fields.c written as plain JSON of
 * the shapes scripts see: empty strings and zero times left out, times as
 * ISO strings, whole amounts as integers (10000, not 10000.0, like the API). */
static int put(json_t *f, const char *name, json_t *v) {
  return json_object_set_new(f, name, v);
}
static int put_s(json_t *f, const char *name, const char *s) {
  return s == NULL || s[0] == '\0' ? 0 : put(f, name, json_string(s));
}
static int put_n(json_t *f, const char *name, double v) {
  bool whole = isfinite(v) && v == floor(v) && fabs(v) < 9007199254740992.0;
  return put(f, name, whole ? json_integer((json_int_t)v) : json_real(v));
}
static int put_int(json_t *f, const char *name, int64_t v) {
  return put(f, name, json_integer(v));
}
static int put_bool(json_t *f, const char *name, bool v) {
  return put(f, name, json_boolean(v));
}
static int put_time(json_t *f, const char *name, fin_ms ms) {
  char buf[32];
  return ms == 0 ? 0 : put(f, name, json_string(fin_iso(ms, buf)));
}
static int put_json(json_t *f, const char *name, const json_t *v) {
  return v == NULL ? 0 : put(f, name, json_deep_copy(v));
}
static int put_map(json_t *f, const char *name, json_t *fields) {
  return fields == NULL ? -1 : put(f, name, fields);
}

static const struct ent_io LUA_IO = {.put_s = put_s,
                                     .put_k = put_s,
                                     .put_n = put_n,
                                     .put_int = put_int,
                                     .put_bool = put_bool,
                                     .put_time = put_time,
                                     .put_json = put_json,
                                     .put_map = put_map};

/* Pushes f (consumed) as a table; raises on OOM (ok false or f NULL). */
static void push_fields(lua_State *L, json_t *f, bool ok) {
  if (f == NULL || !ok) {
    json_decref(f);
    luaL_error(L, "out of memory");
  }
  fin_json_push(L, f);
  json_decref(f);
}

void fin_push_user(lua_State *L, const struct fin_user *u) {
  json_t *f = json_object();
  bool ok = f != NULL && put_s(f, "ecosystemId", u->ecosystem_id) == 0 &&
            ent_user_put(&LUA_IO, f, u) == 0;
  push_fields(L, f, ok);
}

void fin_push_score(lua_State *L, const struct fin_score *s) {
  json_t *f = json_object(); /* stores name the score's time their own way */
  bool ok = f != NULL && put_s(f, "ecosystemId", s->ecosystem_id) == 0 &&
            put_time(f, "timestamp", s->timestamp) == 0 && ent_score_put(&LUA_IO, f, s) == 0;
  push_fields(L, f, ok);
}

void fin_push_card(lua_State *L, const struct fin_card *c) {
  json_t *f = json_object();
  bool ok = f != NULL && put_s(f, "cardId", c->card_id) == 0 &&
            put_s(f, "ecosystemId", c->ecosystem_id) == 0 && ent_card_put(&LUA_IO, f, c) == 0;
  push_fields(L, f, ok);
}

void fin_push_request(lua_State *L, const struct fin_card_request *r) {
  json_t *f = json_object();
  push_fields(L, f, f != NULL && ent_request_put(&LUA_IO, f, r) == 0);
}

void fin_push_txn(lua_State *L, const struct fin_txn *t) {
  json_t *f = json_object();
  bool ok = f != NULL && put_s(f, "transactionId", t->transaction_id) == 0 &&
            put_s(f, "ecosystemId", t->ecosystem_id) == 0 && put_s(f, "cardId", t->card_id) == 0 &&
            ent_txn_put(&LUA_IO, f, t) == 0;
  push_fields(L, f, ok);
}

void fin_push_event(lua_State *L, const struct fin_event *ev) {
  json_t *f = json_object();
  bool ok =
      f != NULL && put_s(f, "eventId", ev->event_id) == 0 && ent_event_put(&LUA_IO, f, ev) == 0;
  push_fields(L, f, ok);
}

void fin_push_idem(lua_State *L, const struct fin_idem *i) {
  json_t *f = json_object(); /* stores keep the owner and hash in keys, expiry as a TTL */
  bool ok = f != NULL && put_s(f, "ecosystemId", i->ecosystem_id) == 0 &&
            put_s(f, "keyHash", i->key_hash) == 0 && put_time(f, "expiresAt", i->expires_at) == 0 &&
            ent_idem_put(&LUA_IO, f, i) == 0;
  push_fields(L, f, ok);
}

void fin_push_page(lua_State *L, const struct fin_page *p) {
  lua_createtable(L, 0, 3);
  fin_set_bool(L, "hasMore", p->has_more);
  fin_set_str(L, "nextCursor", p->next_cursor);
  if (p->total_count >= 0) fin_set_int(L, "totalCount", p->total_count);
}

/* ---- JSON <-> Lua ---- */

void fin_json_push(lua_State *L, const json_t *v) {
  luaL_checkstack(L, 4, "JSON too deeply nested");
  switch (json_typeof(v)) {
  case JSON_OBJECT: {
    const char *k;
    json_t *x;
    lua_createtable(L, 0, (int)json_object_size(v));
    json_object_foreach((json_t *)v, k, x) {
      fin_json_push(L, x);
      lua_setfield(L, -2, k);
    }
    break;
  }
  case JSON_ARRAY: {
    size_t i;
    json_t *x;
    lua_createtable(L, (int)json_array_size(v), 0);
    json_array_foreach(v, i, x) {
      fin_json_push(L, x);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    break;
  }
  case JSON_STRING:
    lua_pushlstring(L, json_string_value(v), json_string_length(v));
    break;
  case JSON_INTEGER:
    lua_pushinteger(L, (lua_Integer)json_integer_value(v));
    break;
  case JSON_REAL:
    lua_pushnumber(L, json_real_value(v));
    break;
  case JSON_TRUE:
    lua_pushboolean(L, 1);
    break;
  case JSON_FALSE:
    lua_pushboolean(L, 0);
    break;
  case JSON_NULL:
  default:
    lua_pushlightuserdata(L, FIN_LUA_NULL);
    break;
  }
}

#define JSON_MAX_DEPTH 64

/* 1..n with n >= 1 and nothing else -> n; otherwise 0 (an object). */
static lua_Integer array_length(lua_State *L, int idx) {
  lua_Integer n = 0, max = 0;
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) {
      lua_pop(L, 1);
      return 0;
    }
    lua_Integer k = lua_tointeger(L, -1);
    if (k > max) max = k;
    n++;
  }
  return n == max ? n : 0;
}

static int cmp_keys(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Lua tables have no key order: objects get their keys sorted so output is
 * deterministic (diffable repro output). Takes o; returns a new object. */
static json_t *sorted_object(json_t *o) {
  size_t n = json_object_size(o);
  if (n < 2) return o;
  const char **keys = malloc(n * sizeof *keys);
  json_t *out = json_object();
  if (keys == NULL || out == NULL) {
    free(keys);
    json_decref(out);
    return o; /* unsorted is still correct */
  }
  size_t i = 0;
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) keys[i++] = k;
  qsort(keys, n, sizeof *keys, cmp_keys);
  for (i = 0; i < n; i++)
    if (json_object_set(out, keys[i], json_object_get(o, keys[i])) != 0) break;
  free(keys);
  if (i < n) {
    json_decref(out);
    return o;
  }
  json_decref(o);
  return out;
}

static json_t *to_json(lua_State *L, int idx, int depth, char *err, size_t n) {
  idx = lua_absindex(L, idx);
  switch (lua_type(L, idx)) {
  case LUA_TNIL:
    return json_null();
  case LUA_TBOOLEAN:
    return json_boolean(lua_toboolean(L, idx));
  case LUA_TNUMBER:
    if (lua_isinteger(L, idx)) return json_integer((json_int_t)lua_tointeger(L, idx));
    if (!isfinite(lua_tonumber(L, idx))) return json_null(); /* JSON.stringify(NaN) */
    return json_real(lua_tonumber(L, idx));
  case LUA_TSTRING: {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    json_t *j = json_stringn(s, len);
    if (j == NULL) snprintf(err, n, "string is not valid UTF-8");
    return j;
  }
  case LUA_TLIGHTUSERDATA:
    if (lua_touserdata(L, idx) == FIN_LUA_NULL) return json_null();
    break;
  case LUA_TTABLE: {
    if (depth >= JSON_MAX_DEPTH) {
      snprintf(err, n, "table nested deeper than %d (a cycle?)", JSON_MAX_DEPTH);
      return NULL;
    }
    if (!lua_checkstack(L, 4)) {
      snprintf(err, n, "Lua stack exhausted");
      return NULL;
    }
    lua_Integer len = array_length(L, idx);
    if (len > 0) {
      json_t *a = json_array();
      for (lua_Integer i = 1; a != NULL && i <= len; i++) {
        lua_rawgeti(L, idx, i);
        json_t *x = to_json(L, -1, depth + 1, err, n);
        lua_pop(L, 1);
        if (x == NULL || json_array_append_new(a, x) != 0) {
          json_decref(a);
          return NULL;
        }
      }
      return a;
    }
    json_t *o = json_object();
    if (o == NULL) return NULL;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
      char kbuf[32];
      const char *k;
      if (lua_type(L, -2) == LUA_TSTRING) {
        k = lua_tostring(L, -2);
      } else if (lua_isinteger(L, -2)) {
        snprintf(kbuf, sizeof kbuf, "%lld", (long long)lua_tointeger(L, -2));
        k = kbuf;
      } else {
        snprintf(err, n, "object key of type %s", luaL_typename(L, -2));
        lua_pop(L, 2);
        json_decref(o);
        return NULL;
      }
      json_t *x = to_json(L, -1, depth + 1, err, n);
      lua_pop(L, 1);
      if (x == NULL || json_object_set_new(o, k, x) != 0) {
        if (x == NULL && err[0] == '\0') snprintf(err, n, "out of memory");
        lua_pop(L, 1);
        json_decref(o);
        return NULL;
      }
    }
    return sorted_object(o);
  }
  default:
    break;
  }
  snprintf(err, n, "cannot encode a %s value", luaL_typename(L, idx));
  return NULL;
}

json_t *fin_json_from_lua(lua_State *L, int idx, char *err, size_t err_size) {
  if (err_size > 0) err[0] = '\0';
  json_t *j = to_json(L, idx, 0, err, err_size);
  if (j == NULL && err_size > 0 && err[0] == '\0') snprintf(err, err_size, "out of memory");
  return j;
}

const char *fin_opt_str(lua_State *L, int idx, const char *k) {
  lua_getfield(L, idx, k);
  const char *s = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
  lua_pop(L, 1); /* the table keeps the string alive */
  return s;
}

long fin_opt_int(lua_State *L, int idx, const char *k, long def) {
  lua_getfield(L, idx, k);
  long v = lua_isnil(L, -1) ? def : (long)luaL_checkinteger(L, -1);
  lua_pop(L, 1);
  return v;
}

void fin_db_metatable(lua_State *L, const char *tname, const luaL_Reg *methods,
                      const luaL_Reg *meta) {
  if (luaL_newmetatable(L, tname)) {
    luaL_setfuncs(L, meta, 0);
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
  }
  lua_pop(L, 1);
}

fin_ms fin_opt_time(lua_State *L, int tidx, const char *k, fin_ms def) {
  fin_ms v = def;
  int t = lua_getfield(L, tidx, k);
  if (t == LUA_TNUMBER && lua_isinteger(L, -1)) {
    v = (fin_ms)lua_tointeger(L, -1);
  } else if (t == LUA_TSTRING) {
    int64_t ms;
    if (fin_iso_parse(lua_tostring(L, -1), &ms) != 0)
      luaL_error(L, "field '%s': '%s' is not an ISO time", k, lua_tostring(L, -1));
    v = ms;
  } else if (t != LUA_TNIL) {
    luaL_error(L, "field '%s' must be epoch ms (integer) or an ISO string, got %s", k,
               luaL_typename(L, -1));
  }
  lua_pop(L, 1);
  return v;
}
