/* http.h - what a route handler sees of a request, and what it fills in.
 *
 * The HTTP layer (server.c) parses the request, runs the middleware (request
 * id, CORS, body limit, JSON decoding, authentication, admin check) and calls
 * the handler the router matched. Handlers never see libmicrohttpd.
 *
 * Ownership: everything in fin_req is borrowed for the call. The handler puts
 * a new JSON reference into resp->body (stolen by the layer), or names an
 * error with fin_resp_fail() (errmap.h; the layer builds the envelope of
 * behaviour.md §2 with meta.requestId / meta.traceId).
 */
#ifndef FIN_HTTP_H
#define FIN_HTTP_H

#include <jansson.h>
#include <stdbool.h>

#include "../ports/auth.h"

/* The application's state: opaque here, handed to every handler as is. */
struct fin_container;

#define FIN_MAX_PARAMS 3

struct fin_req {
  const char *method;                    /* upper-case as sent: GET, POST, ... */
  const char *path;                      /* raw path as sent, without the query string */
  const char *params[FIN_MAX_PARAMS];    /* route parameters, URL-decoded */
  json_t *body;                          /* parsed JSON body; an empty object when none was sent */
  bool has_body;                         /* false when the request carried no body at all */
  const struct fin_principal *principal; /* NULL on public routes */
  const char *request_id;
  const char *trace_id; /* NULL unless a valid traceparent came in */
  void *conn;           /* opaque: for fin_req_header / fin_req_query */
};

/* Header value (case-insensitive name) or NULL when absent. Borrowed. */
const char *fin_req_header(const struct fin_req *r, const char *name);
/* First value of a query parameter or NULL when absent. Borrowed. */
const char *fin_req_query(const struct fin_req *r, const char *name);

struct fin_resp {
  int status;
  json_t *body; /* owned; NULL = no body */
  char *text;   /* owned JSON text sent instead of body (fin_resp_text); NULL = none */
  size_t text_len;
  /* error envelope (when err_code != NULL the layer builds the body) */
  const char *err_code;
  char err_msg[512];
  json_t *err_details; /* owned, optional */
  bool err_no_meta;    /* webhook auth errors: {"error":{...}} without meta */
  /* extra headers */
  char etag[64];          /* handler-set strong ETag (dashboard); "" = generic weak ETag */
  char last_modified[40]; /* RFC 1123, "" = none */
  bool no_etag_headers;   /* 304 from the dashboard's own exact check */
  bool private_cache;     /* Cache-Control: private, no-cache + Vary Authorization */
  /* raw (non-JSON) body, used instead of `body` when set (see fin_resp_raw) */
  const char *raw; /* borrowed: must stay valid for the process (e.g. a loaded file) */
  size_t raw_len;
  const char *raw_type; /* Content-Type of raw; static string */
};

/* Sets a JSON body (steals `body`) and status. A NULL body (failed builder)
 * becomes 500 INTERNAL_ERROR. */
void fin_resp_json(struct fin_resp *r, int status, json_t *body);
/* The same with the body already written as JSON text (free()-able,
 * stolen): a hot answer that skips building a tree. NULL becomes 500. */
void fin_resp_text(struct fin_resp *r, int status, char *text, size_t len);
/* Sets a non-JSON body: `data` is borrowed and must outlive the response
 * (process-lifetime data, e.g. openapi.yaml); `content_type` is static. It
 * gets the generic weak ETag and conditional GET like JSON bodies. */
void fin_resp_raw(struct fin_resp *r, int status, const char *content_type, const char *data,
                  size_t len);

typedef void (*fin_handler)(struct fin_container *c, const struct fin_req *req,
                            struct fin_resp *resp);

/* The rate-limit settings in force for one request. */
struct fin_rate_limits {
  bool enabled;
  int api_per_min;     /* every limited route */
  int cleanup_per_min; /* routes flagged FIN_RT_CLEANUP */
};

/* What the application hands the HTTP layer (core/app/routes.c fills it);
 * everything is borrowed for the life of the server. */
struct fin_routes; /* router.h */
struct fin_http_app {
  struct fin_container *c;         /* handed to every handler */
  const struct fin_routes *routes; /* matched in order */
  const struct fin_auth *auth;     /* authenticates FIN_RT_AUTH routes */
  /* The rate limits now (configuration may change them while serving). */
  void (*limits)(const struct fin_container *c, struct fin_rate_limits *out);
  /* Handlers wait on remote stores: each connection gets its own thread (server.c). */
  bool remote;
  /* The wiring's mode ("memory", "aws", "firebase"), sent as
   * X-Infrastructure-Mode on every response; NULL sends none. Borrowed. */
  const char *mode;
};

#endif
