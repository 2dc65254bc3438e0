/* test_errmap.c - the table of API errors (core/http/errmap.c): every
 * error has a row, and fin_resp_fail/fin_resp_failf set the envelope
 * fields from it (behaviour.md §2.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "../../core/http/errmap.h"
#include "../../core/http/http.h"

static void every_error_has_a_row(void **state) {
  (void)state;
  for (int e = 0; e < FIN_E__COUNT; e++) {
    int status = fin_api_err_status((enum fin_api_err)e);
    assert_true(status >= 400 && status <= 599);
    assert_non_null(fin_api_err_code((enum fin_api_err)e));
    assert_non_null(fin_api_err_message((enum fin_api_err)e));
    assert_true(fin_api_err_message((enum fin_api_err)e)[0] != '\0');
  }
  /* out of range: the internal error, never a crash */
  assert_int_equal(fin_api_err_status(FIN_E__COUNT), 500);
  assert_string_equal(fin_api_err_code(FIN_E__COUNT), "INTERNAL_ERROR");
}

static void rows_of_the_contract(void **state) {
  (void)state;
  assert_int_equal(fin_api_err_status(FIN_E_INTERNAL), 500);
  assert_string_equal(fin_api_err_message(FIN_E_INTERNAL), "An unexpected error occurred");
  assert_int_equal(fin_api_err_status(FIN_E_CARD_NOT_FOUND), 404);
  assert_string_equal(fin_api_err_code(FIN_E_CARD_NOT_FOUND), "NOT_FOUND");
  assert_int_equal(fin_api_err_status(FIN_E_INSUFFICIENT_CREDIT), 402);
  assert_int_equal(fin_api_err_status(FIN_E_RATE_LIMITED), 429);
  assert_string_equal(fin_api_err_code(FIN_E_RATE_LIMITED), "SERVICE_UNAVAILABLE");
  assert_string_equal(fin_api_err_code(FIN_E_CARDS_CHANGED), "VERSION_CONFLICT");
  assert_true(fin_api_err_no_meta(FIN_E_WEBHOOK_SECRET_MISSING));
  assert_true(fin_api_err_no_meta(FIN_E_WEBHOOK_SECRET_INVALID));
  assert_false(fin_api_err_no_meta(FIN_E_TOKEN_INVALID));
}

static void fail_sets_the_envelope_fields(void **state) {
  (void)state;
  struct fin_resp r = {0};
  r.body = json_object(); /* an error drops the body set before */
  fin_resp_fail(&r, FIN_E_WEBHOOK_SECRET_MISSING);
  assert_null(r.body);
  assert_int_equal(r.status, 401);
  assert_string_equal(r.err_code, "UNAUTHORIZED");
  assert_string_equal(r.err_msg, "Missing webhook secret header");
  assert_true(r.err_no_meta);

  fin_resp_failf(&r, FIN_E_PAYMENT_EXCEEDS_BALANCE, "Payment amount ($%s) exceeds balance ($%s)",
                 "60", "50");
  assert_int_equal(r.status, 400);
  assert_string_equal(r.err_code, "VALIDATION_ERROR");
  assert_string_equal(r.err_msg, "Payment amount ($60) exceeds balance ($50)");
  assert_false(r.err_no_meta);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_error_has_a_row),
      cmocka_unit_test(rows_of_the_contract),
      cmocka_unit_test(fail_sets_the_envelope_fields),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
