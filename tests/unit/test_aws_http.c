/* test_aws_http.c - the AWS JSON client against a loopback HTTP server
 * started inside the test (a listening socket on an ephemeral port, one
 * thread per connection, canned answers, requests recorded): the signed
 * headers (the signature is recomputed from what arrived), JSON round trip,
 * error parsing, which failures are retried, a closed port and a silent
 * server becoming "unavailable", connection reuse and many threads. The
 * endpoint/region/credential precedence is in test_aws_endpoint.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../adapters/aws/aws_http.h"
#include "../../adapters/aws/sigv4.h"
#include "../../core/util/log.h"

#include "fake_http.h"
#include "sig_check.h"

/* The value of header `name` in the recorded request, into out. */
static int occurrences(const char *s, const char *needle) {
  int n = 0;
  for (const char *p = s; (p = strcasestr(p, needle)) != NULL; p++)
    n++;
  return n;
}

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static struct aws_client *client_for(const char *service, int port, const char *token,
                                     int max_retries, long timeout_ms) {
  char url[64], err[256];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
  struct aws_cfg cfg = {.endpoint = url,
                        .region = "eu-west-3",
                        .access_key_id = "AKIDTEST",
                        .secret_access_key = SECRET,
                        .session_token = token,
                        .timeout_ms = timeout_ms,
                        .connect_timeout_ms = 500,
                        .max_retries = max_retries,
                        .backoff_base_ms = 2,
                        .backoff_cap_ms = 10};
  struct aws_client *c = aws_client_new(&cfg, service, err, sizeof err);
  if (c == NULL) fail_msg("aws_client_new: %s", err);
  return c;
}

/* The service's side: the signature recomputed from the DynamoDB request
 * that arrived (req_text) must be its Authorization header. */
static void expect_signed(const char *req_text, int port, const char *target, const char *token) {
  expect_ddb_signed(req_text, port, target, "AKIDTEST", SECRET, token, "eu-west-3");
}

/* ---- tests ---- */
static void signed_json_round_trip(void **state) {
  static const char *const answers[] = {"200|{\"TableNames\":[\"acme-users\"]}"};
  struct fake f;
  fake_start(&f, answers, 1);
  struct aws_client *c = client_for("dynamodb", f.port, "session-tok", 0, 2000);
  json_t *req = json_pack("{s:i}", "Limit", 5), *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "DynamoDB_20120810", "ListTables", req, &resp, &e), 0);
  assert_int_equal(e.kind, AWS_ERR_NONE);
  assert_null(e.body);
  assert_string_equal(json_string_value(json_array_get(json_object_get(resp, "TableNames"), 0)),
                      "acme-users");

  char date[32], auth[512], v[256], host[64], want[160];
  const char *req_text = f.last;
  assert_true(strncmp(req_text, "POST / HTTP/1.1\r\n", 17) == 0);
  assert_string_equal(fake_req_header(req_text, "X-Amz-Target", v, sizeof v),
                      "DynamoDB_20120810.ListTables");
  assert_string_equal(fake_req_header(req_text, "Content-Type", v, sizeof v),
                      "application/x-amz-json-1.0");
  assert_string_equal(fake_req_header(req_text, "X-Amz-Security-Token", v, sizeof v),
                      "session-tok");
  snprintf(host, sizeof host, "127.0.0.1:%d", f.port);
  assert_string_equal(fake_req_header(req_text, "Host", v, sizeof v), host);
  assert_int_equal(occurrences(req_text, "\r\nHost:"), 1); /* ours replaced curl's */
  assert_int_equal(occurrences(req_text, "\r\nContent-Type:"), 1);
  assert_int_equal(occurrences(req_text, "\r\nExpect:"), 0);
  assert_non_null(fake_req_header(req_text, "X-Amz-Date", date, sizeof date));
  assert_int_equal(strlen(date), 16);
  assert_non_null(fake_req_header(req_text, "Authorization", auth, sizeof auth));
  snprintf(want, sizeof want,
           "AWS4-HMAC-SHA256 Credential=AKIDTEST/%.8s/eu-west-3/dynamodb/aws4_request, ", date);
  assert_true(strncmp(auth, want, strlen(want)) == 0);
  assert_non_null(strstr(
      auth, "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, "));
  const char *body = strstr(req_text, "\r\n\r\n") + 4;
  assert_string_equal(body, "{\"Limit\":5}");

  expect_signed(req_text, f.port, "DynamoDB_20120810.ListTables", "session-tok");

  assert_int_equal(aws_client_calls(c), 1);
  json_decref(req);
  json_decref(resp);
  aws_client_free(c);
  fake_stop(&f);
}

