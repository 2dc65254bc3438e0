/* fuzz_token.c - the wired auth provider's token verification. */
#include <stdint.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct fin_container *c = fuzz_container();
  char *tok = malloc(size + 1);
  if (tok == NULL) return 0;
  memcpy(tok, data, size);
  tok[size] = '\0';
  struct fin_principal p = {0};
  char detail[128];
  if (c->auth.ops->verify(c->auth.self, tok, &p, detail, sizeof detail) == FIN_AUTH_OK) {
    /* A verified principal always has every field. */
    if (!p.uid || !p.email || !p.role || !p.ecosystem_id || p.ecosystem_id[0] == '\0') abort();
  }
  fin_principal_clear(&p);
  free(tok);
  return 0;
}
