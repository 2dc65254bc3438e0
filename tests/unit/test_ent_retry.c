/* test_ent_retry.c - the remote stores' conflict-retry loop: a final
 * attempt's status is the result, lost attempts are retried with a pause
 * between them (none after the last), and a commit still losing after
 * max_attempts is FIN_VERSION_CONFLICT when it moves a card balance (the
 * app re-reads the card and retries) and FIN_UNAVAILABLE otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../adapters/common/ent_retry.h"

static int pauses, last_pause;

static void count_pause(int attempt) {
  pauses++;
  last_pause = attempt;
}

static const struct ent_retry POLICY = {.max_attempts = 4, .pause = count_pause, .gave_up = "x"};

struct script {
  int calls, lose;       /* lose the first `lose` attempts */
  enum fin_status final; /* then end with this */
};

static enum ent_try play(void *ctx, enum fin_status *st, struct fin_err *e) {
  struct script *s = ctx;
  if (s->calls++ < s->lose) return ENT_TRY_AGAIN;
  *st = s->final == FIN_OK ? FIN_OK : fin_err_set(e, s->final, "final");
  return ENT_TRY_DONE;
}

static void a_final_attempt_decides(void **state) {
  struct fin_write w = {.kind = FIN_W_TXN_PUT};
  struct script s = {.lose = 2, .final = FIN_EXISTS};
  struct fin_err e = {0};
  pauses = 0;
  assert_int_equal(ent_retry_commit(&POLICY, &w, 1, play, &s, &e), FIN_EXISTS);
  assert_int_equal(s.calls, 3);
  assert_int_equal(pauses, 2);
  assert_int_equal(last_pause, 1);
  assert_string_equal(e.msg, "final");
  s = (struct script){.final = FIN_OK};
  assert_int_equal(ent_retry_commit(&POLICY, &w, 1, play, &s, &e), FIN_OK);
  assert_int_equal(s.calls, 1);
}

static void losing_every_attempt_gives_up(void **state) {
  struct fin_write w[2] = {{.kind = FIN_W_TXN_PUT}, {.kind = FIN_W_EVENT_APPEND}};
  struct script s = {.lose = 100};
  struct fin_err e = {0};
  pauses = 0;
  assert_int_equal(ent_retry_commit(&POLICY, w, 2, play, &s, &e), FIN_UNAVAILABLE);
  assert_int_equal(s.calls, 4);
  assert_int_equal(pauses, 3); /* none after the last attempt */
  assert_string_equal(e.msg, "x after 4 attempts");
  w[1].kind = FIN_W_CARD_BALANCE;
  s = (struct script){.lose = 100};
  assert_int_equal(ent_retry_commit(&POLICY, w, 2, play, &s, &e), FIN_VERSION_CONFLICT);
  assert_int_equal(e.code, FIN_VERSION_CONFLICT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_final_attempt_decides),
      cmocka_unit_test(losing_every_attempt_gives_up),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
