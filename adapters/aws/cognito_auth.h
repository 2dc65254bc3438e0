/* cognito_auth.h - the auth provider of AWS mode: Cognito ID and access
 * tokens, verified locally (infrastructure.md §5.4, REC of §5.7).
 *
 * A token is accepted only when: it is a compact JWS with alg RS256 (never
 * "none" or HS*); its kid is in the pool's JWKS (fetched with libcurl, cached
 * by kid; an unknown kid refetches at most once per 30 s); the signature
 * verifies (cjose); `iss` equals the pool's issuer; `token_use` is "id" with
 * `aud` = the app client, or "access" with `client_id` = the app client; and
 * `exp` is in the future (else FIN_AUTH_EXPIRED, decided only after the
 * signature holds). Claims: uid = sub, email, role = custom:role ("user"
 * unless "admin"), ecosystem_id = custom:ecosystemId, else sub. The JWKS
 * unreachable when it is needed: FIN_AUTH_UNAVAILABLE. Thread-safe.
 */
#ifndef FIN_COGNITO_AUTH_H
#define FIN_COGNITO_AUTH_H

#include <stddef.h>

#include "../../core/ports/services.h"

struct cognito_auth_cfg {
  const char *region;       /* NULL: us-east-1 */
  const char *user_pool_id; /* required */
  const char *client_id;    /* required: expected aud / client_id */
  const char *issuer;       /* NULL: https://cognito-idp.<region>.amazonaws.com/<pool> */
  const char *jwks_url;     /* NULL: <issuer>/.well-known/jwks.json (emulators differ) */
  long timeout_ms;          /* JWKS fetch; 0: 2000 */
  long leeway_s;            /* clock skew allowed on exp; 0: none */
  /* Clock for exp (tests); NULL: the system clock. */
  long long (*now_s)(void);
};

/* The provider (strings copied), or {NULL, NULL} with a message in err. */
struct fin_auth cognito_auth_new(const struct cognito_auth_cfg *cfg, char *err, size_t err_size);

#endif
