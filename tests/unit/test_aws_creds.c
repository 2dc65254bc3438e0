/* test_aws_creds.c - where AWS keys come from (adapters/aws/aws_creds.c):
 * the container endpoint (ECS, EKS Pod Identity), web identity at STS, and
 * IMDSv2, each against a fake endpoint; keys kept while they have more
 * than five minutes left and fetched again after; a failed renewal keeps
 * keys that are still valid and fails past their expiry; and a client
 * signs with the keys of the day, renewed ones included. */
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

#include <jansson.h>

#include "../../adapters/aws/aws_creds.h"
#include "../../adapters/aws/aws_http.h"
#include "../../adapters/aws/sigv4.h"
#include "../../core/util/timefmt.h"
#include "fake_http.h"
#include "sig_check.h"

static const char *const VARS[] = {"AWS_ACCESS_KEY_ID",
                                   "AWS_SECRET_ACCESS_KEY",
                                   "AWS_SESSION_TOKEN",
                                   "AWS_ENDPOINT_URL",
                                   "AWS_ENDPOINT_URL_STS",
                                   "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                                   "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                   "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                                   "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                                   "AWS_WEB_IDENTITY_TOKEN_FILE",
                                   "AWS_ROLE_ARN",
                                   "AWS_ROLE_SESSION_NAME",
                                   "AWS_EC2_METADATA_DISABLED",
                                   "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                                   "AWS_PROFILE"};

static int clean_env(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof VARS / sizeof VARS[0]; i++)
    unsetenv(VARS[i]);
  /* a developer's own ~/.aws files stay out of the tests */
  setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
  setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
  return 0;
}

/* "200|{...}": container/IMDS keys named id, expiring `in_ms` from now. */
static void keys_answer(char *out, size_t size, const char *id, int64_t in_ms) {
  char exp[32];
  fin_iso(fin_now_ms() + in_ms, exp);
  exp[19] = 'Z', exp[20] = '\0'; /* as AWS writes it: no milliseconds */
  snprintf(out, size,
           "200|{\"Code\":\"Success\",\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"secret-%s\","
           "\"Token\":\"token-%s\",\"Expiration\":\"%s\"}",
           id, id, id, exp);
}

static struct aws_creds *open_env(const char *endpoint) {
  char err[400];
  struct aws_creds_cfg cfg = {.endpoint = endpoint, .timeout_ms = 2000};
  struct aws_creds *s = aws_creds_open(&cfg, err, sizeof err);
  if (s == NULL) fail_msg("aws_creds_open: %s", err);
  return s;
}

/* get() gives keys whose id is want. */
static void expect_keys(struct aws_creds *s, const char *want) {
  struct aws_keys *k = NULL;
  struct fin_err e = {0};
  if (aws_creds_get(s, &k, &e) != FIN_OK) fail_msg("aws_creds_get: %s", e.msg);
  assert_string_equal(k->id, want);
  char v[64];
  snprintf(v, sizeof v, "secret-%s", want);
  assert_string_equal(k->secret, v);
  snprintf(v, sizeof v, "X-Amz-Security-Token: token-%s", want);
  assert_string_equal(k->token_h, v);
  aws_keys_release(k);
}

static void set_container(const struct fake *f) {
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/creds", f->port);
  setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
}

/* ---- tests ---- */
static void container_keys_kept_then_renewed(void **state) {
  char a0[512], a1[512];
  keys_answer(a0, sizeof a0, "AKIDONE", 2 * 60 * 1000); /* inside the 5-minute margin */
  keys_answer(a1, sizeof a1, "AKIDTWO", 60 * 60 * 1000);
  const char *const answers[] = {a0, a1};
  struct fake f;
  fake_start(&f, answers, 2);
  set_container(&f);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "pod-auth", 1);
  struct aws_creds *s = open_env(NULL);
  assert_true(aws_creds_renewed(s));
  assert_int_equal(fake_requests(&f), 0); /* nothing fetched before use */
  expect_keys(s, "AKIDONE");
  expect_keys(s, "AKIDTWO"); /* two minutes left: fetched again */
  expect_keys(s, "AKIDTWO"); /* an hour left: kept */
  assert_int_equal(fake_requests(&f), 2);
  char v[64];
  assert_true(strncmp(f.seen[0], "GET /v1/creds HTTP/1.1\r\n", 24) == 0);
  assert_string_equal(fake_req_header(f.seen[0], "Authorization", v, sizeof v), "pod-auth");
  aws_creds_release(s);
  fake_stop(&f);
  clean_env(NULL);
}