/* A written body is sent as given, len bytes of it (not up to a NUL), and
 * the signature covers exactly those bytes. */
static void written_body_is_sent_as_given(void **state) {
  static const char *const answers[] = {"200|{}"};
  struct fake f;
  fake_start(&f, answers, 1);
  struct aws_client *c = client_for("dynamodb", f.port, NULL, 0, 2000);
  const char *text = "{\"TableName\":\"acme-users\"}trailing bytes not sent";
  size_t len = strlen("{\"TableName\":\"acme-users\"}");
  json_t *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call_text(c, "DynamoDB_20120810", "DescribeTable", text, len, &resp, &e), 0);
  assert_non_null(resp);
  const char *body = strstr(f.last, "\r\n\r\n") + 4;
  assert_string_equal(body, "{\"TableName\":\"acme-users\"}");
  expect_signed(f.last, f.port, "DynamoDB_20120810.DescribeTable", NULL);
  json_decref(resp);
  aws_client_free(c);
  fake_stop(&f);
}

static void no_token_no_token_header(void **state) {
  static const char *const answers[] = {"200|"}; /* an empty 2xx body reads as {} ... */
  struct fake f;
  fake_start(&f, answers, 1);
  struct aws_client *c = client_for("ssm", f.port, NULL, 0, 2000); /* ... except DynamoDB's */
  json_t *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "AmazonSSM", "DescribeParameters", NULL, &resp, &e), 0);
  assert_true(json_is_object(resp) && json_object_size(resp) == 0);
  char v[512];
  assert_null(fake_req_header(f.last, "X-Amz-Security-Token", v, sizeof v));
  assert_non_null(strstr(fake_req_header(f.last, "Authorization", v, sizeof v),
                         "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "));
  assert_string_equal(strstr(f.last, "\r\n\r\n") + 4, "{}");
  json_decref(resp);
  aws_client_free(c);
  fake_stop(&f);
}

/* Content type, target and signing scope of each service. */
static void each_service_speaks_its_protocol(void **state) {
  static const struct {
    const char *service, *target, *op, *ctype;
  } cases[] = {
      {"sqs", "AmazonSQS", "CreateQueue", "application/x-amz-json-1.0"},
      {"events", "AWSEvents", "ListEventBuses", "application/x-amz-json-1.1"},
      {"ssm", "AmazonSSM", "GetParameter", "application/x-amz-json-1.1"},
      {"cognito-idp", "AWSCognitoIdentityProviderService", "InitiateAuth",
       "application/x-amz-json-1.1"},
  };
  static const char *const answers[] = {"200|{}"};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct fake f;
    fake_start(&f, answers, 1);
    struct aws_client *c = client_for(cases[i].service, f.port, NULL, 0, 2000);
    json_t *req = json_object(), *resp = NULL;
    struct aws_err e;
    assert_int_equal(aws_call(c, cases[i].target, cases[i].op, req, &resp, &e), 0);
    char v[512], want[128], scope[64];
    snprintf(want, sizeof want, "%s.%s", cases[i].target, cases[i].op);
    assert_string_equal(fake_req_header(f.last, "X-Amz-Target", v, sizeof v), want);
    assert_string_equal(fake_req_header(f.last, "Content-Type", v, sizeof v), cases[i].ctype);
    snprintf(scope, sizeof scope, "/eu-west-3/%s/aws4_request, ", cases[i].service);
    assert_non_null(strstr(fake_req_header(f.last, "Authorization", v, sizeof v), scope));
    json_decref(req);
    json_decref(resp);
    aws_client_free(c);
    fake_stop(&f);
  }
}

