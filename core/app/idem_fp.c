/* idem_fp.c - request fingerprints for idempotency keys: a key reused with
 * another request is refused (422) rather than answered with the first
 * request's result (IETF Idempotency-Key draft, section 2.7). */
#include <stdlib.h>
#include <string.h>

#include "../http/errmap.h"
#include "../util/codec.h"
#include "idem.h"

/* A copy in which every number is a real, so 100 and 100.0 (the same
 * amount to every handler, which reads doubles) fingerprint alike. */
static json_t *canon(const json_t *v) {
  if (json_is_integer(v)) return json_real((double)json_integer_value(v));
  if (json_is_array(v)) {
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < json_array_size(v); i++) {
      json_t *x = canon(json_array_get(v, i));
      if (x == NULL || json_array_append_new(a, x) != 0) json_decref(a), a = NULL;
    }
    return a;
  }
  if (json_is_object(v)) {
    json_t *o = json_object();
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) {
      json_t *y = canon(x);
      if (o == NULL || y == NULL || json_object_set_new(o, k, y) != 0) {
        json_decref(o);
        return NULL;
      }
    }
    return o;
  }
  return json_deep_copy(v);
}

enum fin_status fin_idem_fingerprint(const char *operation, const struct fin_req *q, char out[65]) {
  /* [operation, [path parameters], body]: a JSON array keeps the parts
   * apart whatever characters they hold. A request without a body is
   * handled as {} everywhere, so it fingerprints as {}. */
  json_t *params = json_array();
  for (size_t i = 0; params != NULL && i < FIN_MAX_PARAMS && q->params[i] != NULL; i++)
    if (json_array_append_new(params, json_string(q->params[i])) != 0)
      json_decref(params), params = NULL;
  json_t *body = q->body != NULL ? canon(q->body) : json_object();
  json_t *all = params && body ? json_pack("[s,O,O]", operation, params, body) : NULL;
  char *text = all ? json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY |
                                         JSON_REAL_PRECISION(17))
                   : NULL;
  json_decref(params);
  json_decref(body);
  json_decref(all);
  if (text == NULL) return FIN_NOMEM;
  fin_sha256_hex(text, strlen(text), out);
  free(text);
  return FIN_OK;
}

bool fin_idem_same_request(const struct fin_idem *rec, const char *fingerprint) {
  /* a record from before fingerprints existed cannot tell: it replays */
  return rec->fingerprint[0] == '\0' || fingerprint == NULL ||
         strcmp(rec->fingerprint, fingerprint) == 0;
}

void fin_idem_refuse_reuse(struct fin_resp *r) {
  fin_resp_fail(r, FIN_E_IDEM_KEY_REUSED);
}
