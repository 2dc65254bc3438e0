/* mw.h - the middleware pieces pipeline.c strings together (internal to
 * core/http). Each returns a value; none raises or logs the request. */
#ifndef FIN_MW_H
#define FIN_MW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../ports/auth.h"
#include "pipeline.h"

/* body.c ---------------------------------------------------------------- */
enum fin_body_status {
  FIN_BODY_OK = 0,
  FIN_BODY_BAD_JSON,    /* malformed, or top level not an object/array */
  FIN_BODY_UNSUPPORTED, /* a body with a content type we do not parse */
  FIN_BODY_NOMEM,
  FIN_BODY_TOO_DEEP, /* JSON nested deeper than FIN_BODY_MAX_DEPTH */
};
/* No request of this API nests its body more than a few levels; every
 * walk of a body (fingerprints, copies, dumps) recurses once a level on a
 * request's stack, so deeper bodies are refused before they are parsed. */
#define FIN_BODY_MAX_DEPTH 32
/* Decodes the body of POST/PATCH/PUT requests. *out always receives a new
 * reference ({} when nothing usable was sent, even on error). */
enum fin_body_status fin_mw_body(const char *method, const char *content_type, const char *data,
                                 size_t len, json_t **out, bool *has_body);

/* auth_mw.c ------------------------------------------------------------- */
/* Authenticates the Authorization header value (behaviour.md §3.1) and, when `admin`,
 * checks the role (§3.5). On success returns true and *p owns the principal
 * (fin_principal_clear); on failure fills the error into *r. */
bool fin_mw_auth(const struct fin_auth *auth, const char *authorization, bool admin,
                 struct fin_principal *p, struct fin_resp *r);

/* trace.c --------------------------------------------------------------- */
/* Validates a W3C traceparent (behaviour.md §0.5); on success writes the lower-case
 * 32-hex trace id into out (33 bytes) and returns true. */
bool fin_mw_traceparent(const char *value, char out[33]);

/* Accepts a client X-Request-ID worth echoing: 1 to 128 characters from
 * [A-Za-z0-9._:-] (anything else gets a generated id instead). */
bool fin_mw_request_id_ok(const char *value);

/* cors.c ---------------------------------------------------------------- */
/* Is this Origin on the allow-list (FIN_CORS_ORIGINS)? */
bool fin_mw_cors_allowed(const char *origin);

/* client_addr.c --------------------------------------------------------- */
/* The rate-limit identity of an unauthenticated caller: "ip:<address>"
 * (IPv6 per /64) of the socket peer, or of the X-Forwarded-For client when
 * the peer is a trusted proxy (FIN_TRUSTED_PROXIES). Points into buf or to
 * a static string. */
const char *fin_mw_client_key(const char *peer, const char *xff, char *buf, size_t size);
/* inet_ntop(AF_INET, ...) without its sprintf: the 4 bytes at a (network
 * order) as "a.b.c.d" into buf (16 bytes or more). Returns buf. */
char *fin_mw_ipv4_text(const void *a, char *buf);

/* ratelimit.c ----------------------------------------------------------- */
struct fin_rl_result {
  bool limited;
  int limit, remaining;
  int64_t reset_s;     /* window end, epoch seconds (rounded up) */
  int64_t retry_after; /* seconds, rounded up; only when limited */
};
/* Counts one hit for key "<who>:<route>" in a fixed 60 s window. A full
 * table refuses the hit (limited, fail closed). */
void fin_ratelimit_hit(const char *who, const char *path, int limit, int64_t now_ms,
                       struct fin_rl_result *r);
/* Forgets every window (tests). */
void fin_ratelimit_reset(void);

/* reply.c --------------------------------------------------------------- */
struct fin_reply_ctx {
  const char *method;
  const char *request_id;
  const char *trace_id;           /* NULL when none */
  bool authenticated;             /* Cache-Control: private + Vary: Authorization */
  const struct fin_rl_result *rl; /* NULL when not rate limited */
};
/* Turns the handler's fin_resp into *out: envelope, JSON text, ETag,
 * Last-Modified, conditional 304, cache headers. Consumes resp's JSON. */
void fin_reply_build(const struct fin_http_in *in, const struct fin_reply_ctx *x,
                     struct fin_resp *resp, struct fin_http_out *out);
/* Appends a header (silently dropped when the table is full). */
void fin_reply_header(struct fin_http_out *out, const char *name, const char *value);

#endif
