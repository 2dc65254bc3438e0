/* aws_http.h - calls to AWS JSON-protocol services over libcurl, signed
 * with sigv4.h: DynamoDB and SQS (JSON 1.0), Cognito, EventBridge and SSM
 * (JSON 1.1). Every call is POST / with X-Amz-Target: <prefix>.<Op>.
 *
 * Configuration: every field of struct aws_cfg may be NULL/0, and then the
 * standard environment decides, as AWS's SDKs do:
 *   endpoint  AWS_ENDPOINT_URL_<SERVICE> (DYNAMODB, SQS, SSM, EVENTBRIDGE,
 *             COGNITO_IDENTITY_PROVIDER), else AWS_ENDPOINT_URL, else
 *             https://<service>.<region>.amazonaws.com
 *   region    AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1
 *   keys      AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
 *             else a role's keys, fetched and renewed (aws_creds.h)
 * The environment is read once, by aws_client_new().
 *
 * Behaviour:
 *   - connections are reused: each client keeps a small pool of libcurl
 *     handles (one per thread calling at the same time), TCP keep-alive on;
 *   - every attempt is bounded by timeout_ms (connect: connect_timeout_ms),
 *     CURLOPT_NOSIGNAL is set, so no call hangs;
 *   - retried, with full-jitter exponential backoff (base 25 ms, cap 1 s):
 *     HTTP 5xx, throttling (ThrottlingException,
 *     ProvisionedThroughputExceededException, RequestLimitExceeded,
 *     TooManyRequestsException, TransactionInProgressException ... or HTTP
 *     429) and broken connections, up to max_retries times. A refused
 *     connection, an unknown host or a connect timeout is retried once only,
 *     so a stopped emulator becomes a quick 503; a request that timed out
 *     after it was sent is not retried (it may have been applied, and the
 *     caller is already waiting timeout_ms). ConditionalCheckFailedException,
 *     TransactionCanceledException, ValidationException and every other 4xx
 *     are never retried.
 * Thread-safe: one client serves any number of threads.
 */
#ifndef FIN_AWS_HTTP_H
#define FIN_AWS_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../core/ports/errors.h"

/* Strings are borrowed during aws_client_new() only (the client copies). */
struct aws_cfg {
  const char *endpoint, *region;
  const char *access_key_id, *secret_access_key, *session_token;
  long timeout_ms;         /* one attempt, connect to last byte; 0: 5000 */
  long connect_timeout_ms; /* 0: 1000 */
  int max_retries;         /* retries after the first attempt; 0: 3; -1: none */
  long backoff_base_ms;    /* 0: 25 */
  long backoff_cap_ms;     /* 0: 1000 */
};

enum aws_err_kind {
  AWS_ERR_NONE = 0,
  AWS_ERR_UNAVAILABLE, /* refused, unknown host, timeout, broken connection */
  AWS_ERR_THROTTLED,   /* still throttled after the retries */
  AWS_ERR_SERVICE,     /* the service answered an error: http, type, message */
  AWS_ERR_RESPONSE,    /* an answer that is not what the protocol promises */
  AWS_ERR_NOMEM,
};

/* Why a call failed. `msg` reads like "dynamodb PutItem unavailable:
 * connection refused (http://127.0.0.1:4566)". */
struct aws_err {
  enum aws_err_kind kind;
  int http;          /* status of the last answer, 0 when none */
  int attempts;      /* requests sent, retries included */
  char service[24];  /* signing name: "dynamodb" */
  char op[64];       /* "PutItem" */
  char type[64];     /* exception name without its "namespace#" prefix */
  char message[256]; /* the service's own message/Message, "" when none */
  char msg[600];     /* the whole story, for logs and fin_err */
  json_t *body;      /* the error document (owned; aws_err_clear), or NULL */
};

struct aws_client;

/* A client for `service`, by its signing name: "dynamodb", "sqs",
 * "cognito-idp", "events" or "ssm". cfg may be NULL (environment only).
 * Returns a new client (free with aws_client_free), or NULL with a message
 * in err (no credential source, unknown service, endpoint not http(s),
 * OOM). Keys that cannot be had at call time fail that call with
 * AWS_ERR_UNAVAILABLE, nothing sent. */
struct aws_client *aws_client_new(const struct aws_cfg *cfg, const char *service, char *err,
                                  size_t err_size);
/* No call may be running on c; c may be NULL. */
void aws_client_free(struct aws_client *c);

/* The i-th service a client can speak to (its signing name); NULL past the
 * last one. With aws_endpoint_for, a guard can check every endpoint. */
const char *aws_service_at(size_t i);
/* The endpoint of service: `override` (cfg.endpoint, as aws_client_new
 * does), else the service's own variable, else `fallback` (NULL or "":
 * AWS_ENDPOINT_URL). NULL when it is AWS itself or the service is unknown. */
const char *aws_endpoint_for(const char *service, const char *override, const char *fallback);

/* Requests sent so far by c, retries included (round trips, benchmarks). */
unsigned long aws_client_calls(const struct aws_client *c);
/* The endpoint and region in use; borrowed, valid until aws_client_free. */
const char *aws_client_endpoint(const struct aws_client *c);
const char *aws_client_region(const struct aws_client *c);

/* POSTs req (borrowed; NULL sends {}) as X-Amz-Target <target>.<op>, e.g.
 * ("DynamoDB_20120810", "PutItem") or ("AmazonSQS", "CreateQueue").
 * Returns 0 with *resp a new reference (an empty 2xx body gives {}, except
 * from DynamoDB, whose answers always are documents) and *e holding
 * nothing, or -1 with *resp NULL and *e filled: release it with
 * aws_err_clear. Callers map service types they expect (e.g.
 * ConditionalCheckFailedException) from e->type themselves.
 *
 * An answer counts only when whole: headers ended, a body as long as its
 * Content-Length, and DynamoDB's x-amz-crc32 matching it. Otherwise, or
 * when the connection breaks after the request left, the outcome is
 * unknown (AWS_ERR_UNAVAILABLE): reads (Get*, Query, Scan, ...) are sent
 * again, writes are not, since the first may have been applied. */
int aws_call(struct aws_client *c, const char *target, const char *op, const json_t *req,
             json_t **resp, struct aws_err *e);
/* aws_call with the request already written: body (borrowed, len bytes)
 * is sent as it is. Lets a caller release the request's tree before the
 * wait (ddb_call). */
int aws_call_text(struct aws_client *c, const char *target, const char *op, const char *body,
                  size_t len, json_t **resp, struct aws_err *e);
/* Drops e->body; e may be NULL. */
void aws_err_clear(struct aws_err *e);

/* FIN_UNAVAILABLE for unavailable, throttled (after the retries) and 5xx;
 * FIN_NOMEM for OOM; FIN_INTERNAL for the rest. Copies e->msg into fe (may
 * be NULL) and returns the code. */
enum fin_status aws_err_to_fin(const struct aws_err *e, struct fin_err *fe);

#endif