/* The token file is read at each fetch (EKS rotates it). */
static void container_token_file_read_each_time(void **state) {
  char a0[512];
  keys_answer(a0, sizeof a0, "AKIDONE", 60 * 1000);
  const char *const answers[] = {a0};
  struct fake f;
  fake_start(&f, answers, 1);
  set_container(&f);
  char path[] = "/tmp/creds-token-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0 && write(fd, "first\n", 6) == 6);
  close(fd);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path, 1);
  setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored", 1);
  struct aws_creds *s = open_env(NULL);
  expect_keys(s, "AKIDONE");
  FILE *w = fopen(path, "w");
  fputs("second", w);
  fclose(w);
  expect_keys(s, "AKIDONE");
  char v[64];
  assert_string_equal(fake_req_header(f.seen[0], "Authorization", v, sizeof v), "first");
  assert_string_equal(fake_req_header(f.seen[1], "Authorization", v, sizeof v), "second");
  unlink(path); /* unreadable now: the next fetch fails and says which file */
  struct aws_keys *k = NULL;
  struct fin_err e = {0};
  assert_int_equal(aws_creds_get(s, &k, &e), FIN_OK); /* a minute left: kept */
  aws_keys_release(k);
  aws_creds_release(s);
  fake_stop(&f);
  clean_env(NULL);
}

static void failed_renewal_keeps_valid_keys_until_expiry(void **state) {
  char a0[512];
  keys_answer(a0, sizeof a0, "AKIDONE", 2 * 60 * 1000);
  const char *const answers[] = {a0, "503|{\"code\":\"Down\",\"message\":\"agent restarting\"}"};
  struct fake f;
  fake_start(&f, answers, 2);
  set_container(&f);
  struct aws_creds *s = open_env(NULL);
  expect_keys(s, "AKIDONE");
  expect_keys(s, "AKIDONE"); /* renewal refused: still valid for two minutes */
  assert_int_equal(fake_requests(&f), 2);
  expect_keys(s, "AKIDONE"); /* and not asked again at once */
  assert_int_equal(fake_requests(&f), 2);
  aws_creds_release(s);
  fake_stop(&f);

  /* keys that arrive already expired are refused, and nothing is kept */
  keys_answer(a0, sizeof a0, "AKIDOLD", -60 * 1000);
  const char *const stale[] = {a0};
  fake_start(&f, stale, 1);
  set_container(&f);
  s = open_env(NULL);
  struct aws_keys *k = NULL;
  struct fin_err e = {0};
  assert_int_equal(aws_creds_get(s, &k, &e), FIN_UNAVAILABLE);
  assert_null(k);
  assert_non_null(strstr(e.msg, "expired"));
  aws_creds_release(s);
  fake_stop(&f);

  /* an endpoint that refuses: FIN_UNAVAILABLE naming it and the answer */
  const char *const refused[] = {"403|{\"code\":\"AccessDenied\"}"};
  fake_start(&f, refused, 1);
  set_container(&f);
  s = open_env(NULL);
  assert_int_equal(aws_creds_get(s, &k, &e), FIN_UNAVAILABLE);
  assert_non_null(strstr(e.msg, "container http://127.0.0.1:"));
  assert_non_null(strstr(e.msg, "HTTP 403"));
  memset(&e, 0, sizeof e); /* asked again at once: the same answer, no request */
  assert_int_equal(aws_creds_get(s, &k, &e), FIN_UNAVAILABLE);
  assert_non_null(strstr(e.msg, "HTTP 403"));
  assert_int_equal(fake_requests(&f), 1);
  aws_creds_release(s);
  fake_stop(&f);
  clean_env(NULL);
}

static void container_url_must_be_local_or_https(void **state) {
  char err[400];
  static const char *const refused[] = {"http://example.com/creds", "http://169.254.170.3/x",
                                        "ftp://127.0.0.1/x"};
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", refused[i], 1);
    assert_null(aws_creds_open(NULL, err, sizeof err));
    assert_non_null(strstr(err, "not allowed"));
  }
  static const char *const allowed[] = {"https://creds.example.com/x", "http://169.254.170.23/v1",
                                        "http://[fd00:ec2::23]/v1", "http://localhost:8080/x"};
  for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", allowed[i], 1);
    struct aws_creds *s = aws_creds_open(NULL, err, sizeof err);
    if (s == NULL) fail_msg("%s: %s", allowed[i], err);
    aws_creds_release(s);
  }
  /* the relative form is always ECS's address */
  setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc", 1);
  struct aws_creds *s = open_env(NULL);
  assert_string_equal(aws_creds_source(s), "container http://169.254.170.2/v2/credentials/abc");
  aws_creds_release(s);
  clean_env(NULL);
}

