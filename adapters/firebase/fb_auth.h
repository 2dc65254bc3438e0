/* fb_auth.h - the auth provider of Firebase mode: Firebase ID tokens
 * (behaviour.md §3.3; docs/firebase.md, "Firebase Auth").
 *
 * With an Auth emulator host configured, the emulator's unsigned tokens
 * (alg "none") are accepted after the same claim checks, and nothing else
 * (the emulator signs nothing, so an RS256 token is refused as invalid
 * without asking Google); this is logged at start. The emulator host must
 * be loopback unless allow_remote_emulator says otherwise: an unsigned
 * token is a token anyone can make. Without it, tokens must be RS256 signed by one of Google's
 * securetoken certificates (fetched with libcurl, cached for the
 * Cache-Control max-age, refetched on an unknown kid at most every 30 s) and
 * verified with OpenSSL; an unsigned token is then refused. Either way:
 * `iss` = https://securetoken.google.com/<project>, `aud` = <project>,
 * `sub` present, `exp` in the future (else FIN_AUTH_EXPIRED). Claims: uid =
 * sub, email, role = custom claim `role` ("user" unless "admin"),
 * ecosystem_id = custom claim `ecosystemId`, else the uid; account = uid.
 *
 * is_disabled() asks Identity Toolkit: POST <toolkit>/v1/projects/<project>/
 * accounts:lookup {"localId":[uid]}, on the Auth emulator with "Bearer
 * owner", on Google with the Firestore handle's OAuth token (gtoken.h,
 * scope cloud-platform). users[0].disabled true is disabled, no user active;
 * anything else (unreachable, non-200, no credentials) is an error, which
 * the middleware answers 503. Answers are kept status_ttl_s seconds per uid
 * (adapters/common/ustat.h). Thread-safe.
 */
#ifndef FIN_FB_AUTH_H
#define FIN_FB_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "../../core/ports/services.h"
#include "fs_client.h"

struct fb_auth_cfg {
  const char *project;        /* required */
  const char *emulator_host;  /* FIREBASE_AUTH_EMULATOR_HOST, e.g. "127.0.0.1:9099"; NULL: Google */
  bool allow_remote_emulator; /* accept a non-loopback emulator_host (explicit opt-in) */
  const char *certs_url;      /* NULL: Google's securetoken x509 certificates */
  long timeout_ms;            /* 0: 2000 */
  long long (*now_s)(void);   /* NULL: the system clock */
  struct fs *firestore;       /* Google: whose credentials authorize accounts:lookup (a
                                 reference is taken); NULL: look-ups fail (503) */
  const char *toolkit_url;    /* NULL: http://<emulator_host>/identitytoolkit.googleapis.com,
                                 else https://identitytoolkit.googleapis.com */
  long status_ttl_s;          /* account statuses kept this long; 0: asked every time;
                                 < 0: USTAT_DEFAULT_TTL_S */
  size_t status_cache_size;   /* 0: USTAT_DEFAULT_CAPACITY */
  const struct fin_clock *status_clock; /* the cache's clock; NULL: monotonic */
};

/* The provider (strings copied), or {NULL, NULL} with a message in err. */
struct fin_auth fb_auth_new(const struct fb_auth_cfg *cfg, char *err, size_t err_size);

/* The Auth emulator host `a` accepts tokens from (borrowed, valid while `a`
 * lives), or NULL when `a` is not this provider in emulator mode. */
const char *fb_auth_emulator_host(struct fin_auth a);

#endif
