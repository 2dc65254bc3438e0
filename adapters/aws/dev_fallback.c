/* dev_fallback.c - dev tokens behind a loopback check (see dev_fallback.h). */
#include "dev_fallback.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../adapters/memory/mem_ports.h"
#include "../../core/util/log.h"
#include "../../core/util/urlhost.h"
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

static enum fin_auth_result fb_verify(void *self, const char *token, struct fin_principal *out,
                                      char *detail, size_t detail_size) {
  struct fallback *f = self;
  if (f->real.ops != NULL && strncmp(token, "mock.", 5) != 0)
    return f->real.ops->verify(f->real.self, token, out, detail, detail_size);
  return f->inner.ops->verify(f->inner.self, token, out, detail, detail_size);
}

static enum fin_status fb_is_disabled(void *self, const char *uid, bool *disabled,
                                      struct fin_err *e) {
  struct fallback *f = self;
  return f->inner.ops->is_disabled(f->inner.self, uid, disabled, e);
}

static const char *fb_name(void *self) {
  return DEV_FALLBACK_NAME;
}

static enum fin_status fb_ping(void *self, struct fin_err *e) {
  struct fallback *f = self;
  return f->real.ops != NULL ? f->real.ops->ping(f->real.self, e) : FIN_OK;
}

static void fb_destroy(void *self) {
  struct fallback *f = self;
  if (f == NULL) return;
  f->inner.ops->destroy(f->inner.self);
  if (f->real.ops != NULL) f->real.ops->destroy(f->real.self);
  free(f);
}

static const struct fin_auth_ops fb_ops = {
    .verify = fb_verify,
    .is_disabled = fb_is_disabled,
    .name = fb_name,
    .ping = fb_ping,
    .destroy = fb_destroy,
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
  if (f != NULL) f->inner = mem_auth_new();
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
  return (struct fin_auth){&fb_ops, f};
}
