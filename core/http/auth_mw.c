/* auth_mw.c - Bearer authentication and the admin check (behaviour.md
 * §3.1, §3.5). The auth port decides; this file maps its answer to HTTP. */
#include <string.h>

#include "../util/log.h"
#include "errmap.h"
#include "mw.h"

static bool fail(struct fin_resp *r, enum fin_api_err e) {
  fin_resp_fail(r, e);
  return false;
}

/* Releases a principal the port may have half filled. */
static void drop(struct fin_principal *p) {
  fin_principal_clear(p);
  memset(p, 0, sizeof *p);
}

static bool unavailable(struct fin_resp *r, const char *why) {
  char esc[160];
  fin_log("warn", "auth_unavailable", "\"detail\":\"%s\"", fin_log_esc(why, esc, sizeof esc));
  return fail(r, FIN_E_AUTH_UNAVAILABLE);
}

bool fin_mw_auth(const struct fin_auth *auth, const char *authorization, bool admin,
                 struct fin_principal *p, struct fin_resp *r) {
  memset(p, 0, sizeof *p);
  if (authorization == NULL || strncmp(authorization, "Bearer ", 7) != 0)
    return fail(r, FIN_E_AUTH_MISSING);
  const struct fin_auth_ops *ops = auth != NULL ? auth->ops : NULL;
  if (ops == NULL || ops->verify == NULL) return unavailable(r, "no auth provider wired");

  char detail[128] = "";
  switch (ops->verify(auth->self, authorization + 7, p, detail, sizeof detail)) {
  case FIN_AUTH_OK:
    break;
  case FIN_AUTH_EXPIRED:
    drop(p);
    return fail(r, FIN_E_TOKEN_EXPIRED);
  case FIN_AUTH_UNAVAILABLE:
    drop(p);
    return unavailable(r, detail);
  case FIN_AUTH_INVALID:
  default:
    drop(p);
    return fail(r, FIN_E_TOKEN_INVALID);
  }

  if (ops->is_disabled != NULL && p->account != NULL) {
    bool disabled = false;
    struct fin_err e = {0};
    /* fail closed: a status nobody could read is not "active" */
    if (ops->is_disabled(auth->self, p->account, &disabled, &e) != FIN_OK) {
      drop(p);
      return unavailable(r, e.msg);
    }
    if (disabled) {
      drop(p);
      return fail(r, FIN_E_ACCOUNT_DISABLED);
    }
  }
  if (admin && (p->role == NULL || strcmp(p->role, "admin") != 0)) {
    drop(p);
    return fail(r, FIN_E_ADMIN_REQUIRED);
  }
  return true;
}
