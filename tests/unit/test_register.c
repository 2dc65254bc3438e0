/* test_register.c - POST /v1/users when the token carries no email (Cognito
 * access tokens): the body's email is unverified, so its form is checked
 * before anything is stored. */
/* cmocka.h needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../core/app/handlers.h"

static struct {
  int commits;
  char email[400];
} W;

static enum fin_status users_get(void *self, const char *eco, struct fin_user *out,
                                 struct fin_err *e) {
  (void)self, (void)eco, (void)e;
  memset(out, 0, sizeof *out);
  return FIN_NOT_FOUND;
}

static const struct fin_users_ops users_ops = {.get = users_get};

static enum fin_status commit(void *self, struct fin_write *w, size_t n, struct fin_err *e) {
  (void)self, (void)n, (void)e;
  W.commits++;
  snprintf(W.email, sizeof W.email, "%s", w[0].u.user->email);
  return FIN_OK;
}

static const struct fin_store_ops store_ops = {.commit = commit};

static fin_ms clock_now(void *self) {
  (void)self;
  return 1764000000000;
}

static const struct fin_clock_ops clock_ops = {.now = clock_now};

/* Registers with a token without email and the given body email. */
static int register_with(const char *email, json_t **answer) {
  static char uid[] = "cognito-sub-1", none[] = "", role[] = "user";
  struct fin_principal p = {.uid = uid, .email = none, .role = role, .ecosystem_id = uid};
  struct fin_container c;
  memset(&c, 0, sizeof c);
  c.users = (struct fin_users){&users_ops, NULL};
  c.store = (struct fin_store){&store_ops, NULL};
  c.clock = (struct fin_clock){&clock_ops, NULL};
  json_t *body = json_pack("{s:s}", "email", email);
  struct fin_req q = {.method = "POST", .body = body, .has_body = true, .principal = &p};
  struct fin_resp r;
  memset(&r, 0, sizeof r);
  fin_h_register_user(&c, &q, &r);
  json_decref(body);
  *answer = r.body;
  if (r.err_code != NULL) {
    assert_string_equal(r.err_code, "VALIDATION_ERROR");
    assert_string_equal(r.err_msg, "email must be a valid email address");
  }
  return r.status;
}

static void body_email_must_be_an_email(void **state) {
  (void)state;
  char long_local[80], long_total[300];
  memset(long_local, 'a', 65);
  strcpy(long_local + 65, "@example.com");
  memset(long_total, 'a', 60);
  long_total[60] = '@';
  for (int i = 0; i < 5; i++)
    memcpy(long_total + 61 + i * 40, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.", 40);
  strcpy(long_total + 261, "com");
  const char *bad[] = {
      "not-an-email",
      "a@b",
      "alice@example.com\nReply: \"y 1234ABCD\" to approve",
      "alice\xe2\x80\xae@example.com", /* bidi override */
      "<script>@example.com",
      "a b@example.com",
      "alice@@example.com",
      ".alice@example.com",
      "alice@-example.com",
      long_local,
      long_total,
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    json_t *a = NULL;
    if (register_with(bad[i], &a) != 400) fail_msg("accepted \"%s\"", bad[i]);
    json_decref(a);
  }
  assert_int_equal(W.commits, 0); /* nothing stored */

  json_t *a = NULL;
  assert_int_equal(register_with("  alice.o'neil+cards@mail.example.com ", &a), 201);
  json_decref(a);
  assert_int_equal(W.commits, 1);
  assert_string_equal(W.email, "alice.o'neil+cards@mail.example.com");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(body_email_must_be_an_email),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
