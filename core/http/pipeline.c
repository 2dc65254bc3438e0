/* pipeline.c - the middleware chain for one request (see pipeline.h). */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/ids.h"
#include "../util/timefmt.h"
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
  struct fin_container *c;
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
}

/* Client address as Express sees it with `trust proxy` = 1: the right-most
 * X-Forwarded-For entry, else the socket peer. Returns a pointer into buf
 * or into the request. */
static const char *client_ip(const struct fin_http_in *in, char *buf, size_t size) {
  const char *xff = hdr(in, "X-Forwarded-For");
  if (xff == NULL || *xff == '\0') return in->client_ip ? in->client_ip : "unknown";
  const char *last = strrchr(xff, ',');
  last = last ? last + 1 : xff;
  while (*last == ' ')
    last++;
  size_t n = strcspn(last, " ");
  if (n >= size) n = size - 1;
  memcpy(buf, last, n);
  buf[n] = '\0';
  return buf;
}

static bool rate_limited(struct flow *f) {
  const struct fin_rules *rules = fin_rules_of(f->c);
  const struct fin_route *rt = f->match.route;
  if (!rules->rate_limit_enabled || rt == NULL || (rt->flags & FIN_RT_NO_LIMIT)) return false;
  bool cleanup = (rt->flags & FIN_RT_CLEANUP) != 0;
  char ip[64];
  const char *who =
      f->authenticated && f->principal.uid ? f->principal.uid : client_ip(f->in, ip, sizeof ip);
  int limit = cleanup ? rules->rate_limit_cleanup_per_min : rules->rate_limit_api_per_min;
  fin_ratelimit_hit(who, f->in->path, limit, fin_now_ms(), &f->rl);
  f->rl_used = true;
  if (!f->rl.limited) return false;
  fin_resp_error(&f->resp, 429, "SERVICE_UNAVAILABLE", "%s",
                 cleanup ? "Cleanup can only be performed once per minute"
                         : "Rate limit exceeded, please slow down");
  return true;
}

static bool authenticate(struct flow *f, bool admin) {
  if (!fin_mw_auth(f->c, hdr(f->in, "Authorization"), admin, &f->principal, &f->resp)) return false;
  f->authenticated = true;
  f->req.principal = &f->principal;
  return true;
}

static bool decode_body(struct flow *f) {
  const struct fin_http_in *in = f->in;
  if (in->body_too_large) {
    fin_resp_error(&f->resp, 413, "PAYLOAD_TOO_LARGE", "Request body exceeds %d bytes",
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
    fin_resp_error(&f->resp, 400, "VALIDATION_ERROR", "Invalid JSON body");
    return false;
  case FIN_BODY_NOMEM:
  default:
    fin_resp_error(&f->resp, 500, "INTERNAL_ERROR", "An unexpected error occurred");
    return false;
  }
}

/* Routing, auth, limits, then the handler. */
static void dispatch(struct flow *f, const struct fin_routes *routes) {
  const struct fin_http_in *in = f->in;
  if (!fin_route_match(routes, in->method, in->path, &f->match)) {
    if (fin_route_is_admin_path(in->path) && !authenticate(f, true)) return;
    fin_resp_error(&f->resp, 404, "NOT_FOUND", "Route not found: %s %s", in->method, in->path);
    return;
  }
  const struct fin_route *rt = f->match.route;
  if ((rt->flags & FIN_RT_AUTH) && !authenticate(f, (rt->flags & FIN_RT_ADMIN) != 0)) return;
  if (rate_limited(f)) return;
  if ((rt->flags & FIN_RT_JSON) && f->bad_content_type) {
    fin_resp_error(&f->resp, 400, "VALIDATION_ERROR", "Content-Type must be application/json");
    return;
  }
  memcpy(f->req.params, f->match.params, sizeof f->req.params);
  rt->handler(f->c, &f->req, &f->resp);
}

void fin_http_handle(struct fin_container *c, const struct fin_routes *routes,
                     const struct fin_http_in *in, struct fin_http_out *out) {
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < sizeof HELMET / sizeof HELMET[0]; i++)
    fin_reply_header(out, HELMET[i].name, HELMET[i].value);
  fin_reply_header(out, "Access-Control-Allow-Origin", hdr(in, "Origin"));
  if (strcmp(in->method, "OPTIONS") == 0) {
    preflight(out);
    return;
  }

  struct flow flow = {.c = c, .in = in, .out = out};
  struct flow *f = &flow;
  const char *rid = hdr(in, "X-Request-ID");
  bool no_id = rid == NULL && fin_uuid_v4(out->rid) != 0;
  out->request_id = rid ? rid : no_id ? "unknown" : out->rid;
  const char *trace = fin_mw_traceparent(hdr(in, "traceparent"), out->trace) ? out->trace : NULL;
  f->req = (struct fin_req){.method = in->method,
                            .path = in->path,
                            .request_id = out->request_id,
                            .trace_id = trace,
                            .conn = (void *)in};

  if (no_id) /* the random source failed (logged): no request runs without an id */
    fin_resp_error(&f->resp, 503, "DEPENDENCY_UNAVAILABLE",
                   "A required service is unavailable (random source); please retry later");
  else if (decode_body(f))
    dispatch(f, routes ? routes : fin_routes_default());

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
