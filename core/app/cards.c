/* cards.c - GET /v1/cards and GET /v1/cards/:cardId (behaviour.md §1.6, §1.7). */
#include <string.h>

#include "../http/errmap.h"
#include "app_errors.h"
#include "handlers.h"
#include "input.h"
#include "views.h"

static bool one_of(const char *v, const char *const *allowed) {
  for (; *allowed; allowed++)
    if (strcmp(v, *allowed) == 0) return true;
  return false;
}

void fin_h_list_cards(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  static const char *const statuses[] = {"active", "suspended", "cancelled", NULL};
  static const char *const types[] = {"credit-card", NULL};
  const char *status = fin_req_query(q, "status");
  const char *type = fin_req_query(q, "type");
  if (status != NULL && !one_of(status, statuses)) {
    fin_resp_failf(r, FIN_E_VALIDATION, "status must be one of: active, suspended, cancelled");
    return;
  }
  if (type != NULL && !one_of(type, types)) {
    fin_resp_failf(r, FIN_E_VALIDATION, "type must be one of: credit-card");
    return;
  }
  struct fin_card *cards = NULL;
  size_t n = 0;
  struct fin_err pe = {0};
  enum fin_status st = c->cards.ops->list_by_user(c->cards.self, q->principal->ecosystem_id, status,
                                                  &cards, &n, &pe);
  if (st != FIN_OK && st != FIN_NOT_FOUND) {
    struct fin_app_error e = {0};
    fin_app_error_from_port(&e, st, &pe, "list cards");
    fin_app_fail(r, &e);
    return;
  }
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(arr, fin_json_card_summary(&cards[i]));
  json_t *b = json_pack("{s:o}", "cards", arr);
  if (n == 0)
    json_object_set_new(b, "suggestion",
                        json_string("No cards found. Visit /v1/offers to see available products."));
  fin_card_list_free(cards, n);
  fin_resp_json(r, 200, b);
}

void fin_h_get_card(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  struct fin_card card = {0};
  struct fin_app_error e = {0};
  enum fin_status st = fin_app_get_card(c, q->principal->ecosystem_id, q->params[0], &card, &e);
  if (st == FIN_NOT_FOUND)
    fin_resp_failf(r, FIN_E_CARD_NOT_FOUND, "Card not found: %s", q->params[0]);
  else if (st != FIN_OK)
    fin_app_fail(r, &e);
  else
    fin_resp_json(r, 200, json_pack("{s:o}", "card", fin_json_card_detail(&card)));
  fin_card_clear(&card);
}
