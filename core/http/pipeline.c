/* pipeline.c - the middleware chain for one request (see pipeline.h). */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/ids.h"
#include "../util/timefmt.h"
#include "errmap.h"
#include "mw.h"

static const struct fin_http_header HELMET[] = {
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {"Origin-Agent-Cluster", "?1"},
    {"Referrer-Policy", "no-referrer"},
    {"Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-DNS-Prefetch-Control", "off"},
    {"X-Download-Options", "noopen"},
    {"X-Frame-Options", "SAMEORIGIN"},
    {"X-Permitted-Cross-Domain-Policies", "none"},
    {"X-XSS-Protection", "0"},
};

/* Everything one request carries through the chain. */
struct flow {
  const struct fin_http_app *app;
  const struct fin_http_in *in;
  struct fin_http_out *out;
  struct fin_req req;
  struct fin_resp resp;
  struct fin_principal principal;
  bool authenticated;
  bool bad_content_type;
  struct fin_rl_result rl;
  bool rl_used;
  struct fin_match match;
};

static const char *hdr(const struct fin_http_in *in, const char *name) {
  return in->header ? in->header(in->ctx, name) : NULL;
}

static void preflight(struct fin_http_out *out) {
  out->status = 204;
  fin_reply_header(out, "Vary", "Origin");
  fin_reply_header(out, "Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE");
  fin_reply_header(out, "Access-Control-Allow-Headers",
                   "Content-Type,Authorization,Idempotency-Key,X-Request-ID");
  fin_reply_header(out, "Access-Control-Expose-Headers", "X-Request-ID");
  fin_reply_header(out, "Content-Length", "0"); /* as the earlier server said it */
}

static bool rate_limited(struct flow *f) {
  struct fin_rate_limits lim = {0};
  if (f->app->limits != NULL) f->app->limits(f->app->c, &lim);
  const struct fin_route *rt = f->match.route;
  if (!lim.enabled || rt == NULL || (rt->flags & FIN_RT_NO_LIMIT)) return false;
  bool cleanup = (rt->flags & FIN_RT_CLEANUP) != 0;
  /* who: the principal, else the client address; what: the matched route,
   * so spellings of one path (case, trailing slash) share one budget */
  char who[256], ip[80], route[160];
  if (f->authenticated && f->principal.uid)
    snprintf(who, sizeof who, "uid:%s", f->principal.uid);
  else
    snprintf(who, sizeof who, "%s",
             fin_mw_client_key(f->in->client_ip, hdr(f->in, "X-Forwarded-For"), ip, sizeof ip));
  snprintf(route, sizeof route, "%s %s", rt->method, rt->pattern);
  int limit = cleanup ? lim.cleanup_per_min : lim.api_per_min;
  fin_ratelimit_hit(who, route, limit, fin_now_ms(), &f->rl);
  f->rl_used = true;
  if (!f->rl.limited) return false;
  fin_resp_fail(&f->resp, cleanup ? FIN_E_CLEANUP_RATE_LIMITED : FIN_E_RATE_LIMITED);
  return true;
}

static bool authenticate(struct flow *f, bool admin) {
  if (!fin_mw_auth(f->app->auth, hdr(f->in, "Authorization"), admin, &f->principal, &f->resp))
    return false;
  f->authenticated = true;
  f->req.principal = &f->principal;
  return true;
}

static bool decode_body(struct flow *f) {
  const struct fin_http_in *in = f->in;
  if (in->refuse == 414) {
    fin_resp_fail(&f->resp, FIN_E_URI_TOO_LONG);
    f->out->close = true;
    return false;
  }
  if (in->refuse != 0) {
    fin_resp_fail(&f->resp, FIN_E_AMBIGUOUS_FRAMING);
    f->out->close = true;
    return false;
  }
  if (in->body_too_large) {
    fin_resp_failf(&f->resp, FIN_E_PAYLOAD_TOO_LARGE, "Request body exceeds %d bytes",
                   FIN_BODY_LIMIT);
    f->out->close = true;
    return false;
  }
  switch (fin_mw_body(in->method, hdr(in, "Content-Type"), in->body, in->body_len, &f->req.body,
                      &f->req.has_body)) {
  case FIN_BODY_OK:
    return true;
  case FIN_BODY_UNSUPPORTED:
    f->bad_content_type = true;
    return true;
  case FIN_BODY_BAD_JSON:
    fin_resp_fail(&f->resp, FIN_E_INVALID_JSON);
    return false;
  case FIN_BODY_TOO_DEEP:
    fin_resp_failf(&f->resp, FIN_E_VALIDATION, "Request body nests deeper than %d levels",
                   FIN_BODY_MAX_DEPTH);
    return false;
  case FIN_BODY_NOMEM:
  default:
    fin_resp_fail(&f->resp, FIN_E_INTERNAL);
    return false;
  }
}

