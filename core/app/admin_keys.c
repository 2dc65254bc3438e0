/* admin_keys.c - admin idempotency (behaviour.md §5, scoped per operation). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../http/errmap.h"
#include "../util/codec.h"
#include "admin_keys.h"
#include "app_errors.h"
#include "idem.h"

void fin_admin_key_hash(const char *operation, const char *target, const char *key, char out[65]) {
  size_t n = strlen(operation) + strlen(target) + strlen(key) + 3;
  char *buf = malloc(n);
  if (buf == NULL) {
    fin_sha256_hex(key, strlen(key), out);
    return;
  }
  int len = snprintf(buf, n, "%s\n%s\n%s", operation, target, key);
  fin_sha256_hex(buf, (size_t)len, out);
  free(buf);
}

bool fin_admin_replay(struct fin_container *c, const char *admin, const char *hash, const char *fp,
                      struct fin_resp *r) {
  struct fin_idem rec = {0};
  struct fin_err pe = {0};
  enum fin_status st = fin_idem_lookup(c, admin, hash, &rec, &pe);
  if (st == FIN_NOT_FOUND) return false;
  if (st != FIN_OK) {
    struct fin_app_error e = {0};
    fin_app_error_from_port(&e, st, &pe, "read idempotency record");
    fin_app_fail(r, &e);
    return true;
  }
  if (!fin_idem_same_request(&rec, fp)) {
    fin_idem_refuse_reuse(r);
    fin_idem_clear(&rec);
    return true;
  }
  /* Integers as reals: the writer prints 1e20 as 100000000000000000000,
   * which jansson cannot hold in an integer (found by fuzz_jsnum). */
  json_t *body = json_loads(rec.response, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
  if (body == NULL)
    fin_resp_fail(r, FIN_E_INTERNAL);
  else
    fin_resp_json(r, rec.status_code ? rec.status_code : 200, body);
  fin_idem_clear(&rec);
  return true;
}