static void imds_v2_asks_token_role_then_keys(void **state) {
  char a2[512];
  keys_answer(a2, sizeof a2, "AKIDEC2", 6 * 60 * 60 * 1000);
  const char *const answers[] = {"200|SESSION-TOKEN-1", "200|app-role\n", a2};
  struct fake f;
  fake_start(&f, answers, 3);
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/", f.port);
  setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
  struct aws_creds *s = open_env("http://127.0.0.1:4566"); /* named: asked even so */
  snprintf(url, sizeof url, "instance metadata http://127.0.0.1:%d", f.port);
  assert_string_equal(aws_creds_source(s), url);
  expect_keys(s, "AKIDEC2");
  char v[64];
  assert_true(strncmp(f.seen[0], "PUT /latest/api/token HTTP/1.1\r\n", 32) == 0);
  assert_string_equal(
      fake_req_header(f.seen[0], "X-aws-ec2-metadata-token-ttl-seconds", v, sizeof v), "21600");
  assert_true(strncmp(f.seen[1], "GET /latest/meta-data/iam/security-credentials/ HTTP", 51) == 0);
  assert_string_equal(fake_req_header(f.seen[1], "X-aws-ec2-metadata-token", v, sizeof v),
                      "SESSION-TOKEN-1");
  assert_true(
      strncmp(f.seen[2], "GET /latest/meta-data/iam/security-credentials/app-role HTTP", 59) == 0);
  assert_string_equal(fake_req_header(f.seen[2], "X-aws-ec2-metadata-token", v, sizeof v),
                      "SESSION-TOKEN-1");
  aws_creds_release(s);
  fake_stop(&f);

  /* an instance without a role */
  const char *const norole[] = {"200|T", "404|"};
  fake_start(&f, norole, 2);
  snprintf(url, sizeof url, "http://127.0.0.1:%d", f.port);
  setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", url, 1);
  s = open_env(NULL);
  struct aws_keys *k = NULL;
  struct fin_err e = {0};
  assert_int_equal(aws_creds_get(s, &k, &e), FIN_UNAVAILABLE);
  assert_non_null(strstr(e.msg, "no IAM role"));
  aws_creds_release(s);
  fake_stop(&f);
  clean_env(NULL);
}

/* Which source, when no keys are given. */
static void source_chosen_from_environment(void **state) {
  char err[400];
  /* an emulator on loopback takes any keys: no metadata service asked */
  assert_null(aws_creds_open(&(struct aws_creds_cfg){.endpoint = "http://127.0.0.1:4566"}, err,
                             sizeof err));
  assert_non_null(strstr(err, "no credentials"));
  /* AWS itself: the instance metadata service, unless disabled */
  struct aws_creds *s = open_env(NULL);
  assert_string_equal(aws_creds_source(s), "instance metadata http://169.254.169.254");
  struct aws_creds *again = open_env("https://dynamodb.eu-west-1.amazonaws.com");
  assert_ptr_equal(again, s); /* one source for every client */
  aws_creds_release(again);
  aws_creds_release(s);
  setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
  assert_null(aws_creds_open(NULL, err, sizeof err));
  assert_non_null(strstr(err, "no credentials"));
  /* half a key pair is a mistake worth naming */
  setenv("AWS_ACCESS_KEY_ID", "AKID", 1);
  assert_null(aws_creds_open(NULL, err, sizeof err));
  assert_non_null(strstr(err, "AWS_SECRET_ACCESS_KEY is not"));
  assert_null(aws_creds_open(&(struct aws_creds_cfg){.secret_access_key = "x"}, err, sizeof err));
  assert_non_null(strstr(err, "without access_key_id"));
  /* keys in the environment win, kept as given */
  setenv("AWS_SECRET_ACCESS_KEY", "secret-AKID", 1);
  setenv("AWS_SESSION_TOKEN", "token-AKID", 1);
  setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/x", 1);
  s = open_env(NULL);
  assert_string_equal(aws_creds_source(s), "environment");
  assert_false(aws_creds_renewed(s));
  expect_keys(s, "AKID");
  aws_creds_release(s);
  clean_env(NULL);
}

