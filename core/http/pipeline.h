/* pipeline.h - one request through the middleware chain, independent of
 * libmicrohttpd (server.c adapts; tests drive it directly).
 *
 * Order (behaviour.md §0.1 with the documented decisions): helmet + CORS headers,
 * OPTIONS preflight (204, no X-Request-ID), request id + traceparent, body
 * limit (413), body decoding (400 Invalid JSON body), routing (404, after
 * auth under /v1/admin), authentication and admin check (§3.1), rate limit
 * (optional), Content-Type check for JSON routes, handler, error envelope
 * (§2.1), serialization, ETag and conditional GET (§0.7). */
#ifndef FIN_PIPELINE_H
#define FIN_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "router.h"

#define FIN_BODY_LIMIT 65536

/* The request as the transport saw it. Everything is borrowed. */
struct fin_http_in {
  const char *method; /* as sent */
  const char *path;   /* raw path as sent, without the query string */
  const char *body;   /* may be NULL when body_len == 0 */
  size_t body_len;
  bool body_too_large;   /* the transport refused a body over FIN_BODY_LIMIT */
  int refuse;            /* the transport refused the head: 400 (ambiguous framing), 414 */
  const char *client_ip; /* socket peer, may be NULL */
  /* Header lookup (case-insensitive name) and first query value (decoded);
   * both return borrowed strings or NULL. */
  const char *(*header)(void *ctx, const char *name);
  const char *(*query)(void *ctx, const char *name);
  void *ctx;
};

#define FIN_HTTP_MAX_HEADERS 32

struct fin_http_header {
  const char *name;  /* static */
  const char *value; /* static, borrowed from the request, or inside out */
};

/* The response to send. Header values may point into the request (valid
 * while it lives) or into this struct. */
struct fin_http_out {
  int status;
  /* NULL = no body; owned when body_owned (free()). For HEAD requests and
   * 304 answers the transport sends only the length, never the bytes. */
  const char *body;
  size_t body_len;
  bool body_owned;
  bool close;             /* send Connection: close */
  const char *request_id; /* for the access log; NULL on preflights */
  struct fin_http_header h[FIN_HTTP_MAX_HEADERS];
  size_t nh;
  /* storage for generated header values */
  char rid[40], trace[33], etag[80], last_modified[40];
  char rl_limit[24], rl_remaining[24], rl_reset[24], retry_after[24];
};

/* Runs the chain and fills *out (which need not be initialised). Release
 * with fin_http_out_release(). */
void fin_http_handle(const struct fin_http_app *app, const struct fin_http_in *in,
                     struct fin_http_out *out);
/* Frees an owned body; safe to call twice. */
void fin_http_out_release(struct fin_http_out *out);
/* Value of a response header (case-insensitive) or NULL (tests, logging). */
const char *fin_http_out_header(const struct fin_http_out *out, const char *name);

#endif
