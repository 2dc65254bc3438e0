/* test_http_mw.c - the middleware chain end to end without a socket:
 * headers (behaviour.md §0.4), preflight, request id / traceparent (§0.5), body handling,
 * routing fallbacks (§1.21), auth (§3.1), envelope (§2.1), ETag/304 (§0.7),
 * rate limiting (§11). Uses its own route table and a fake auth port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../core/http/errmap.h"
#include "../../core/http/mw.h"
#include "../../core/http/pipeline.h"
#include "../../core/util/codec.h"
#include "../../core/util/jsonout.h"
#include "../../core/util/log.h"

/* ---- fake request ---- */
struct fake {
  const char *hdr[16][2];
  const char *qry[4][2];
};

static const char *fake_header(void *ctx, const char *name) {
  struct fake *f = ctx;
  for (int i = 0; i < 16 && f->hdr[i][0]; i++)
    if (strcasecmp(f->hdr[i][0], name) == 0) return f->hdr[i][1];
  return NULL;
}

static const char *fake_query(void *ctx, const char *name) {
  struct fake *f = ctx;
  for (int i = 0; i < 4 && f->qry[i][0]; i++)
    if (strcmp(f->qry[i][0], name) == 0) return f->qry[i][1];
  return NULL;
}

/* ---- fake auth port ---- */
static enum fin_auth_result fake_verify(void *self, const char *token, struct fin_principal *out,
                                        char *detail, size_t detail_size) {
  const char *uid = NULL, *role = "user", *account = "";
  if (strcmp(token, "good") == 0) uid = "user-1";
  if (strcmp(token, "admin") == 0) uid = "admin-1", role = "admin";
  if (strcmp(token, "disabled") == 0) uid = "dis";
  if (strcmp(token, "status-down") == 0) uid = "unknowable";
  if (strcmp(token, "dev") == 0) uid = "dis", account = NULL; /* no status: never asked */
  if (strcmp(token, "expired") == 0) return FIN_AUTH_EXPIRED;
  if (strcmp(token, "down") == 0) return FIN_AUTH_UNAVAILABLE;
  if (uid == NULL) return FIN_AUTH_INVALID;
  out->uid = strdup(uid);
  out->email = strdup("");
  out->role = strdup(role);
  out->ecosystem_id = strdup(uid);
  out->account = account != NULL ? strdup(uid) : NULL;
  return FIN_AUTH_OK;
}

static enum fin_status fake_disabled(void *self, const char *account, bool *disabled,
                                     struct fin_err *e) {
  if (strcmp(account, "unknowable") == 0)
    return fin_err_set(e, FIN_UNAVAILABLE, "status look-up failed");
  *disabled = strcmp(account, "dis") == 0;
  return FIN_OK;
}

static const struct fin_auth_ops AUTH_OPS = {.verify = fake_verify, .is_disabled = fake_disabled};
static const struct fin_auth AUTH = {&AUTH_OPS, NULL};
static struct fin_rate_limits LIMITS; /* what the application says now */

static void limits_now(const struct fin_container *c, struct fin_rate_limits *out) {
  *out = LIMITS;
}

/* ---- test handlers, recording what they saw ---- */
static struct {
  int calls;
  char body[256];
  bool has_body;
  char uid[32];
  char p0[64];
  char query[32];
} seen;

static void record(const struct fin_req *q) {
  seen.calls++;
  char *b = fin_json_dump(q->body, NULL);
  snprintf(seen.body, sizeof seen.body, "%s", b ? b : "(null)");
  free(b);
  seen.has_body = q->has_body;
  snprintf(seen.uid, sizeof seen.uid, "%s", q->principal ? q->principal->uid : "");
  snprintf(seen.p0, sizeof seen.p0, "%s", q->params[0] ? q->params[0] : "");
  const char *l = fin_req_query(q, "limit");
  snprintf(seen.query, sizeof seen.query, "%s", l ? l : "");
}

