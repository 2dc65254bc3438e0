/* dev_fallback.h - the explicit non-production auth fallback of AWS mode.
 *
 * LocalStack Community has no Cognito, so `dev:aws` against it needs some
 * way in. This provider accepts the memory mode's dev tokens (baseline §3.2)
 * but only when every endpoint the AWS clients would use is loopback
 * (127.0.0.0/8, localhost, ::1; AWS_ENDPOINT_URL and each
 * AWS_ENDPOINT_URL_<SERVICE>; the host as libcurl parses it): it can never
 * be wired against real AWS. Its name is "dev-token-fallback"
 * so readiness can say that it is on, and it logs a warning when made. */
#ifndef FIN_DEV_FALLBACK_H
#define FIN_DEV_FALLBACK_H

#include <stdbool.h>
#include <stddef.h>

#include "../../core/ports/services.h"

#define DEV_FALLBACK_NAME "dev-token-fallback"

/* true when url's host, as libcurl parses it, is a loopback address. */
bool dev_fallback_loopback(const char *url);

/* The provider, or {NULL, NULL} with the reason in err (endpoint not
 * loopback, or OOM). With `real` (ops may be NULL; the provider takes it
 * over) tokens that are not dev tokens ("mock.") go to `real`, so an
 * emulator with Cognito serves both kinds. */
struct fin_auth dev_fallback_new(const char *endpoint, struct fin_auth real, char *err,
                                 size_t err_size);

#endif
