/* aws_http.h - INTERIM: AWS JSON-protocol calls signed by libcurl (CURLOPT_AWS_SIGV4) until the OpenSSL SigV4 signer and client land. */
#pragma once
#include <jansson.h>
#include "../../core/ports/errors.h"
struct aws_cfg { const char *endpoint, *region, *access_key_id, *secret_access_key, *session_token; long timeout_ms, connect_timeout_ms; };
struct aws_client;
struct aws_client *aws_client_new(const struct aws_cfg *cfg, const char *service, char *err, size_t n);
void aws_client_free(struct aws_client *c);
unsigned long aws_client_calls(struct aws_client *c);
struct aws_err { char type[64]; char msg[600]; int http; int unavailable; json_t *body; };
int aws_call(struct aws_client *c, const char *prefix, const char *op, json_t *req, json_t **resp, struct aws_err *ae);
enum fin_status aws_err_to_fin(const struct aws_err *ae, struct fin_err *e);
void aws_err_clear(struct aws_err *ae);
