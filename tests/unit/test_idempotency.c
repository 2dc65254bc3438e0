/* test_idempotency.c - key hashing and admin key scoping (baseline §5.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "../../core/app/admin_keys.h"

static void user_keys_hash_the_raw_header(void **state) {
  (void)state;
  char h[65];
  fin_idem_hash("abc", h);
  assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  char h2[65];
  fin_idem_hash(" abc", h2); /* no trimming or normalisation */
  assert_string_not_equal(h, h2);
  fin_idem_hash("", h2);
  assert_string_equal(h2, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void admin_keys_are_scoped_by_operation_and_target(void **state) {
  (void)state;
  char a[65], b[65], c[65], d[65];
  fin_admin_key_hash("approve", "req-1", "k", a);
  fin_admin_key_hash("approve", "req-1", "k", b);
  fin_admin_key_hash("reject", "req-1", "k", c);
  fin_admin_key_hash("approve", "req-2", "k", d);
  assert_string_equal(a, b);
  assert_string_not_equal(a, c);
  assert_string_not_equal(a, d);
  /* Never the plain user-key hash: admin and user records cannot collide. */
  char u[65];
  fin_idem_hash("k", u);
  assert_string_not_equal(a, u);
  /* The separator keeps ("ab","c") and ("a","bc") apart. */
  fin_admin_key_hash("ab", "c", "k", a);
  fin_admin_key_hash("a", "bc", "k", b);
  assert_string_not_equal(a, b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(user_keys_hash_the_raw_header),
      cmocka_unit_test(admin_keys_are_scoped_by_operation_and_target),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
