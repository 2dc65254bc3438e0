/* test_fb_auth.c - Firebase ID tokens: the Auth emulator's unsigned tokens
 * are accepted only when the emulator is configured, with the same claim
 * checks as signed ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../adapters/firebase/fb_auth.h"
#include "../../core/util/codec.h"

static long long fixed_now(void) {
  return 2000000000LL;
}

/* An unsigned token like the emulator's: header {"alg":"none"}, empty signature. */
static char *unsigned_token(const char *payload) {
  const char *hdr = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
  char *h = fin_b64url_encode((const unsigned char *)hdr, strlen(hdr));
  char *p = fin_b64url_encode((const unsigned char *)payload, strlen(payload));
  char *t = NULL;
  assert_true(asprintf(&t, "%s.%s.", h, p) > 0);
  free(h), free(p);
  return t;
}

static struct fin_auth make(const char *emulator) {
  char err[256];
  struct fb_auth_cfg cfg = {.project = "demo-acme",
                            .emulator_host = emulator,
                            .certs_url = "http://127.0.0.1:9/certs",
                            .timeout_ms = 200,
                            .now_s = fixed_now};
  struct fin_auth a = fb_auth_new(&cfg, err, sizeof err);
  assert_non_null(a.ops);
  return a;
}

static enum fin_auth_result check(struct fin_auth a, const char *payload, struct fin_principal *p) {
  char *t = unsigned_token(payload);
  char detail[128];
  enum fin_auth_result r = a.ops->verify(a.self, t, p, detail, sizeof detail);
  free(t);
  return r;
}

#define GOOD_CLAIMS(extra)                                                                         \
  "{\"iss\":\"https://securetoken.google.com/demo-acme\",\"aud\":\"demo-acme\","                   \
  "\"sub\":\"uid-1\",\"exp\":2000000600,\"email\":\"a@b.c\"" extra "}"

static void emulator_token_accepted_with_claims(void **state) {
  struct fin_auth a = make("127.0.0.1:9099");
  struct fin_principal p;
  assert_int_equal(check(a, GOOD_CLAIMS(",\"role\":\"admin\",\"ecosystemId\":\"eco-9\""), &p),
                   FIN_AUTH_OK);
  assert_string_equal(p.uid, "uid-1");
  assert_string_equal(p.email, "a@b.c");
  assert_string_equal(p.role, "admin");
  assert_string_equal(p.ecosystem_id, "eco-9");
  fin_principal_clear(&p);
  assert_int_equal(check(a, GOOD_CLAIMS(",\"role\":\"root\""), &p), FIN_AUTH_OK);
  assert_string_equal(p.role, "user");
  assert_string_equal(p.ecosystem_id, "uid-1");
  fin_principal_clear(&p);
  assert_string_equal(a.ops->name(a.self), "firebase-auth-emulator");
  a.ops->destroy(a.self);
}

static void claims_are_checked(void **state) {
  struct fin_auth a = make("127.0.0.1:9099");
  struct fin_principal p;
  assert_int_equal(
      check(a,
            "{\"iss\":\"https://securetoken.google.com/demo-acme\",\"aud\":\"demo-acme\","
            "\"sub\":\"u\",\"exp\":1999999999}",
            &p),
      FIN_AUTH_EXPIRED);
  assert_int_equal(check(a,
                         "{\"iss\":\"https://securetoken.google.com/other\",\"aud\":\"demo-acme\","
                         "\"sub\":\"u\",\"exp\":2000000600}",
                         &p),
                   FIN_AUTH_INVALID);
  assert_int_equal(check(a,
                         "{\"iss\":\"https://securetoken.google.com/demo-acme\",\"aud\":\"other\","
                         "\"sub\":\"u\",\"exp\":2000000600}",
                         &p),
                   FIN_AUTH_INVALID);
  assert_int_equal(
      check(a,
            "{\"iss\":\"https://securetoken.google.com/demo-acme\",\"aud\":\"demo-acme\","
            "\"exp\":2000000600}",
            &p),
      FIN_AUTH_INVALID);
  char detail[64];
  const char *bad[] = {"", "a.b", "a.b.c.d", "!!!.???.", NULL};
  for (int i = 0; bad[i]; i++)
    assert_int_equal(a.ops->verify(a.self, bad[i], &p, detail, sizeof detail), FIN_AUTH_INVALID);
  a.ops->destroy(a.self);
}

static void unsigned_token_refused_without_the_emulator(void **state) {
  struct fin_auth a = make(NULL);
  struct fin_principal p;
  assert_int_equal(check(a, GOOD_CLAIMS(""), &p), FIN_AUTH_INVALID);
  assert_string_equal(a.ops->name(a.self), "firebase-auth");
  /* no certificates reachable: readiness says so */
  struct fin_err e = {0};
  assert_int_equal(a.ops->ping(a.self, &e), FIN_UNAVAILABLE);
  a.ops->destroy(a.self);
}

/* An unsigned emulator token is a token anyone can make: only a loopback
 * emulator, unless explicitly allowed. */
static void remote_emulator_refused_unless_allowed(void **state) {
  char err[256] = "";
  struct fb_auth_cfg cfg = {.project = "demo-acme", .emulator_host = "evil.example:9099"};
  assert_null(fb_auth_new(&cfg, err, sizeof err).ops);
  assert_non_null(strstr(err, "not loopback"));
  cfg.emulator_host = "evil.example#@127.0.0.1:9099"; /* curl's reading decides */
  assert_null(fb_auth_new(&cfg, err, sizeof err).ops);
  cfg.allow_remote_emulator = true;
  struct fin_auth a = fb_auth_new(&cfg, err, sizeof err);
  assert_non_null(a.ops);
  a.ops->destroy(a.self);
}

/* In emulator mode an RS256 token cannot be the emulator's: invalid (401),
 * not "Google's certificates unreachable" (503). */
static void rs256_in_emulator_mode_is_invalid(void **state) {
  struct fin_auth a = make("127.0.0.1:9099");
  const char *hdr = "{\"alg\":\"RS256\",\"kid\":\"k1\"}";
  char *h = fin_b64url_encode((const unsigned char *)hdr, strlen(hdr));
  const char *claims = GOOD_CLAIMS(",\"role\":\"admin\"");
  char *p = fin_b64url_encode((const unsigned char *)claims, strlen(claims));
  char *t = NULL;
  assert_true(asprintf(&t, "%s.%s.c2lnbmF0dXJl", h, p) > 0);
  struct fin_principal pr;
  char detail[128];
  assert_int_equal(a.ops->verify(a.self, t, &pr, detail, sizeof detail), FIN_AUTH_INVALID);
  free(h), free(p), free(t);
  a.ops->destroy(a.self);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(emulator_token_accepted_with_claims),
      cmocka_unit_test(claims_are_checked),
      cmocka_unit_test(unsigned_token_refused_without_the_emulator),
      cmocka_unit_test(remote_emulator_refused_unless_allowed),
      cmocka_unit_test(rs256_in_emulator_mode_is_invalid),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
