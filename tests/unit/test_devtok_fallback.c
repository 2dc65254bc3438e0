/* test_devtok_fallback.c - the generic dev-token fallback
 * (adapters/devtokens/devtok_fallback.c): every endpoint it is given must
 * be loopback, "mock." tokens are dev tokens and every other token goes to
 * the real provider (a refused real token never falls back to dev tokens),
 * the real provider is released whether or not the fallback is made, and
 * readiness gets its warning and the real provider's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "../../adapters/devtokens/devtok_fallback.h"

/* ---- a fake real provider: accepts "real-ok", counts calls ---- */
struct fake {
  int verified, destroyed, pinged;
};

static enum fin_auth_result fake_verify(void *self, const char *token, struct fin_principal *out,
                                        char *detail, size_t n) {
  struct fake *f = self;
  f->verified++;
  memset(out, 0, sizeof *out);
  if (strcmp(token, "real-ok") != 0) return FIN_AUTH_INVALID;
  out->uid = strdup("r1"), out->email = strdup(""), out->role = strdup("user");
  out->ecosystem_id = strdup("r1");
  return FIN_AUTH_OK;
}

static enum fin_status fake_is_disabled(void *self, const char *uid, bool *disabled,
                                        struct fin_err *e) {
  *disabled = strcmp(uid, "r1") == 0; /* so the answer shows who was asked */
  return FIN_OK;
}

static const char *fake_name(void *self) {
  return "fake-real";
}

static enum fin_status fake_ping(void *self, struct fin_err *e) {
  ((struct fake *)self)->pinged++;
  return fin_err_set(e, FIN_UNAVAILABLE, "fake down");
}

static void fake_destroy(void *self) {
  ((struct fake *)self)->destroyed++;
}

static void fake_traits(void *self, struct fin_auth_traits *out) {
  *out = (struct fin_auth_traits){.unsigned_tokens = true, .warnings = {"fake relaxes"}};
}

static const struct fin_auth_ops FAKE_OPS = {
    .verify = fake_verify,
    .is_disabled = fake_is_disabled,
    .name = fake_name,
    .ping = fake_ping,
    .destroy = fake_destroy,
    .traits = fake_traits,
};

static struct devtok_fallback_cfg cfg_of(const struct devtok_endpoint *eps, size_t n) {
  return (struct devtok_fallback_cfg){.endpoints_are = "test endpoints",
                                      .unset = "unset-here",
                                      .instead = "do something else",
                                      .endpoints = eps,
                                      .n_endpoints = n};
}

static void every_endpoint_must_be_loopback(void **state) {
  char err[256];
  struct fake f = {0};
  struct fin_auth real = {&FAKE_OPS, &f};
  const struct devtok_endpoint mixed[] = {{"one", "http://127.0.0.1:1"},
                                          {"two", "http://evil.example#@127.0.0.1:2"}};
  struct devtok_fallback_cfg cfg = cfg_of(mixed, 2);
  assert_null(devtok_fallback_new(&cfg, real, err, sizeof err).ops);
  assert_non_null(strstr(err, "needs loopback test endpoints (two: http://evil.example#@"));
  assert_non_null(strstr(err, "do something else"));
  assert_int_equal(f.destroyed, 1); /* taken over, released on refusal */

  const struct devtok_endpoint unset[] = {{"one", "127.0.0.1:1"}, {"two", NULL}};
  cfg = cfg_of(unset, 2);
  assert_null(devtok_fallback_new(&cfg, (struct fin_auth){NULL, NULL}, err, sizeof err).ops);
  assert_non_null(strstr(err, "two: unset-here"));

  cfg = cfg_of(unset, 0); /* nothing shows the mode is local */
  assert_null(devtok_fallback_new(&cfg, (struct fin_auth){NULL, NULL}, err, sizeof err).ops);
}

static void mock_prefix_decides_the_provider(void **state) {
  char err[256];
  struct fake f = {0};
  const struct devtok_endpoint eps[] = {{"one", "http://localhost:1"}, {"two", "[::1]:2"}};
  struct devtok_fallback_cfg cfg = cfg_of(eps, 2);
  struct fin_auth a = devtok_fallback_new(&cfg, (struct fin_auth){&FAKE_OPS, &f}, err, sizeof err);
  assert_non_null(a.ops);
  struct fin_principal p;
  /* {"ecosystemId":"d1"} */
  assert_int_equal(a.ops->verify(a.self, "mock.eyJlY29zeXN0ZW1JZCI6ImQxIn0.sig", &p, NULL, 0),
                   FIN_AUTH_OK);
  assert_string_equal(p.ecosystem_id, "d1");
  assert_null(p.account); /* dev tokens: no account status to ask */
  fin_principal_clear(&p);
  assert_int_equal(f.verified, 0);
  assert_int_equal(a.ops->verify(a.self, "real-ok", &p, NULL, 0), FIN_AUTH_OK);
  assert_string_equal(p.uid, "r1");
  fin_principal_clear(&p);
  /* refused by the real provider: no second chance as a dev token */
  assert_int_equal(a.ops->verify(a.self, "eyJlY29zeXN0ZW1JZCI6ImQxIn0", &p, NULL, 0),
                   FIN_AUTH_INVALID);
  assert_int_equal(f.verified, 2);

  bool disabled = false;
  struct fin_err e = {0};
  assert_int_equal(a.ops->is_disabled(a.self, "r1", &disabled, &e), FIN_OK);
  assert_true(disabled); /* the real provider was asked */
  assert_int_equal(a.ops->ping(a.self, &e), FIN_UNAVAILABLE);

  struct fin_auth_traits t = {0};
  a.ops->traits(a.self, &t);
  assert_true(t.unsigned_tokens);
  assert_string_equal(t.warnings[0], DEVTOK_FALLBACK_WARNING);
  assert_string_equal(t.warnings[1], "fake relaxes");
  assert_string_equal(a.ops->name(a.self), DEVTOK_FALLBACK_NAME);
  a.ops->destroy(a.self);
  assert_int_equal(f.destroyed, 1);
}

static void dev_tokens_only_without_a_real_provider(void **state) {
  char err[256];
  const struct devtok_endpoint eps[] = {{"one", "http://127.0.0.1:1"}};
  struct devtok_fallback_cfg cfg = cfg_of(eps, 1);
  struct fin_auth a = devtok_fallback_new(&cfg, (struct fin_auth){NULL, NULL}, err, sizeof err);
  assert_non_null(a.ops);
  struct fin_principal p;
  assert_int_equal(a.ops->verify(a.self, "real-ok", &p, NULL, 0), FIN_AUTH_INVALID);
  struct fin_err e = {0};
  assert_int_equal(a.ops->ping(a.self, &e), FIN_OK);
  struct fin_auth_traits t = {0};
  a.ops->traits(a.self, &t);
  assert_string_equal(t.warnings[0], DEVTOK_FALLBACK_WARNING);
  assert_null(t.warnings[1]);
  a.ops->destroy(a.self);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_endpoint_must_be_loopback),
      cmocka_unit_test(mock_prefix_decides_the_provider),
      cmocka_unit_test(dev_tokens_only_without_a_real_provider),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
