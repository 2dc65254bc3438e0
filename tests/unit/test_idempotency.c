/* test_idempotency.c - key hashing and admin key scoping (behaviour.md §5.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "../../core/app/admin_keys.h"
#include "../../core/app/idem.h"

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

static void fp_of(const char *op, const char *param, const char *body, char out[65]) {
  struct fin_req q = {.params = {param}, .body = body ? json_loads(body, 0, NULL) : NULL};
  assert_int_equal(fin_idem_fingerprint(op, &q, out), 0);
  json_decref(q.body);
}

/* The request fingerprint: equal for the same request however it is
 * spelled, different for another body, path or operation. */
static void fingerprints_tell_requests_apart(void **state) {
  (void)state;
  char a[65], b[65];
  fp_of("make-purchase", "card-1", "{\"amount\":100,\"merchant\":\"m\"}", a);
  assert_int_equal(strlen(a), 64);
  fp_of("make-purchase", "card-1", "{\"merchant\":\"m\",\"amount\":100.0}", b);
  assert_string_equal(a, b); /* key order and 100 vs 100.0 do not matter */
  fp_of("make-purchase", "card-1", "{\"amount\":100.01,\"merchant\":\"m\"}", b);
  assert_string_not_equal(a, b);
  fp_of("make-purchase", "card-2", "{\"amount\":100,\"merchant\":\"m\"}", b);
  assert_string_not_equal(a, b);
  fp_of("make-payment", "card-1", "{\"amount\":100,\"merchant\":\"m\"}", b);
  assert_string_not_equal(a, b);
  /* no body is the empty object the handlers see */
  fp_of("make-purchase", "card-1", NULL, a);
  fp_of("make-purchase", "card-1", "{}", b);
  assert_string_equal(a, b);
}

static void records_without_fingerprint_replay(void **state) {
  (void)state;
  struct fin_idem rec = {0};
  char fp[65];
  fp_of("make-purchase", "card-1", "{\"amount\":1}", fp);
  assert_true(fin_idem_same_request(&rec, fp)); /* written by an older version */
  strcpy(rec.fingerprint, fp);
  assert_true(fin_idem_same_request(&rec, fp));
  fp_of("make-purchase", "card-1", "{\"amount\":2}", fp);
  assert_false(fin_idem_same_request(&rec, fp));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(user_keys_hash_the_raw_header),
      cmocka_unit_test(admin_keys_are_scoped_by_operation_and_target),
      cmocka_unit_test(fingerprints_tell_requests_apart),
      cmocka_unit_test(records_without_fingerprint_replay),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
