/* auth_guard.c - unsigned tokens stay on loopback (see auth_guard.h). */
#include "auth_guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/log.h"

#define INSECURE_ENV "FIN_INSECURE_DEV_TOKENS"

/* set once at start when the explicit switch let unsigned tokens off loopback */
static atomic_bool exposed;

static const char *auth_name(const struct fin_container *c) {
  return c->auth.ops != NULL ? c->auth.ops->name(c->auth.self) : "";
}

/* The provider's own word on what it relaxes (none: a signature checker). */
static struct fin_auth_traits traits_of(const struct fin_container *c) {
  struct fin_auth_traits t = {0};
  if (c->auth.ops != NULL && c->auth.ops->traits != NULL) c->auth.ops->traits(c->auth.self, &t);
  return t;
}

bool fin_auth_unsigned(const struct fin_container *c) {
  return traits_of(c).unsigned_tokens;
}

/* --bind takes IP literals only (server.c), so no name to resolve. */
static bool bind_loopback(const char *addr) {
  struct in_addr a4;
  struct in6_addr a6;
  if (inet_pton(AF_INET, addr, &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  return inet_pton(AF_INET6, addr, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

int fin_auth_guard_bind(const struct fin_container *c, const char *bind_arg, const char **out,
                        char *err, size_t err_size) {
  bool unsigned_tokens = fin_auth_unsigned(c);
  bool given = bind_arg != NULL && bind_arg[0] != '\0';
  const char *ins = getenv(INSECURE_ENV);
  bool insecure = ins != NULL && strcmp(ins, "true") == 0;
  *out = given ? bind_arg : unsigned_tokens ? "127.0.0.1" : "0.0.0.0";
  bool off_loopback = !bind_loopback(*out);
  if (unsigned_tokens && off_loopback && !insecure) {
    snprintf(err, err_size,
             "the auth provider %s accepts unsigned tokens (anyone could be admin): it serves "
             "on a loopback address only, not %s (" INSECURE_ENV "=true overrides, never in "
             "production)",
             auth_name(c), *out);
    return -1;
  }
  atomic_store(&exposed, unsigned_tokens && off_loopback);
  char b[128], n[64];
  fin_log(unsigned_tokens ? "warn" : "info", "auth_bind",
          "\"bind\":\"%s\",\"auth\":\"%s\",\"unsigned_tokens\":%s,\"off_loopback\":%s",
          fin_log_esc(*out, b, sizeof b), fin_log_esc(auth_name(c), n, sizeof n),
          unsigned_tokens ? "true" : "false", unsigned_tokens && off_loopback ? "true" : "false");
  return 0;
}

void fin_auth_guard_warnings(const struct fin_container *c, json_t *arr) {
  struct fin_auth_traits t = traits_of(c);
  for (size_t i = 0; i < FIN_AUTH_WARNINGS; i++)
    if (t.warnings[i] != NULL) json_array_append_new(arr, json_string(t.warnings[i]));
  if (atomic_load(&exposed))
    json_array_append_new(
        arr,
        json_string("auth_provider: unsigned tokens served off loopback (" INSECURE_ENV "=true)"));
}
