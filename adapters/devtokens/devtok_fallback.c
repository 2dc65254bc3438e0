/* devtok_fallback.c - dev tokens beside a real provider, behind a loopback
 * check (see devtok_fallback.h). */
#include "devtok_fallback.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/log.h"
#include "../../core/util/urlhost.h"
#include "devtok.h"

struct fallback {
  struct fin_auth dev;  /* dev tokens */
  struct fin_auth real; /* ops NULL: none */
};

static bool has_real(const struct fallback *f) {
  return f->real.ops != NULL;
}

/* The "mock." prefix decides, never a failed verification: a token the real
 * provider refuses must not get a second chance as a dev token. */
static enum fin_auth_result wrap_verify(void *self, const char *token, struct fin_principal *out,
                                        char *detail, size_t detail_size) {
  struct fallback *f = self;
  if (has_real(f) && token != NULL && strncmp(token, "mock.", 5) != 0)
    return f->real.ops->verify(f->real.self, token, out, detail, detail_size);
  return f->dev.ops->verify(f->dev.self, token, out, detail, detail_size);
}

/* The real provider knows its accounts. Dev tokens' principals carry no
 * account, so the middleware never asks about them (auth.h). */
static enum fin_status wrap_is_disabled(void *self, const char *uid, bool *disabled,
                                        struct fin_err *e) {
  struct fallback *f = self;
  struct fin_auth a = has_real(f) && f->real.ops->is_disabled != NULL ? f->real : f->dev;
  return a.ops->is_disabled(a.self, uid, disabled, e);
}

static const char *wrap_name(void *self) {
  return DEVTOK_FALLBACK_NAME;
}

static enum fin_status wrap_ping(void *self, struct fin_err *e) {
  struct fallback *f = self;
  return has_real(f) ? f->real.ops->ping(f->real.self, e) : FIN_OK;
}

static void wrap_destroy(void *self) {
  struct fallback *f = self;
  if (f == NULL) return;
  f->dev.ops->destroy(f->dev.self);
  if (has_real(f)) f->real.ops->destroy(f->real.self);
  free(f);
}

/* Its own warning first, then the first one of the real provider's. */
static void wrap_traits(void *self, struct fin_auth_traits *out) {
  struct fallback *f = self;
  struct fin_auth_traits real = {0};
  if (has_real(f) && f->real.ops->traits != NULL) f->real.ops->traits(f->real.self, &real);
  *out = (struct fin_auth_traits){.unsigned_tokens = true,
                                  .warnings = {DEVTOK_FALLBACK_WARNING, real.warnings[0]}};
}

static const struct fin_auth_ops fallback_ops = {
    .verify = wrap_verify,
    .is_disabled = wrap_is_disabled,
    .name = wrap_name,
    .ping = wrap_ping,
    .destroy = wrap_destroy,
    .traits = wrap_traits,
};

/* The first endpoint that is not loopback, or NULL when all are. */
static const struct devtok_endpoint *off_loopback(const struct devtok_fallback_cfg *cfg) {
  for (size_t i = 0; i < cfg->n_endpoints; i++)
    if (!fin_url_loopback(cfg->endpoints[i].url)) return &cfg->endpoints[i];
  return NULL;
}

/* Releases `real` (taken over either way) and answers "not made". */
static struct fin_auth refused(struct fin_auth real) {
  if (real.ops != NULL) real.ops->destroy(real.self);
  return (struct fin_auth){NULL, NULL};
}

struct fin_auth devtok_fallback_new(const struct devtok_fallback_cfg *cfg, struct fin_auth real,
                                    char *err, size_t err_size) {
  if (cfg->n_endpoints == 0) {
    snprintf(err, err_size, "the dev-token fallback needs loopback %s (none given); %s",
             cfg->endpoints_are, cfg->instead);
    return refused(real);
  }
  const struct devtok_endpoint *bad = off_loopback(cfg);
  if (bad != NULL) {
    snprintf(err, err_size, "the dev-token fallback needs loopback %s (%s: %s); %s",
             cfg->endpoints_are, bad->what, bad->url != NULL ? bad->url : cfg->unset, cfg->instead);
    return refused(real);
  }
  struct fallback *f = calloc(1, sizeof *f);
  if (f == NULL) {
    snprintf(err, err_size, "out of memory");
    return refused(real);
  }
  f->dev = devtok_auth_new();
  f->real = real;
  char ep[160], rn[64];
  fin_log("warn", "auth_dev_fallback",
          "\"endpoint\":\"%s\",\"real\":\"%s\",\"note\":\"dev tokens accepted; not for "
          "production\"",
          fin_log_esc(cfg->endpoints[0].url, ep, sizeof ep),
          fin_log_esc(has_real(f) ? real.ops->name(real.self) : "", rn, sizeof rn));
  return (struct fin_auth){&fallback_ops, f};
}
