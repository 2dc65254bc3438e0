/* test_fb_dev_auth.c - the dev-token fallback of Firebase mode: made only
 * when Firestore and the Auth emulator the wrapped provider trusts are both
 * on loopback (as libcurl reads the host), dev tokens beside the emulator's
 * own tokens, and readiness warnings for both. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../adapters/devtokens/devtok_fallback.h"
#include "../../adapters/firebase/fb_auth.h"
#include "../../adapters/firebase/fb_dev_auth.h"
#include "../../core/util/codec.h"

#define FIRESTORE "http://127.0.0.1:8080"

static long long fixed_now(void) {
  return 2000000000LL;
}

/* The Auth emulator provider for `host`, remote hosts allowed (as
 * FIN_INSECURE_AUTH_EMULATOR=true makes it), so that only the fallback's
 * own check stands between a remote host and dev tokens. NULL: Google. */
static struct fin_auth emulator_at(const char *host) {
  char err[256];
  struct fb_auth_cfg cfg = {.project = "demo-acme",
                            .emulator_host = host,
                            .allow_remote_emulator = true,
                            .certs_url = "http://127.0.0.1:9/certs",
                            .timeout_ms = 200,
                            .now_s = fixed_now};
  struct fin_auth a = fb_auth_new(&cfg, err, sizeof err);
  assert_non_null(a.ops);
  return a;
}

/* true when the fallback is made (and released); err gets the refusal. */
static bool made(const char *firestore, struct fin_auth real, char *err, size_t n) {
  err[0] = '\0';
  struct fin_auth a = fb_dev_auth_new(firestore, real, err, n);
  if (a.ops == NULL) return false;
  a.ops->destroy(a.self);
  return true;
}

static const char *const REMOTE[] = {
    "evil.example:8080",
    "http://evil.example:8080",
    "http://evil.example#@127.0.0.1:8080", /* curl connects to evil.example */
    "http://127.0.0.1.evil.example:8080",
    "10.0.0.7:8080",
    "",
};

static void refuses_a_remote_firestore(void **state) {
  char err[512];
  for (size_t i = 0; i < sizeof REMOTE / sizeof REMOTE[0]; i++) {
    if (made(REMOTE[i], emulator_at("127.0.0.1:9099"), err, sizeof err))
      fail_msg("Firestore %s taken for loopback", REMOTE[i]);
    assert_non_null(strstr(err, "FIRESTORE_EMULATOR_HOST"));
  }
  /* no emulator at all: Google's Firestore */
  assert_false(made(NULL, emulator_at("127.0.0.1:9099"), err, sizeof err));
  assert_non_null(strstr(err, "FIRESTORE_EMULATOR_HOST: not set"));
}

static void refuses_a_remote_auth_emulator(void **state) {
  char err[512];
  static const char *const hosts[] = {"evil.example:9099", "evil.example#@127.0.0.1:9099",
                                      "192.168.1.2:9099"};
  for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
    if (made(FIRESTORE, emulator_at(hosts[i]), err, sizeof err))
      fail_msg("Auth emulator %s taken for loopback", hosts[i]);
    assert_non_null(strstr(err, "FIREBASE_AUTH_EMULATOR_HOST"));
    assert_non_null(strstr(err, hosts[i]));
  }
}

/* Google's signed tokens are no reason to accept unsigned ones. */
static void refuses_without_the_auth_emulator(void **state) {
  char err[512];
  assert_false(made(FIRESTORE, emulator_at(NULL), err, sizeof err));
  assert_non_null(strstr(err, "FIREBASE_AUTH_EMULATOR_HOST: not set"));
  assert_false(made(FIRESTORE, (struct fin_auth){NULL, NULL}, err, sizeof err));
}

/* An unsigned token like the emulator's. */
static char *emulator_token(const char *payload) {
  const char *hdr = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
  char *h = fin_b64url_encode((const unsigned char *)hdr, strlen(hdr));
  char *p = fin_b64url_encode((const unsigned char *)payload, strlen(payload));
  char *t = NULL;
  assert_true(asprintf(&t, "%s.%s.", h, p) > 0);
  free(h), free(p);
  return t;
}

static char *dev_token(const char *payload) {
  char *p = fin_b64_encode((const unsigned char *)payload, strlen(payload));
  char *t = NULL;
  assert_true(asprintf(&t, "mock.%s.sig", p) > 0);
  free(p);
  return t;
}

static enum fin_auth_result verify(struct fin_auth a, char *token, struct fin_principal *p) {
  char detail[128];
  enum fin_auth_result r = a.ops->verify(a.self, token, p, detail, sizeof detail);
  free(token);
  return r;
}

static void loopback_serves_dev_and_emulator_tokens(void **state) {
  char err[256];
  static const char *const firestores[] = {FIRESTORE, "http://localhost:8080", "http://[::1]:8080"};
  for (size_t i = 0; i < sizeof firestores / sizeof firestores[0]; i++)
    assert_true(made(firestores[i], emulator_at("localhost:9099"), err, sizeof err));

  struct fin_auth a = fb_dev_auth_new(FIRESTORE, emulator_at("127.0.0.1:9099"), err, sizeof err);
  assert_non_null(a.ops);
  assert_string_equal(a.ops->name(a.self), DEVTOK_FALLBACK_NAME);
  struct fin_auth_traits t = {0};
  a.ops->traits(a.self, &t);
  assert_true(t.unsigned_tokens);
  assert_string_equal(t.warnings[0], DEVTOK_FALLBACK_WARNING);
  assert_non_null(strstr(t.warnings[1], "Auth emulator"));

  struct fin_principal p;
  assert_int_equal(verify(a, dev_token("{\"ecosystemId\":\"web-1\",\"role\":\"admin\"}"), &p),
                   FIN_AUTH_OK);
  assert_string_equal(p.ecosystem_id, "web-1");
  assert_string_equal(p.role, "admin");
  assert_string_equal(p.email, "web-1@test.local");
  assert_null(p.account); /* a dev token's account is never looked up (auth.h) */
  fin_principal_clear(&p);

  assert_int_equal(verify(a,
                          emulator_token("{\"iss\":\"https://securetoken.google.com/demo-acme\","
                                         "\"aud\":\"demo-acme\",\"sub\":\"uid-7\","
                                         "\"exp\":2000000600,\"ecosystemId\":\"eco-7\"}"),
                          &p),
                   FIN_AUTH_OK);
  assert_string_equal(p.uid, "uid-7");
  assert_string_equal(p.ecosystem_id, "eco-7");
  assert_string_equal(p.account, "uid-7"); /* the emulator's account: looked up */
  fin_principal_clear(&p);

  /* a token of another project is still the emulator provider's to refuse */
  assert_int_equal(verify(a,
                          emulator_token("{\"iss\":\"https://securetoken.google.com/other\","
                                         "\"aud\":\"other\",\"sub\":\"uid-7\","
                                         "\"exp\":2000000600}"),
                          &p),
                   FIN_AUTH_INVALID);
  a.ops->destroy(a.self);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(refuses_a_remote_firestore),
      cmocka_unit_test(refuses_a_remote_auth_emulator),
      cmocka_unit_test(refuses_without_the_auth_emulator),
      cmocka_unit_test(loopback_serves_dev_and_emulator_tokens),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