static void error_type_and_message_are_parsed(void **state) {
  static const char *const hash_lower[] = {
      "400|{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\","
      "\"message\":\"Requested resource not found\"}"};
  static const char *const plain_upper[] = {
      "400|{\"__type\":\"ParameterNotFound\",\"Message\":\"Parameter /acme/x not found.\"}"};
  struct fake f;
  fake_start(&f, hash_lower, 1);
  struct aws_client *c = client_for("dynamodb", f.port, NULL, 0, 2000);
  json_t *req = json_object(), *resp = (json_t *)1;
  struct aws_err e;
  assert_int_equal(aws_call(c, "DynamoDB_20120810", "DescribeTable", req, &resp, &e), -1);
  assert_null(resp);
  assert_int_equal(e.kind, AWS_ERR_SERVICE);
  assert_int_equal(e.http, 400);
  assert_string_equal(e.service, "dynamodb");
  assert_string_equal(e.op, "DescribeTable");
  assert_string_equal(e.type, "ResourceNotFoundException");
  assert_string_equal(e.message, "Requested resource not found");
  assert_string_equal(e.msg, "dynamodb DescribeTable failed: HTTP 400 ResourceNotFoundException: "
                             "Requested resource not found");
  assert_non_null(e.body);
  struct fin_err fe = {0};
  assert_int_equal(aws_err_to_fin(&e, &fe), FIN_INTERNAL);
  assert_string_equal(fe.msg, e.msg);
  aws_err_clear(&e);
  aws_client_free(c);
  fake_stop(&f);

  fake_start(&f, plain_upper, 1);
  c = client_for("ssm", f.port, NULL, 0, 2000);
  assert_int_equal(aws_call(c, "AmazonSSM", "GetParameter", req, &resp, &e), -1);
  assert_string_equal(e.type, "ParameterNotFound");
  assert_string_equal(e.message, "Parameter /acme/x not found.");
  assert_int_equal(fake_requests(&f), 1);
  aws_err_clear(&e);
  json_decref(req);
  aws_client_free(c);
  fake_stop(&f);
}

static void conditional_failures_are_never_retried(void **state) {
  static const char *const answers[][1] = {
      {"400|{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
       "\"message\":\"The conditional request failed\",\"Item\":{\"id\":{\"S\":\"c1\"}}}"},
      {"400|{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\","
       "\"Message\":\"Transaction cancelled\",\"CancellationReasons\":[{\"Code\":\"None\"},"
       "{\"Code\":\"ConditionalCheckFailed\"}]}"},
      {"400|{\"__type\":\"com.amazon.coral.validate#ValidationException\","
       "\"message\":\"One or more parameter values were invalid\"}"},
  };
  static const char *const types[] = {"ConditionalCheckFailedException",
                                      "TransactionCanceledException", "ValidationException"};
  for (int i = 0; i < 3; i++) {
    struct fake f;
    fake_start(&f, answers[i], 1);
    struct aws_client *c = client_for("dynamodb", f.port, NULL, 0, 2000);
    json_t *req = json_object(), *resp = NULL;
    struct aws_err e;
    assert_int_equal(aws_call(c, "DynamoDB_20120810", "PutItem", req, &resp, &e), -1);
    assert_int_equal(e.kind, AWS_ERR_SERVICE);
    assert_string_equal(e.type, types[i]);
    assert_int_equal(fake_requests(&f), 1); /* never retried */
    assert_int_equal(e.attempts, 1);
    assert_int_equal(aws_client_calls(c), 1);
    if (i == 0) assert_non_null(json_object_get(e.body, "Item"));
    if (i == 1)
      assert_int_equal(json_array_size(json_object_get(e.body, "CancellationReasons")), 2);
    struct fin_err fe = {0};
    assert_int_equal(aws_err_to_fin(&e, &fe), FIN_INTERNAL);
    aws_err_clear(&e);
    json_decref(req);
    aws_client_free(c);
    fake_stop(&f);
  }
}

static void server_error_is_retried_then_succeeds(void **state) {
  static const char *const answers[] = {
      ("500|{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\","
       "\"message\":\"Internal server error\"}"),
      "200|{\"Item\":{\"id\":{\"S\":\"u1\"}}}"};
  struct fake f;
  fake_start(&f, answers, 2);
  struct aws_client *c = client_for("dynamodb", f.port, NULL, 0, 2000);
  json_t *req = json_object(), *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "DynamoDB_20120810", "GetItem", req, &resp, &e), 0);
  assert_non_null(json_object_get(resp, "Item"));
  assert_int_equal(fake_requests(&f), 2);
  assert_int_equal(aws_client_calls(c), 2);
  json_decref(req);
  json_decref(resp);
  aws_client_free(c);
  fake_stop(&f);
}