static void h_ok(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  record(q);
  fin_resp_json(r, 200, json_pack("{s:s,s:f}", "status", "ok", "n", 0.1 + 0.2));
}
static void h_nothing(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  record(q);
}
static void h_created(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  record(q);
  fin_resp_json(r, 201, json_pack("{s:b}", "created", 1));
}
static void h_strong(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  record(q);
  const char *inm = fin_req_header(q, "If-None-Match");
  if (inm && strcmp(inm, "\"1795552198759\"") == 0) {
    r->status = 304;
    r->no_etag_headers = true;
    return;
  }
  fin_resp_json(r, 200, json_pack("{s:i}", "score", 700));
  strcpy(r->etag, "\"1795552198759\"");
  strcpy(r->last_modified, "Tue, 24 Nov 2026 20:29:58 GMT");
}
static void h_details(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  fin_resp_fail(r, FIN_E_INSUFFICIENT_CREDIT);
  r->err_details = json_pack("{s:i,s:i}", "requestedAmount", 0, "availableCredit", 0);
}
static void h_nometa(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  fin_resp_fail(r, FIN_E_WEBHOOK_SECRET_MISSING); /* its row: no meta */
}

static const char SPEC[] = "openapi: 3.0.3\n";
static void h_raw(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  fin_resp_raw(r, 200, "application/yaml; charset=utf-8", SPEC, sizeof SPEC - 1);
}

/* fin_resp_text: the handler's text is the body; an error after it, or no
 * text (OOM), answers the envelope and frees what was set (ASan checks). */
static void h_text(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  const char *t = "{\"t\":0.1}";
  fin_resp_text(r, 201, strdup(t), strlen(t));
}
static void h_text_then_fail(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  fin_resp_text(r, 201, strdup("{}"), 2);
  fin_resp_fail(r, FIN_E_INSUFFICIENT_CREDIT);
}
static void h_no_text(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  fin_resp_text(r, 201, NULL, 0);
}
/* Setting the text the response already holds (a new status) keeps it. */
static void h_text_again(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  char *t = strdup("{\"again\":1}");
  fin_resp_text(r, 201, t, strlen(t));
  fin_resp_text(r, 200, t, strlen(t));
}

static const struct fin_route ROUTES[] = {
    {"GET", "/text", h_text, FIN_RT_NO_LIMIT},
    {"GET", "/text/failed", h_text_then_fail, FIN_RT_NO_LIMIT},
    {"GET", "/text/none", h_no_text, FIN_RT_NO_LIMIT},
    {"GET", "/text/again", h_text_again, FIN_RT_NO_LIMIT},
    {"GET", "/openapi.yaml", h_raw, FIN_RT_NO_LIMIT},
    {"GET", "/health/liveness", h_ok, FIN_RT_NO_LIMIT},
    {"GET", "/health/broken", h_nothing, FIN_RT_NO_LIMIT},
    {"GET", "/v1/things", h_ok, FIN_RT_AUTH},
    {"GET", "/v1/things/:id", h_ok, FIN_RT_AUTH},
    {"POST", "/v1/things", h_created, FIN_RT_AUTH | FIN_RT_JSON},
    {"GET", "/v1/dash", h_strong, FIN_RT_AUTH},
    {"POST", "/v1/buy", h_details, FIN_RT_AUTH | FIN_RT_JSON},
    {"GET", "/v1/admin/stuff", h_ok, FIN_RT_AUTH | FIN_RT_ADMIN},
    {"POST", "/v1/admin/cleanup", h_ok, FIN_RT_AUTH | FIN_RT_ADMIN | FIN_RT_CLEANUP},
    {"POST", "/hooks", h_nometa, FIN_RT_JSON},
    {"GET", "/public", h_ok, 0},
};
static const struct fin_routes TABLE = {ROUTES, sizeof ROUTES / sizeof ROUTES[0]};
static const struct fin_http_app APP = {.routes = &TABLE, .auth = &AUTH, .limits = limits_now};

static struct fin_http_out out;
static struct fake req;
static const char *peer = "10.0.0.1"; /* the socket peer of run() */

static void run(const char *method, const char *path, const char *body) {
  struct fin_http_in in = {.method = method,
                           .path = path,
                           .body = body,
                           .body_len = body ? strlen(body) : 0,
                           .client_ip = peer,
                           .header = fake_header,
                           .query = fake_query,
                           .ctx = &req};
  fin_http_out_release(&out);
  fin_http_handle(&APP, &in, &out);
}

static const char *H(const char *name) {
  return fin_http_out_header(&out, name);
}

static void body_is(const char *want) {
  assert_non_null(out.body);
  assert_int_equal(out.body_len, strlen(want));
  assert_memory_equal(out.body, want, out.body_len);
}

