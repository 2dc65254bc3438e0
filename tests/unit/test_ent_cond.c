/* test_ent_cond.c - the condition errors every store reports through
 * adapters/common/ent_cond: code, message, failed write and the card
 * version detail, as clients see them (the contract suite reads some of
 * these messages in all three modes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "../../adapters/common/ent_cond.h"

static const struct ent_cond_found NOTHING = {0};

static void creates_of_present_keys_exist(void **state) {
  struct fin_user u = {.ecosystem_id = "u1"};
  struct fin_card c = {.card_id = "c1"};
  struct fin_card_request r = {.request_id = "r1"};
  struct fin_event ev = {.event_id = "e1"};
  struct fin_idem rec = {0};
  struct fin_write w[] = {{.kind = FIN_W_USER_CREATE, .u.user = &u},
                          {.kind = FIN_W_CARD_CREATE, .u.card = &c},
                          {.kind = FIN_W_REQUEST_CREATE, .u.request = &r},
                          {.kind = FIN_W_EVENT_APPEND, .u.event = &ev},
                          {.kind = FIN_W_IDEM_PUT, .u.idem.rec = &rec}};
  const char *msg[] = {"User already exists: u1", "Card already exists: c1",
                       "Card request already exists: r1", "Event already exists: e1",
                       "Idempotency key already used"};
  for (int i = 0; i < 5; i++) {
    struct fin_err e = {.failed_write = -1};
    assert_int_equal(ent_cond_fail(&w[i], i + 2, &NOTHING, &e), FIN_EXISTS);
    assert_int_equal(e.code, FIN_EXISTS);
    assert_string_equal(e.msg, msg[i]);
    assert_int_equal(e.failed_write, i + 2);
  }
}

static void user_writes_need_the_user(void **state) {
  struct fin_write w = {.kind = FIN_W_USER_SCORE, .u.score.ecosystem_id = "u2"};
  struct fin_err e = {0};
  assert_int_equal(ent_cond_fail(&w, 0, &NOTHING, &e), FIN_NOT_FOUND);
  assert_string_equal(e.msg, "User not found: u2");
  w = (struct fin_write){.kind = FIN_W_USER_SUMMARY, .u.summary.ecosystem_id = "u3"};
  assert_int_equal(ent_cond_fail(&w, 0, &NOTHING, &e), FIN_NOT_FOUND);
  assert_string_equal(e.msg, "User not found: u3");
}

static void slot_missing_user_or_other_revision(void **state) {
  struct fin_write w = {.kind = FIN_W_USER_CARD_SLOT,
                        .u.slot = {.ecosystem_id = "u4", .expected_rev = 3}};
  struct fin_err e = {0};
  assert_int_equal(ent_cond_fail(&w, 1, &NOTHING, &e), FIN_NOT_FOUND);
  assert_string_equal(e.msg, "User not found: u4");
  struct ent_cond_found f = {.exists = true, .number = 5};
  assert_int_equal(ent_cond_fail(&w, 1, &f, &e), FIN_VERSION_CONFLICT);
  assert_string_equal(e.msg, "Concurrent card change for user u4: expected revision 3, got 5");
}

static void card_version_carries_the_detail(void **state) {
  struct fin_write w = {
      .kind = FIN_W_CARD_BALANCE,
      .u.balance = {.ecosystem_id = "u5", .card_id = "c9", .expected_version = 2}};
  struct ent_cond_found f = {.number = -1}; /* no such card */
  struct fin_err e = {0};
  assert_int_equal(ent_cond_fail(&w, 4, &f, &e), FIN_VERSION_CONFLICT);
  assert_string_equal(e.msg,
                      "Concurrent modification detected for card c9. Expected version 2, got -1");
  assert_string_equal(e.card_id, "c9");
  assert_int_equal(e.expected_version, 2);
  assert_int_equal(e.actual_version, -1);
  assert_int_equal(e.failed_write, 4);
}

static void decide_needs_a_pending_request(void **state) {
  struct fin_write w = {
      .kind = FIN_W_REQUEST_DECIDE,
      .u.decide = {.ecosystem_id = "u6", .request_id = "r6", .status = "approved"}};
  struct fin_err e = {0};
  assert_int_equal(ent_cond_fail(&w, 0, &NOTHING, &e), FIN_NOT_FOUND);
  assert_string_equal(e.msg, "Card request not found: r6");
  struct ent_cond_found f = {.exists = true, .status = "rejected"};
  assert_int_equal(ent_cond_fail(&w, 0, &f, &e), FIN_PRECONDITION);
  assert_string_equal(e.msg, "Card request r6 is not pending (status: rejected)");
  f.status = NULL; /* a stored request without a status */
  assert_int_equal(ent_cond_fail(&w, 0, &f, &e), FIN_PRECONDITION);
  assert_string_equal(e.msg, "Card request r6 is not pending (status: ?)");
}

static void repeats_and_kinds_without_conditions(void **state) {
  struct fin_err e = {0};
  assert_int_equal(ent_cond_repeat(3, &e), FIN_EXISTS);
  assert_string_equal(e.msg, "write 3 repeats a create");
  assert_int_equal(e.failed_write, 3);
  struct fin_write w = {.kind = FIN_W_TXN_PUT};
  assert_int_equal(ent_cond_fail(&w, 7, &NOTHING, &e), FIN_INTERNAL);
  assert_string_equal(e.msg, "write 7 failed its condition");
  assert_int_equal(ent_cond_fail(&w, 7, &NOTHING, NULL), FIN_INTERNAL); /* e is optional */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(creates_of_present_keys_exist),
      cmocka_unit_test(user_writes_need_the_user),
      cmocka_unit_test(slot_missing_user_or_other_revision),
      cmocka_unit_test(card_version_carries_the_detail),
      cmocka_unit_test(decide_needs_a_pending_request),
      cmocka_unit_test(repeats_and_kinds_without_conditions),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