static void throttling_is_retried(void **state) {
  static const char *const answers[] = {
      ("400|{\"__type\":\"com.amazonaws.dynamodb.v20120810#"
       "ProvisionedThroughputExceededException\","
       "\"message\":\"slow down\"}"),
      "400|{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}", "429|{}",
      "200|{\"ok\":true}"};
  struct fake f;
  fake_start(&f, answers, 4);
  struct aws_client *c = client_for("dynamodb", f.port, NULL, 0, 2000);
  json_t *req = json_object(), *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "DynamoDB_20120810", "UpdateItem", req, &resp, &e), 0);
  assert_int_equal(fake_requests(&f), 4); /* first try + 3 retries */
  json_decref(resp);
  json_decref(req);
  aws_client_free(c);
  fake_stop(&f);
}

static void throttled_after_retries_is_unavailable(void **state) {
  static const char *const answers[] = {"400|{\"__type\":\"ThrottlingException\","
                                        "\"message\":\"Rate exceeded\"}"};
  struct fake f;
  fake_start(&f, answers, 1);
  struct aws_client *c = client_for("ssm", f.port, NULL, 2, 2000);
  json_t *req = json_object(), *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "AmazonSSM", "GetParametersByPath", req, &resp, &e), -1);
  assert_int_equal(e.kind, AWS_ERR_THROTTLED);
  assert_int_equal(e.attempts, 3);
  assert_int_equal(fake_requests(&f), 3);
  assert_non_null(strstr(e.msg, "ssm GetParametersByPath throttled after 3 attempts: HTTP 400 "
                                "ThrottlingException: Rate exceeded"));
  struct fin_err fe = {0};
  assert_int_equal(aws_err_to_fin(&e, &fe), FIN_UNAVAILABLE);
  aws_err_clear(&e);
  json_decref(req);
  aws_client_free(c);
  fake_stop(&f);
}

static void persistent_5xx_is_unavailable(void **state) {
  static const char *const answers[] = {"503|<html>Service Unavailable</html>"};
  struct fake f;
  fake_start(&f, answers, 1);
  struct aws_client *c = client_for("events", f.port, NULL, 0, 2000);
  json_t *req = json_object(), *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "AWSEvents", "PutEvents", req, &resp, &e), -1);
  assert_int_equal(fake_requests(&f), 4); /* first try + 3 retries (the default) */
  assert_int_equal(e.kind, AWS_ERR_SERVICE);
  assert_int_equal(e.http, 503);
  assert_string_equal(e.type, ""); /* not JSON: no type, no body */
  assert_null(e.body);
  assert_true(strncmp(e.msg, "events PutEvents unavailable after 4 attempts: HTTP 503", 55) == 0);
  struct fin_err fe = {0};
  assert_int_equal(aws_err_to_fin(&e, &fe), FIN_UNAVAILABLE);
  aws_err_clear(&e);
  json_decref(req);
  aws_client_free(c);
  fake_stop(&f);
}

static void bad_2xx_body_is_a_bad_response(void **state) {
  static const char *const answers[] = {"200|not json"};
  struct fake f;
  fake_start(&f, answers, 1);
  struct aws_client *c = client_for("dynamodb", f.port, NULL, 0, 2000);
  json_t *req = json_object(), *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "DynamoDB_20120810", "Query", req, &resp, &e), -1);
  assert_int_equal(e.kind, AWS_ERR_RESPONSE);
  assert_int_equal(fake_requests(&f), 1);
  struct fin_err fe = {0};
  assert_int_equal(aws_err_to_fin(&e, &fe), FIN_INTERNAL);
  aws_err_clear(&e);
  json_decref(req);
  aws_client_free(c);
  fake_stop(&f);
}

static int closed_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bind(fd, (struct sockaddr *)&a, sizeof a);
  socklen_t l = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &l);
  close(fd); /* nothing listens there now */
  return ntohs(a.sin_port);
}

/* One call of op against a server that gives `answer` to every request. */
static void expect_unknown(const char *op, const char *answer, int want_requests,
                           const char *want_why) {
  const char *const answers[] = {answer};
  struct fake f;
  fake_start(&f, answers, 1);
  struct aws_client *c = client_for("dynamodb", f.port, NULL, 2, 2000);
  json_t *req = json_object(), *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "DynamoDB_20120810", op, req, &resp, &e), -1);
  assert_null(resp);
  assert_int_equal(e.kind, AWS_ERR_UNAVAILABLE);
  if (strstr(e.msg, want_why) == NULL) fail_msg("%s: message '%s' lacks '%s'", op, e.msg, want_why);
  assert_int_equal(fake_requests(&f), want_requests);
  struct fin_err fe = {0};
  assert_int_equal(aws_err_to_fin(&e, &fe), FIN_UNAVAILABLE);
  aws_err_clear(&e);
  json_decref(req);
  aws_client_free(c);
  fake_stop(&f);
}