static int setup(void **state) {
  memset(&req, 0, sizeof req);
  memset(&seen, 0, sizeof seen);
  memset(&LIMITS, 0, sizeof LIMITS);
  return 0;
}

static int teardown(void **state) {
  fin_http_out_release(&out);
  return 0;
}

static void security_and_cors_headers(void **state) {
  run("GET", "/health/liveness", NULL);
  assert_int_equal(out.status, 200);
  assert_string_equal(H("X-Content-Type-Options"), "nosniff");
  assert_string_equal(H("X-Frame-Options"), "SAMEORIGIN");
  assert_string_equal(H("Strict-Transport-Security"), "max-age=31536000; includeSubDomains");
  assert_string_equal(H("Cross-Origin-Opener-Policy"), "same-origin");
  assert_string_equal(H("Cross-Origin-Resource-Policy"), "same-origin");
  assert_string_equal(H("Origin-Agent-Cluster"), "?1");
  assert_string_equal(H("Referrer-Policy"), "no-referrer");
  assert_string_equal(H("X-DNS-Prefetch-Control"), "off");
  assert_string_equal(H("X-Download-Options"), "noopen");
  assert_string_equal(H("X-Permitted-Cross-Domain-Policies"), "none");
  assert_string_equal(H("X-XSS-Protection"), "0");
  assert_string_equal(H("Vary"), "Origin");
  assert_string_equal(H("Access-Control-Expose-Headers"), "X-Request-ID");
  assert_string_equal(H("Content-Type"), "application/json; charset=utf-8");
  assert_null(H("Access-Control-Allow-Origin"));
  assert_null(H("Cache-Control"));
  assert_null(H("X-Powered-By"));
  assert_int_equal(strlen(H("X-Request-ID")), 36);
  assert_int_equal(H("X-Request-ID")[14], '4');
  body_is("{\"status\":\"ok\",\"n\":0.30000000000000004}");
  char etag[64];
  fin_weak_etag(out.body, out.body_len, etag);
  assert_string_equal(H("ETag"), etag);

  /* only allow-listed origins are echoed (FIN_CORS_ORIGINS, default the
   * local dev frontends); any other page gets no CORS grant */
  req.hdr[0][0] = "Origin", req.hdr[0][1] = "http://evil.example";
  run("GET", "/health/liveness", NULL);
  assert_null(H("Access-Control-Allow-Origin"));
  req.hdr[0][1] = "http://localhost:3000";
  run("GET", "/health/liveness", NULL);
  assert_string_equal(H("Access-Control-Allow-Origin"), "http://localhost:3000");
  req.hdr[0][1] = "http://localhost:3000.evil.example";
  run("GET", "/health/liveness", NULL);
  assert_null(H("Access-Control-Allow-Origin"));
}

/* A client request id is echoed only when it is a short safe token. */
static void request_id_is_validated(void **state) {
  static char longest[129], too_long[130];
  memset(longest, 'a', 128);
  memset(too_long, 'a', 129);
  const char *kept[] = {"client-request-12345", "a", "A.b_c:d-9", longest, NULL};
  const char *replaced[] = {
      "", too_long, "has space", "quote\"", "new\r\nline", "caf\xc3\xa9", "<script>", NULL};
  req.hdr[0][0] = "X-Request-ID";
  for (int i = 0; kept[i]; i++) {
    req.hdr[0][1] = kept[i];
    run("GET", "/health/liveness", NULL);
    assert_string_equal(H("X-Request-ID"), kept[i]);
  }
  for (int i = 0; replaced[i]; i++) {
    req.hdr[0][1] = replaced[i];
    run("GET", "/v1/nope", NULL);
    assert_int_equal(strlen(H("X-Request-ID")), 36); /* a generated UUID v4 */
    assert_int_equal(H("X-Request-ID")[14], '4');
    assert_string_equal(out.request_id, H("X-Request-ID"));
  }
}

