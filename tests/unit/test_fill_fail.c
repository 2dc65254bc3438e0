/* test_fill_fail.c - a record that cannot be filled is never committed.
 *
 * The fill helpers (records.h, idem.h, fin_card_open) report a failure and
 * leave the record zeroed; the services that use them then commit nothing:
 * no card, no decision, no score, no event, no audit entry, no idempotency
 * record, and the same key works once the cause is gone. The failures are
 * made with the random-source hook of ids.h (the n-th id fails) on a
 * memory-mode container (lua/memory.lua); services and handlers are called
 * directly.
 */
/* the library objects of the test build are compiled with it: its hook exists */
#define UNIT_TESTING_BUILD 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../core/app/decisions.h"
#include "../../core/app/handlers.h"
#include "../../core/app/idem.h"
#include "../../core/app/records.h"
#include "../../core/app/seed.h"
#include "../../core/domain/rules.h"
#include "../../core/http/pipeline.h"
#include "../../core/lua/host.h"
#include "../../core/util/ids.h"
#include "../../core/util/log.h"
#include "memory_app.h"

static struct fin_container C;

static int setup(void **state) {
  (void)state;
  return memory_app_load(&C);
}

static int teardown(void **state) {
  (void)state;
  fin_ids_test_fail_random(false);
  fin_container_destroy(&C);
  return 0;
}

/* ---- the helpers: a failed fill reports why and leaves nothing ------------ */

static void helpers_report_and_leave_nothing(void **state) {
  (void)state;
  fin_log_set_enabled(0);
  struct fin_rules rules;
  fin_rules_defaults(&rules);
  struct fin_event ev;
  struct fin_audit a;
  struct fin_idem rec;
  struct fin_card card;

  fin_ids_test_fail_random(true); /* no id: the payloads are released all the same */
  assert_int_equal(fin_event_fill(&ev, "t", "e", "id", "eco", json_object(), 1), FIN_UNAVAILABLE);
  assert_null(ev.event_type);
  assert_string_equal(ev.event_id, "");
  assert_int_equal(fin_audit_fill(&a, "adm", "a@x", "act", "tt", "tid", NULL, json_object(),
                                  json_object(), "why", "rid", 1),
                   FIN_UNAVAILABLE);
  assert_null(a.action);
  assert_null(a.previous_value);
  fin_ids_test_fail_random(false);
  /* the card's id comes from the caller: one that does not fit opens nothing */
  char long_id[80];
  memset(long_id, 'x', sizeof long_id - 1);
  long_id[sizeof long_id - 1] = '\0';
  assert_int_equal(fin_card_open(&card, &rules, long_id, "eco", 1000, "auto", 700, 1), -1);
  assert_null(card.ecosystem_id);
  assert_string_equal(card.card_id, "");

  /* a part missing counts as no memory (what a failed copy or dump gives) */
  assert_int_equal(fin_event_fill(&ev, "t", "e", "id", "eco", NULL, 1), FIN_NOMEM);
  assert_null(ev.event_type);
  assert_int_equal(fin_audit_fill(&a, "adm", "a@x", "act", "tt", "tid", NULL, json_object(),
                                  json_object(), NULL, "rid", 1),
                   FIN_NOMEM);
  assert_null(a.action);
  assert_null(a.new_value);
  assert_int_equal(fin_idem_fill(&rec, "eco", "hash", NULL, "op", NULL, 200, 1, &rules), FIN_NOMEM);
  assert_null(rec.ecosystem_id);
  assert_null(rec.response);

  /* and a fill that works owns what it holds */
  assert_int_equal(fin_idem_fill(&rec, "eco", "hash", NULL, "op", strdup("{}"), 200, 1, &rules),
                   FIN_OK);
  assert_string_equal(rec.response, "{}");
  fin_idem_clear(&rec);
}

/* ---- fixtures --------------------------------------------------------------- */

#define LOW_USER "low-1"
#define REQUEST_ID "0190c0de-0000-7000-8000-000000000001"

/* A low-score user (no auto-approval) with a pending card request. */
static void pending_request(void) {
  struct fin_user u = {.ecosystem_id = LOW_USER, .email = "low@test.local", .role = "user"};
  fin_strlcpy(u.status, "active", sizeof u.status);
  u.score = 400;
  fin_strlcpy(u.tier, "low", sizeof u.tier);
  struct fin_card_request q = {.ecosystem_id = LOW_USER, .product_id = "default-credit-card"};
  fin_strlcpy(q.request_id, REQUEST_ID, sizeof q.request_id);
  fin_strlcpy(q.status, "pending", sizeof q.status);
  q.score_at_request = 400;
  fin_strlcpy(q.tier_at_request, "low", sizeof q.tier_at_request);
  q.created_at = q.updated_at = fin_app_now(&C);
  struct fin_write w[2] = {{.kind = FIN_W_USER_CREATE, .u.user = &u},
                           {.kind = FIN_W_REQUEST_CREATE, .u.request = &q}};
  struct fin_err pe = {0};
  assert_int_equal(fin_app_commit(&C, w, 2, &pe), FIN_OK);
}