#define OK_HEAD "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n"

/* A GetItem answer cut short must not read as "no such item", and a write
 * whose answer was lost is not sent again (it may have been applied). */
static void damaged_answers_are_unknown_outcomes(void **state) {
  const char *in_headers = "RAW|" OK_HEAD "Content-Len";
  const char *in_body = "RAW|" OK_HEAD "Content-Length: 40\r\n\r\n{\"Item\":{\"id\":";
  const char *no_body = "RAW|" OK_HEAD "Content-Length: 0\r\n\r\n";
  const char *bad_crc = "RAW|" OK_HEAD "Content-Length: 2\r\nx-amz-crc32: 12345\r\n\r\n{}";
  expect_unknown("GetItem", in_headers, 3, "ended inside its headers"); /* reads: sent again */
  expect_unknown("GetItem", no_body, 3, "empty body");
  expect_unknown("GetItem", bad_crc, 3, "x-amz-crc32 does not match");
  expect_unknown("Query", in_body, 3, "unavailable");
  expect_unknown("TransactWriteItems", in_headers, 1, "ended inside its headers"); /* once */
  expect_unknown("TransactWriteItems", in_body, 1, "unavailable");
  expect_unknown("PutItem", bad_crc, 1, "x-amz-crc32 does not match");
}

/* "{}" with its right checksum is a whole answer (crc32("{}") = 2745614147). */
static void intact_answer_with_checksum_is_accepted(void **state) {
  const char *const answers[] = {"RAW|" OK_HEAD
                                 "Content-Length: 2\r\nx-amz-crc32: 2745614147\r\n\r\n{}"};
  struct fake f;
  fake_start(&f, answers, 1);
  struct aws_client *c = client_for("dynamodb", f.port, NULL, 0, 2000);
  json_t *req = json_object(), *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "DynamoDB_20120810", "GetItem", req, &resp, &e), 0);
  assert_true(json_is_object(resp) && json_object_size(resp) == 0);
  json_decref(resp);
  json_decref(req);
  aws_client_free(c);
  fake_stop(&f);
}

/* Chunked answers (FIN_AWS_WIRE=1 reads them itself): extensions and
 * trailers are skipped, the chunks joined; broken framing is not an answer. */
static void chunked_answers_are_joined(void **state) {
  const char *const answers[] = {"RAW|HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "5;x=1\r\n{\"a\":\r\n3\r\n12}\r\n0\r\nX-T: 1\r\n\r\n"};
  struct fake f;
  fake_start(&f, answers, 1);
  struct aws_client *c = client_for("dynamodb", f.port, NULL, 0, 2000);
  json_t *req = json_object(), *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "DynamoDB_20120810", "GetItem", req, &resp, &e), 0);
  assert_int_equal(json_integer_value(json_object_get(resp, "a")), 12);
  json_decref(resp);
  json_decref(req);
  aws_client_free(c);
  fake_stop(&f);
  expect_unknown("GetItem", "RAW|HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 3,
                 "unavailable");
  expect_unknown("PutItem", "RAW|HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n{}", 1,
                 "unavailable");
}

/* The server hangs up a kept connection between two calls (its idle
 * timeout): the second call, a write, goes out on a fresh connection, and
 * succeeds. */
static void a_dead_kept_connection_is_replaced(void **state) {
  const char *const answers[] = {"RAW|" OK_HEAD "Content-Length: 2\r\n\r\n{}", "200|{}"};
  struct fake f;
  fake_start(&f, answers, 2);
  struct aws_client *c = client_for("dynamodb", f.port, NULL, 0, 2000);
  json_t *req = json_object(), *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "DynamoDB_20120810", "GetItem", req, &resp, &e), 0);
  json_decref(resp);
  fake_wait_closed(&f, 1);
  assert_int_equal(aws_call(c, "DynamoDB_20120810", "PutItem", req, &resp, &e), 0);
  json_decref(resp);
  assert_int_equal(fake_requests(&f), 2);
  json_decref(req);
  aws_client_free(c);
  fake_stop(&f);
}

struct caller {
  struct aws_client *c;
  int rc;
};

static void *get_item(void *p) {
  struct caller *k = p;
  json_t *req = json_object(), *resp = NULL;
  struct aws_err e;
  k->rc = aws_call(k->c, "DynamoDB_20120810", "GetItem", req, &resp, &e);
  if (k->rc != 0) aws_err_clear(&e);
  json_decref(resp);
  json_decref(req);
  return NULL;
}