static void preflight(void **state) {
  req.hdr[0][0] = "Origin", req.hdr[0][1] = "http://localhost:3000";
  req.hdr[1][0] = "Access-Control-Request-Method", req.hdr[1][1] = "GET";
  run("OPTIONS", "/v1/dashboard", NULL);
  assert_int_equal(out.status, 204);
  assert_null(out.body);
  assert_null(H("X-Request-ID"));
  assert_null(out.request_id);
  assert_string_equal(H("Access-Control-Allow-Origin"), "http://localhost:3000");
  assert_string_equal(H("Access-Control-Allow-Methods"), "GET,HEAD,PUT,PATCH,POST,DELETE");
  assert_string_equal(H("Access-Control-Allow-Headers"),
                      "Content-Type,Authorization,Idempotency-Key,X-Request-ID");
  assert_string_equal(H("Access-Control-Expose-Headers"), "X-Request-ID");
  assert_string_equal(H("Vary"), "Origin");
  assert_string_equal(H("X-Frame-Options"), "SAMEORIGIN");
  assert_int_equal(seen.calls, 0);
}

static void request_id_and_trace(void **state) {
  req.hdr[0][0] = "X-Request-ID", req.hdr[0][1] = "client-request-12345";
  req.hdr[1][0] = "traceparent";
  req.hdr[1][1] = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01";
  run("GET", "/v1/nope", NULL);
  assert_int_equal(out.status, 404);
  assert_string_equal(H("X-Request-ID"), "client-request-12345");
  body_is("{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"Route not found: GET /v1/nope\"},"
          "\"meta\":{\"requestId\":\"client-request-12345\","
          "\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\"}}");
  const char *bad[] = {
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
      "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-02",
      "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    req.hdr[1][1] = bad[i];
    run("GET", "/v1/nope", NULL);
    assert_null(strstr(out.body, "traceId"));
  }
  req.hdr[1][1] = "zz-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-whatever";
  run("GET", "/v1/nope", NULL);
  assert_non_null(strstr(out.body, "\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e4736\""));
}

static void not_found_keeps_path_as_sent(void **state) {
  req.hdr[0][0] = "X-Request-ID", req.hdr[0][1] = "r";
  run("DELETE", "/v1/things/abc", NULL);
  assert_int_equal(out.status, 404);
  body_is("{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"Route not found: DELETE "
          "/v1/things/abc\"},\"meta\":{\"requestId\":\"r\"}}");
  run("POST", "/v1/Nope%20x/", NULL);
  assert_non_null(strstr(out.body, "Route not found: POST /v1/Nope%20x/"));
  /* matched path, wrong method: still no auth outside /v1/admin */
  run("PATCH", "/v1/things", "{}");
  assert_int_equal(out.status, 404);
}

static void admin_prefix_authenticates_first(void **state) {
  run("GET", "/v1/admin/nope", NULL);
  assert_int_equal(out.status, 401);
  req.hdr[0][0] = "Authorization", req.hdr[0][1] = "Bearer good";
  run("GET", "/V1/ADMIN/nope", NULL);
  assert_int_equal(out.status, 403);
  assert_non_null(strstr(out.body, "\"code\":\"FORBIDDEN\",\"message\":\"Admin access required\""));
  req.hdr[0][1] = "Bearer admin";
  run("GET", "/v1/admin/nope", NULL);
  assert_int_equal(out.status, 404);
  run("GET", "/v1/admin/stuff/", NULL);
  assert_int_equal(out.status, 200);
  assert_string_equal(seen.uid, "admin-1");
  req.hdr[0][1] = "Bearer good";
  run("GET", "/v1/admin/stuff", NULL);
  assert_int_equal(out.status, 403);
  assert_int_equal(seen.calls, 1);
}

