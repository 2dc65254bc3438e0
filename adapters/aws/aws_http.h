/* aws_http.h - calls to AWS JSON-protocol services (DynamoDB, SSM,
 * EventBridge, SQS, Cognito) over libcurl, signed with sigv4.c.
 *
 * Configuration: each field of struct aws_cfg may be NULL/0, then the
 * standard environment decides: AWS_ENDPOINT_URL_<SERVICE> (DYNAMODB, SSM,
 * EVENTBRIDGE, SQS, COGNITO_IDENTITY_PROVIDER), else AWS_ENDPOINT_URL, else
 * https://<service>.<region>.amazonaws.com; AWS_REGION, else
 * AWS_DEFAULT_REGION, else us-east-1; AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN.
 *
 * Behaviour: one libcurl handle per thread and client, kept alive between
 * calls (connection reuse); connect and total timeouts; retries with full
 * jitter (base 25 ms, cap 1 s) on throttling, 5xx and transport errors that
 * may pass (a refused connection is tried twice only, so a stopped emulator
 * becomes a quick 503). Conditional-check failures, cancelled transactions
 * and validation errors are never retried. Thread-safe.
 */
#ifndef FIN_AWS_HTTP_H
#define FIN_AWS_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../core/ports/errors.h"

struct aws_cfg {
  const char *endpoint, *region;
  const char *access_key_id, *secret_access_key, *session_token;
  long timeout_ms;         /* whole call; 0: 3000 */
  long connect_timeout_ms; /* 0: 1000 */
  int max_retries;         /* 0: 3; -1: none */
};

enum aws_err_kind {
  AWS_ERR_NONE = 0,
  AWS_ERR_UNAVAILABLE, /* connection refused, DNS, timeout */
  AWS_ERR_THROTTLED,   /* still throttled after the retries */
  AWS_ERR_SERVICE,     /* the service answered with an error (http, type, message) */
  AWS_ERR_RESPONSE,    /* a 2xx whose body is not JSON */
  AWS_ERR_NOMEM,
};

struct aws_err {
  enum aws_err_kind kind;
  int http;      /* status, 0 when none */
  char type[64]; /* exception name without its "namespace#" prefix */
  char msg[600]; /* "<service> <Op> ...: why (endpoint)" */
  json_t *body;  /* the error document (owned), NULL when none */
};

struct aws_client;

/* A client for `service` (signing name: dynamodb, ssm, events, sqs,
 * cognito-idp). Strings are copied. NULL with a message in err. */
struct aws_client *aws_client_new(const struct aws_cfg *cfg, const char *service, char *err,
                                  size_t err_size);
void aws_client_free(struct aws_client *c);
/* Requests sent so far, retries included (benchmarks). */
unsigned long aws_client_calls(struct aws_client *c);
/* The endpoint in use (borrowed). */
const char *aws_client_endpoint(const struct aws_client *c);

/* POSTs `req` (borrowed) as <target>.<op>. Returns 0 with *resp (owned), or
 * -1 with *e filled (release with aws_err_clear). */
int aws_call(struct aws_client *c, const char *target, const char *op, const json_t *req,
             json_t **resp, struct aws_err *e);
void aws_err_clear(struct aws_err *e);
/* FIN_UNAVAILABLE for unavailable/throttled/5xx, else FIN_INTERNAL; the
 * message goes into fe. */
enum fin_status aws_err_to_fin(const struct aws_err *e, struct fin_err *fe);

#endif
