/* fuzz_jsonin.c - the fast JSON reader agrees with json_loadb on any bytes:
 * both refuse, or both build equal values. One exception, jansson's quirk:
 * its reader skips a NUL byte that directly follows a number or a literal
 * ("[1\0]" reads as [1]), which fin_json_parse refuses; there the text
 * without those bytes must give fin_json_parse jansson's value. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../core/util/jsonin.h"
#include "jsonin_quirk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  json_t *want = json_loadb(text, size, 0, NULL);
  json_t *got = fin_json_parse(text, size, NULL);
  if (want != NULL && got == NULL) {
    if (!same_but_quirk(text, size, want)) abort();
  } else if ((want == NULL) != (got == NULL) || (want != NULL && !json_equal(want, got))) {
    abort();
  }
  json_decref(want);
  json_decref(got);
  return 0;
}