static void auth_errors(void **state) {
  struct {
    const char *header;
    int status;
    const char *code, *msg;
  } cases[] = {
      {NULL, 401, "INVALID_TOKEN", "Missing or invalid authorization header"},
      {"Basic dXNlcjpwYXNz", 401, "INVALID_TOKEN", "Missing or invalid authorization header"},
      {"bearer good", 401, "INVALID_TOKEN", "Missing or invalid authorization header"},
      {"NotBearer token", 401, "INVALID_TOKEN", "Missing or invalid authorization header"},
      {"Bearer", 401, "INVALID_TOKEN", "Missing or invalid authorization header"},
      {"Bearer not-a-token", 401, "INVALID_TOKEN", "Authentication token is invalid"},
      {"Bearer  good", 401, "INVALID_TOKEN", "Authentication token is invalid"},
      {"Bearer expired", 401, "TOKEN_EXPIRED", "Authentication token has expired"},
      {"Bearer down", 503, "DEPENDENCY_UNAVAILABLE", "Authentication provider unavailable"},
      {"Bearer disabled", 403, "ACCOUNT_DISABLED", "Account has been disabled"},
      /* a status that cannot be read fails closed */
      {"Bearer status-down", 503, "DEPENDENCY_UNAVAILABLE", "Authentication provider unavailable"},
  };
  req.hdr[1][0] = "X-Request-ID", req.hdr[1][1] = "rid";
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    req.hdr[0][0] = "Authorization", req.hdr[0][1] = cases[i].header;
    if (cases[i].header == NULL) req.hdr[0][0] = "X-Nothing";
    run("GET", "/v1/things", NULL);
    assert_int_equal(out.status, cases[i].status);
    char want[256];
    snprintf(want, sizeof want,
             "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"},\"meta\":{\"requestId\":\"rid\"}}",
             cases[i].code, cases[i].msg);
    body_is(want);
    assert_null(H("Cache-Control"));
    assert_string_equal(H("Vary"), "Origin");
  }
  assert_int_equal(seen.calls, 0);
  req.hdr[0][0] = "Authorization", req.hdr[0][1] = "Bearer good";
  run("GET", "/v1/things/x%2Fy", NULL);
  assert_int_equal(out.status, 200);
  assert_string_equal(seen.uid, "user-1");
  assert_string_equal(seen.p0, "x/y");
  req.hdr[0][0] = "Authorization", req.hdr[0][1] = "Bearer dev";
  run("GET", "/v1/things/z", NULL);
  assert_int_equal(out.status, 200); /* no account: the status is not asked */
  req.hdr[0][0] = "Authorization", req.hdr[0][1] = "Bearer good";
  run("GET", "/v1/things/x%2Fy", NULL);
  assert_string_equal(H("Cache-Control"), "private, no-cache");
  assert_string_equal(H("Vary"), "Origin, Authorization");
  /* public routes never look at the header */
  req.hdr[0][1] = "Bearer nonsense";
  run("GET", "/public", NULL);
  assert_int_equal(out.status, 200);
  assert_string_equal(seen.uid, "");
}

static void bodies(void **state) {
  req.hdr[0][0] = "Authorization", req.hdr[0][1] = "Bearer good";
  req.hdr[1][0] = "Content-Type", req.hdr[1][1] = "application/json";
  req.hdr[2][0] = "X-Request-ID", req.hdr[2][1] = "rid";
  run("POST", "/v1/things", "{\"a\":1,\"b\":[true,null],\"c\":1.50}");
  assert_int_equal(out.status, 201);
  assert_string_equal(seen.body, "{\"a\":1,\"b\":[true,null],\"c\":1.5}");
  assert_true(seen.has_body);
  run("POST", "/v1/things", "[1,2]");
  assert_string_equal(seen.body, "[1,2]");
  run("POST", "/v1/things", "{\"amount\":100000000000000000000000}");
  assert_string_equal(seen.body, "{\"amount\":1e+23}");
  run("POST", "/v1/things", NULL);
  assert_int_equal(out.status, 201);
  assert_string_equal(seen.body, "{}");
  assert_false(seen.has_body);
  int calls = seen.calls;

  const char *bad[] = {"{\"productId\":", "not valid json", "5", "\"str\"", "null", "   ", "{} {}"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    run("POST", "/v1/things", bad[i]);
    assert_int_equal(out.status, 400);
    body_is("{\"error\":{\"code\":\"VALIDATION_ERROR\",\"message\":\"Invalid JSON body\"},"
            "\"meta\":{\"requestId\":\"rid\"}}");
    assert_string_equal(H("X-Request-ID"), "rid");
  }
  /* 32 levels are read; 33 are refused before parsing, brackets in
   * strings (an escaped quote among them) not counted */
  char deep[200];
  for (int levels = 32; levels <= 33; levels++) {
    memset(deep, '[', (size_t)levels);
    memset(deep + levels, ']', (size_t)levels);
    deep[2 * levels] = '\0';
    run("POST", "/v1/things", deep);
    assert_int_equal(out.status, levels == 32 ? 201 : 400);
  }
  body_is("{\"error\":{\"code\":\"VALIDATION_ERROR\",\"message\":\"Request body nests deeper "
          "than 32 levels\"},\"meta\":{\"requestId\":\"rid\"}}");
  run("POST", "/v1/things", "{\"a\":\"\\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}");
  assert_int_equal(out.status, 201);
  calls += 2; /* these two reached the handler */
  /* malformed JSON fails before routing and auth */
  req.hdr[0][1] = "Bearer nope";
  run("POST", "/v1/nowhere", "{");
  assert_int_equal(out.status, 400);
  req.hdr[0][1] = "Bearer good";

  req.hdr[1][1] = "application/x-www-form-urlencoded";
  run("POST", "/v1/things", "amount=10&merchant=A+B%21&amount=11&flag");
  assert_string_equal(seen.body, "{\"amount\":\"10\",\"merchant\":\"A B!\",\"flag\":\"\"}");

  req.hdr[1][1] = "text/plain";
  run("POST", "/v1/things", "hello");
  assert_int_equal(out.status, 400);
  assert_non_null(strstr(out.body, "Content-Type must be application/json"));
  run("POST", "/v1/unknown", "hello");
  assert_int_equal(out.status, 404);
  req.hdr[1][1] = "Application/JSON; charset=utf-8";
  run("POST", "/v1/things", "{\"x\":\"\\u00e9\"}");
  assert_int_equal(out.status, 201);
  assert_string_equal(seen.body, "{\"x\":\"\xc3\xa9\"}");
  assert_int_equal(seen.calls, calls + 2);
}

