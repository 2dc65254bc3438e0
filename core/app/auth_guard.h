/* auth_guard.h - where tokens anyone can make may be served.
 *
 * The dev tokens of memory mode and of the remote modes' dev-token fallback
 * (FIN_DEV_AUTH) and the Firebase Auth emulator's tokens carry no signature:
 * whoever reaches the server is whoever they claim, admin included. Such a
 * server listens on loopback only: with no --bind it binds 127.0.0.1 (not
 * 0.0.0.0), and a non-loopback --bind is refused unless
 * FIN_INSECURE_DEV_TOKENS=true says otherwise.
 * Either choice is logged at start, and the relaxed one (and any unsigned
 * provider) is a readiness warning. Which providers are unsigned, and what
 * readiness says of them, is the providers' own word: fin_auth_ops.traits. */
#ifndef FIN_AUTH_GUARD_H
#define FIN_AUTH_GUARD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "container.h"

/* true when c's auth provider accepts unsigned tokens. */
bool fin_auth_unsigned(const struct fin_container *c);

/* The address to bind (*out: bind_arg, or the default), or -1 with the
 * reason in err when unsigned tokens would be served off loopback. */
int fin_auth_guard_bind(const struct fin_container *c, const char *bind_arg, const char **out,
                        char *err, size_t err_size);

/* Appends the readiness warnings about auth to arr. */
void fin_auth_guard_warnings(const struct fin_container *c, json_t *arr);

#endif
