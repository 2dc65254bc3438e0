/* transactions.c - GET /v1/cards/:cardId/transactions (behaviour.md §1.12, §6). */
#include <string.h>

#include "../domain/rules.h"
#include "../http/errmap.h"
#include "app_errors.h"
#include "handlers.h"
#include "input.h"
#include "views.h"

void fin_h_list_transactions(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  const char *eco = q->principal->ecosystem_id;
  struct fin_card card = {0};
  struct fin_app_error e = {0};
  enum fin_status st = fin_app_get_card(c, eco, q->params[0], &card, &e);
  fin_card_clear(&card);
  if (st == FIN_NOT_FOUND)
    return fin_resp_failf(r, FIN_E_CARD_NOT_FOUND, "Card not found: %s", q->params[0]);
  if (st != FIN_OK) return fin_app_fail(r, &e);
  const char *type = fin_req_query(q, "type");
  if (type != NULL && strcmp(type, "purchase") != 0 && strcmp(type, "payment") != 0)
    return fin_resp_failf(r, FIN_E_VALIDATION, "type must be one of: purchase, payment");
  int limit = fin_parse_limit(fin_req_query(q, "limit"));
  struct fin_txn *items = NULL;
  size_t n = 0;
  struct fin_page page = {0};
  struct fin_err pe = {0};
  st = c->txns.ops->list_by_card(c->txns.self, eco, q->params[0], type, fin_req_query(q, "cursor"),
                                 limit, &items, &n, &page, &pe);
  if (st != FIN_OK && st != FIN_NOT_FOUND) {
    fin_app_error_from_port(&e, st, &pe, "list transactions");
    return fin_app_fail(r, &e);
  }
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(arr, fin_json_txn(&items[i]));
  json_t *pg = json_object();
  json_object_set_new(pg, "nextCursor",
                      page.has_more && page.next_cursor ? json_string(page.next_cursor)
                                                        : json_null());
  json_object_set_new(pg, "hasMore", json_boolean(page.has_more));
  fin_resp_json(r, 200, json_pack("{s:o,s:o}", "transactions", arr, "pagination", pg));
  fin_txn_list_free(items, n);
  fin_page_clear(&page);
}
