/* idem.c - idempotency records: lookup, fill, in-process key locks (idem.h). */
#include "idem.h"

#include <string.h>

#include "../util/codec.h"
#include "../util/stripes.h"
#include "app_errors.h"
#include "records.h"

void fin_idem_hash(const char *key, char out[65]) {
  fin_sha256_hex(key, strlen(key), out);
}

enum fin_status fin_idem_lookup(struct fin_container *c, const char *scope, const char *hash,
                                struct fin_idem *out, struct fin_err *pe) {
  return c->idem.ops->get(c->idem.self, scope, hash, fin_app_now(c), out, pe);
}

enum fin_status fin_idem_find(struct fin_container *c, const char *scope, const char *hash,
                              struct fin_idem *out, struct fin_resp *r) {
  struct fin_err pe = {0};
  enum fin_status st = fin_idem_lookup(c, scope, hash, out, &pe);
  if (st != FIN_OK && st != FIN_NOT_FOUND) {
    struct fin_app_error e = {0};
    fin_app_error_from_port(&e, st, &pe, "read idempotency record");
    fin_app_fail(r, &e);
  }
  return st;
}

void fin_idem_lock(const char *scope, const char *hash) {
  fin_stripe_lock(FIN_STRIPES_IDEM, scope, hash);
}

void fin_idem_unlock(const char *scope, const char *hash) {
  fin_stripe_unlock(FIN_STRIPES_IDEM, scope, hash);
}

enum fin_status fin_idem_fill(struct fin_idem *rec, const char *scope, const char *hash,
                              const char *fingerprint, const char *operation, char *response_text,
                              int status, fin_ms now, const struct fin_rules *rules) {
  memset(rec, 0, sizeof *rec);
  rec->ecosystem_id = fin_strdup(scope);
  rec->response = response_text;
  if (rec->ecosystem_id == NULL || response_text == NULL) {
    fin_idem_clear(rec);
    return FIN_NOMEM;
  }
  fin_strlcpy(rec->key_hash, hash, sizeof rec->key_hash);
  if (fingerprint != NULL) fin_strlcpy(rec->fingerprint, fingerprint, sizeof rec->fingerprint);
  fin_strlcpy(rec->operation, operation, sizeof rec->operation);
  rec->status_code = status;
  rec->created_at = now;
  rec->expires_at = now + rules->idempotency_ttl_ms;
  return FIN_OK;
}
