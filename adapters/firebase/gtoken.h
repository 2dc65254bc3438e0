/* gtoken.h - OAuth access tokens for Google's Firestore and Identity Toolkit
 * (fb_auth.c's account look-ups) outside the emulator, renewed before they
 * expire (they last an hour):
 *   - from a service-account key file (GOOGLE_APPLICATION_CREDENTIALS): a
 *     JWT signed RS256 with the key is exchanged at the key's token_uri;
 *   - or from the metadata server of Cloud Run / GCE (GCE_METADATA_HOST, by
 *     default metadata.google.internal).
 * A token is kept until five minutes before its expiry; callers waiting for
 * a renewal queue on a fiber-aware lock (core/util/io.h). Thread-safe. */
#ifndef FIN_GTOKEN_H
#define FIN_GTOKEN_H

#include <stddef.h>

#include "../../core/ports/errors.h"

struct gtoken;

struct gtoken_cfg {
  const char *key_file;      /* a service-account key (JSON); NULL: metadata server */
  const char *metadata_host; /* NULL: "metadata.google.internal" */
  const char *scope;         /* NULL: https://www.googleapis.com/auth/cloud-platform */
  long timeout_ms;           /* per token request; 0: 5000 */
};

/* A token source, or NULL with a message in err (an unreadable or malformed
 * key file). No token is fetched yet. */
struct gtoken *gtoken_new(const struct gtoken_cfg *cfg, char *err, size_t err_size);
void gtoken_free(struct gtoken *g);

/* "Authorization: Bearer <token>" into out (size bytes), fetching a token
 * when none is held or it expires within five minutes. FIN_UNAVAILABLE when
 * the token endpoint cannot be reached or refuses (its answer in e). */
enum fin_status gtoken_header(struct gtoken *g, char *out, size_t size, struct fin_err *e);

/* Which source this is: "service account <email>" or "metadata server
 * <host>" (borrowed), for the start-up log. */
const char *gtoken_source(const struct gtoken *g);

#endif
