/* jsonin_quirk.h - the one place fin_json_parse and json_loadb(.., 0, ..)
 * differ, for the differential tests (tests/unit/test_jsonin.c,
 * tests/fuzz/fuzz_jsonin.c): jansson's reader skips a NUL byte that
 * directly follows a number or a literal ("[1\0]" reads as [1]), which
 * fin_json_parse refuses. Header-only; include after jansson.h, jsonin.h,
 * stdbool.h, stdlib.h and string.h. */
#ifndef FIN_JSONIN_QUIRK_H
#define FIN_JSONIN_QUIRK_H

/* Whether text, without those NUL bytes, gives fin_json_parse the value
 * json_loadb gave for text (want). */
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

#endif
