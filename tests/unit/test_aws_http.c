/* test_aws_http.c - the AWS JSON client against a scripted loopback server:
 * signed headers, error parsing, which failures are retried, and that a
 * closed port becomes an "unavailable" error quickly. */
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

/* A one-connection-at-a-time HTTP server answering scripted responses. */
struct fake {
  int fd, port;
  const char *const *answers; /* "status|body" per request; the last repeats */
  int n_answers, served;
  char last_request[8192];
  pthread_t thread;
};

static void *serve(void *arg) {
  struct fake *f = arg;
  for (;;) {
    int c = accept(f->fd, NULL, NULL);
    if (c < 0) return NULL;
    for (;;) { /* keep-alive: several requests per connection */
      char buf[8192];
      ssize_t n = recv(c, buf, sizeof buf - 1, 0);
      if (n <= 0) break;
      buf[n] = '\0';
      char *end = strstr(buf, "\r\n\r\n");
      const char *cl = strcasestr(buf, "content-length:");
      long want = cl ? strtol(cl + 15, NULL, 10) : 0;
      while (end && (long)(n - (end + 4 - buf)) < want) {
        ssize_t m = recv(c, buf + n, sizeof buf - 1 - (size_t)n, 0);
        if (m <= 0) break;
        n += m;
        buf[n] = '\0';
      }
      snprintf(f->last_request, sizeof f->last_request, "%s", buf);
      const char *a = f->answers[f->served < f->n_answers ? f->served : f->n_answers - 1];
      f->served++;
      int status = atoi(a);
      const char *body = strchr(a, '|') + 1;
      char out[2048];
      int len = snprintf(out, sizeof out,
                         "HTTP/1.1 %d X\r\nContent-Type: application/x-amz-json-1.0\r\n"
                         "Content-Length: %zu\r\n\r\n%s",
                         status, strlen(body), body);
      if (send(c, out, (size_t)len, MSG_NOSIGNAL) < 0) break;
    }
    close(c);
  }
}

static void fake_start(struct fake *f, const char *const *answers, int n) {
  memset(f, 0, sizeof *f);
  f->answers = answers;
  f->n_answers = n;
  f->fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  assert_int_equal(bind(f->fd, (struct sockaddr *)&a, sizeof a), 0);
  socklen_t l = sizeof a;
  getsockname(f->fd, (struct sockaddr *)&a, &l);
  f->port = ntohs(a.sin_port);
  listen(f->fd, 8);
  pthread_create(&f->thread, NULL, serve, f);
}

static void fake_stop(struct fake *f) {
  shutdown(f->fd, SHUT_RDWR);
  close(f->fd);
  pthread_join(f->thread, NULL);
}

static struct aws_client *client_for(int port, const char *service) {
  char url[64], err[256];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
  struct aws_cfg cfg = {.endpoint = url,
                        .region = "us-east-1",
                        .access_key_id = "AKID",
                        .secret_access_key = "secret",
                        .session_token = "tok",
                        .timeout_ms = 2000,
                        .connect_timeout_ms = 500};
  struct aws_client *c = aws_client_new(&cfg, service, err, sizeof err);
  assert_non_null(c);
  return c;
}

static void signed_json_round_trip(void **state) {
  static const char *const answers[] = {"200|{\"TableNames\":[\"a\"]}"};
  struct fake f;
  fake_start(&f, answers, 1);
  struct aws_client *c = client_for(f.port, "dynamodb");
  json_t *req = json_pack("{s:i}", "Limit", 1), *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "DynamoDB_20120810", "ListTables", req, &resp, &e), 0);
  assert_string_equal(json_string_value(json_array_get(json_object_get(resp, "TableNames"), 0)),
                      "a");
  assert_non_null(strcasestr(f.last_request, "X-Amz-Target: DynamoDB_20120810.ListTables"));
  assert_non_null(strcasestr(f.last_request, "Content-Type: application/x-amz-json-1.0"));
  assert_non_null(strstr(f.last_request, "Authorization: AWS4-HMAC-SHA256 Credential=AKID/"));
  assert_non_null(strstr(f.last_request, "/us-east-1/dynamodb/aws4_request"));
  assert_non_null(strcasestr(f.last_request, "X-Amz-Security-Token: tok"));
  assert_non_null(strstr(f.last_request, "{\"Limit\":1}"));
  assert_int_equal(aws_client_calls(c), 1);
  json_decref(req);
  json_decref(resp);
  aws_client_free(c);
  fake_stop(&f);
}