/* Routing, auth, limits, then the handler. */
static void dispatch(struct flow *f) {
  const struct fin_http_in *in = f->in;
  if (!fin_route_match(f->app->routes, in->method, in->path, &f->match)) {
    if (fin_route_is_admin_path(in->path) && !authenticate(f, true)) return;
    fin_resp_failf(&f->resp, FIN_E_ROUTE_NOT_FOUND, "Route not found: %s %s", in->method, in->path);
    return;
  }
  const struct fin_route *rt = f->match.route;
  if ((rt->flags & FIN_RT_AUTH) && !authenticate(f, (rt->flags & FIN_RT_ADMIN) != 0)) return;
  if (rate_limited(f)) return;
  if ((rt->flags & FIN_RT_JSON) && f->bad_content_type) {
    fin_resp_fail(&f->resp, FIN_E_CONTENT_TYPE);
    return;
  }
  memcpy(f->req.params, f->match.params, sizeof f->req.params);
  rt->handler(f->app->c, &f->req, &f->resp);
}

void fin_http_handle(const struct fin_http_app *app, const struct fin_http_in *in,
                     struct fin_http_out *out) {
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < sizeof HELMET / sizeof HELMET[0]; i++)
    fin_reply_header(out, HELMET[i].name, HELMET[i].value);
  if (app->mode != NULL) fin_reply_header(out, "X-Infrastructure-Mode", app->mode);
  const char *origin = hdr(in, "Origin");
  if (fin_mw_cors_allowed(origin)) fin_reply_header(out, "Access-Control-Allow-Origin", origin);
  if (strcmp(in->method, "OPTIONS") == 0) {
    preflight(out);
    return;
  }

  struct flow flow = {.app = app, .in = in, .out = out};
  struct flow *f = &flow;
  const char *rid = hdr(in, "X-Request-ID");
  bool ok_id = rid != NULL && fin_mw_request_id_ok(rid);
  bool no_id = !ok_id && fin_uuid_v4(out->rid) != 0;
  out->request_id = ok_id ? rid : no_id ? "unknown" : out->rid;
  const char *trace = fin_mw_traceparent(hdr(in, "traceparent"), out->trace) ? out->trace : NULL;
  f->req = (struct fin_req){.method = in->method,
                            .path = in->path,
                            .request_id = out->request_id,
                            .trace_id = trace,
                            .conn = (void *)in};

  if (no_id) /* the random source failed (logged): no request runs without an id */
    fin_resp_fail(&f->resp, FIN_E_RANDOM_UNAVAILABLE);
  else if (decode_body(f))
    dispatch(f);

  struct fin_reply_ctx x = {.method = in->method,
                            .request_id = out->request_id,
                            .trace_id = trace,
                            .authenticated = f->authenticated,
                            .rl = f->rl_used ? &f->rl : NULL};
  fin_reply_build(in, &x, &f->resp, out);
  json_decref(f->req.body);
  if (f->authenticated) fin_principal_clear(&f->principal);
}

void fin_http_out_release(struct fin_http_out *out) {
  if (out->body_owned) free((void *)out->body);
  out->body = NULL;
  out->body_len = 0;
  out->body_owned = false;
}

const char *fin_http_out_header(const struct fin_http_out *out, const char *name) {
  for (size_t i = 0; i < out->nh; i++) {
    if (strcasecmp(out->h[i].name, name) == 0) return out->h[i].value;
  }
  return NULL;
}