/* Two kept connections, both closed by the server while idle: a write
 * after that skips both and goes out once, on a new connection. */
static void stale_kept_connections_are_skipped(void **state) {
  const char *const answers[] = {"RAW|" OK_HEAD "Content-Length: 2\r\n\r\n{}",
                                 "RAW|" OK_HEAD "Content-Length: 2\r\n\r\n{}", "200|{}"};
  struct fake f;
  fake_start(&f, answers, 3);
  fake_hold(&f, 2); /* the first answer waits for the second request: two connections */
  struct aws_client *c = client_for("dynamodb", f.port, NULL, 0, 2000);
  struct caller k[2] = {{c, -1}, {c, -1}};
  pthread_t t[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&t[i], NULL, get_item, &k[i]);
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  assert_int_equal(k[0].rc, 0);
  assert_int_equal(k[1].rc, 0);
  assert_int_equal(fake_connections(&f), 2);
  fake_wait_closed(&f, 2);
  json_t *req = json_object(), *resp = NULL;
  struct aws_err e;
  if (aws_call(c, "DynamoDB_20120810", "PutItem", req, &resp, &e) != 0)
    fail_msg("PutItem: %s", e.msg);
  json_decref(resp);
  assert_int_equal(fake_requests(&f), 3);
  json_decref(req);
  aws_client_free(c);
  fake_stop(&f);
}

/* Calls of GetItem (PutEvents when want_a is -1: DynamoDB answers always
 * have a body) on one client against answers that all succeed; returns the
 * connections the server saw. */
static int all_succeed(const char *const *answers, int n, int calls, int want_a) {
  struct fake f;
  fake_start(&f, answers, n);
  struct aws_client *c = client_for(want_a >= 0 ? "dynamodb" : "events", f.port, NULL, 0, 2000);
  json_t *req = json_object();
  for (int i = 0; i < calls; i++) {
    json_t *resp = NULL;
    struct aws_err e;
    if (aws_call(c, want_a >= 0 ? "DynamoDB_20120810" : "AWSEvents",
                 want_a >= 0 ? "GetItem" : "PutEvents", req, &resp, &e) != 0)
      fail_msg("call %d: %s", i + 1, e.msg);
    if (want_a >= 0) assert_int_equal(json_integer_value(json_object_get(resp, "a")), want_a);
    json_decref(resp);
  }
  assert_int_equal(fake_requests(&f), calls);
  int conns = f.connections;
  json_decref(req);
  aws_client_free(c);
  fake_stop(&f);
  return conns;
}

/* Interim answers (100 Continue, 103 Early Hints) come before the real one,
 * which counts; a 204 has no body whatever its head says, and its
 * connection serves the next call. */
static void interim_and_bodiless_answers(void **state) {
  const char *const interim[] = {"KEEP|HTTP/1.1 100 Continue\r\n\r\n"
                                 "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" OK_HEAD
                                 "Content-Length: 8\r\n\r\n{\"a\":12}"};
  assert_int_equal(all_succeed(interim, 1, 2, 12), 1);
  const char *const no_content[] = {"KEEP|HTTP/1.1 204 No Content\r\n\r\n"};
  assert_int_equal(all_succeed(no_content, 1, 2, -1), 1);
}

/* Bytes past an answer's Content-Length are not the next answer: that
 * connection is not used again. A Transfer-Encoding other than chunked is
 * read to the connection's end, and chunked wins over a Content-Length. */
static void framing_past_the_length(void **state) {
  const char *const surplus[] = {"KEEP|" OK_HEAD "Content-Length: 8\r\n\r\n{\"a\":12}JUNK",
                                 "200|{\"a\":12}"};
  assert_int_equal(all_succeed(surplus, 2, 2, 12), 2);
  const char *const identity[] = {"RAW|" OK_HEAD
                                  "Transfer-Encoding: identity\r\nContent-Length: 3\r\n\r\n"
                                  "{\"a\":12}"};
  all_succeed(identity, 1, 1, 12);
  const char *const both[] = {"KEEP|" OK_HEAD
                              "Transfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n"
                              "8\r\n{\"a\":12}\r\n0\r\n\r\n",
                              "200|{\"a\":12}"};
  all_succeed(both, 2, 2, 12);
}

