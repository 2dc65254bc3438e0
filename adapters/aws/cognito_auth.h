/* cognito_auth.h - the auth provider of AWS mode: Cognito ID and access
 * tokens verified locally against the pool's JWKS (behaviour.md §3.3;
 * docs/aws.md, "Cognito").
 *
 * A token is accepted only when
 *   - it is a compact JWS (three base64url segments, ≤ 16 KiB) whose header
 *     says alg RS256 and names a kid (alg "none", HS*, anything else and a
 *     "crit" header are refused before any key is looked at);
 *   - the kid is in the JWKS (jwks.h: cached by kid; an unknown kid
 *     refetches at most once per refetch_after_s, without stampedes);
 *   - the RS256 signature verifies (OpenSSL EVP_DigestVerify);
 *   - `iss` equals the issuer (another pool's tokens fail here);
 *   - `token_use` is "id" with `aud` = client_id, or "access" with
 *     `client_id` = client_id;
 *   - `sub` is a non-empty string, `exp` is a number, `nbf` (if any) is not
 *     in the future;
 *   - `exp` + leeway_s is in the future, else FIN_AUTH_EXPIRED. Expiry is
 *     decided last, so an expired token with a bad signature is INVALID.
 * Everything else that is wrong is FIN_AUTH_INVALID. A needed JWKS fetch
 * that fails is FIN_AUTH_UNAVAILABLE (503, not 401).
 *
 * Claims (the original's mapping): uid = sub; email = `email` or "";
 * role = `custom:role` when it is "admin" or "user", else "user";
 * ecosystem_id = `custom:ecosystemId` when non-empty, else sub. Access
 * tokens carry no email or custom attributes, so they always map to role
 * "user" with ecosystem_id = sub: use ID tokens for admins.
 *
 * The pool in force may change while the server runs (an emulator reset):
 * with cfg.source, a token whose issuer names another pool makes the
 * provider read the pool id again, rate-limited (cognito_pool.h).
 *
 * is_disabled() asks Cognito (AdminGetUser on the pool in force, Username =
 * the principal's account: the token's `cognito:username`, or `username` in
 * an access token, else sub): `Enabled` false is disabled,
 * UserNotFoundException active; any other failure (unreachable, throttled,
 * 5xx, access denied) is an error, which the middleware answers 503. Answers
 * are kept status_ttl_s seconds per account (adapters/common/ustat.h).
 * ping() is FIN_OK when a key set is loaded (fetching one if needed).
 * Thread-safe.
 */
#ifndef FIN_COGNITO_AUTH_H
#define FIN_COGNITO_AUTH_H

#include <stddef.h>

#include "../../core/ports/services.h"
#include "cognito_pool.h"

struct cognito_auth_cfg {
  const char *region;            /* NULL: the pool id's prefix ("eu-west-1_x" -> eu-west-1) */
  const char *user_pool_id;      /* required: <region>_<id> ([A-Za-z0-9_-]) */
  const char *client_id;         /* required: the app client (aud / client_id) */
  const char *issuer;            /* NULL: https://cognito-idp.<region>.amazonaws.com/<pool>;
                                    "{userPoolId}" in it stands for the pool id (LocalStack
                                    Pro: http://localhost.localstack.cloud:4566/{userPoolId}) */
  const char *jwks_url;          /* NULL: <issuer>/.well-known/jwks.json. Emulators need
                                    both set apart: moto serves the keys at
                                    <endpoint>/<pool>/.well-known/jwks.json but signs
                                    with the real AWS issuer. "{userPoolId}" as above. */
  long timeout_ms;               /* JWKS fetch, whole; 0: 2000 */
  long connect_timeout_ms;       /* 0: min(1000, timeout_ms) */
  long leeway_s;                 /* clock skew allowed on exp and nbf; 0: none */
  long refetch_after_s;          /* unknown kid: at most one JWKS fetch per this; 0: 30 */
  long max_key_age_s;            /* the key set is refreshed after this; 0: 3600 */
  const struct fin_clock *clock; /* borrowed, must outlive the provider; NULL: system */
  struct cpool_source source;    /* where the pool in force is read again when a token
                                    names another one (cognito_pool.h); read NULL: never.
                                    Owned by cognito_auth_new from the call on. */
  long reread_after_s;           /* at most one source read per this; 0: 5 */
  struct aws_cfg aws;            /* the cognito-idp client of AdminGetUser (strings borrowed
                                    during cognito_auth_new); region NULL: the pool id's */
  long status_ttl_s;             /* account statuses kept this long; 0: asked every time;
                                    < 0: USTAT_DEFAULT_TTL_S */
  size_t status_cache_size;      /* accounts kept at most; 0: USTAT_DEFAULT_CAPACITY */
};

/* A new provider (cfg's strings are copied; nothing is fetched yet),
 * released with ops->destroy(self). On bad config or OOM: {NULL, NULL} with
 * the reason in err. */
struct fin_auth cognito_auth_new(const struct cognito_auth_cfg *cfg, char *err, size_t err_size);

/* JWKS fetch attempts of the pool in force so far (tests); 0 for a
 * provider not made here. */
unsigned long cognito_auth_jwks_fetches(struct fin_auth a);
/* Reads of cfg.source so far (tests); 0 for a provider not made here. */
unsigned long cognito_auth_pool_reads(struct fin_auth a);

#endif
