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

static bool same_but_quirk(const char *text, size_t len, const json_t *want) {
  if (memchr(text, '\0', len) == NULL) return false;
  char *t = malloc(len + 1);
  if (t == NULL) return false;
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char prev = i > 0 ? (unsigned char)text[i - 1] : 0;
    bool after_token = (prev >= '0' && prev <= '9') || (prev >= 'a' && prev <= 'z');
    if (text[i] != '\0' || !after_token) t[n++] = text[i];
  }
  json_t *got = fin_json_parse(t, n, NULL);
  bool ok = got != NULL && json_equal(want, got);
  json_decref(got);
  free(t);
  return ok;
}

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