static void oversized_body(void **state) {
  struct fin_http_in in = {.method = "POST",
                           .path = "/v1/things",
                           .body_too_large = true,
                           .header = fake_header,
                           .ctx = &req};
  req.hdr[0][0] = "X-Request-ID", req.hdr[0][1] = "big";
  fin_http_out_release(&out);
  fin_http_handle(&APP, &in, &out);
  assert_int_equal(out.status, 413);
  assert_true(out.close);
  body_is("{\"error\":{\"code\":\"PAYLOAD_TOO_LARGE\",\"message\":\"Request body exceeds 65536 "
          "bytes\"},\"meta\":{\"requestId\":\"big\"}}");
  assert_int_equal(seen.calls, 0);
}

static void handler_failures(void **state) {
  run("GET", "/health/broken", NULL);
  assert_int_equal(out.status, 500);
  assert_non_null(
      strstr(out.body, "\"code\":\"INTERNAL_ERROR\",\"message\":\"An unexpected error occurred\""));
  req.hdr[0][0] = "Authorization", req.hdr[0][1] = "Bearer good";
  req.hdr[1][0] = "X-Request-ID", req.hdr[1][1] = "r";
  run("POST", "/v1/buy", NULL);
  assert_int_equal(out.status, 402);
  body_is("{\"error\":{\"code\":\"INSUFFICIENT_CREDIT\",\"message\":\"Purchase amount exceeds "
          "available credit\",\"details\":{\"requestedAmount\":0,\"availableCredit\":0}},"
          "\"meta\":{\"requestId\":\"r\"}}");
  run("POST", "/hooks", NULL);
  assert_int_equal(out.status, 401);
  body_is("{\"error\":{\"code\":\"UNAUTHORIZED\",\"message\":\"Missing webhook secret header\"}}");
}

