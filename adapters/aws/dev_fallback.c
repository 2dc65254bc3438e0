/* dev_fallback.c - dev tokens behind a loopback check (see dev_fallback.h). */
#include "dev_fallback.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/log.h"
#include "../../core/util/urlhost.h"
#include "../devtokens/devtok.h"
#include "aws_http.h"

bool dev_fallback_loopback(const char *url) {
  return fin_url_loopback(url);
}

/* The first endpoint the AWS clients would use that is not loopback (each
 * service's own variable counts: one of them alone could point at AWS);
 * NULL when all are loopback. *service names it. */
static const char *non_loopback(const char *endpoint, const char **service) {
  for (size_t i = 0; (*service = aws_service_at(i)) != NULL; i++) {
    const char *ep = aws_endpoint_for(*service, NULL, endpoint);
    if (!fin_url_loopback(ep)) return ep != NULL ? ep : "the AWS default endpoint";
  }
  return NULL;
}

struct fallback {
  struct fin_auth inner; /* dev tokens */
  struct fin_auth real;  /* ops NULL: none */
};

static enum fin_auth_result dfb_verify(void *self, const char *token, struct fin_principal *out,
                                       char *detail, size_t detail_size) {
  struct fallback *f = self;
  if (f->real.ops != NULL && strncmp(token, "mock.", 5) != 0)
    return f->real.ops->verify(f->real.self, token, out, detail, detail_size);
  return f->inner.ops->verify(f->inner.self, token, out, detail, detail_size);
}

static enum fin_status dfb_is_disabled(void *self, const char *uid, bool *disabled,
                                       struct fin_err *e) {
  struct fallback *f = self;
  return f->inner.ops->is_disabled(f->inner.self, uid, disabled, e);
}

static const char *dfb_name(void *self) {
  return DEV_FALLBACK_NAME;
}

static enum fin_status dfb_ping(void *self, struct fin_err *e) {
  struct fallback *f = self;
  return f->real.ops != NULL ? f->real.ops->ping(f->real.self, e) : FIN_OK;
}

static void dfb_destroy(void *self) {
  struct fallback *f = self;
  if (f == NULL) return;
  f->inner.ops->destroy(f->inner.self);
  if (f->real.ops != NULL) f->real.ops->destroy(f->real.self);
  free(f);
}

static void dfb_traits(void *self, struct fin_auth_traits *out) {
  *out = (struct fin_auth_traits){
      .unsigned_tokens = true,
      .warning = "auth_provider: dev-token fallback is on (not for production)"};
}

static const struct fin_auth_ops dfb_ops = {
    .verify = dfb_verify,
    .is_disabled = dfb_is_disabled,
    .name = dfb_name,
    .ping = dfb_ping,
    .destroy = dfb_destroy,
    .traits = dfb_traits,
};

struct fin_auth dev_fallback_new(const char *endpoint, struct fin_auth real, char *err,
                                 size_t err_size) {
  const char *service = NULL, *bad = non_loopback(endpoint, &service);
  if (bad != NULL) {
    if (real.ops != NULL) real.ops->destroy(real.self);
    snprintf(err, err_size,
             "the dev-token fallback needs loopback AWS endpoints (%s: %s); use Cognito "
             "(COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID) for anything else",
             service, bad);
    return (struct fin_auth){NULL, NULL};
  }
  struct fallback *f = calloc(1, sizeof *f);
  if (f != NULL) f->inner = devtok_auth_new();
  if (f == NULL || f->inner.ops == NULL) {
    free(f);
    if (real.ops != NULL) real.ops->destroy(real.self);
    snprintf(err, err_size, "out of memory");
    return (struct fin_auth){NULL, NULL};
  }
  f->real = real;
  fin_log("warn", "auth_dev_fallback",
          "\"endpoint\":\"%s\",\"cognito\":%s,\"note\":\"dev tokens accepted; not for "
          "production\"",
          endpoint, real.ops != NULL ? "true" : "false");
  return (struct fin_auth){&dfb_ops, f};
}
