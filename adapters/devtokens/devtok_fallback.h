/* devtok_fallback.h - dev tokens beside a real provider, on loopback only.
 *
 * The earlier web frontend signs in with dev tokens ("mock.", devtok.h)
 * only. The remote modes let it in through this explicit, non-production
 * fallback (FIN_DEV_AUTH): a token that starts with "mock." is a dev token;
 * any other goes to the real provider when there is one (Cognito on an
 * emulator, the Firebase Auth emulator), so real tokens keep working beside
 * dev tokens.
 *
 * It is made only when every endpoint the mode talks to is loopback (the
 * host libcurl connects to: fin_url_loopback), so it can never be wired
 * against a real cloud, where anyone could mint an admin token. Which
 * endpoints count is the mode's business (adapters/aws/dev_fallback.c,
 * adapters/firebase/fb_dev_auth.c); the wrapper checks the list it is given.
 * Its traits say it accepts unsigned tokens (so the server binds loopback,
 * core/app/auth_guard.c) and carry its readiness warning followed by the
 * real provider's; it logs a warning when made. */
#ifndef FIN_DEVTOK_FALLBACK_H
#define FIN_DEVTOK_FALLBACK_H

#include <stddef.h>

#include "../../core/ports/auth.h"

#define DEVTOK_FALLBACK_NAME "dev-token-fallback"
#define DEVTOK_FALLBACK_WARNING "auth_provider: dev-token fallback is on (not for production)"

/* One endpoint of the mode. */
struct devtok_endpoint {
  const char *what; /* names it in the refusal: "dynamodb", "FIRESTORE_EMULATOR_HOST" */
  const char *url;  /* a URL or "host[:port]"; NULL: not set (never loopback) */
};

struct devtok_fallback_cfg {
  const char *endpoints_are; /* the refusal says "needs loopback <this>": "AWS endpoints" */
  const char *unset;         /* how an unset endpoint reads in the refusal */
  const char *instead;       /* the refusal's advice: what to use off loopback */
  const struct devtok_endpoint *endpoints;
  size_t n_endpoints; /* 0 is refused: nothing would show the mode is local */
};

/* The provider (name DEVTOK_FALLBACK_NAME), or {NULL, NULL} with the reason
 * in err: an endpoint that is not loopback (the first one, named), or OOM.
 * Takes over `real` (ops NULL: none, dev tokens only) in both cases. The
 * cfg's strings are read here only, before `real` is released (an endpoint
 * may be a string of `real`'s). */
struct fin_auth devtok_fallback_new(const struct devtok_fallback_cfg *cfg, struct fin_auth real,
                                    char *err, size_t err_size);

#endif