/* An answer whose Content-Length is not a number is no answer. */
static void a_bad_length_is_refused(void **state) {
  expect_unknown("GetItem", "KEEP|" OK_HEAD "Content-Length: x\r\n\r\n{}", 3, "unavailable");
  expect_unknown("PutItem", "KEEP|" OK_HEAD "Content-Length: x\r\n\r\n{}", 1, "unavailable");
}

/* The client of our own (FIN_AWS_WIRE=1) does not send a write again when
 * the server took all of it and closed without answering: it may have
 * been carried out. (libcurl sends any request again on a new connection
 * when a reused one gives nothing back: DynamoDB transactions carry a
 * ClientRequestToken, so a second TransactWriteItems is not applied twice.) */
static void a_write_taken_whole_is_not_sent_again(void **state) {
  const char *const answers[] = {"200|{}", "DROP|"};
  struct fake f;
  fake_start(&f, answers, 2);
  struct aws_client *c = client_for("dynamodb", f.port, NULL, 0, 2000);
  json_t *req = json_object(), *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "DynamoDB_20120810", "GetItem", req, &resp, &e), 0);
  json_decref(resp);
  assert_int_equal(aws_call(c, "DynamoDB_20120810", "PutItem", req, &resp, &e), -1);
  assert_int_equal(e.kind, AWS_ERR_UNAVAILABLE);
  aws_err_clear(&e);
  assert_int_equal(fake_requests(&f), 2);
  json_decref(req);
  aws_client_free(c);
  fake_stop(&f);
}

/* What libcurl lets pass and the client of our own does not: a length with
 * more than digits, two lengths that disagree, a chunk size line with a
 * stray CR; a chunk size with many leading zeros is still a size. */
static void framing_is_read_strictly(void **state) {
  expect_unknown("GetItem", "KEEP|" OK_HEAD "Content-Length: 2x\r\n\r\n{}", 3, "unavailable");
  expect_unknown("GetItem", "KEEP|" OK_HEAD "Content-Length: -1\r\n\r\n{}", 3, "unavailable");
  expect_unknown("GetItem", "KEEP|" OK_HEAD "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 3,
                 "unavailable");
  expect_unknown("GetItem",
                 "KEEP|" OK_HEAD "Transfer-Encoding: chunked\r\n\r\n1\r2\n{}\r\n0\r\n\r\n", 3,
                 "unavailable");
  const char *const zeros[] = {"KEEP|" OK_HEAD "Transfer-Encoding: chunked\r\n\r\n"
                               "00000000000000000008\r\n{\"a\":12}\r\n0\r\n\r\n"};
  assert_int_equal(all_succeed(zeros, 1, 2, 12), 1);
}

static void connection_refused_is_unavailable(void **state) {
  int port = closed_port();
  struct aws_client *c = client_for("dynamodb", port, NULL, 0, 2000);
  json_t *req = json_object(), *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "DynamoDB_20120810", "PutItem", req, &resp, &e), -1);
  assert_int_equal(e.kind, AWS_ERR_UNAVAILABLE);
  assert_int_equal(e.http, 0);
  assert_int_equal(aws_client_calls(c), 2); /* one retry, not three */
  char want[128];
  snprintf(want, sizeof want,
           "dynamodb PutItem unavailable: connection refused after 2 attempts "
           "(http://127.0.0.1:%d)",
           port);
  assert_string_equal(e.msg, want);
  struct fin_err fe = {0};
  assert_int_equal(aws_err_to_fin(&e, &fe), FIN_UNAVAILABLE);
  assert_string_equal(fe.msg, want);
  aws_err_clear(&e);
  json_decref(req);
  aws_client_free(c);
}

static void silent_server_times_out_once(void **state) {
  struct fake f;
  fake_start(&f, NULL, 0); /* reads requests, never answers */
  struct aws_client *c = client_for("dynamodb", f.port, NULL, 0, 300);
  json_t *req = json_object(), *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "DynamoDB_20120810", "PutItem", req, &resp, &e), -1);
  assert_int_equal(e.kind, AWS_ERR_UNAVAILABLE);
  assert_non_null(strstr(e.msg, "dynamodb PutItem unavailable: no answer within 300 ms"));
  assert_int_equal(fake_requests(&f), 1); /* sent once: a write may have landed */
  struct fin_err fe = {0};
  assert_int_equal(aws_err_to_fin(&e, &fe), FIN_UNAVAILABLE);
  aws_err_clear(&e);
  json_decref(req);
  aws_client_free(c);
  fake_stop(&f);
}

