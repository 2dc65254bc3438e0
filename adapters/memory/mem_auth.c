/* mem_auth.c - the dev token provider of memory mode (baseline §3.2):
 * "mock." + base64(JSON {ecosystemId, role?, email?}) [+ "." + anything].
 * No signature and no expiry: for local development and tests only. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../core/ports/services.h"
#include "../../core/util/codec.h"
#include "mem_services.h"

static char *trimmed(const char *s) {
  while (isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1]))
    n--;
  return strndup(s, n);
}

/* Fills p from the payload object; false when the payload is not usable. */
static bool principal_from(const json_t *o, struct fin_principal *p) {
  const json_t *eco = json_object_get(o, "ecosystemId");
  const json_t *role = json_object_get(o, "role");
  const json_t *email = json_object_get(o, "email");
  if (!json_is_string(eco) || json_string_length(eco) == 0) return false;
  if (email != NULL && !json_is_null(email) && !json_is_string(email)) return false;
  const char *id = json_string_value(eco);
  char *mail = json_is_string(email) ? trimmed(json_string_value(email)) : strdup("");
  if (mail && mail[0] == '\0') {
    free(mail);
    size_t n = strlen(id) + sizeof "@test.local";
    if ((mail = malloc(n)) != NULL) strcpy(stpcpy(mail, id), "@test.local");
  }
  p->uid = strdup(id);
  p->ecosystem_id = strdup(id);
  p->role = strdup(json_is_string(role) ? json_string_value(role) : "user");
  p->email = mail;
  if (!p->uid || !p->ecosystem_id || !p->role || !p->email) {
    fin_principal_clear(p);
    return false;
  }
  return true;
}

static enum fin_auth_result dev_verify(void *self, const char *token, struct fin_principal *out,
                                       char *detail, size_t detail_size) {
  memset(out, 0, sizeof *out);
  if (strncmp(token, "mock.", 5) != 0) {
    if (detail) snprintf(detail, detail_size, "not a dev token");
    return FIN_AUTH_INVALID;
  }
  const char *payload = token + 5;
  size_t len = strcspn(payload, ".");
  size_t n = 0;
  unsigned char *raw = fin_b64_decode_lenient(payload, len, &n);
  json_t *o = raw ? json_loadb((const char *)raw, n, 0, NULL) : NULL;
  free(raw);
  bool ok = json_is_object(o) && principal_from(o, out);
  json_decref(o);
  if (!ok && detail) snprintf(detail, detail_size, "dev token payload is not usable");
  return ok ? FIN_AUTH_OK : FIN_AUTH_INVALID;
}

static enum fin_status dev_disabled(void *self, const char *uid, bool *disabled,
                                    struct fin_err *e) {
  *disabled = false;
  return FIN_OK;
}

static const char *dev_name(void *self) {
  return "dev-mock";
}

static enum fin_status dev_ping(void *self, struct fin_err *e) {
  return FIN_OK;
}

static void dev_destroy(void *self) {}

static const struct fin_auth_ops DEV_AUTH = {dev_verify, dev_disabled, dev_name, dev_ping,
                                             dev_destroy};

struct fin_auth mem_dev_auth(void) {
  return (struct fin_auth){&DEV_AUTH, NULL};
}