static void service_error_is_parsed_not_retried(void **state) {
  static const char *const answers[] = {
      "400|{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
      "\"message\":\"The conditional request failed\"}"};
  struct fake f;
  fake_start(&f, answers, 1);
  struct aws_client *c = client_for(f.port, "dynamodb");
  json_t *req = json_object(), *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "DynamoDB_20120810", "PutItem", req, &resp, &e), -1);
  assert_int_equal(e.kind, AWS_ERR_SERVICE);
  assert_int_equal(e.http, 400);
  assert_string_equal(e.type, "ConditionalCheckFailedException");
  assert_non_null(strstr(e.msg, "The conditional request failed"));
  assert_int_equal(f.served, 1); /* never retried */
  struct fin_err fe = {0};
  assert_int_equal(aws_err_to_fin(&e, &fe), FIN_INTERNAL);
  aws_err_clear(&e);
  json_decref(req);
  aws_client_free(c);
  fake_stop(&f);
}

static void server_errors_and_throttling_are_retried(void **state) {
  static const char *const answers[] = {
      "500|{\"__type\":\"InternalServerError\",\"Message\":\"boom\"}",
      "400|{\"__type\":\"ThrottlingException\",\"message\":\"slow down\"}", "200|{}"};
  struct fake f;
  fake_start(&f, answers, 3);
  struct aws_client *c = client_for(f.port, "ssm");
  json_t *req = json_object(), *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "AmazonSSM", "GetParameter", req, &resp, &e), 0);
  assert_int_equal(f.served, 3);
  assert_non_null(strcasestr(f.last_request, "application/x-amz-json-1.1"));
  json_decref(req);
  json_decref(resp);
  aws_client_free(c);
  fake_stop(&f);
}

static void persistent_5xx_is_unavailable(void **state) {
  static const char *const answers[] = {"503|{\"__type\":\"ServiceUnavailable\"}"};
  struct fake f;
  fake_start(&f, answers, 1);
  struct aws_client *c = client_for(f.port, "events");
  json_t *req = json_object(), *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "AWSEvents", "PutEvents", req, &resp, &e), -1);
  assert_int_equal(f.served, 4); /* first try + 3 retries */
  struct fin_err fe = {0};
  assert_int_equal(aws_err_to_fin(&e, &fe), FIN_UNAVAILABLE);
  aws_err_clear(&e);
  json_decref(req);
  aws_client_free(c);
  fake_stop(&f);
}

static void closed_port_is_unavailable(void **state) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bind(fd, (struct sockaddr *)&a, sizeof a);
  socklen_t l = sizeof a;
  getsockname(fd, (struct sockaddr *)&a, &l);
  close(fd); /* nothing listens there now */
  struct aws_client *c = client_for(ntohs(a.sin_port), "dynamodb");
  json_t *req = json_object(), *resp = NULL;
  struct aws_err e;
  assert_int_equal(aws_call(c, "DynamoDB_20120810", "GetItem", req, &resp, &e), -1);
  assert_int_equal(e.kind, AWS_ERR_UNAVAILABLE);
  assert_non_null(strstr(e.msg, "dynamodb GetItem unavailable"));
  assert_int_equal(aws_client_calls(c), 2); /* one retry at most */
  struct fin_err fe = {0};
  assert_int_equal(aws_err_to_fin(&e, &fe), FIN_UNAVAILABLE);
  aws_err_clear(&e);
  json_decref(req);
  aws_client_free(c);
}

static void endpoint_and_credentials_from_environment(void **state) {
  setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);
  setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:2", 1);
  setenv("AWS_ACCESS_KEY_ID", "k", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
  char err[256];
  struct aws_cfg none = {0};
  struct aws_client *d = aws_client_new(&none, "dynamodb", err, sizeof err);
  struct aws_client *s = aws_client_new(&none, "ssm", err, sizeof err);
  assert_string_equal(aws_client_endpoint(d), "http://127.0.0.1:2");
  assert_string_equal(aws_client_endpoint(s), "http://127.0.0.1:1");
  aws_client_free(d);
  aws_client_free(s);
  unsetenv("AWS_ENDPOINT_URL");
  unsetenv("AWS_ENDPOINT_URL_DYNAMODB");
  setenv("AWS_REGION", "eu-west-1", 1);
  struct aws_client *real = aws_client_new(&none, "dynamodb", err, sizeof err);
  assert_string_equal(aws_client_endpoint(real), "https://dynamodb.eu-west-1.amazonaws.com");
  aws_client_free(real);
  unsetenv("AWS_ACCESS_KEY_ID");
  assert_null(aws_client_new(&none, "dynamodb", err, sizeof err));
  assert_non_null(strstr(err, "no credentials"));
  unsetenv("AWS_SECRET_ACCESS_KEY");
  unsetenv("AWS_REGION");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(signed_json_round_trip),
      cmocka_unit_test(service_error_is_parsed_not_retried),
      cmocka_unit_test(server_errors_and_throttling_are_retried),
      cmocka_unit_test(persistent_5xx_is_unavailable),
      cmocka_unit_test(closed_port_is_unavailable),
      cmocka_unit_test(endpoint_and_credentials_from_environment),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
