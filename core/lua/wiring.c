/* wiring.c - runs a wiring file and checks/moves the container it returns.
 *
 * The container table's slots (all ports are boxes, box.h):
 *   one per port of core/ports/port_list.h (slot name, FIN_T_* type, and
 *   whether it is required: every one but messenger)
 *   mode                          required non-empty string
 *   seed_users                    optional array of {ecosystemId, role, email?, score}
 *   whatsapp                      optional {admin_phones = {..}, webhook_secret, production}
 *
 * Errors name the slot and the file:line of the `return` that produced the
 * table. That line comes from a line hook that records the last line the
 * main chunk executed, then the nearest `return` at or above it.
 */
#include "wiring.h"

#include <lauxlib.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/log.h"
#include "box.h"

int fin_lua_msgh(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

void fin_one_line(const char *msg, char *out, size_t n) {
  if (n == 0) return;
  if (msg == NULL) msg = "(no message)";
  const char *end = strstr(msg, "\nstack traceback:");
  if (end == NULL) end = msg + strlen(msg);
  size_t o = 0;
  int space = 0;
  for (const char *p = msg; p < end && o + 1 < n; p++) {
    if (*p == '\n' || *p == '\t' || *p == '\r') {
      space = 1;
      continue;
    }
    if (space && o > 0) {
      out[o++] = ' ';
      if (o + 1 >= n) break;
    }
    space = 0;
    out[o++] = *p;
  }
  out[o] = '\0';
}

/* ---- locating the `return` ---- */

struct tracker {
  const char *chunkname; /* "@file" */
  int line;              /* last line the main chunk executed */
};

static const char tracker_key = 'k';

static void line_hook(lua_State *L, lua_Debug *ar) {
  if (ar->event != LUA_HOOKLINE) return;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &tracker_key);
  struct tracker *t = lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (t == NULL || !lua_getinfo(L, "S", ar)) return;
  if (strcmp(ar->what, "main") == 0 && strcmp(ar->source, t->chunkname) == 0)
    t->line = ar->currentline;
}

static int starts_with_return(const char *s) {
  while (*s == ' ' || *s == '\t')
    s++;
  if (strncmp(s, "return", 6) != 0) return 0;
  char c = s[6];
  return !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
}

/* The line of the `return` at or above `last` (0: the file's last line). */
static int return_line(const char *file, int last) {
  FILE *f = fopen(file, "r");
  if (f == NULL) return last;
  char buf[1024];
  int line = 0, found = 0, bol = 1;
  while (fgets(buf, sizeof buf, f) != NULL) {
    if (bol) {
      line++;
      if ((last <= 0 || line <= last) && starts_with_return(buf)) found = line;
    }
    bol = strchr(buf, '\n') != NULL;
  }
  fclose(f);
  if (found > 0) return found;
  return last > 0 ? last : line;
}

int fin_wiring_run(lua_State *L, const char *file, char *where, size_t where_size, char *err,
                   size_t err_size) {
  int base = lua_gettop(L);
  snprintf(where, where_size, "%s", file);
  lua_pushcfunction(L, fin_lua_msgh);
  if (luaL_loadfilex(L, file, "t") != LUA_OK) {
    fin_one_line(lua_tostring(L, -1), err, err_size);
    lua_settop(L, base);
    return -1;
  }

  char chunkname[4200];
  snprintf(chunkname, sizeof chunkname, "@%s", file);
  struct tracker t = {chunkname, 0};
  lua_rawgetp(L, LUA_REGISTRYINDEX, &tracker_key);
  void *prev = lua_touserdata(L, -1);
  lua_pop(L, 1);
  lua_pushlightuserdata(L, &t);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &tracker_key);
  lua_Hook old_hook = lua_gethook(L);
  int old_mask = lua_gethookmask(L), old_count = lua_gethookcount(L);
  lua_pushstring(L, file); /* the chunk's `...`: its own path */
  lua_sethook(L, line_hook, LUA_MASKLINE, 0);
  int st = lua_pcall(L, 1, 1, base + 1);

  lua_sethook(L, old_hook, old_mask, old_count);
  if (prev != NULL)
    lua_pushlightuserdata(L, prev);
  else
    lua_pushnil(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &tracker_key);

  if (st != LUA_OK) {
    fin_one_line(lua_tostring(L, -1), err, err_size);
    lua_settop(L, base);
    return -1;
  }
  snprintf(where, where_size, "%s:%d", file, return_line(file, t.line));
  if (!lua_istable(L, -1)) {
    snprintf(err, err_size, "%s: the wiring file must return the container table (got %s)", where,
             luaL_typename(L, -1));
    lua_settop(L, base);
    return -1;
  }
  lua_remove(L, base + 1); /* the message handler */
  return 0;
}

