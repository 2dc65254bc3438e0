/* test_loopback.c - the loopback guards of the dev-token fallback: the host
 * is the one curl connects to (fin_url_loopback), and every AWS endpoint the
 * adapters would use is checked, per-service variables included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../adapters/aws/dev_fallback.h"
#include "../../core/util/urlhost.h"

static void curl_host_decides(void **state) {
  (void)state;
  /* curl connects to evil.example for each of these */
  static const char *const remote[] = {
      "http://evil.example#@127.0.0.1",
      "http://evil.example?@127.0.0.1/",
      "http://127.0.0.1@evil.example/",
      "http://127.0.0.1.evil.example/",
      "http://127.0.0.1:80@evil.example",
      "https://evil.example/127.0.0.1",
      "evil.example:4566",
      "",
      "http://[::2]/",
      "http://128.0.0.1/",
  };
  for (size_t i = 0; i < sizeof remote / sizeof remote[0]; i++) {
    if (dev_fallback_loopback(remote[i])) fail_msg("%s taken for loopback", remote[i]);
  }
  assert_false(dev_fallback_loopback(NULL));
  static const char *const local[] = {
      "http://127.0.0.1:4566", "http://localhost:4566/", "127.0.0.1:9099",
      "localhost:9099",        "http://[::1]:4566",      "http://user:pw@127.0.0.1/",
      "http://127.1/",         "http://0x7f.0.0.1/",     "http://127.255.0.9:1/",
  };
  for (size_t i = 0; i < sizeof local / sizeof local[0]; i++) {
    if (!dev_fallback_loopback(local[i])) fail_msg("%s not taken for loopback", local[i]);
  }
}

static const char *const VARS[] = {"AWS_ENDPOINT_URL",
                                   "AWS_ENDPOINT_URL_DYNAMODB",
                                   "AWS_ENDPOINT_URL_SQS",
                                   "AWS_ENDPOINT_URL_SSM",
                                   "AWS_ENDPOINT_URL_EVENTBRIDGE",
                                   "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"};

static int clear_env(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof VARS / sizeof VARS[0]; i++)
    unsetenv(VARS[i]);
  return 0;
}

/* true when the fallback is made; err gets the refusal otherwise */
static bool made(const char *endpoint, char *err, size_t n) {
  struct fin_auth a = dev_fallback_new(endpoint, (struct fin_auth){NULL, NULL}, err, n);
  if (a.ops == NULL) return false;
  a.ops->destroy(a.self);
  return true;
}

static void fallback_checks_every_service_endpoint(void **state) {
  (void)state;
  char err[512] = "";
  assert_true(made("http://127.0.0.1:4566", err, sizeof err));
  assert_false(made("http://evil.example#@127.0.0.1", err, sizeof err));
  /* one service sent elsewhere by its own variable is enough to refuse */
  const char *const per_service[] = {"AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS",
                                     "AWS_ENDPOINT_URL_SSM", "AWS_ENDPOINT_URL_EVENTBRIDGE",
                                     "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"};
  for (size_t i = 0; i < sizeof per_service / sizeof per_service[0]; i++) {
    setenv(per_service[i], "https://dynamodb.us-east-1.amazonaws.com", 1);
    if (made("http://127.0.0.1:4566", err, sizeof err)) fail_msg("%s not checked", per_service[i]);
    assert_non_null(strstr(err, "amazonaws.com"));
    setenv(per_service[i], "http://127.0.0.1:8000", 1); /* DynamoDB Local beside moto */
    assert_true(made("http://127.0.0.1:4566", err, sizeof err));
    unsetenv(per_service[i]);
  }
  /* no base endpoint: the services not overridden would reach AWS itself */
  setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:8000", 1);
  assert_false(made(NULL, err, sizeof err));
  assert_non_null(strstr(err, "AWS default endpoint"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(curl_host_decides),
      cmocka_unit_test_setup_teardown(fallback_checks_every_service_endpoint, clear_env, clear_env),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
