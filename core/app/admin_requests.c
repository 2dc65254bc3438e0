/* admin_requests.c - admin listing (by status), approve and reject
 * (behaviour.md §1.15-§1.17, §4.9, §4.10). */
#include <math.h>
#include <string.h>

#include "../domain/rules.h"
#include "../http/errmap.h"
#include "admin_keys.h"
#include "app_errors.h"
#include "decisions.h"
#include "handlers.h"
#include "idem.h"
#include "input.h"
#include "records.h"
#include "views.h"

static void list_page(struct fin_container *c, const char *status, enum fin_sort sort,
                      const char *cursor, int limit, struct fin_resp *r) {
  struct fin_card_request *items = NULL;
  size_t n = 0;
  struct fin_page page = {0};
  struct fin_err pe = {0};
  enum fin_status st = c->requests.ops->list_by_status(c->requests.self, status, sort, cursor,
                                                       limit, &items, &n, &page, &pe);
  if (st != FIN_OK && st != FIN_NOT_FOUND) {
    struct fin_app_error e = {0};
    fin_app_error_from_port(&e, st, &pe, "list card requests");
    return fin_app_fail(r, &e);
  }
  fin_ms now = fin_app_now(c);
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++) {
    struct fin_user owner = {0};
    struct fin_app_error e = {0};
    enum fin_status ust = fin_app_get_user(c, items[i].ecosystem_id, &owner, &e);
    fin_app_error_clear(&e);
    json_array_append_new(arr,
                          fin_json_admin_list_item(&items[i], ust == FIN_OK ? &owner : NULL, now));
    fin_user_clear(&owner);
  }
  json_t *pg = json_object();
  json_object_set_new(pg, "nextCursor",
                      page.has_more && page.next_cursor ? json_string(page.next_cursor)
                                                        : json_null());
  json_object_set_new(pg, "hasMore", json_boolean(page.has_more));
  json_object_set_new(pg, "totalCount",
                      json_integer(page.total_count < 0 ? (json_int_t)n : page.total_count));
  fin_resp_json(r, 200, json_pack("{s:o,s:o}", "requests", arr, "pagination", pg));
  fin_card_request_list_free(items, n);
  fin_page_clear(&page);
}

void fin_h_admin_list_requests(struct fin_container *c, const struct fin_req *q,
                               struct fin_resp *r) {
  const char *sort = fin_req_query(q, "sort");
  const char *status = fin_req_query(q, "status");
  if (sort != NULL && strcmp(sort, "newest") != 0 && strcmp(sort, "oldest") != 0)
    return fin_resp_failf(r, FIN_E_VALIDATION, "sort must be one of: newest, oldest");
  /* the values of the OpenAPI enum, exact (a typo must not list nothing) */
  if (status == NULL) status = "pending";
  if (strcmp(status, "pending") != 0 && strcmp(status, "approved") != 0 &&
      strcmp(status, "rejected") != 0)
    return fin_resp_failf(r, FIN_E_VALIDATION,
                          "status must be one of: pending, approved, rejected");
  enum fin_sort s = sort && strcmp(sort, "newest") == 0 ? FIN_SORT_NEWEST : FIN_SORT_OLDEST;
  list_page(c, status, s, fin_req_query(q, "cursor"), fin_parse_limit(fin_req_query(q, "limit")),
            r);
}

/* A refusal that this key's own earlier decision could explain: the request
 * is no longer pending, or the outcome of a commit is unknown. */
static bool may_be_own_decision(const struct fin_app_error *e) {
  return e->err == FIN_E_REQUEST_NOT_PENDING || e->err == FIN_E_VERSION_CONFLICT ||
         e->err == FIN_E_DEPENDENCY_UNAVAILABLE;
}

/* Runs a decision service and answers; `operation` scopes the key. */
static void decide(struct fin_container *c, const struct fin_req *q, const char *key,
                   const char *operation, struct fin_decision_input *in, struct fin_resp *r) {
  const struct fin_principal *admin = q->principal;
  char hash[65], fp[65];
  if (fin_idem_fingerprint(operation, q, fp) != FIN_OK) return fin_resp_fail(r, FIN_E_INTERNAL);
  fin_admin_key_hash(operation, q->params[0], key, hash);
  fin_idem_lock(admin->ecosystem_id, hash);
  if (fin_admin_replay(c, admin->ecosystem_id, hash, fp, r)) {
    fin_idem_unlock(admin->ecosystem_id, hash);
    return;
  }
  in->admin_id = admin->ecosystem_id;
  in->admin_email = admin->email;
  in->request_id = q->params[0];
  in->idem_scope = admin->ecosystem_id;
  in->idem_hash = hash;
  in->idem_fingerprint = fp;
  in->idem_operation = OP_ADMIN;
  json_t *body = NULL;
  struct fin_app_error e = {0};
  enum fin_decide_result rc = strcmp(operation, "approve") == 0
                                  ? fin_approve_request(c, in, &body, &e)
                                  : fin_reject_request(c, in, &body, &e);
  if (rc == FIN_DECIDED)
    fin_resp_json(r, 200, body);
  else if (rc == FIN_DECIDE_IDEM_RACE)
    fin_admin_replay(c, admin->ecosystem_id, hash, fp, r);
  /* "not pending" or an unknown outcome may be this key's own decision,
   * made by another instance or applied with its answer lost: its record
   * answers before any refusal */
  else if (!may_be_own_decision(&e) || !fin_admin_replay(c, admin->ecosystem_id, hash, fp, r))
    fin_app_fail(r, &e);
  else
    json_decref(e.details);
  fin_idem_unlock(admin->ecosystem_id, hash);
}

void fin_h_admin_approve(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  const json_t *limit = json_is_object(q->body) ? json_object_get(q->body, "creditLimit") : NULL;
  double v = fin_js_number(limit);
  if (limit == NULL || !(v >= 100 && v <= 10000)) /* JS: NaN fails both comparisons */
    return fin_resp_failf(r, FIN_E_VALIDATION, "Credit limit must be between 100 and 10000");
  const char *key = fin_require_key(q, r);
  if (key == NULL) return;
  /* A non-number that passed the range check (e.g. "5000") fails later, in
   * the service's validation, after the idempotency replay (behaviour.md §1.16 step 5). */
  struct fin_decision_input in = {.limit = json_is_number(limit) ? json_number_value(limit) : NAN};
  decide(c, q, key, "approve", &in, r);
}

void fin_h_admin_reject(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  const json_t *reason = json_is_object(q->body) ? json_object_get(q->body, "reason") : NULL;
  if (reason == NULL) return fin_resp_failf(r, FIN_E_VALIDATION, "reason is required");
  const char *key = fin_require_key(q, r);
  if (key == NULL) return;
  /* A blank or long reason (or a non-string, NULL here) fails later, in the
   * service's validation, after the replay and the lookup of the request
   * (behaviour.md §1.17 step 6), as approve's limit does. */
  struct fin_decision_input in = {.reason = json_string_value(reason)};
  decide(c, q, key, "reject", &in, r);
}
