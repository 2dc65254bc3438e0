/* sig_check.h - the service's side of a SigV4 signature in the unit tests
 * of AWS clients (test_aws_http.c, test_aws_creds.c): recomputed from a
 * DynamoDB request that reached a fake (fake_http.h), it must be the
 * request's Authorization header. Header-only; include after fake_http.h
 * and sigv4.h. */
#ifndef FIN_SIG_CHECK_H
#define FIN_SIG_CHECK_H

/* req: the request as recorded; token NULL when none was to be sent. */
static inline void expect_ddb_signed(const char *req, int port, const char *target, const char *id,
                                     const char *secret, const char *token, const char *region) {
  char date[32], auth[512], host[64];
  snprintf(host, sizeof host, "127.0.0.1:%d", port);
  assert_non_null(fake_req_header(req, "X-Amz-Date", date, sizeof date));
  assert_non_null(fake_req_header(req, "Authorization", auth, sizeof auth));
  const char *body = strstr(req, "\r\n\r\n") + 4;
  struct sigv4_pair h[] = {{"Host", host},
                           {"Content-Type", "application/x-amz-json-1.0"},
                           {"X-Amz-Target", target},
                           {"X-Amz-Date", date},
                           {"X-Amz-Security-Token", token}};
  struct sigv4_request r = {"POST", "/", NULL, 0, h, token ? 5 : 4, body, strlen(body)};
  struct sigv4_creds k = {id, secret, NULL, region, "dynamodb", NULL};
  struct sigv4_result s;
  assert_int_equal(sigv4_sign(&r, &k, date, &s), SIGV4_OK);
  assert_string_equal(auth, s.authorization);
  sigv4_result_clear(&s);
}

#endif
