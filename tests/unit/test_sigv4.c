/* test_sigv4.c - the signer against AWS's published SigV4 test suite
 * (credentials AKIDEXAMPLE, us-east-1, service "service", 20150830T123600Z):
 * canonical request, string to sign and Authorization, byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "../../adapters/aws/sigv4.h"

#define DATE "20150830T123600Z"
#define CRED "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
static const struct sigv4_key KEY = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                     "us-east-1", "service"};

/* Signs with Host and X-Amz-Date plus `extra` headers. */
static void sign(const char *method, const char *path, const struct sigv4_pair *q, size_t nq,
                 const struct sigv4_pair *extra, size_t nx, const char *body,
                 struct sigv4_result *out) {
  struct sigv4_pair h[8] = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", DATE}};
  for (size_t i = 0; i < nx; i++)
    h[2 + i] = extra[i];
  struct sigv4_request r = {method, path, q, nq, h, 2 + nx, body, body ? strlen(body) : 0};
  assert_int_equal(sigv4_sign(&r, &KEY, DATE, out), 0);
}

static void get_vanilla(void **state) {
  struct sigv4_result s;
  sign("GET", "/", NULL, 0, NULL, 0, NULL, &s);
  assert_string_equal(s.canonical_request,
                      "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                      "host;x-amz-date\n"
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert_string_equal(
      s.string_to_sign,
      "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
      "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  assert_string_equal(s.authorization, CRED
                      "SignedHeaders=host;x-amz-date, "
                      "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  sigv4_result_clear(&s);
}

static void query_order_key_case(void **state) {
  struct sigv4_pair q[] = {{"Param2", "value2"}, {"Param1", "value1"}};
  struct sigv4_result s;
  sign("GET", "/", q, 2, NULL, 0, NULL, &s);
  assert_string_equal(s.canonical_request,
                      "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
                      "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
                      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert_non_null(
      strstr(s.string_to_sign, "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0"));
  assert_non_null(strstr(s.authorization, "Signature=b97d918cfa904a5beff61c982a1b6f458b79922164"
                                          "6efd99d3219ec94cdf2500"));
  sigv4_result_clear(&s);
}

static void query_order_value(void **state) {
  struct sigv4_pair q[] = {{"Param1", "value2"}, {"Param1", "value1"}};
  struct sigv4_result s;
  sign("GET", "/", q, 2, NULL, 0, NULL, &s);
  assert_non_null(strstr(s.canonical_request, "\nParam1=value1&Param1=value2\n"));
  assert_non_null(strstr(s.authorization, "Signature=5772eed61e12b33fae39ee5e7012498b51d56abc0a"
                                          "bb7c60486157bd471c4694"));
  sigv4_result_clear(&s);
}

static void query_unreserved_and_utf8(void **state) {
  const char *u = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  struct sigv4_pair q[] = {{u, u}};
  struct sigv4_result s;
  sign("GET", "/", q, 1, NULL, 0, NULL, &s);
  assert_non_null(
      strstr(s.string_to_sign, "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177"));
  assert_non_null(strstr(s.authorization, "Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc08"
                                          "84027167c21bb143a40197"));
  sigv4_result_clear(&s);
  struct sigv4_pair utf8[] = {{"\xe1\x88\xb4", "bar"}};
  sign("GET", "/", utf8, 1, NULL, 0, NULL, &s);
  assert_non_null(strstr(s.canonical_request, "\n%E1%88%B4=bar\n"));
  assert_non_null(strstr(s.authorization, "Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8"
                                          "b0a1d91e12c9027818dd04"));
  sigv4_result_clear(&s);
  struct sigv4_pair empty_key[] = {{"Param1", "value1"}};
  sign("GET", "/", empty_key, 1, NULL, 0, NULL, &s);
  assert_non_null(strstr(s.authorization, "Signature=a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6"
                                          "bfe1b6e45aec72011b9aeb"));
  sigv4_result_clear(&s);
}

static void path_encoding(void **state) {
  struct sigv4_result s;
  sign("GET", "/example space/", NULL, 0, NULL, 0, NULL, &s);
  assert_true(strncmp(s.canonical_request, "GET\n/example%20space/\n", 22) == 0);
  assert_non_null(strstr(s.authorization, "Signature=652487583200325589f1fba4c7e578f72c47cb61be"
                                          "eca81406b39ddec1366741"));
  sigv4_result_clear(&s);
  sign("GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", NULL, 0, NULL,
       0, NULL, &s);
  assert_non_null(strstr(s.authorization, "Signature=07ef7494c76fa4850883e2b006601f940f8a34d404"
                                          "d0cfa977f52a65bbf5f24f"));
  sigv4_result_clear(&s);
  sign("GET", "/\xe1\x88\xb4", NULL, 0, NULL, 0, NULL, &s);
  assert_non_null(strstr(s.authorization, "Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e67"
                                          "8f255a891fd03141be5d85"));
  sigv4_result_clear(&s);
}

static void header_value_trim_and_repeats(void **state) {
  struct sigv4_pair h[] = {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}};
  struct sigv4_result s;
  sign("GET", "/", NULL, 0, h, 2, NULL, &s);
  assert_non_null(strstr(s.canonical_request, "\nmy-header1:value1\nmy-header2:\"a b c\"\n"));
  assert_non_null(
      strstr(s.string_to_sign, "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7"));
  assert_string_equal(s.authorization, CRED
                      "SignedHeaders=host;my-header1;my-header2;x-amz-date, "
                      "Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
  sigv4_result_clear(&s);
  struct sigv4_pair rep[] = {{"My-Header1", "value4"},
                             {"My-Header1", "value1"},
                             {"My-Header1", "value3"},
                             {"My-Header1", "value2"}};
  sign("GET", "/", NULL, 0, rep, 4, NULL, &s);
  assert_non_null(strstr(s.canonical_request, "\nmy-header1:value4,value1,value3,value2\n"));
  assert_non_null(strstr(s.authorization, "Signature=08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec"
                                          "47601a50643f830c755c01"));
  sigv4_result_clear(&s);
}

static void post_vanilla_and_body(void **state) {
  struct sigv4_result s;
  sign("POST", "/", NULL, 0, NULL, 0, NULL, &s);
  assert_non_null(strstr(s.authorization, "Signature=5da7c1a2acd57cee7505fc6676e4e544621c308629"
                                          "66e37dddb68e92efbe5d6b"));
  sigv4_result_clear(&s);
  struct sigv4_pair ct[] = {{"Content-Type", "application/x-www-form-urlencoded"}};
  sign("POST", "/", NULL, 0, ct, 1, "Param1=value1", &s);
  assert_string_equal(s.authorization, CRED
                      "SignedHeaders=content-type;host;x-amz-date, "
                      "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
  sigv4_result_clear(&s);
}

static void session_token_is_signed(void **state) {
  struct sigv4_pair tok[] = {
      {"X-Amz-Security-Token",
       "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfp"
       "SPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPk"
       "yQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqB"
       "Az+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="}};
  struct sigv4_result s;
  sign("POST", "/", NULL, 0, tok, 1, NULL, &s);
  assert_string_equal(s.authorization, CRED
                      "SignedHeaders=host;x-amz-date;x-amz-security-token, "
                      "Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead");
  sigv4_result_clear(&s);
}

static void bad_date_is_refused(void **state) {
  struct sigv4_pair h[] = {{"Host", "x"}};
  struct sigv4_request r = {"GET", "/", NULL, 0, h, 1, NULL, 0};
  struct sigv4_result s;
  assert_int_equal(sigv4_sign(&r, &KEY, "2015-08-30", &s), -1);
  assert_null(s.authorization);
  char d[17];
  sigv4_amz_date(1440938160, d); /* 2015-08-30T12:36:00Z */
  assert_string_equal(d, DATE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(get_vanilla),           cmocka_unit_test(query_order_key_case),
      cmocka_unit_test(query_order_value),     cmocka_unit_test(query_unreserved_and_utf8),
      cmocka_unit_test(path_encoding),         cmocka_unit_test(header_value_trim_and_repeats),
      cmocka_unit_test(post_vanilla_and_body), cmocka_unit_test(session_token_is_signed),
      cmocka_unit_test(bad_date_is_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
