/* wpp_client.h - WhatsApp sending through a WPP-Connect server (baseline
 * §9.6): token from /api/<session>/<secret>/generate-token (cached 23 h),
 * POST /api/<session>/send-message, GET /api/<session>/check-connection-session.
 * Retries 3 times (1 s, 2 s, 4 s) on 5xx and transport errors; a 401 drops the
 * cached token. The connection status is checked on a background thread
 * and served from its last result, refreshed when older than 10 s. Thread-safe. */
#ifndef FIN_WPP_CLIENT_H
#define FIN_WPP_CLIENT_H

#include <lua.h>

#include "../../core/ports/services.h"

/* Returns a messenger port, or {NULL, NULL} on OOM. Strings are copied. */
struct fin_messenger wpp_messenger_new(const char *base_url, const char *secret_key,
                                       const char *session);

/* Lua module "fin.wpp": client{base_url=, secret_key=, session=} -> fin.Messenger */
int luaopen_fin_wpp(lua_State *L);

#endif
