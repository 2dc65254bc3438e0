/* test_jsonin.c - fin_json_parse accepts what json_loadb(.., 0, ..) accepts
 * and builds equal values: chosen edge cases, then generated texts and
 * mutations of them, each parsed by both. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/jsonin.h"
#include "../fuzz/jsonin_quirk.h"

/* Both parsers on the same bytes: both refuse, or both give equal values. */
static int same(const char *text, size_t len) {
  json_error_t e1, e2;
  json_t *want = json_loadb(text, len, 0, &e1);
  json_t *got = fin_json_parse(text, len, &e2);
  int ok = (want == NULL) == (got == NULL) && (want == NULL || json_equal(want, got));
  if (!ok && want != NULL && got == NULL) ok = same_but_quirk(text, len, want);
  if (!ok)
    print_error("differ on [%.*s]: jansson %s (%s), fin %s (%s)\n", (int)len, text,
                want ? "ok" : "refused", want ? "" : e1.text, got ? "ok" : "refused",
                got ? "" : e2.text);
  if (got == NULL) assert_true(e2.text[0] != '\0');
  json_decref(want);
  json_decref(got);
  return ok;
}

static void check(const char *text) {
  assert_true(same(text, strlen(text)));
}

static void accepted(const char *text) {
  json_t *v = fin_json_parse(text, strlen(text), NULL);
  assert_non_null(v);
  json_decref(v);
  check(text);
}

static void refused(const char *text) {
  json_error_t e;
  json_t *v = fin_json_parse(text, strlen(text), &e);
  if (v != NULL) print_error("accepted [%s]\n", text);
  assert_null(v);
  check(text);
}

static void grammar(void **state) {
  (void)state;
  accepted("{}");
  accepted(" [ ] ");
  accepted("{\"Items\":[{\"id\":{\"S\":\"c-1\"},\"n\":{\"N\":\"12.5\"}}],\"Count\":1}");
  accepted("[true,false,null,\"\",0,-0,1.5,-2e3,1E+2,3e-2]");
  accepted("{\"a\":1,\"a\":2}"); /* the later key wins, as in jansson */
  refused("");
  refused("   ");
  refused("\"top\"");
  refused("1");
  refused("null");
  refused("[1,]");
  refused("[,1]");
  refused("{\"a\"}");
  refused("{\"a\":}");
  refused("{a:1}");
  refused("{\"a\":1,}");
  refused("[1 2]");
  refused("[] []");
  refused("[tru]");
  refused("[nul]");
  refused("[\"a]");
  refused("[");
  refused("{");
  refused("[1]x");
}

static void numbers(void **state) {
  (void)state;
  accepted("[9223372036854775807,-9223372036854775808]");
  refused("[9223372036854775808]");
  refused("[-9223372036854775809]");
  refused("[99999999999999999999999]");
  accepted("[1e308,1e-400,-1e-400,0.1,123456789012345678901234567890.5]");
  refused("[1e309]");
  refused("[-1e309]");
  refused("[01]");
  refused("[-01]");
  refused("[1.]");
  refused("[.5]");
  refused("[1e]");
  refused("[1e+]");
  refused("[-]");
  refused("[+1]");
  refused("[0x10]");
  refused("[Infinity]");
  refused("[NaN]");
  /* a long mantissa takes the allocated path */
  char big[400] = "[0.";
  memset(big + 3, '7', 300);
  strcpy(big + 303, "e-5]");
  accepted(big);
}

/* A real's double is strtod's to the bit (the sign of zero too), on the
 * fast path's side of its limits and beyond them: 300,000 decimals with
 * 1 to 24 digits, 0 to 24 of them after the point, some with exponents. */