static void web_identity_exchanges_token_at_sts(void **state) {
  char exp[32], a0[1024];
  fin_iso(fin_now_ms() + 3600 * 1000, exp);
  snprintf(a0, sizeof a0,
           "200|<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
           "<Credentials><SessionToken>token-AKIDWEB</SessionToken>"
           "<SecretAccessKey>secret-AKIDWEB</SecretAccessKey><Expiration>%s</Expiration>"
           "<AccessKeyId>AKIDWEB</AccessKeyId></Credentials>"
           "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
           exp);
  const char *const answers[] = {
      a0, "400|<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
          "<Message>Token &amp; key mismatch</Message></Error></ErrorResponse>"};
  struct fake f;
  fake_start(&f, answers, 2);
  char url[64], path[] = "/tmp/creds-web-XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0 && write(fd, "eyJ.a+b/c\n", 10) == 10);
  close(fd);
  snprintf(url, sizeof url, "http://127.0.0.1:%d", f.port);
  setenv("AWS_ENDPOINT_URL_STS", url, 1);
  setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path, 1);
  setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/api", 1);
  struct aws_creds *s = open_env(NULL);
  expect_keys(s, "AKIDWEB");
  const char *body = strstr(f.seen[0], "\r\n\r\n") + 4;
  assert_string_equal(body, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
                            "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fapi"
                            "&RoleSessionName=financial-api&WebIdentityToken=eyJ.a%2Bb%2Fc");
  char v[64];
  assert_string_equal(fake_req_header(f.seen[0], "Authorization", v, sizeof v) ? v : "none",
                      "none");
  aws_creds_release(s);

  /* STS refuses: its code and message, entities decoded */
  s = open_env(NULL);
  struct aws_keys *k = NULL;
  struct fin_err e = {0};
  assert_int_equal(aws_creds_get(s, &k, &e), FIN_UNAVAILABLE);
  assert_non_null(strstr(e.msg, "HTTP 400 InvalidIdentityToken Token & key mismatch"));
  aws_creds_release(s);
  fake_stop(&f);
  unlink(path);
  clean_env(NULL);

  setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path, 1);
  char err[400];
  assert_null(aws_creds_open(NULL, err, sizeof err));
  assert_non_null(strstr(err, "AWS_ROLE_ARN is not"));
  clean_env(NULL);
}

static void write_file(char *path, const char *text) {
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
}

/* Keys from the AWS CLI's files: the credentials file, then the config
 * file; profiles of other kinds and missing profiles are named. */
static void profile_keys_from_files(void **state) {
  char cred[] = "/tmp/creds-file-XXXXXX", conf[] = "/tmp/creds-conf-XXXXXX";
  write_file(cred, "# keys\n[default]\naws_access_key_id = AKIDDEF\n"
                   "aws_secret_access_key=secret-AKIDDEF\naws_session_token = token-AKIDDEF\n\n"
                   "[ dev ]\n; comment\n  aws_access_key_id =AKIDDEV\n"
                   "  aws_secret_access_key = secret-AKIDDEV \naws_session_token=token-AKIDDEV\n"
                   "[half]\naws_access_key_id = AKIDHALF\n");
  write_file(conf, "[default]\nregion = eu-west-1\n[profile  cfg]\naws_access_key_id=AKIDCFG\n"
                   "aws_secret_access_key=secret-AKIDCFG\naws_session_token=token-AKIDCFG\n"
                   "[profile sso]\nsso_start_url = https://x.awsapps.com/start\n");
  setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
  setenv("AWS_CONFIG_FILE", conf, 1);
  struct aws_creds *s = open_env(NULL);
  char want[128];
  snprintf(want, sizeof want, "profile default (%s)", cred);
  assert_string_equal(aws_creds_source(s), want);
  assert_false(aws_creds_renewed(s));
  expect_keys(s, "AKIDDEF");
  aws_creds_release(s);
  static const char *const names[][2] = {{"dev", "AKIDDEV"}, {"cfg", "AKIDCFG"}};
  for (int i = 0; i < 2; i++) {
    setenv("AWS_PROFILE", names[i][0], 1);
    s = open_env(NULL);
    expect_keys(s, names[i][1]);
    aws_creds_release(s);
  }
  char err[400];
  static const char *const refused[][2] = {{"sso", "sso_start_url"},
                                           {"half", "without aws_secret_access_key"},
                                           {"nope", "AWS_PROFILE=nope: no such profile"}};
  for (int i = 0; i < 3; i++) {
    setenv("AWS_PROFILE", refused[i][0], 1);
    assert_null(aws_creds_open(NULL, err, sizeof err));
    if (strstr(err, refused[i][1]) == NULL) fail_msg("%s: %s", refused[i][0], err);
  }
  /* the environment's keys and web identity come first */
  setenv("AWS_PROFILE", "dev", 1);
  setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token", 1);
  setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/api", 1);
  s = open_env(NULL);
  assert_true(aws_creds_renewed(s));
  aws_creds_release(s);
  setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "secret-AKIDENV", 1);
  s = open_env(NULL);
  assert_string_equal(aws_creds_source(s), "environment");
  aws_creds_release(s);
  unlink(cred), unlink(conf);
  clean_env(NULL);
}

