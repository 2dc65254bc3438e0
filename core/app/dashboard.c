/* dashboard.c - GET /v1/dashboard (behaviour.md §1.4, §4.12). */
#include <stdio.h>
#include <string.h>

#include "../util/timefmt.h"
#include "app_errors.h"
#include "handlers.h"
#include "input.h"
#include "views.h"

static json_t *pending_json(const struct fin_card_request *p) {
  json_t *o = json_object();
  json_object_set_new(o, "requestId", json_string(p->request_id));
  json_object_set_new(o, "productId", json_string(p->product_id ? p->product_id : ""));
  json_object_set_new(o, "status", json_string("pending"));
  json_object_set_new(o, "submittedAt", fin_json_iso(p->created_at));
  json_object_set_new(o, "estimatedReviewTime", json_string("1-2 business days"));
  return o;
}

static json_t *body_of(const struct fin_user *u, const struct fin_card *cards, size_t n,
                       const struct fin_card_request *pending) {
  json_t *b = json_object();
  json_t *user = json_object();
  json_object_set_new(user, "ecosystemId", json_string(u->ecosystem_id));
  json_object_set_new(user, "email", json_string(u->email ? u->email : ""));
  json_object_set_new(user, "score", json_integer(u->score));
  json_object_set_new(user, "tier", json_string(u->tier));
  json_object_set_new(user, "status", json_string(u->status));
  json_object_set_new(b, "user", user);
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(arr, fin_json_card_summary(&cards[i]));
  json_object_set_new(b, "cards", arr);
  json_t *pend = json_array();
  if (pending != NULL) json_array_append_new(pend, pending_json(pending));
  json_object_set_new(b, "pendingRequests", pend);
  if (n == 0 && pending == NULL)
    json_object_set_new(b, "suggestedActions",
                        json_pack("[{s:s,s:s,s:s}]", "type", "apply_for_card", "message",
                                  "Apply for your first credit card to start building credit",
                                  "link", "/v1/offers"));
  json_object_set_new(b, "lastUpdated", fin_json_iso(u->updated_at));
  return b;
}

void fin_h_dashboard(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  struct fin_user u = {0};
  struct fin_app_error e = {0};
  if (!fin_app_caller(c, q, &u, r)) return;
  char etag[40];
  snprintf(etag, sizeof etag, "\"%lld\"", (long long)u.updated_at);
  const char *inm = fin_req_header(q, "If-None-Match");
  if (inm != NULL && strcmp(inm, etag) == 0) {
    r->status = 304;
    r->no_etag_headers = true;
    fin_user_clear(&u);
    return;
  }
  struct fin_card *cards = NULL;
  size_t n = 0;
  struct fin_card_request pending = {0};
  struct fin_err pe = {0};
  enum fin_status st =
      c->cards.ops->list_by_user(c->cards.self, u.ecosystem_id, NULL, &cards, &n, &pe);
  if (st == FIN_OK || st == FIN_NOT_FOUND)
    st = c->requests.ops->find_pending_by_user(c->requests.self, u.ecosystem_id, &pending, &pe);
  if (st != FIN_OK && st != FIN_NOT_FOUND) {
    fin_app_error_from_port(&e, st, &pe, "read dashboard");
    fin_app_fail(r, &e);
  } else {
    fin_resp_json(r, 200, body_of(&u, cards, n, st == FIN_OK ? &pending : NULL));
    fin_strlcpy(r->etag, etag, sizeof r->etag);
    fin_http_date(u.updated_at, r->last_modified);
  }
  fin_card_list_free(cards, n);
  fin_card_request_clear(&pending);
  fin_user_clear(&u);
}
