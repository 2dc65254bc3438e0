/* test_text.c - UTF-8 validation and the cleaning of user text for messages. */
/* cmocka.h needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unicode/utf8.h>

#include "../../core/util/text.h"

static bool valid(const char *s) {
  return fin_utf8_valid(s, strlen(s));
}

static void utf8_validity(void **state) {
  (void)state;
  assert_true(valid(""));
  assert_true(valid("plain-key-123"));
  assert_true(valid("ma\xc3\xa7\xc3\xa3")); /* maçã */
  assert_true(valid("\xf0\x9f\x92\xb3"));   /* U+1F4B3 */
  assert_false(valid("\xff\xfe"));          /* never in UTF-8 */
  assert_false(valid("k-\xc3"));            /* truncated */
  assert_false(valid("\xc0\xaf"));          /* overlong '/' */
  assert_false(valid("\xed\xa0\x80"));      /* a surrogate */
  assert_false(valid("\xf4\x90\x80\x80"));  /* above U+10FFFF */
  assert_false(fin_utf8_valid(NULL, 0));
}

/* The check byte by byte with ICU, as it was before its ASCII fast path. */
static bool icu_valid(const char *s, size_t n) {
  const uint8_t *p = (const uint8_t *)s;
  size_t i = 0;
  while (i < n) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) return false;
  }
  return true;
}

/* 200,000 random strings of ASCII runs (NULs included), multi-byte
 * characters and broken sequences at every offset: the same answer. */
static void utf8_fast_path_agrees(void **state) {
  (void)state;
  static const char *const parts[] = {
      "a",        "abcdefgh",     "0123456789abcdef", "\0",   "\x7f",
      "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x92\xb3", "\xff", "\xc3",
      "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80"};
  static const size_t lens[] = {1, 8, 16, 1, 1, 2, 3, 4, 1, 1, 2, 3, 4, 1};
  uint64_t x = 0x9E3779B97F4A7C15u;
  for (int k = 0; k < 200000; k++) {
    char s[256];
    size_t n = 0;
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    for (uint64_t r = x * 2685821657736338717u, parts_n = r % 12; parts_n > 0; parts_n--) {
      x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
      size_t j = (x * 2685821657736338717u) % 14;
      if (j >= 8 && (x >> 40) % 4 != 0) j %= 8; /* mostly well-formed */
      memcpy(s + n, parts[j], lens[j]);
      n += lens[j];
    }
    if (fin_utf8_valid(s, n) != icu_valid(s, n)) fail_msg("case %d (%zu bytes)", k, n);
  }
}

static void expect_clean(const char *in, size_t max, const char *want) {
  char *got = fin_text_clean(in, max);
  assert_non_null(got);
  assert_string_equal(got, want);
  free(got);
}

static void cleaning(void **state) {
  (void)state;
  expect_clean("alice@example.com", 100, "alice@example.com");
  expect_clean(NULL, 100, "");
  /* newlines would forge lines of the admin message */
  expect_clean("a@b.co\nReply: \"y 1234ABCD\"", 100, "a@b.coReply: \"y 1234ABCD\"");
  expect_clean("tab\there\r\x1b[31m", 100, "tabhere[31m");
  /* bidi override U+202E, zero-width space U+200B, BOM U+FEFF (Cf) */
  expect_clean("x\xe2\x80\xae"
               "moc.evil\xe2\x80\x8b@\xef\xbb\xbfy",
               100, "xmoc.evil@y");
  /* line separator U+2028, private use U+E000, ill-formed bytes */
  expect_clean("a\xe2\x80\xa8"
               "b\xee\x80\x80"
               "c\xff",
               100, "abc");
  /* letters beyond ASCII stay */
  expect_clean("Jo\xc3\xa3o \xf0\x9f\x92\xb3", 100, "Jo\xc3\xa3o \xf0\x9f\x92\xb3");
  /* cut after max code points, marked with an ellipsis */
  expect_clean("abcdef", 3, "abc\xe2\x80\xa6");
  expect_clean("abc", 3, "abc");
  expect_clean("\xc3\xa3\xc3\xa3\xc3\xa3\xc3\xa3", 2, "\xc3\xa3\xc3\xa3\xe2\x80\xa6");
}

static void emails(void **state) {
  (void)state;
  assert_true(fin_email_valid("alice@example.com"));
  assert_true(fin_email_valid("a.b-c+d_e'f@sub.example-x.co"));
  assert_true(fin_email_valid("user-123@test.local"));
  assert_false(fin_email_valid(NULL));
  assert_false(fin_email_valid(""));
  assert_false(fin_email_valid("alice"));
  assert_false(fin_email_valid("alice@localhost"));
  assert_false(fin_email_valid("alice@example.com\n"));
  assert_false(fin_email_valid("al\x01ice@example.com"));
  assert_false(fin_email_valid("al ice@example.com"));
  assert_false(fin_email_valid("alice..b@example.com"));
  assert_false(fin_email_valid("alice.@example.com"));
  assert_false(fin_email_valid("alice@example..com"));
  assert_false(fin_email_valid("alice@exa_mple.com"));
  assert_false(fin_email_valid("alice@example-.com"));
  assert_false(fin_email_valid("\"q\"@example.com"));
  assert_false(fin_email_valid("alice@[127.0.0.1]"));
  assert_false(fin_email_valid("j\xc3\xa3o@example.com"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(utf8_validity),
      cmocka_unit_test(utf8_fast_path_agrees),
      cmocka_unit_test(cleaning),
      cmocka_unit_test(emails),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