static void reals_are_strtods(void **state) {
  (void)state;
  uint64_t x = 0x9E3779B97F4A7C15u;
  for (int i = 0; i < 300000; i++) {
    char num[64], text[80];
    size_t n = 0;
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    uint64_t r = x * 2685821657736338717u;
    int digits = 1 + (int)(r % 24), point = (int)((r >> 8) % (uint64_t)digits);
    if (r >> 62 == 0) num[n++] = '-';
    for (int k = 0; k < digits; k++) {
      x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
      char c = (char)('0' + (x * 2685821657736338717u) % 10);
      if (k == 0 && point > 0 && c == '0') c = '9'; /* no leading zero */
      if (k == 1 && point == 0 && num[n - 1] != '0') point = 1;
      num[n++] = c;
      if (k + 1 == point || (point == 0 && k == 0)) num[n++] = '.';
    }
    if (num[n - 1] == '.') num[n++] = '5';
    if ((r >> 20) % 16 == 0) n += (size_t)snprintf(num + n, 8, "e%d", (int)((r >> 24) % 40) - 20);
    num[n] = '\0';
    snprintf(text, sizeof text, "[%s]", num);
    json_t *v = fin_json_parse(text, strlen(text), NULL);
    if (v == NULL) fail_msg("refused %s", text);
    double want = strtod(num, NULL), got = json_real_value(json_array_get(v, 0));
    if (memcmp(&want, &got, sizeof want) != 0) fail_msg("%s: %a, strtod %a", num, got, want);
    json_decref(v);
  }
}

static void strings(void **state) {
  (void)state;
  accepted("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]");
  accepted("[\"\\u00e9\\u20AC\\ud834\\udd1e\"]");
  accepted("[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e \x7f\"]");
  accepted("{\"k\\u00e9y\":\"v\",\"\":\"empty key\"}");
  refused("[\"\\u0000\"]");
  refused("[\"\\ud834\"]");
  refused("[\"\\ud834x\"]");
  refused("[\"\\ud834\\u0041\"]");
  refused("[\"\\udd1e\"]");
  refused("[\"\\x41\"]");
  refused("[\"\\u12G4\"]");
  refused("[\"\\u12\"]");
  refused("[\"tab\there\"]");
  refused("[\"\xc0\xaf\"]");         /* overlong '/' */
  refused("[\"\xe0\x80\xaf\"]");     /* overlong, three bytes */
  refused("[\"\xed\xa0\x80\"]");     /* a surrogate in UTF-8 */
  refused("[\"\xf4\x90\x80\x80\"]"); /* past U+10FFFF */
  refused("[\"\xc3\"]");
  refused("[\"\x80\"]");
  refused("[\"\xff\"]");
  refused("[\"abc");
  assert_true(same("[\"a\0b\"]", 7)); /* a raw NUL is a control character */
  /* jansson skips a NUL right after a number or literal; we refuse it */
  assert_null(fin_json_parse("[1\0]", 4, NULL));
  assert_null(fin_json_parse("{\"a\":false\0}", 12, NULL));
  json_t *quirk = json_loadb("[1\0]", 4, 0, NULL);
  assert_non_null(quirk);
  json_decref(quirk);
}

/* Escaped keys are copied before their value, which reuses the scratch buffer. */
static void escaped_keys_kept(void **state) {
  (void)state;
  const char *t = "{\"\\u00e9a\":\"\\u00e9b\",\"x\\ny\":{\"\\u00e9c\":[\"\\u00e9d\"]}}";
  json_t *v = fin_json_parse(t, strlen(t), NULL);
  assert_non_null(v);
  assert_string_equal(json_string_value(json_object_get(v, "\xc3\xa9"
                                                           "a")),
                      "\xc3\xa9"
                      "b");
  json_t *in = json_object_get(json_object_get(v, "x\ny"), "\xc3\xa9"
                                                           "c");
  assert_string_equal(json_string_value(json_array_get(in, 0)), "\xc3\xa9"
                                                                "d");
  json_decref(v);
}

static void depth_limit(void **state) {
  (void)state;
  for (int levels = 2046; levels <= 2050; levels++) {
    for (int inner = 0; inner < 2; inner++) {
      char *t = malloc((size_t)levels * 2 + 4);
      size_t n = 0;
      for (int i = 0; i < levels; i++)
        t[n++] = '[';
      if (inner) t[n++] = '1';
      for (int i = 0; i < levels; i++)
        t[n++] = ']';
      assert_true(same(t, n));
      free(t);
    }
  }
}

/* ---- generated texts ---- */
static uint64_t rng = 0x853c49e6748fea9bULL;
static unsigned rnd(unsigned n) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (unsigned)(rng % n);
}

struct out {
  char *p;
  size_t n, cap;
};

static void emit(struct out *o, const char *s, size_t n) {
  if (o->n + n + 1 > o->cap) {
    o->cap = (o->n + n + 1) * 2;
    o->p = realloc(o->p, o->cap);
    assert_non_null(o->p);
  }
  memcpy(o->p + o->n, s, n);
  o->n += n;
}