static void connections_are_reused(void **state) {
  static const char *const answers[] = {"200|{}"};
  struct fake f;
  fake_start(&f, answers, 1);
  struct aws_client *c = client_for("dynamodb", f.port, NULL, 0, 2000);
  json_t *req = json_object();
  for (int i = 0; i < 10; i++) {
    json_t *resp = NULL;
    struct aws_err e;
    assert_int_equal(aws_call(c, "DynamoDB_20120810", "GetItem", req, &resp, &e), 0);
    json_decref(resp);
  }
  assert_int_equal(fake_requests(&f), 10);
  assert_int_equal(f.connections, 1);
  json_decref(req);
  aws_client_free(c);
  fake_stop(&f);
}

struct worker {
  struct aws_client *c;
  int ok;
};

static void *hammer(void *p) {
  struct worker *w = p;
  json_t *req = json_pack("{s:s}", "TableName", "acme-cards");
  for (int i = 0; i < 25; i++) {
    json_t *resp = NULL;
    struct aws_err e;
    if (aws_call(w->c, "DynamoDB_20120810", "GetItem", req, &resp, &e) == 0 &&
        json_is_true(json_object_get(resp, "ok")))
      w->ok++;
    else
      aws_err_clear(&e);
    json_decref(resp);
  }
  json_decref(req);
  return NULL;
}

static void many_threads_share_one_client(void **state) {
  static const char *const answers[] = {"200|{\"ok\":true}"};
  struct fake f;
  fake_start(&f, answers, 1);
  struct aws_client *c = client_for("dynamodb", f.port, NULL, 0, 5000);
  pthread_t t[8];
  struct worker w[8];
  for (int i = 0; i < 8; i++) {
    w[i] = (struct worker){c, 0};
    pthread_create(&t[i], NULL, hammer, &w[i]);
  }
  int ok = 0;
  for (int i = 0; i < 8; i++) {
    pthread_join(t[i], NULL);
    ok += w[i].ok;
  }
  assert_int_equal(ok, 200);
  assert_int_equal(aws_client_calls(c), 200);
  assert_true(f.connections <= 8); /* one connection per concurrent caller at most */
  aws_client_free(c);
  fake_stop(&f);
}

int main(void) {
  fin_log_set_enabled(0); /* retry warnings would drown cmocka's report */
  json_object_seed(0);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(signed_json_round_trip),
      cmocka_unit_test(written_body_is_sent_as_given),
      cmocka_unit_test(no_token_no_token_header),
      cmocka_unit_test(each_service_speaks_its_protocol),
      cmocka_unit_test(error_type_and_message_are_parsed),
      cmocka_unit_test(conditional_failures_are_never_retried),
      cmocka_unit_test(server_error_is_retried_then_succeeds),
      cmocka_unit_test(throttling_is_retried),
      cmocka_unit_test(throttled_after_retries_is_unavailable),
      cmocka_unit_test(persistent_5xx_is_unavailable),
      cmocka_unit_test(bad_2xx_body_is_a_bad_response),
      cmocka_unit_test(damaged_answers_are_unknown_outcomes),
      cmocka_unit_test(intact_answer_with_checksum_is_accepted),
      cmocka_unit_test(connection_refused_is_unavailable),
      cmocka_unit_test(silent_server_times_out_once),
      cmocka_unit_test(connections_are_reused),
      cmocka_unit_test(many_threads_share_one_client),
      cmocka_unit_test(chunked_answers_are_joined),
      cmocka_unit_test(a_dead_kept_connection_is_replaced),
      cmocka_unit_test(stale_kept_connections_are_skipped),
      cmocka_unit_test(interim_and_bodiless_answers),
      cmocka_unit_test(framing_past_the_length),
      cmocka_unit_test(a_bad_length_is_refused),
  };
  const struct CMUnitTest wire_only[] = {
      cmocka_unit_test(a_write_taken_whole_is_not_sent_again),
      cmocka_unit_test(framing_is_read_strictly),
  };
  /* once through libcurl, once through the client of our own (aws_wire.h) */
  setenv("FIN_AWS_WIRE", "0", 1);
  int failed = cmocka_run_group_tests_name("libcurl", tests, NULL, NULL);
  setenv("FIN_AWS_WIRE", "1", 1);
  failed += cmocka_run_group_tests_name("wire", tests, NULL, NULL);
  return failed + cmocka_run_group_tests_name("wire only", wire_only, NULL, NULL);
}