/* The signature of the DynamoDB request req, recomputed with keys id (as
 * keys_answer makes them), is its Authorization header. */
static void expect_signed_by(const char *req, int port, const char *id) {
  char secret[64], token[64];
  snprintf(secret, sizeof secret, "secret-%s", id);
  snprintf(token, sizeof token, "token-%s", id);
  expect_ddb_signed(req, port, "DynamoDB_20120810.ListTables", id, secret, token, "eu-west-3");
  char v[64];
  assert_string_equal(fake_req_header(req, "X-Amz-Security-Token", v, sizeof v), token);
}

/* A client signs with the source's keys, and after a renewal with the new
 * ones: the day's signing key is derived again for them. */
static void client_signs_with_renewed_keys(void **state) {
  char a0[512], a1[512];
  keys_answer(a0, sizeof a0, "AKIDONE", 2 * 60 * 1000);
  keys_answer(a1, sizeof a1, "AKIDTWO", 60 * 60 * 1000);
  const char *const keys[] = {a0, a1}, *const tables[] = {"200|{\"TableNames\":[]}"};
  struct fake kf, db;
  fake_start(&kf, keys, 2);
  fake_start(&db, tables, 1);
  set_container(&kf);
  char url[64], err[400];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", db.port);
  struct aws_cfg cfg = {.endpoint = url, .region = "eu-west-3", .timeout_ms = 2000};
  struct aws_client *c = aws_client_new(&cfg, "dynamodb", err, sizeof err);
  if (c == NULL) fail_msg("aws_client_new: %s", err);
  static const char *const want[] = {"AKIDONE", "AKIDTWO", "AKIDTWO"};
  for (int i = 0; i < 3; i++) {
    json_t *resp = NULL;
    struct aws_err e;
    if (aws_call(c, "DynamoDB_20120810", "ListTables", NULL, &resp, &e) != 0) fail_msg("%s", e.msg);
    json_decref(resp);
    expect_signed_by(db.last, db.port, want[i]);
  }
  assert_int_equal(fake_requests(&kf), 2);
  aws_client_free(c);
  fake_stop(&kf);

  /* the source down and no keys in hand: a 503-kind error, nothing sent */
  const char *const down[] = {"500|{}"};
  fake_start(&kf, down, 1);
  set_container(&kf);
  c = aws_client_new(&cfg, "dynamodb", err, sizeof err);
  json_t *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "DynamoDB_20120810", "ListTables", NULL, &resp, &e), -1);
  assert_int_equal(e.kind, AWS_ERR_UNAVAILABLE);
  assert_non_null(strstr(e.msg, "dynamodb ListTables unavailable: AWS credentials (container"));
  struct fin_err fe;
  assert_int_equal(aws_err_to_fin(&e, &fe), FIN_UNAVAILABLE);
  assert_int_equal(fake_requests(&db), 3);
  aws_err_clear(&e);
  aws_client_free(c);
  fake_stop(&kf);
  fake_stop(&db);
  clean_env(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(container_keys_kept_then_renewed, clean_env),
      cmocka_unit_test_setup(container_token_file_read_each_time, clean_env),
      cmocka_unit_test_setup(failed_renewal_keeps_valid_keys_until_expiry, clean_env),
      cmocka_unit_test_setup(container_url_must_be_local_or_https, clean_env),
      cmocka_unit_test_setup(imds_v2_asks_token_role_then_keys, clean_env),
      cmocka_unit_test_setup(source_chosen_from_environment, clean_env),
      cmocka_unit_test_setup(web_identity_exchanges_token_at_sts, clean_env),
      cmocka_unit_test_setup(profile_keys_from_files, clean_env),
      cmocka_unit_test_setup(client_signs_with_renewed_keys, clean_env),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