static void emits(struct out *o, const char *s) {
  emit(o, s, strlen(s));
}

static const char *const pieces[] = {"a",
                                     "S",
                                     "N",
                                     "Items",
                                     "\\n",
                                     "\\\"",
                                     "\\\\",
                                     "\\/",
                                     "\\u00e9",
                                     "\\u20ac",
                                     "\\ud834\\udd1e",
                                     "\\u0000",
                                     "\\ud834",
                                     "\xc3\xa9",
                                     "\xe2\x82\xac",
                                     "\xf0\x9f\x98\x80",
                                     "\xc0\xaf",
                                     "\xed\xa0\x80",
                                     "\x7f",
                                     " ",
                                     "#",
                                     ":",
                                     "2026-12-07T04:00:00.000Z",
                                     "\t"};
static const char *const numbers_[] = {"0",
                                       "-0",
                                       "1",
                                       "-1",
                                       "12.5",
                                       "1e3",
                                       "-2.5E-3",
                                       "9223372036854775807",
                                       "-9223372036854775808",
                                       "9223372036854775808",
                                       "1e400",
                                       "0.000001",
                                       "3.14159265358979323846",
                                       "01",
                                       "1.",
                                       "-"};

static void gen_string(struct out *o) {
  emits(o, "\"");
  for (unsigned i = rnd(4); i > 0; i--)
    emits(o, pieces[rnd(sizeof pieces / sizeof *pieces)]);
  emits(o, "\"");
}

static void gen_value(struct out *o, int depth) {
  unsigned k = rnd(depth > 5 ? 5 : 8);
  if (k == 0) emits(o, numbers_[rnd(sizeof numbers_ / sizeof *numbers_)]);
  if (k == 1) gen_string(o);
  if (k == 2) emits(o, rnd(2) ? "true" : "null");
  if (k == 3) emits(o, "false");
  if (k == 4) emits(o, rnd(2) ? "[]" : "{ }");
  if (k == 5 || k == 6) {
    emits(o, "{");
    for (unsigned i = rnd(4), first = 1; i > 0; i--, first = 0) {
      if (!first) emits(o, rnd(2) ? "," : " , ");
      gen_string(o);
      emits(o, rnd(2) ? ":" : " :\n");
      gen_value(o, depth + 1);
    }
    emits(o, "}");
  }
  if (k == 7) {
    emits(o, "[");
    for (unsigned i = rnd(4), first = 1; i > 0; i--, first = 0) {
      if (!first) emits(o, ",");
      gen_value(o, depth + 1);
    }
    emits(o, "]");
  }
}

static void generated_and_mutated(void **state) {
  (void)state;
  static const char junk[] = "{}[],:\"\\ \n0-.eE+tfnu\x80\xc3\xff\0";
  size_t differ = 0, accepted_n = 0;
  for (int round = 0; round < 60000; round++) {
    struct out o = {0};
    emits(&o, rnd(2) ? "{\"v\":" : "[");
    gen_value(&o, 1);
    emits(&o, o.p[0] == '{' ? "}" : "]");
    if (!same(o.p, o.n)) differ++;
    json_t *v = fin_json_parse(o.p, o.n, NULL);
    accepted_n += v != NULL;
    json_decref(v);
    for (int m = 0; m < 3 && o.n > 0; m++) { /* a byte changed, dropped or cut */
      size_t at = rnd((unsigned)o.n);
      unsigned how = rnd(3);
      if (how == 0) o.p[at] = junk[rnd(sizeof junk)]; /* the array's own NUL included */
      if (how == 1) memmove(o.p + at, o.p + at + 1, o.n - at - 1), o.n--;
      if (how == 2) o.n = at;
      if (!same(o.p, o.n)) differ++;
    }
    free(o.p);
  }
  assert_int_equal(differ, 0);
  assert_true(accepted_n > 10000); /* the generator does make valid texts */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(grammar),
      cmocka_unit_test(numbers),
      cmocka_unit_test(strings),
      cmocka_unit_test(reals_are_strtods),
      cmocka_unit_test(escaped_keys_kept),
      cmocka_unit_test(depth_limit),
      cmocka_unit_test(generated_and_mutated),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