static size_t cards_of(const char *eco) {
  struct fin_card *cards = NULL;
  size_t n = 0;
  struct fin_err pe = {0};
  enum fin_status st = C.cards.ops->list_by_user(C.cards.self, eco, NULL, &cards, &n, &pe);
  assert_true(st == FIN_OK || st == FIN_NOT_FOUND);
  fin_card_list_free(cards, n);
  return n;
}

static size_t pending_events(void) {
  struct fin_event *evs = NULL;
  size_t n = 0;
  struct fin_err pe = {0};
  enum fin_status st = C.outbox.ops->find_pending(C.outbox.self, 100, &evs, &n, &pe);
  assert_true(st == FIN_OK || st == FIN_NOT_FOUND);
  fin_event_list_free(evs, n);
  return n;
}

static size_t audit_entries(const char *type, const char *id) {
  struct fin_audit *items = NULL;
  size_t n = 0;
  struct fin_page page = {0};
  struct fin_err pe = {0};
  enum fin_status st =
      C.audit.ops->find_by_target(C.audit.self, type, id, NULL, 10, &items, &n, &page, &pe);
  assert_true(st == FIN_OK || st == FIN_NOT_FOUND);
  fin_audit_list_free(items, n);
  fin_page_clear(&page);
  return n;
}

static bool idem_stored(const char *scope, const char *hash) {
  struct fin_idem rec = {0};
  struct fin_err pe = {0};
  enum fin_status st = fin_idem_lookup(&C, scope, hash, &rec, &pe);
  assert_true(st == FIN_OK || st == FIN_NOT_FOUND);
  fin_idem_clear(&rec);
  return st == FIN_OK;
}

static const char *request_status(void) {
  static char status[16];
  struct fin_card_request req = {0};
  struct fin_err pe = {0};
  assert_int_equal(C.requests.ops->get_any(C.requests.self, REQUEST_ID, &req, &pe), FIN_OK);
  fin_strlcpy(status, req.status, sizeof status);
  fin_card_request_clear(&req);
  return status;
}

/* Nothing of a decision on REQUEST_ID was stored. */
static void assert_undecided(const char *hash) {
  assert_string_equal(request_status(), "pending");
  assert_int_equal(cards_of(LOW_USER), 0);
  assert_int_equal(pending_events(), 0);
  assert_int_equal(audit_entries("card-request", REQUEST_ID), 0);
  assert_false(idem_stored("admin-001", hash));
}

/* ---- admin decisions ---------------------------------------------------------- */

static struct fin_decision_input decision(const char *hash) {
  return (struct fin_decision_input){.admin_id = "admin-001",
                                     .admin_email = "admin@test.local",
                                     .request_id = REQUEST_ID,
                                     .limit = 1000,
                                     .reason = "no",
                                     .idem_scope = "admin-001",
                                     .idem_hash = hash,
                                     .idem_fingerprint = NULL,
                                     .idem_operation = "admin-operation"};
}

static void approval_commits_nothing_when_a_record_is_unfilled(void **state) {
  (void)state;
  pending_request();
  const char *hash = "a1";
  struct fin_decision_input in = decision(hash);
  /* ids of an approval, in order: the card, the event, the audit entry */
  for (int made = 1; made <= 2; made++) {
    struct fin_app_error e = {0};
    json_t *body = NULL;
    fin_ids_test_fail_random_after(made);
    assert_int_equal(fin_approve_request(&C, &in, &body, &e), FIN_DECIDE_FAILED);
    fin_ids_test_fail_random(false);
    assert_int_equal(e.err, FIN_E_DEPENDENCY_UNAVAILABLE);
    assert_null(body);
    fin_app_error_clear(&e);
    assert_undecided(hash);
  }
  /* the same key decides once ids can be made: nothing was half-stored */
  struct fin_app_error e = {0};
  json_t *body = NULL;
  assert_int_equal(fin_approve_request(&C, &in, &body, &e), FIN_DECIDED);
  assert_non_null(body);
  json_decref(body);
  assert_string_equal(request_status(), "approved");
  assert_int_equal(cards_of(LOW_USER), 1);
  assert_int_equal(pending_events(), 1);
  assert_int_equal(audit_entries("card-request", REQUEST_ID), 1);
  assert_true(idem_stored("admin-001", hash));
}

static void rejection_commits_nothing_when_a_record_is_unfilled(void **state) {
  (void)state;
  pending_request();
  const char *hash = "r1";
  struct fin_decision_input in = decision(hash);
  /* ids of a rejection, in order: the event, the audit entry */
  for (int made = 0; made <= 1; made++) {
    struct fin_app_error e = {0};
    fin_ids_test_fail_random_after(made);
    assert_int_equal(fin_reject_request(&C, &in, NULL, &e), FIN_DECIDE_FAILED);
    fin_ids_test_fail_random(false);
    assert_int_equal(e.err, FIN_E_DEPENDENCY_UNAVAILABLE);
    fin_app_error_clear(&e);
    assert_undecided(hash);
  }
  struct fin_app_error e = {0};
  assert_int_equal(fin_reject_request(&C, &in, NULL, &e), FIN_DECIDED);
  assert_string_equal(request_status(), "rejected");
  assert_true(idem_stored("admin-001", hash));
}

