/* fuzz_jsonin.c - the fast JSON reader agrees with json_loadb on any bytes:
 * both refuse, or both build equal values. */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "../../core/util/jsonin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *want = json_loadb((const char *)data, size, 0, NULL);
  json_t *got = fin_json_parse((const char *)data, size, NULL);
  if ((want == NULL) != (got == NULL)) abort();
  if (want != NULL && !json_equal(want, got)) abort();
  json_decref(want);
  json_decref(got);
  return 0;
}
