/* test_cleanup_token.c - cleanup confirmation tokens live in the store (so
 * another instance takes them): minted, checked for expiry and for the
 * admin, taken once. On a memory-mode container; times are given, not read
 * from a clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "../../core/app/cleanup_token.h"
#include "../../core/util/codec.h"
#include "memory_app.h"

#define T0 1700000000000LL
#define TTL (5 * 60 * 1000)

static struct fin_container C;

static enum cleanup_token_check take(const char *id, const char *admin, fin_ms now) {
  enum cleanup_token_check out = CLEANUP_TOKEN_OK;
  struct fin_err e = {0};
  assert_int_equal(cleanup_token_take(&C, id, admin, now, &out, &e), FIN_OK);
  return out;
}

static void mint(char id[37], fin_ms now) {
  fin_ms expires = 0;
  struct fin_err e = {0};
  assert_int_equal(cleanup_token_mint(&C, "admin-001", now, TTL, id, &expires, &e), FIN_OK);
  assert_int_equal(expires, now + TTL);
  assert_int_equal(strlen(id), 36);
}

static void taken_once_by_its_admin(void **state) {
  char id[37];
  mint(id, T0);
  assert_int_equal(take(id, "admin-002", T0 + 1), CLEANUP_TOKEN_OTHER_ADMIN);
  assert_int_equal(take(id, "admin-001", T0 + TTL), CLEANUP_TOKEN_OK); /* the last valid ms */
  assert_int_equal(take(id, "admin-001", T0 + TTL), CLEANUP_TOKEN_UNKNOWN);
}

static void expired_token_stays_expired(void **state) {
  char id[37];
  mint(id, T0);
  assert_int_equal(take(id, "admin-001", T0 + TTL + 1), CLEANUP_TOKEN_EXPIRED);
  assert_int_equal(take(id, "admin-001", T0 + TTL + 60000), CLEANUP_TOKEN_EXPIRED);
  assert_int_equal(take(id, "admin-002", T0 + TTL + 1), CLEANUP_TOKEN_EXPIRED);
}

static void unknown_texts_are_unknown(void **state) {
  char id[37];
  mint(id, T0);
  assert_int_equal(take("bogus", "admin-001", T0), CLEANUP_TOKEN_UNKNOWN);
  assert_int_equal(take("", "admin-001", T0), CLEANUP_TOKEN_UNKNOWN);
  char longer[200];
  memset(longer, 'a', sizeof longer - 1);
  longer[sizeof longer - 1] = '\0';
  assert_int_equal(take(longer, "admin-001", T0), CLEANUP_TOKEN_UNKNOWN);
  id[35] = id[35] == '0' ? '1' : '0'; /* one character off */
  assert_int_equal(take(id, "admin-001", T0), CLEANUP_TOKEN_UNKNOWN);
}

/* The state is the store's: wiping the idempotency records forgets tokens,
 * and nothing in the process remembers them. */
static void state_is_in_the_store(void **state) {
  char id[37];
  mint(id, T0);
  long deleted = 0;
  struct fin_err e = {0};
  assert_int_equal(C.idem.ops->delete_all(C.idem.self, &deleted, &e), FIN_OK);
  assert_true(deleted >= 1);
  assert_int_equal(take(id, "admin-001", T0 + 1), CLEANUP_TOKEN_UNKNOWN);
}

/* No Idempotency-Key can reach a token's records: a user of the same
 * ecosystem id and a key equal to the token write elsewhere. */
static void requests_cannot_forge_a_use(void **state) {
  char id[37], hash[65];
  mint(id, T0);
  fin_sha256_hex(id, strlen(id), hash);
  struct fin_idem rec = {
      .ecosystem_id = "#cleanup", .response = "{}", .created_at = T0, .expires_at = T0 + TTL};
  memcpy(rec.key_hash, hash, sizeof hash);
  snprintf(rec.operation, sizeof rec.operation, "make-payment");
  struct fin_write w = {.kind = FIN_W_IDEM_PUT, .u.idem = {&rec, T0}};
  struct fin_err e = {0};
  assert_int_equal(C.store.ops->commit(C.store.self, &w, 1, &e), FIN_OK);
  assert_int_equal(take(id, "admin-001", T0 + 1), CLEANUP_TOKEN_OK);
}

static int setup(void **state) {
  return memory_app_load(&C);
}

static int teardown(void **state) {
  fin_container_destroy(&C);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(taken_once_by_its_admin, setup, teardown),
      cmocka_unit_test_setup_teardown(expired_token_stays_expired, setup, teardown),
      cmocka_unit_test_setup_teardown(unknown_texts_are_unknown, setup, teardown),
      cmocka_unit_test_setup_teardown(state_is_in_the_store, setup, teardown),
      cmocka_unit_test_setup_teardown(requests_cannot_forge_a_use, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