static void conditional_get(void **state) {
  run("GET", "/public", NULL);
  char etag[80];
  strcpy(etag, H("ETag"));
  assert_memory_equal(etag, "W/\"", 3);

  req.hdr[0][0] = "If-None-Match", req.hdr[0][1] = etag;
  run("GET", "/public", NULL);
  assert_int_equal(out.status, 304);
  assert_null(H("Content-Type"));
  assert_string_equal(H("ETag"), etag);
  assert_int_equal(out.body_len, strtoul(etag + 3, NULL, 16)); /* length only, for the transport */
  assert_non_null(H("X-Request-ID"));
  run("HEAD", "/public", NULL);
  assert_int_equal(out.status, 304);
  req.hdr[0][1] = etag + 2; /* without W/ */
  run("GET", "/public", NULL);
  assert_int_equal(out.status, 304);
  char list[200];
  snprintf(list, sizeof list, "\"other\", %s", etag);
  req.hdr[0][1] = list;
  run("GET", "/public", NULL);
  assert_int_equal(out.status, 304);
  req.hdr[0][1] = "*";
  run("GET", "/public", NULL);
  assert_int_equal(out.status, 304);
  req.hdr[0][1] = "\"nope\"";
  run("GET", "/public", NULL);
  assert_int_equal(out.status, 200);
  req.hdr[0][1] = etag;
  req.hdr[1][0] = "Cache-Control", req.hdr[1][1] = "max-age=0, no-cache";
  run("GET", "/public", NULL);
  assert_int_equal(out.status, 200);
  req.hdr[1][0] = NULL;
  run("GET", "/v1/nope", NULL); /* not 2xx */
  assert_int_equal(out.status, 404);
  req.hdr[1][0] = "Content-Type", req.hdr[1][1] = "application/json";
  req.hdr[2][0] = "Authorization", req.hdr[2][1] = "Bearer good";
  run("POST", "/v1/things", "{}");
  char post_etag[80];
  strcpy(post_etag, H("ETag"));
  req.hdr[0][1] = post_etag;
  run("POST", "/v1/things", "{}"); /* POST is never 304 */
  assert_int_equal(out.status, 201);
  assert_non_null(H("ETag"));
}

static void strong_etag_and_last_modified(void **state) {
  req.hdr[0][0] = "Authorization", req.hdr[0][1] = "Bearer good";
  run("GET", "/v1/dash", NULL);
  assert_int_equal(out.status, 200);
  assert_string_equal(H("ETag"), "\"1795552198759\"");
  assert_string_equal(H("Last-Modified"), "Tue, 24 Nov 2026 20:29:58 GMT");
  /* the handler's own exact match: 304 without validators */
  req.hdr[1][0] = "If-None-Match", req.hdr[1][1] = "\"1795552198759\"";
  run("GET", "/v1/dash", NULL);
  assert_int_equal(out.status, 304);
  assert_null(H("ETag"));
  assert_null(H("Last-Modified"));
  assert_null(out.body);
  /* the framework's check: W/ form, with validators */
  req.hdr[1][1] = "W/\"1795552198759\"";
  run("GET", "/v1/dash", NULL);
  assert_int_equal(out.status, 304);
  assert_string_equal(H("ETag"), "\"1795552198759\"");
  assert_string_equal(H("Last-Modified"), "Tue, 24 Nov 2026 20:29:58 GMT");
  req.hdr[1][0] = "If-Modified-Since", req.hdr[1][1] = "Tue, 24 Nov 2026 20:29:58 GMT";
  run("GET", "/v1/dash", NULL);
  assert_int_equal(out.status, 304);
  req.hdr[1][1] = "Tue, 24 Nov 2026 20:29:57 GMT";
  run("GET", "/v1/dash", NULL);
  assert_int_equal(out.status, 200);
  req.hdr[1][1] = "garbage";
  run("GET", "/v1/dash", NULL);
  assert_int_equal(out.status, 200);
}

static void query_and_head(void **state) {
  req.qry[0][0] = "limit", req.qry[0][1] = "5";
  run("HEAD", "/public/", NULL);
  assert_int_equal(out.status, 200);
  assert_string_equal(seen.query, "5");
  assert_non_null(out.body); /* the transport sends only the headers */
  assert_non_null(H("ETag"));
}

static void raw_bodies(void **state) {
  run("GET", "/openapi.yaml", NULL);
  assert_int_equal(out.status, 200);
  assert_ptr_equal(out.body, SPEC); /* borrowed, not copied */
  assert_false(out.body_owned);
  assert_string_equal(H("Content-Type"), "application/yaml; charset=utf-8");
  char etag[64];
  fin_weak_etag(SPEC, sizeof SPEC - 1, etag);
  assert_string_equal(H("ETag"), etag);
  req.hdr[0][0] = "If-None-Match", req.hdr[0][1] = etag;
  run("GET", "/openapi.yaml", NULL);
  assert_int_equal(out.status, 304);
  assert_null(H("Content-Type"));
}

