/* routes.c - the application as the HTTP layer sees it: the route table
 * (behaviour.md §0.8; order matters, see router.h) and the settings it reads. */
#include "routes.h"

#include <ctype.h>
#include <string.h>

#include "../http/router.h"
#include "handlers.h"

static const struct fin_route ROUTES[] = {
    {"GET", "/health/liveness", fin_h_liveness, FIN_RT_NO_LIMIT},
    {"GET", "/health/readiness", fin_h_readiness, FIN_RT_NO_LIMIT},
    {"GET", "/openapi.yaml", fin_h_openapi, FIN_RT_NO_LIMIT},
    {"POST", "/v1/users", fin_h_register_user, FIN_RT_AUTH | FIN_RT_JSON},
    {"GET", "/v1/dashboard", fin_h_dashboard, FIN_RT_AUTH},
    {"GET", "/v1/offers", fin_h_offers, FIN_RT_AUTH},
    {"GET", "/v1/cards", fin_h_list_cards, FIN_RT_AUTH},
    {"GET", "/v1/cards/:cardId", fin_h_get_card, FIN_RT_AUTH},
    {"POST", "/v1/cards/requests", fin_h_request_card, FIN_RT_AUTH | FIN_RT_JSON},
    {"GET", "/v1/cards/requests/:requestId", fin_h_get_card_request, FIN_RT_AUTH},
    {"POST", "/v1/cards/:cardId/transactions/purchases", fin_h_purchase, FIN_RT_AUTH | FIN_RT_JSON},
    {"POST", "/v1/cards/:cardId/transactions/payments", fin_h_payment, FIN_RT_AUTH | FIN_RT_JSON},
    {"GET", "/v1/cards/:cardId/transactions", fin_h_list_transactions, FIN_RT_AUTH},
    {"GET", "/v1/admin/users/:userSlug/score", fin_h_admin_get_score, FIN_RT_AUTH | FIN_RT_ADMIN},
    {"PATCH", "/v1/admin/users/:userSlug/score", fin_h_admin_patch_score,
     FIN_RT_AUTH | FIN_RT_ADMIN | FIN_RT_JSON},
    {"GET", "/v1/admin/card-requests", fin_h_admin_list_requests, FIN_RT_AUTH | FIN_RT_ADMIN},
    {"POST", "/v1/admin/card-requests/:requestId/approve", fin_h_admin_approve,
     FIN_RT_AUTH | FIN_RT_ADMIN | FIN_RT_JSON},
    {"POST", "/v1/admin/card-requests/:requestId/reject", fin_h_admin_reject,
     FIN_RT_AUTH | FIN_RT_ADMIN | FIN_RT_JSON},
    {"POST", "/v1/admin/cleanup", fin_h_admin_cleanup,
     FIN_RT_AUTH | FIN_RT_ADMIN | FIN_RT_JSON | FIN_RT_CLEANUP},
    {"GET", "/webhooks/wpp-connect/health", fin_h_wpp_health, FIN_RT_NO_LIMIT},
    {"POST", "/webhooks/wpp-connect", fin_h_wpp_webhook, FIN_RT_JSON},
};

static const struct fin_routes DEFAULT = {ROUTES, sizeof ROUTES / sizeof ROUTES[0]};

const struct fin_routes *fin_routes_default(void) {
  return &DEFAULT;
}

static void rate_limits(const struct fin_container *c, struct fin_rate_limits *out) {
  const struct fin_rules *r = fin_rules_of(c);
  *out = (struct fin_rate_limits){.enabled = r->rate_limit_enabled,
                                  .api_per_min = r->rate_limit_api_per_min,
                                  .cleanup_per_min = r->rate_limit_cleanup_per_min};
}

/* A custom wiring names its own mode: only a short token goes in a header. */
static bool header_safe(const char *mode) {
  size_t n = mode != NULL ? strlen(mode) : 0;
  if (n == 0 || n > 32) return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)mode[i]) && mode[i] != '-' && mode[i] != '_') return false;
  return true;
}

struct fin_http_app fin_app_http(struct fin_container *c) {
  return (struct fin_http_app){.c = c,
                               .routes = fin_routes_default(),
                               .auth = &c->auth,
                               .limits = rate_limits,
                               .remote = c->mode == NULL || strcmp(c->mode, "memory") != 0,
                               .mode = header_safe(c->mode) ? c->mode : NULL};
}
