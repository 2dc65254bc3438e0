/* test_ent_sbuf.c - the bounded string of adapters/common: what fits is
 * appended whole, the first append that does not fit marks the buffer and
 * leaves the text as it was, and nothing is appended after that (no string
 * with a hole in it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "../../adapters/common/ent_sbuf.h"

static void appends_that_fit_are_whole(void **state) {
  char a[16];
  struct ent_sbuf b;
  ent_sbuf_init(&b, a, sizeof a, "SET a");
  ent_sbuf_add(&b, ", b");
  ent_sbuf_addf(&b, ", #k%d", 7);
  assert_true(ent_sbuf_ok(&b));
  assert_string_equal(a, "SET a, b, #k7");
  assert_int_equal(b.len, strlen(a));
}

/* 15 characters and the NUL fill a 16-byte array exactly. */
static void the_last_byte_is_for_the_nul(void **state) {
  char a[16];
  struct ent_sbuf b;
  ent_sbuf_init(&b, a, sizeof a, "0123456789");
  ent_sbuf_add(&b, "abcde");
  assert_true(ent_sbuf_ok(&b));
  assert_string_equal(a, "0123456789abcde");
  ent_sbuf_add(&b, "f");
  assert_false(ent_sbuf_ok(&b));
  assert_string_equal(a, "0123456789abcde");
}

static void an_overflow_keeps_the_text_and_sticks(void **state) {
  char a[12];
  struct ent_sbuf b;
  ent_sbuf_init(&b, a, sizeof a, "abc");
  ent_sbuf_add(&b, "0123456789"); /* does not fit: nothing of it is kept */
  assert_false(ent_sbuf_ok(&b));
  assert_string_equal(a, "abc");
  ent_sbuf_add(&b, "d"); /* would fit, but the string already lost a part */
  assert_string_equal(a, "abc");
  assert_false(ent_sbuf_ok(&b));
}

static void a_formatted_overflow_is_dropped_whole(void **state) {
  char a[8];
  struct ent_sbuf b;
  ent_sbuf_init(&b, a, sizeof a, "ab");
  ent_sbuf_addf(&b, "/%s", "segment");
  assert_false(ent_sbuf_ok(&b));
  assert_string_equal(a, "ab");
  assert_int_equal(b.len, 2);
}

static void a_start_that_does_not_fit_is_an_overflow(void **state) {
  char a[4];
  struct ent_sbuf b;
  ent_sbuf_init(&b, a, sizeof a, "abcd");
  assert_false(ent_sbuf_ok(&b));
  assert_string_equal(a, "");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(appends_that_fit_are_whole),
      cmocka_unit_test(the_last_byte_is_for_the_nul),
      cmocka_unit_test(an_overflow_keeps_the_text_and_sticks),
      cmocka_unit_test(a_formatted_overflow_is_dropped_whole),
      cmocka_unit_test(a_start_that_does_not_fit_is_an_overflow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