static void text_bodies(void **state) {
  run("GET", "/text", NULL);
  assert_int_equal(out.status, 201);
  body_is("{\"t\":0.1}");
  assert_true(out.body_owned);
  assert_string_equal(H("Content-Type"), "application/json; charset=utf-8");
  char etag[64];
  fin_weak_etag("{\"t\":0.1}", 9, etag);
  assert_string_equal(H("ETag"), etag);
  run("GET", "/text/failed", NULL);
  assert_int_equal(out.status, 402);
  assert_non_null(strstr(out.body, "\"code\":\"INSUFFICIENT_CREDIT\""));
  run("GET", "/text/none", NULL);
  assert_int_equal(out.status, 500);
  assert_non_null(strstr(out.body, "\"code\":\"INTERNAL_ERROR\""));
  run("GET", "/text/again", NULL);
  assert_int_equal(out.status, 200);
  body_is("{\"again\":1}");
}

static void rate_limiting(void **state) {
  LIMITS = (struct fin_rate_limits){.enabled = true, .api_per_min = 2, .cleanup_per_min = 1};
  fin_ratelimit_reset();
  run("GET", "/public", NULL);
  assert_int_equal(out.status, 200);
  assert_string_equal(H("X-RateLimit-Limit"), "2");
  assert_string_equal(H("X-RateLimit-Remaining"), "1");
  assert_non_null(H("X-RateLimit-Reset"));
  assert_null(H("Retry-After"));
  run("GET", "/public", NULL);
  assert_string_equal(H("X-RateLimit-Remaining"), "0");
  run("GET", "/public", NULL);
  assert_int_equal(out.status, 429);
  assert_string_equal(H("X-RateLimit-Remaining"), "0");
  assert_non_null(H("Retry-After"));
  assert_non_null(strstr(out.body, "\"code\":\"SERVICE_UNAVAILABLE\",\"message\":\"Rate limit "
                                   "exceeded, please slow down\""));
  /* other spellings of the route share its budget */
  run("GET", "/PUBLIC/", NULL);
  assert_int_equal(out.status, 429);
  /* X-Forwarded-For from a peer that is not a trusted proxy is ignored
   * (it used to pick the key, so every forged value was a fresh budget) */
  req.hdr[0][0] = "X-Forwarded-For", req.hdr[0][1] = "1.1.1.1, 2.2.2.2";
  run("GET", "/public", NULL);
  assert_int_equal(out.status, 429);
  /* another client, and health, are not affected */
  peer = "10.0.0.2";
  run("GET", "/public", NULL);
  assert_int_equal(out.status, 200);
  peer = "10.0.0.1";
  for (int i = 0; i < 5; i++)
    run("GET", "/health/liveness", NULL);
  assert_int_equal(out.status, 200);
  assert_null(H("X-RateLimit-Limit"));
  /* cleanup preset: once per minute per admin */
  req.hdr[1][0] = "Authorization", req.hdr[1][1] = "Bearer admin";
  run("POST", "/v1/admin/cleanup", NULL);
  assert_int_equal(out.status, 200);
  run("POST", "/v1/admin/cleanup", NULL);
  assert_int_equal(out.status, 429);
  assert_non_null(strstr(out.body, "Cleanup can only be performed once per minute"));
  LIMITS.enabled = false;
}

int main(void) {
  fin_log_set_enabled(0);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(security_and_cors_headers, setup, teardown),
      cmocka_unit_test_setup_teardown(preflight, setup, teardown),
      cmocka_unit_test_setup_teardown(request_id_and_trace, setup, teardown),
      cmocka_unit_test_setup_teardown(request_id_is_validated, setup, teardown),
      cmocka_unit_test_setup_teardown(not_found_keeps_path_as_sent, setup, teardown),
      cmocka_unit_test_setup_teardown(admin_prefix_authenticates_first, setup, teardown),
      cmocka_unit_test_setup_teardown(auth_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(bodies, setup, teardown),
      cmocka_unit_test_setup_teardown(oversized_body, setup, teardown),
      cmocka_unit_test_setup_teardown(handler_failures, setup, teardown),
      cmocka_unit_test_setup_teardown(conditional_get, setup, teardown),
      cmocka_unit_test_setup_teardown(strong_etag_and_last_modified, setup, teardown),
      cmocka_unit_test_setup_teardown(query_and_head, setup, teardown),
      cmocka_unit_test_setup_teardown(raw_bodies, setup, teardown),
      cmocka_unit_test_setup_teardown(text_bodies, setup, teardown),
      cmocka_unit_test_setup_teardown(rate_limiting, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
