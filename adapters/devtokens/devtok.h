/* devtok.h - the dev token provider: unsigned "mock." tokens for local work.
 *
 * Any wiring may use it: memory mode's auth (memory.dev_auth()), and the
 * loopback-only fallback of the remote modes (devtok_fallback.h). Its
 * traits say it accepts unsigned tokens, so the server only serves it on
 * loopback (core/app/auth_guard.c). The token format is described in devtok_auth.c. */
#ifndef FIN_DEVTOK_H
#define FIN_DEVTOK_H

#include "../../core/ports/auth.h"

/* The provider (name "dev-mock"); it holds no state, so it never fails. */
struct fin_auth devtok_auth_new(void);

#endif