/* ---- checking ---- */

struct port_slot {
  const char *name;
  const char *tname;
  int required;
  size_t off; /* of the { ops, self } port struct in fin_container */
};

#define PORT_SLOT_(field, type, slot, tname, req)                                                  \
  {slot, tname, req, offsetof(struct fin_container, field)},
static const struct port_slot PORTS[] = {FIN_ALL_PORTS(PORT_SLOT_)};
#define N_PORTS (sizeof PORTS / sizeof PORTS[0])

/* Every port struct is { const X_ops *ops; void *self; }. */
struct any_port {
  const void *ops;
  void *self;
};

/* "string", or a userdata's __name ("fin.Users"). Pushes nothing. */
static const char *type_name(lua_State *L, int idx, char *buf, size_t n) {
  const char *name = luaL_typename(L, idx);
  if (luaL_getmetafield(L, idx, "__name") == LUA_TSTRING) {
    snprintf(buf, n, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
    return buf;
  }
  snprintf(buf, n, "%s", name);
  return buf;
}

static int slot_missing(char *err, size_t n, const char *where, const char *slot,
                        const char *expected) {
  snprintf(err, n, "%s: container slot '%s' is missing (expected %s)", where, slot, expected);
  return -1;
}

static int slot_type(lua_State *L, int idx, char *err, size_t n, const char *where,
                     const char *slot, const char *expected) {
  char tn[64];
  snprintf(err, n, "%s: container slot '%s' has type %s (expected %s)", where, slot,
           type_name(L, idx, tn, sizeof tn), expected);
  return -1;
}

static int check_ports(lua_State *L, int t, const char *where, char *err, size_t n) {
  for (size_t i = 0; i < N_PORTS; i++) {
    const struct port_slot *s = &PORTS[i];
    int type = lua_getfield(L, t, s->name);
    int rc = 0;
    if (type == LUA_TNIL) {
      if (s->required) rc = slot_missing(err, n, where, s->name, s->tname);
    } else {
      struct fin_box *b = fin_box_test(L, -1, s->tname);
      if (b == NULL)
        rc = slot_type(L, -1, err, n, where, s->name, s->tname);
      else if (b->ops == NULL || !b->owned) {
        snprintf(err, n,
                 "%s: container slot '%s' holds a closed %s (its port was already moved or "
                 "released)",
                 where, s->name, s->tname);
        rc = -1;
      }
    }
    lua_pop(L, 1);
    if (rc != 0) return rc;
  }
  return 0;
}

static int check_seeds(lua_State *L, int t, const char *where, char *err, size_t n) {
  int type = lua_getfield(L, t, "seed_users");
  if (type == LUA_TNIL) {
    lua_pop(L, 1);
    return 0;
  }
  if (type != LUA_TTABLE) {
    slot_type(L, -1, err, n, where, "seed_users", "an array of {ecosystemId, role, email?, score}");
    lua_pop(L, 1);
    return -1;
  }
  int arr = lua_gettop(L);
  lua_Integer len = luaL_len(L, arr);
  for (lua_Integer i = 1; i <= len; i++) {
    char slot[64];
    snprintf(slot, sizeof slot, "seed_users[%lld]", (long long)i);
    if (lua_geti(L, arr, i) != LUA_TTABLE) {
      slot_type(L, -1, err, n, where, slot, "a table {ecosystemId, role, email?, score}");
      lua_pop(L, 2);
      return -1;
    }
    int u = lua_gettop(L);
    static const struct {
      const char *field;
      int required;
    } strs[] = {{"ecosystemId", 1}, {"role", 1}, {"email", 0}};
    for (size_t k = 0; k < 3; k++) {
      char sub[96];
      snprintf(sub, sizeof sub, "%s.%s", slot, strs[k].field);
      int ft = lua_getfield(L, u, strs[k].field);
      int bad = (ft == LUA_TNIL && strs[k].required)                                ? 1
                : (ft != LUA_TNIL && ft != LUA_TSTRING)                             ? 2
                : (ft == LUA_TSTRING && strs[k].required && lua_rawlen(L, -1) == 0) ? 3
                                                                                    : 0;
      if (bad == 1) slot_missing(err, n, where, sub, "string");
      if (bad == 2) slot_type(L, -1, err, n, where, sub, "string");
      if (bad == 3)
        snprintf(err, n, "%s: container slot '%s' is empty (expected a non-empty string)", where,
                 sub);
      lua_pop(L, 1);
      if (bad) {
        lua_pop(L, 2);
        return -1;
      }
    }
    char sub[96];
    snprintf(sub, sizeof sub, "%s.score", slot);
    int ft = lua_getfield(L, u, "score");
    int bad = 0;
    if (ft == LUA_TNIL)
      bad = slot_missing(err, n, where, sub, "integer 0..1000");
    else if (!lua_isinteger(L, -1))
      bad = slot_type(L, -1, err, n, where, sub, "integer 0..1000");
    else if (lua_tointeger(L, -1) < 0 || lua_tointeger(L, -1) > 1000) {
      snprintf(err, n, "%s: container slot '%s' is %lld (expected integer 0..1000)", where, sub,
               (long long)lua_tointeger(L, -1));
      bad = -1;
    }
    lua_pop(L, 2);
    if (bad) {
      lua_pop(L, 1);
      return -1;
    }
  }
  lua_pop(L, 1);
  return 0;
}

static int check_whatsapp(lua_State *L, int t, const char *where, char *err, size_t n) {
  int type = lua_getfield(L, t, "whatsapp");
  if (type == LUA_TNIL) {
    lua_pop(L, 1);
    return 0;
  }
  int rc = 0;
  int w = lua_gettop(L);
  if (type != LUA_TTABLE) {
    rc = slot_type(L, w, err, n, where, "whatsapp",
                   "a table {admin_phones, webhook_secret, production}");
    goto done;
  }
  int pt = lua_getfield(L, w, "admin_phones");
  if (pt != LUA_TNIL && pt != LUA_TTABLE) {
    rc = slot_type(L, -1, err, n, where, "whatsapp.admin_phones", "an array of up to 2 strings");
  } else if (pt == LUA_TTABLE) {
    lua_Integer len = luaL_len(L, -1);
    if (len > 2) {
      snprintf(err, n,
               "%s: container slot 'whatsapp.admin_phones' has %lld entries (expected up to 2)",
               where, (long long)len);
      rc = -1;
    }
    for (lua_Integer i = 1; rc == 0 && i <= len; i++) {
      int et = lua_geti(L, -1, i);
      if (et != LUA_TSTRING && et != LUA_TNIL) {
        char sub[64];
        snprintf(sub, sizeof sub, "whatsapp.admin_phones[%lld]", (long long)i);
        rc = slot_type(L, -1, err, n, where, sub, "string");
      }
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
  if (rc != 0) goto done;
  int st = lua_getfield(L, w, "webhook_secret");
  if (st != LUA_TNIL && st != LUA_TSTRING)
    rc = slot_type(L, -1, err, n, where, "whatsapp.webhook_secret", "string");
  lua_pop(L, 1);
  if (rc != 0) goto done;
  int bt = lua_getfield(L, w, "production");
  if (bt != LUA_TNIL && bt != LUA_TBOOLEAN)
    rc = slot_type(L, -1, err, n, where, "whatsapp.production", "boolean");
  lua_pop(L, 1);
done:
  lua_pop(L, 1);
  return rc;
}

/* Keys that are not slots are allowed (a wiring may keep helpers there) but
 * logged, so a typo in an optional slot ("messanger") does not go unseen. */
static void warn_unknown_slots(lua_State *L, int t, const char *where) {
  static const char *const others[] = {"mode", "seed_users", "whatsapp"};
  lua_pushnil(L);
  while (lua_next(L, t) != 0) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) continue;
    const char *k = lua_tostring(L, -1);
    int known = k[0] == '_';
    for (size_t i = 0; !known && i < N_PORTS; i++)
      known = strcmp(k, PORTS[i].name) == 0;
    for (size_t i = 0; !known && i < 3; i++)
      known = strcmp(k, others[i]) == 0;
    if (!known) {
      char kb[96], wb[512];
      fin_log("warn", "wiring_unknown_slot", "\"slot\":\"%s\",\"where\":\"%s\"",
              fin_log_esc(k, kb, sizeof kb), fin_log_esc(where, wb, sizeof wb));
    }
  }
}

int fin_wiring_check(lua_State *L, int idx, const char *where, char *err, size_t err_size) {
  int t = lua_absindex(L, idx);
  if (!lua_checkstack(L, 8)) {
    snprintf(err, err_size, "%s: Lua stack exhausted", where);
    return -1;
  }
  warn_unknown_slots(L, t, where);
  if (check_ports(L, t, where, err, err_size) != 0) return -1;
  int mt = lua_getfield(L, t, "mode");
  int rc = 0;
  if (mt == LUA_TNIL)
    rc = slot_missing(err, err_size, where, "mode", "string");
  else if (mt != LUA_TSTRING)
    rc = slot_type(L, -1, err, err_size, where, "mode", "string");
  else if (lua_rawlen(L, -1) == 0) {
    snprintf(err, err_size, "%s: container slot 'mode' is empty (expected a non-empty string)",
             where);
    rc = -1;
  }
  lua_pop(L, 1);
  if (rc != 0) return -1;
  if (check_seeds(L, t, where, err, err_size) != 0) return -1;
  return check_whatsapp(L, t, where, err, err_size);
}

/* ---- moving ---- */

static int dup_field(lua_State *L, int t, const char *k, char **out) {
  *out = NULL;
  if (lua_getfield(L, t, k) == LUA_TSTRING) {
    *out = strdup(lua_tostring(L, -1));
    if (*out == NULL) {
      lua_pop(L, 1);
      return -1;
    }
  }
  lua_pop(L, 1);
  return 0;
}

int fin_wiring_move(lua_State *L, int idx, struct fin_container *c, char *err, size_t err_size) {
  int t = lua_absindex(L, idx);
  for (size_t i = 0; i < N_PORTS; i++) {
    const struct port_slot *s = &PORTS[i];
    lua_getfield(L, t, s->name);
    struct fin_box *b = fin_box_test(L, -1, s->tname);
    if (b != NULL && b->ops != NULL && b->owned) {
      struct any_port p = {b->ops, b->self};
      memcpy((char *)c + s->off, &p, sizeof p);
      /* the container owns it now: Lua's __gc/__close must not release it */
      b->owned = false;
      b->ops = NULL;
      b->self = NULL;
      b->destroy = NULL;
    }
    lua_pop(L, 1);
  }

  if (dup_field(L, t, "mode", &c->mode) != 0) goto oom;

  if (lua_getfield(L, t, "seed_users") == LUA_TTABLE) {
    int arr = lua_gettop(L);
    size_t len = (size_t)luaL_len(L, arr);
    if (len > 0) {
      c->seeds = calloc(len, sizeof *c->seeds);
      if (c->seeds == NULL) goto oom_pop;
    }
    for (size_t i = 0; i < len; i++) {
      lua_geti(L, arr, (lua_Integer)i + 1);
      struct fin_seed_user *s = &c->seeds[i];
      c->n_seeds = i + 1;
      lua_getfield(L, -1, "score");
      s->score = (int)lua_tointeger(L, -1);
      lua_pop(L, 1);
      int rc = dup_field(L, -1, "ecosystemId", &s->ecosystem_id) |
               dup_field(L, -1, "role", &s->role) | dup_field(L, -1, "email", &s->email);
      lua_pop(L, 1);
      if (rc != 0) goto oom_pop;
    }
  }
  lua_pop(L, 1);

  if (lua_getfield(L, t, "whatsapp") == LUA_TTABLE) {
    int w = lua_gettop(L);
    if (lua_getfield(L, w, "admin_phones") == LUA_TTABLE) {
      for (int i = 0; i < 2; i++) {
        if (lua_geti(L, -1, i + 1) == LUA_TSTRING && lua_rawlen(L, -1) > 0) {
          c->whatsapp.admin_phones[i] = strdup(lua_tostring(L, -1));
          if (c->whatsapp.admin_phones[i] == NULL) {
            lua_pop(L, 3);
            goto oom;
          }
        }
        lua_pop(L, 1);
      }
    }
    lua_pop(L, 1);
    if (dup_field(L, w, "webhook_secret", &c->whatsapp.webhook_secret) != 0) goto oom_pop;
    lua_getfield(L, w, "production");
    c->whatsapp.production = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return 0;

oom_pop:
  lua_pop(L, 1);
oom:
  snprintf(err, err_size, "out of memory while moving the container");
  return -1;
}
