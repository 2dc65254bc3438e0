/* auth.h - the auth provider port: who sent a request, from its bearer token.
 * The HTTP layer's authentication middleware is its only caller on the
 * request path. Same shape as the other ports: { ops, self }, released with
 * ops->destroy(self). */
#ifndef FIN_AUTH_H
#define FIN_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "errors.h"

enum fin_auth_result {
  FIN_AUTH_OK = 0,
  FIN_AUTH_INVALID,     /* 401 INVALID_TOKEN "Authentication token is invalid" */
  FIN_AUTH_EXPIRED,     /* 401 TOKEN_EXPIRED */
  FIN_AUTH_UNAVAILABLE, /* 503: the provider (JWKS, emulator) cannot be reached */
};

struct fin_principal {
  char *uid;
  char *email;        /* "" when the token has none */
  char *role;         /* "user" when the token has none */
  char *ecosystem_id; /* uid when the token has none */
  /* What is_disabled() is asked about: the provider's own name for the
   * account (Cognito's username, Firebase's uid). NULL: the provider keeps no
   * account status (dev tokens), so nothing is asked. */
  char *account;
};
void fin_principal_clear(struct fin_principal *p);

/* Start-up refuses to serve a provider with unsigned_tokens off loopback
 * (core/app/auth_guard.c); readiness lists its warnings. Two slots because
 * a provider that wraps another (the dev-token fallback around the Auth
 * emulator) says what it relaxes and passes on what the other relaxes. */
#define FIN_AUTH_WARNINGS 2
struct fin_auth_traits {
  bool unsigned_tokens; /* accepts tokens nobody signed (anyone could be admin) */
  /* readiness warnings, static strings; unused slots NULL */
  const char *warnings[FIN_AUTH_WARNINGS];
};

struct fin_auth_ops {
  /* Verifies `token` (everything after "Bearer "). On FIN_AUTH_OK *out owns
   * its strings (fin_principal_clear). `detail` (may be NULL, 128 bytes) gets a
   * log-only reason. */
  enum fin_auth_result (*verify)(void *self, const char *token, struct fin_principal *out,
                                 char *detail, size_t detail_size);
  /* *disabled = true when the provider marks `account` (a principal's
   * account, as verify() set it) disabled. An unknown account counts as
   * active; an error (provider unreachable) is answered 503. */
  enum fin_status (*is_disabled)(void *self, const char *account, bool *disabled,
                                 struct fin_err *e);
  const char *(*name)(void *self);
  enum fin_status (*ping)(void *self, struct fin_err *e);
  void (*destroy)(void *self);
  /* What the provider relaxes (NULL: nothing, it checks signatures). */
  void (*traits)(void *self, struct fin_auth_traits *out);
};
struct fin_auth {
  const struct fin_auth_ops *ops;
  void *self;
};

#endif