/* ---- handlers: the admin score change and card issuance ------------------------- */

static const char *key_header;

static const char *hdr(void *ctx, const char *name) {
  (void)ctx;
  return strcasecmp(name, "Idempotency-Key") == 0 ? key_header : NULL;
}

/* Runs handler h for principal (eco, role) with path parameter p0 and a
 * JSON body; returns the status, *code the error code (or NULL). */
static int call(fin_handler h, const char *eco, const char *role, const char *p0, const char *key,
                const char *json, const char **code) {
  static char err_code[40];
  struct fin_http_in in = {.header = hdr};
  key_header = key;
  char uid[64], email[64], r[16];
  snprintf(uid, sizeof uid, "%s", eco);
  snprintf(email, sizeof email, "%s@test.local", eco);
  snprintf(r, sizeof r, "%s", role);
  struct fin_principal p = {.uid = uid, .email = email, .role = r, .ecosystem_id = uid};
  struct fin_req q = {.method = "POST", .principal = &p, .conn = &in, .has_body = true};
  q.params[0] = p0;
  q.body = json_loads(json, 0, NULL);
  struct fin_resp resp = {0};
  h(&C, &q, &resp);
  snprintf(err_code, sizeof err_code, "%s", resp.err_code ? resp.err_code : "");
  *code = resp.err_code ? err_code : NULL;
  json_decref(resp.body);
  json_decref(resp.err_details);
  json_decref(q.body);
  return resp.status;
}

static int score_of(const char *eco) {
  struct fin_user u = {0};
  struct fin_err pe = {0};
  assert_int_equal(C.users.ops->get(C.users.self, eco, &u, &pe), FIN_OK);
  int s = u.score;
  fin_user_clear(&u);
  return s;
}

static size_t history_of(const char *eco) {
  struct fin_score *items = NULL;
  size_t n = 0;
  struct fin_err pe = {0};
  enum fin_status st = C.scores.ops->list(C.scores.self, eco, 0, &items, &n, &pe);
  assert_true(st == FIN_OK || st == FIN_NOT_FOUND);
  fin_score_list_free(items, n);
  return n;
}

static void score_change_commits_nothing_when_a_record_is_unfilled(void **state) {
  (void)state;
  const char *code;
  const char *body = "{\"score\":650,\"reason\":\"review\"}";
  /* ids of a score change, in order: the history entry, the event, the audit entry */
  for (int made = 1; made <= 2; made++) {
    fin_ids_test_fail_random_after(made);
    assert_int_equal(
        call(fin_h_admin_patch_score, "admin-001", "admin", "user-123", "k-s", body, &code), 503);
    fin_ids_test_fail_random(false);
    assert_string_equal(code, "DEPENDENCY_UNAVAILABLE");
    assert_int_equal(score_of("user-123"), 700);
    assert_int_equal(history_of("user-123"), 0);
    assert_int_equal(pending_events(), 0);
    assert_int_equal(audit_entries("user", "user-123"), 0);
  }
  /* the key was not stored: it runs now */
  assert_int_equal(
      call(fin_h_admin_patch_score, "admin-001", "admin", "user-123", "k-s", body, &code), 200);
  assert_null(code);
  assert_int_equal(score_of("user-123"), 650);
  assert_int_equal(history_of("user-123"), 1);
  assert_int_equal(pending_events(), 1);
  assert_int_equal(audit_entries("user", "user-123"), 1);
}

static void card_issuance_commits_nothing_when_its_event_is_unfilled(void **state) {
  (void)state;
  const char *code;
  const char *body = "{\"productId\":\"p\"}";
  /* user-123 (700) is approved at once; ids: the request, the card, the event */
  fin_ids_test_fail_random_after(2);
  assert_int_equal(call(fin_h_request_card, "user-123", "user", NULL, "k-c", body, &code), 503);
  fin_ids_test_fail_random(false);
  assert_string_equal(code, "DEPENDENCY_UNAVAILABLE");
  assert_int_equal(cards_of("user-123"), 0);
  assert_int_equal(pending_events(), 0);
  char hash[65];
  fin_idem_hash("k-c", hash);
  assert_false(idem_stored("user-123", hash));
  /* the same key issues the card now */
  assert_int_equal(call(fin_h_request_card, "user-123", "user", NULL, "k-c", body, &code), 201);
  assert_int_equal(cards_of("user-123"), 1);
  assert_int_equal(pending_events(), 1);
  assert_true(idem_stored("user-123", hash));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(helpers_report_and_leave_nothing),
      cmocka_unit_test_setup_teardown(approval_commits_nothing_when_a_record_is_unfilled, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(rejection_commits_nothing_when_a_record_is_unfilled, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(score_change_commits_nothing_when_a_record_is_unfilled, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(card_issuance_commits_nothing_when_its_event_is_unfilled,
                                      setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
