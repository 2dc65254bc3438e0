/* jwks.h - an RSA JSON Web Key Set fetched over HTTP(S) and cached by kid,
 * for RS256 token verification (cognito_auth.c).
 *
 * Keys are imported once per fetch into OpenSSL EVP_PKEYs; a lookup hands
 * out a reference, so verification runs without any lock held. Fetching is
 * single-flight: one fetch at a time, and callers that queued behind it take
 * its result instead of fetching again. A fetch happens when
 *   - no key set has been loaded yet (retried at most once a second while
 *     the server fails, so a dead JWKS does not get one request per token);
 *   - a kid is unknown and the last fetch is at least `refetch_after_s` old
 *     (keys rotate in; random kids cannot turn into a fetch per request);
 *   - the set is older than `max_age_s` (keys rotate out): one caller
 *     refreshes while the others keep using the old set; a failed refresh
 *     keeps the old keys.
 * Thread-safe.
 */
#ifndef FIN_JWKS_H
#define FIN_JWKS_H

#include <stddef.h>

#include <openssl/evp.h>

#include "../../core/ports/services.h"

struct jwks_cfg {
  const char *url;               /* required; http:// or https:// */
  long timeout_ms;               /* whole fetch; 0: 2000 */
  long connect_timeout_ms;       /* 0: min(1000, timeout_ms) */
  long refetch_after_s;          /* 0: 30 */
  long max_age_s;                /* 0: 3600 */
  const struct fin_clock *clock; /* borrowed, must outlive the cache; NULL: system clock */
};

enum jwks_result {
  JWKS_OK = 0,
  JWKS_UNKNOWN_KID, /* the set (fresh enough) has no such key */
  JWKS_UNAVAILABLE, /* a fetch was needed and failed (or failed < 1 s ago) */
};

struct jwks;

/* A new, empty cache (nothing is fetched yet; strings copied); free with
 * jwks_free. NULL with a message in err on bad config or OOM. */
struct jwks *jwks_new(const struct jwks_cfg *cfg, char *err, size_t err_size);
/* Accepts NULL. */
void jwks_free(struct jwks *j);

/* The RSA public key with this kid, fetching when the rules above say so.
 * On JWKS_OK *out is a new reference: EVP_PKEY_free it. Otherwise *out is
 * NULL and `why` (may be NULL) gets a short log-only reason. */
enum jwks_result jwks_lookup(struct jwks *j, const char *kid, EVP_PKEY **out, char *why,
                             size_t why_size);

/* Readiness: JWKS_OK when a set with at least one key is loaded, fetching
 * one when none is (same single-flight and retry rules). */
enum jwks_result jwks_ensure(struct jwks *j, char *why, size_t why_size);

/* Fetch attempts so far (tests, logs). */
unsigned long jwks_fetch_count(struct jwks *j);

#endif
