/* test_devtok.c - the dev token provider (adapters/devtokens/devtok_auth.c,
 * behaviour.md §3.2): what a "mock." token's payload becomes, and which
 * payloads make the token invalid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../adapters/devtokens/devtok.h"
#include "../../core/util/codec.h"

/* "mock." + standard Base64 of `json` + `tail` (e.g. ".sig" or ""). */
static char *token_of(const char *json, const char *tail) {
  char *b64 = fin_b64_encode((const unsigned char *)json, strlen(json));
  assert_non_null(b64);
  char *t = NULL;
  assert_true(asprintf(&t, "mock.%s%s", b64, tail) > 0);
  free(b64);
  return t;
}

static enum fin_auth_result verify(const char *token, struct fin_principal *p) {
  struct fin_auth a = devtok_auth_new();
  memset(p, 0, sizeof *p);
  char detail[128] = "";
  enum fin_auth_result r = a.ops->verify(a.self, token, p, detail, sizeof detail);
  a.ops->destroy(a.self);
  return r;
}

static void expect_ok(const char *json, const char *eco, const char *role, const char *email) {
  char *t = token_of(json, ".sig");
  struct fin_principal p;
  assert_int_equal(verify(t, &p), FIN_AUTH_OK);
  assert_string_equal(p.uid, eco);
  assert_string_equal(p.ecosystem_id, eco);
  assert_string_equal(p.role, role);
  assert_string_equal(p.email, email);
  fin_principal_clear(&p);
  free(t);
}

static void expect_invalid(const char *token) {
  struct fin_principal p;
  assert_int_equal(verify(token, &p), FIN_AUTH_INVALID);
  fin_principal_clear(&p);
}

static void email_is_trimmed_and_defaults(void **state) {
  (void)state;
  expect_ok("{\"ecosystemId\":\"e1\",\"email\":\"  a@b.c \\n\"}", "e1", "user", "a@b.c");
  expect_ok("{\"ecosystemId\":\"e2\",\"email\":\"   \"}", "e2", "user", "e2@test.local");
  expect_ok("{\"ecosystemId\":\"e3\",\"email\":null}", "e3", "user", "e3@test.local");
  expect_ok("{\"ecosystemId\":\"e4\"}", "e4", "user", "e4@test.local");
}

static void role_is_copied_or_user(void **state) {
  (void)state;
  expect_ok("{\"ecosystemId\":\"a\",\"role\":\"admin\"}", "a", "admin", "a@test.local");
  expect_ok("{\"ecosystemId\":\"s\",\"role\":\"superadmin\"}", "s", "superadmin", "s@test.local");
  expect_ok("{\"ecosystemId\":\"n\",\"role\":null}", "n", "user", "n@test.local");
  expect_ok("{\"ecosystemId\":\"x\",\"role\":7}", "x", "user", "x@test.local");
}

static void bad_payloads_are_invalid(void **state) {
  (void)state;
  const char *bad[] = {
      "{\"ecosystemId\":\"e\",\"email\":7}",  /* a non-string email */
      "{\"ecosystemId\":\"e\",\"email\":{}}", /* likewise */
      "{\"ecosystemId\":\"\"}",               /* empty id */
      "{\"ecosystemId\":7}",                  /* not a string */
      "{\"role\":\"admin\"}",                 /* no id */
      "null",                                 /* not an object */
      "[\"e\"]",                              /* nor this */
      "{\"ecosystemId\":\"e\"",               /* not JSON */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char *t = token_of(bad[i], ".sig");
    expect_invalid(t);
    free(t);
  }
  expect_invalid("Mock.eyJlY29zeXN0ZW1JZCI6ImUifQ.sig"); /* the prefix is case-sensitive */
  expect_invalid("eyJlY29zeXN0ZW1JZCI6ImUifQ");
  expect_invalid("mock.");
}

/* Payloads only jansson's own reader takes (the fast one goes first): a
 * NUL in a string, an integer past json_int_t. */
static void payloads_past_the_fast_reader(void **state) {
  (void)state;
  expect_ok("{\"ecosystemId\":\"e5\",\"role\":\"admin\",\"note\":\"a\\u0000b\"}", "e5", "admin",
            "e5@test.local");
  expect_ok("{\"ecosystemId\":\"e6\",\"iat\":123456789012345678901234567890}", "e6", "user",
            "e6@test.local");
  char *t = token_of("{\"ecosystemId\":\"e\\u0000x\"}", ".sig"); /* NUL inside the id */
  expect_invalid(t);
  free(t);
}

/* {"ecosystemId":"user-123","role":"user"} in several spellings */
static void base64_is_read_leniently(void **state) {
  (void)state;
  const char *spellings[] = {
      "mock.eyJlY29zeXN0ZW1JZCI6InVzZXItMTIzIiwicm9sZSI6InVzZXIifQ.sig",   /* unpadded */
      "mock.eyJlY29zeXN0ZW1JZCI6InVzZXItMTIzIiwicm9sZSI6InVzZXIifQ==.sig", /* padded */
      "mock.eyJlY29zeXN0ZW1JZCI6InVzZXItMTIzIiwicm9sZSI6InVzZXIifQ",       /* no third part */
      "mock.eyJlY29z eXN0ZW1J!ZCI6InVzZXItMTIzIiwicm9sZSI6InVzZXIifQ.x.y", /* stray characters */
  };
  for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
    struct fin_principal p;
    assert_int_equal(verify(spellings[i], &p), FIN_AUTH_OK);
    assert_string_equal(p.ecosystem_id, "user-123");
    assert_string_equal(p.role, "user");
    fin_principal_clear(&p);
  }
  /* the URL-safe alphabet: this payload's standard Base64 holds both '+'
   * and '/', which become '-' and '_' */
  const char *json = "{\"ecosystemId\":\"u~~~?>?>\"}";
  char *std = token_of(json, "");
  char *url = strdup(std);
  for (char *c = url; *c; c++)
    *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
  assert_string_not_equal(std, url); /* the payload does use both characters */
  struct fin_principal p;
  assert_int_equal(verify(url, &p), FIN_AUTH_OK);
  assert_string_equal(p.ecosystem_id, "u~~~?>?>");
  fin_principal_clear(&p);
  free(std);
  free(url);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(email_is_trimmed_and_defaults),
      cmocka_unit_test(role_is_copied_or_user),
      cmocka_unit_test(bad_payloads_are_invalid),
      cmocka_unit_test(payloads_past_the_fast_reader),
      cmocka_unit_test(base64_is_read_leniently),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
