/* test_aws_endpoint.c - where an AWS client sends its calls and with which
 * region and keys: the precedence of the configuration and of the
 * environment's AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, region and key
 * variables, and an endpoint with a path (signed with it), against the
 * loopback fake server (fake_http.h). Run once through libcurl and once
 * through the client of our own (aws_wire.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../adapters/aws/aws_http.h"
#include "../../core/util/log.h"

#include "fake_http.h"

static void clear_aws_env(void) {
  static const char *const vars[] = {"AWS_ENDPOINT_URL",
                                     "AWS_ENDPOINT_URL_DYNAMODB",
                                     "AWS_ENDPOINT_URL_SQS",
                                     "AWS_ENDPOINT_URL_SSM",
                                     "AWS_ENDPOINT_URL_EVENTBRIDGE",
                                     "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
                                     "AWS_REGION",
                                     "AWS_DEFAULT_REGION",
                                     "AWS_ACCESS_KEY_ID",
                                     "AWS_SECRET_ACCESS_KEY",
                                     "AWS_SESSION_TOKEN",
                                     "AWS_EC2_METADATA_DISABLED",
                                     "AWS_SHARED_CREDENTIALS_FILE",
                                     "AWS_CONFIG_FILE"};
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
    unsetenv(vars[i]);
}

static void expect_endpoint(const struct aws_cfg *cfg, const char *service, const char *want) {
  char err[256];
  struct aws_client *c = aws_client_new(cfg, service, err, sizeof err);
  if (c == NULL) fail_msg("%s: %s", service, err);
  assert_string_equal(aws_client_endpoint(c), want);
  aws_client_free(c);
}

static void endpoint_region_and_keys_from_environment(void **state) {
  clear_aws_env();
  char err[256];
  struct aws_cfg none = {0};
  /* no credentials anywhere (the instance metadata service off: test_aws_creds) */
  setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
  setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
  setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
  assert_null(aws_client_new(&none, "dynamodb", err, sizeof err));
  assert_non_null(strstr(err, "no credentials"));
  setenv("AWS_ACCESS_KEY_ID", "k", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "s", 1);

  /* nothing set: the real endpoint in us-east-1 */
  expect_endpoint(NULL, "dynamodb", "https://dynamodb.us-east-1.amazonaws.com");
  setenv("AWS_DEFAULT_REGION", "sa-east-1", 1);
  expect_endpoint(&none, "sqs", "https://sqs.sa-east-1.amazonaws.com");
  setenv("AWS_REGION", "eu-west-1", 1); /* AWS_REGION wins over AWS_DEFAULT_REGION */
  expect_endpoint(&none, "cognito-idp", "https://cognito-idp.eu-west-1.amazonaws.com");
  struct aws_client *r = aws_client_new(&none, "events", err, sizeof err);
  assert_string_equal(aws_client_region(r), "eu-west-1");
  aws_client_free(r);

  /* the general override, then each service's own */
  setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566", 1);
  expect_endpoint(&none, "ssm", "http://127.0.0.1:4566");
  static const char *const own[][2] = {
      {"dynamodb", "AWS_ENDPOINT_URL_DYNAMODB"},
      {"sqs", "AWS_ENDPOINT_URL_SQS"},
      {"ssm", "AWS_ENDPOINT_URL_SSM"},
      {"events", "AWS_ENDPOINT_URL_EVENTBRIDGE"},
      {"cognito-idp", "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"}};
  for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%zu", 5000 + i);
    setenv(own[i][1], url, 1);
    expect_endpoint(&none, own[i][0], url);
    expect_endpoint(&none, i == 0 ? "sqs" : "dynamodb",
                    i == 0 ? "http://127.0.0.1:4566" : "http://127.0.0.1:5000");
  }
  /* an explicit configuration beats the environment */
  struct aws_cfg explicit = {.endpoint = "http://localhost:9000", .region = "ap-south-1"};
  expect_endpoint(&explicit, "dynamodb", "http://localhost:9000");
  r = aws_client_new(&explicit, "dynamodb", err, sizeof err);
  assert_string_equal(aws_client_region(r), "ap-south-1");
  aws_client_free(r);

  /* what is refused */
  struct aws_cfg bad = {.endpoint = "ftp://127.0.0.1"};
  assert_null(aws_client_new(&bad, "dynamodb", err, sizeof err));
  assert_non_null(strstr(err, "not an http:// or https:// URL"));
  assert_null(aws_client_new(&none, "s3", err, sizeof err));
  assert_non_null(strstr(err, "unknown AWS service 's3'"));
  clear_aws_env();
}

/* The signed path and Host follow the endpoint, path prefix included. */
static void endpoint_path_is_signed(void **state) {
  static const char *const answers[] = {"200|{}"};
  struct fake f;
  fake_start(&f, answers, 1);
  char url[64], err[256];
  snprintf(url, sizeof url, "http://localhost:%d/edge", f.port);
  struct aws_cfg cfg = {.endpoint = url, .access_key_id = "a", .secret_access_key = "b"};
  struct aws_client *c = aws_client_new(&cfg, "ssm", err, sizeof err);
  assert_non_null(c);
  json_t *resp = NULL;
  struct aws_err e;
  if (aws_call(c, "AmazonSSM", "DescribeParameters", NULL, &resp, &e) != 0)
    fail_msg("%s", e.msg); /* localhost may not resolve to 127.0.0.1 here */
  assert_true(strncmp(f.last, "POST /edge HTTP/1.1\r\n", 21) == 0);
  char v[128], host[64];
  snprintf(host, sizeof host, "localhost:%d", f.port);
  assert_string_equal(fake_req_header(f.last, "Host", v, sizeof v), host);
  json_decref(resp);
  aws_client_free(c);
  fake_stop(&f);
}

int main(void) {
  fin_log_set_enabled(0);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(endpoint_region_and_keys_from_environment),
      cmocka_unit_test(endpoint_path_is_signed),
  };
  setenv("FIN_AWS_WIRE", "0", 1);
  int failed = cmocka_run_group_tests_name("libcurl", tests, NULL, NULL);
  setenv("FIN_AWS_WIRE", "1", 1);
  return failed + cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
