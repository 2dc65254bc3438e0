/* dev_fallback.h - the dev-token fallback of AWS mode (FIN_DEV_AUTH).
 *
 * LocalStack Community has no Cognito, and the earlier web frontend signs in
 * with dev tokens only, so `dev:aws` needs some way in. This is the generic
 * fallback of adapters/devtokens (devtok_fallback.h: "mock." tokens, other
 * tokens to Cognito when given, loopback only) with AWS's list of endpoints:
 * every endpoint the AWS clients would use (AWS_ENDPOINT_URL and each
 * AWS_ENDPOINT_URL_<SERVICE>) must be loopback (127.0.0.0/8, localhost, ::1;
 * the host as libcurl parses it), so it can never be wired against real AWS.
 * Its name is DEVTOK_FALLBACK_NAME, so readiness can say that it is on. */
#ifndef FIN_DEV_FALLBACK_H
#define FIN_DEV_FALLBACK_H

#include <stdbool.h>
#include <stddef.h>

#include "../../core/ports/services.h"

/* true when url's host, as libcurl parses it, is a loopback address. */
bool dev_fallback_loopback(const char *url);

/* The provider, or {NULL, NULL} with the reason in err (an endpoint not
 * loopback, or OOM). With `real` (ops may be NULL; the provider takes it
 * over) tokens that are not dev tokens ("mock.") go to `real`, so an
 * emulator with Cognito serves both kinds. */
struct fin_auth dev_fallback_new(const char *endpoint, struct fin_auth real, char *err,
                                 size_t err_size);

#endif
