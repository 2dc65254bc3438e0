/* wpp_client.h - WhatsApp sending through a WPP-Connect server (behaviour.md
 * §9.6): token from /api/<session>/<secret>/generate-token (cached 23 h),
 * POST /api/<session>/send-message, GET /api/<session>/check-connection-session.
 * Retries 3 times (1 s, 2 s, 4 s) on 5xx and transport errors; a 401 drops the
 * cached token. The connection status is checked on a background thread
 * and served from its last result, refreshed when older than 10 s. Thread-safe.
 * On a request fiber (core/util/io.h) a send parks only its fiber: the
 * transfers, the pauses between attempts and the token lock. */
#ifndef FIN_WPP_CLIENT_H
#define FIN_WPP_CLIENT_H

#include "../../core/ports/services.h"

/* Returns a new messenger port (the caller owns it: release it with
 * ops->destroy(self)), or {NULL, NULL} on OOM. The strings are copied.
 * The Lua module "fin.wpp" that wiring files use is in wpp_lua.c. */
struct fin_messenger wpp_messenger_new(const char *base_url, const char *secret_key,
                                       const char *session);

#endif
