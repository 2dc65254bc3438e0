/* test_container.c - the Lua host: wiring files, container checks, rules,
 * mode precedence and the script bindings. Wiring files: tests/unit/wiring/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/app/container.h"
#include "../../core/lua/host.h"
#include "../../core/lua/mode.h"
#include "../../core/util/log.h"

#define W(name) "tests/unit/wiring/" name

static char repo_root[PATH_MAX];

static int load(const char *file, struct fin_container *c, char *err, size_t n) {
  memset(c, 0, sizeof *c);
  return fin_host_load_container(file, c, err, n);
}

static int container_is_empty(const struct fin_container *c) {
  static const struct fin_container zero;
  return memcmp(c, &zero, sizeof zero) == 0;
}

/* ---- loading ---- */

static void good_wiring_loads(void **state) {
  (void)state;
  struct fin_container c;
  char err[512];
  int rc = load(W("good.lua"), &c, err, sizeof err);
  assert_int_equal(rc, 0);
  assert_string_equal(c.mode, "memory");
  assert_string_equal(c.wiring_file, W("good.lua"));
  assert_non_null(c.users.ops);
  assert_non_null(c.scores.ops);
  assert_non_null(c.cards.ops);
  assert_non_null(c.requests.ops);
  assert_non_null(c.txns.ops);
  assert_non_null(c.idem.ops);
  assert_non_null(c.outbox.ops);
  assert_non_null(c.audit.ops);
  assert_non_null(c.wa_notifications.ops);
  assert_non_null(c.wa_inbound.ops);
  assert_non_null(c.approvals.ops);
  assert_non_null(c.store.ops);
  assert_non_null(c.auth.ops);
  assert_non_null(c.publisher.ops);
  assert_non_null(c.config.ops);
  assert_non_null(c.clock.ops);
  assert_null(c.messenger.ops);
  assert_int_equal(c.n_seeds, 2);
  assert_string_equal(c.seeds[0].ecosystem_id, "seed-1");
  assert_string_equal(c.seeds[0].role, "user");
  assert_null(c.seeds[0].email);
  assert_int_equal(c.seeds[0].score, 650);
  assert_string_equal(c.seeds[1].email, "boss@test.local");
  assert_string_equal(c.seeds[1].role, "admin");
  assert_string_equal(c.whatsapp.admin_phones[0], "5511999999999");
  assert_null(c.whatsapp.admin_phones[1]);
  assert_string_equal(c.whatsapp.webhook_secret, "s3cret");
  assert_false(c.whatsapp.production);
  /* the clock port works after the Lua state is gone */
  assert_true(c.clock.ops->now(c.clock.self) > 1700000000000LL);
  fin_container_destroy(&c);
  assert_true(container_is_empty(&c));
  fin_container_destroy(&c); /* idempotent */
}

static void memory_wiring_loads(void **state) {
  (void)state;
  unsetenv("WPP_BASE_URL");
  unsetenv("ADMIN_PHONE_1");
  setenv("ADMIN_PHONE_2", "5511777777777", 1);
  unsetenv("WEBHOOK_SECRET");
  setenv("NODE_ENV", "production", 1);
  setenv("WHATSAPP_NOTIFICATIONS_ENABLED", "true", 1);
  struct fin_container c;
  char err[512];
  int rc = load("lua/memory.lua", &c, err, sizeof err);
  if (rc != 0) fail_msg("%s", err);
  assert_string_equal(c.mode, "memory");
  assert_null(c.messenger.ops);
  assert_int_equal(c.n_seeds, 2);
  assert_string_equal(c.seeds[0].ecosystem_id, "user-123");
  assert_string_equal(c.seeds[0].role, "user");
  assert_string_equal(c.seeds[0].email, "user-123@test.local");
  assert_int_equal(c.seeds[0].score, 700);
  assert_string_equal(c.seeds[1].ecosystem_id, "admin-001");
  assert_string_equal(c.seeds[1].role, "admin");
  assert_int_equal(c.seeds[1].score, 700);
  assert_string_equal(c.whatsapp.admin_phones[0], "5511999999999");
  assert_string_equal(c.whatsapp.admin_phones[1], "5511777777777");
  assert_null(c.whatsapp.webhook_secret);
  assert_true(c.whatsapp.production);
  assert_true(c.rules.wa_notifications_enabled); /* env override */
  assert_int_equal(c.rules.tier_high_min, 700);
  assert_true(c.rules.limit_high == 10000);
  fin_container_destroy(&c);
  unsetenv("ADMIN_PHONE_2");
  unsetenv("NODE_ENV");
  unsetenv("WHATSAPP_NOTIFICATIONS_ENABLED");
}

static void expect_error(const char *file, const char *expected) {
  struct fin_container c;
  char err[512];
  int rc = load(file, &c, err, sizeof err);
  assert_int_equal(rc, -1);
  if (strstr(err, expected) == NULL) fail_msg("message '%s' lacks '%s'", err, expected);
  assert_null(strchr(err, '\n')); /* one line */
  assert_true(container_is_empty(&c));
  fin_container_destroy(&c);
}

static void missing_slot_names_slot_and_line(void **state) {
  (void)state;
  struct fin_container c;
  char err[512];
  assert_int_equal(load(W("missing_slot.lua"), &c, err, sizeof err), -1);
  assert_string_equal(err, W("missing_slot.lua") ":5: container slot 'cards' is missing "
                                                 "(expected fin.Cards)");
  assert_true(container_is_empty(&c));
}

static void wrong_type_names_slot_and_type(void **state) {
  (void)state;
  struct fin_container c;
  char err[512];
  assert_int_equal(load(W("wrong_type.lua"), &c, err, sizeof err), -1);
  assert_string_equal(err, W("wrong_type.lua") ":5: container slot 'cards' has type string "
                                               "(expected fin.Cards)");
  expect_error(W("swapped_port.lua"),
               "container slot 'cards' has type fin.Users (expected fin.Cards)");
}

static void syntax_error_has_file_and_line(void **state) {
  (void)state;
  expect_error(W("syntax_error.lua"), W("syntax_error.lua") ":4: unexpected symbol near 'return'");
}

static void other_failures_are_one_line(void **state) {
  (void)state;
  expect_error(W("runtime_error.lua"),
               W("runtime_error.lua") ":3: attempt to call a nil value (field 'no_such_function')");
  expect_error(W("not_table.lua"), W("not_table.lua") ":2: the wiring file must return the "
                                                      "container table (got number)");
  expect_error(W("bad_seed.lua"), "container slot 'seed_users[2].score' has type string "
                                  "(expected integer 0..1000)");
  expect_error(W("does_not_exist.lua"), "cannot open " W("does_not_exist.lua"));
  expect_error(W("closed_port.lua"), W("closed_port.lua") ":5: container slot 'scores' holds a "
                                                          "closed fin.Scores");
}

/* ---- rules ---- */

static void rules_defaults_are_baseline(void **state) {
  (void)state;
  struct fin_rules r;
  fin_rules_defaults(&r);
  assert_int_equal(r.tier_high_min, 700);
  assert_int_equal(r.tier_medium_min, 500);
  assert_int_equal(r.auto_approve_min, 500);
  assert_true(r.limit_high == 10000 && r.limit_medium == 5000 && r.limit_low == 2000);
  assert_true(r.limit_min == 100 && r.limit_max == 10000);
  assert_int_equal(r.bonus_min, 10);
  assert_int_equal(r.bonus_max, 50);
  assert_int_equal(r.penalty_mild, 20);
  assert_int_equal(r.penalty_moderate, 50);
  assert_int_equal(r.penalty_severe, 100);
  assert_int_equal(r.cooldown_days, 0);
  assert_int_equal(r.due_days, 30);
  assert_int_equal(r.request_expiry_days, 7);
  assert_int_equal(r.idempotency_ttl_ms, 24L * 3600 * 1000);
  assert_int_equal(r.key_max_len, 64);
  assert_true(r.wa_limit_low == 500 && r.wa_limit_medium == 1500 && r.wa_limit_high == 3000);
  assert_int_equal(r.wa_approval_expiry_hours, 24);
  assert_false(r.wa_notifications_enabled);
  assert_int_equal(r.outbox_interval_ms, 1000);
  assert_int_equal(r.outbox_batch, 100);
  assert_int_equal(r.outbox_retry_batch, 50);
  assert_int_equal(r.outbox_max_retries, 5);
  assert_int_equal(r.outbox_backoff_base_ms, 10000);
  assert_int_equal(r.outbox_backoff_max_ms, 300000);
  assert_int_equal(r.cleanup_token_ttl_ms, 300000);
  assert_false(r.rate_limit_enabled);
  assert_int_equal(r.rate_limit_api_per_min, 100);
  assert_int_equal(r.rate_limit_auth_per_min, 10);
  assert_int_equal(r.rate_limit_cleanup_per_min, 1);
}

static void wiring_config_overrides_rules(void **state) {
  (void)state;
  struct fin_container c;
  char err[512];
  assert_int_equal(load(W("config_override.lua"), &c, err, sizeof err), 0);
  assert_true(c.rules.limit_high == 9000);
  assert_int_equal(c.rules.auto_approve_min, 600);
  assert_true(c.rules.wa_notifications_enabled);
  assert_int_equal(c.rules.idempotency_ttl_ms, 48L * 3600 * 1000);
  assert_true(c.rules.wa_limit_low == 750.5);
  assert_true(c.rules.limit_medium == 5000); /* untouched */
  fin_container_destroy(&c);
}

static void invalid_config_keeps_defaults(void **state) {
  (void)state;
  struct fin_container c;
  char err[512];
  assert_int_equal(load(W("config_invalid.lua"), &c, err, sizeof err), 0);
  struct fin_rules d;
  fin_rules_defaults(&d);
  struct fin_rules r = c.rules;
  fin_container_destroy(&c);
  assert_true(r.limit_high == d.limit_high && r.limit_medium == d.limit_medium);
  assert_int_equal(r.auto_approve_min, d.auto_approve_min);
  assert_int_equal(r.wa_notifications_enabled, d.wa_notifications_enabled);
  assert_int_equal(r.outbox_batch, d.outbox_batch);
  assert_int_equal(r.tier_medium_min, d.tier_medium_min);
  assert_int_equal(r.tier_high_min, d.tier_high_min);
  assert_int_equal(r.rate_limit_enabled, d.rate_limit_enabled);
}

/* fin_rules_load against a table-backed config port, counting warnings */
struct kv {
  const char *k, *v;
};
static const struct kv *cfg_table;
static enum fin_status cfg_get(void *self, const char *key, char **out, struct fin_err *e) {
  (void)self;
  (void)e;
  for (const struct kv *p = cfg_table; p->k != NULL; p++)
    if (strcmp(p->k, key) == 0) {
      *out = strdup(p->v);
      return FIN_OK;
    }
  return FIN_NOT_FOUND;
}
static const struct fin_config_ops cfg_ops = {.get = cfg_get};
static int warnings;
static char last_warn_key[64];
static void count_warn(const char *key, const char *why) {
  (void)why;
  warnings++;
  snprintf(last_warn_key, sizeof last_warn_key, "%s", key);
}

static void rules_load_parses_and_warns(void **state) {
  (void)state;
  static const struct kv t[] = {{"limits.lowTier", "1500.25"},
                                {"tiers.highMin", "800"},
                                {"rateLimit.enabled", "true"},
                                {"outbox.intervalMs", "250"},
                                {"scoring.latePenaltyMild", "-5"},
                                {"cards.dueDays", "30.0"},
                                {"limits.max", "nan"},
                                {"whatsapp.notificationsEnabled", " true"},
                                {NULL, NULL}};
  cfg_table = t;
  struct fin_config cfg = {&cfg_ops, NULL};
  struct fin_rules r;
  fin_rules_defaults(&r);
  warnings = 0;
  fin_rules_load(&r, &cfg, count_warn);
  assert_true(r.limit_low == 1500.25);
  assert_int_equal(r.tier_high_min, 800);
  assert_true(r.rate_limit_enabled);
  assert_int_equal(r.outbox_interval_ms, 250);
  assert_int_equal(r.penalty_mild, 20);     /* out of range */
  assert_int_equal(r.due_days, 30);         /* not an integer */
  assert_true(r.limit_max == 10000);        /* not finite */
  assert_false(r.wa_notifications_enabled); /* booleans are exact */
  assert_int_equal(warnings, 4);

  static const struct kv pair[] = {{"limits.min", "5000"}, {"limits.max", "1000"}, {NULL, NULL}};
  cfg_table = pair;
  fin_rules_defaults(&r);
  warnings = 0;
  fin_rules_load(&r, &cfg, count_warn);
  assert_true(r.limit_min == 100 && r.limit_max == 10000);
  assert_int_equal(warnings, 1);
  assert_string_equal(last_warn_key, "limits.min");

  fin_rules_load(&r, NULL, count_warn); /* no config port: nothing happens */
  struct fin_config none = {0};
  fin_rules_load(&r, &none, NULL);
}

/* ---- mode precedence ---- */

static const char *const MODE_VARS[] = {"FIN_WIRING",       "INFRA_MODE",
                                        "USE_INMEMORY",     "USE_AWS",
                                        "AWS_ENDPOINT_URL", "FIRESTORE_EMULATOR_HOST"};

static void clear_mode_env(void) {
  for (size_t i = 0; i < sizeof MODE_VARS / sizeof MODE_VARS[0]; i++)
    unsetenv(MODE_VARS[i]);
}

static void touch(const char *path) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("return {}\n", f);
  fclose(f);
}

static void mode_precedence(void **state) {
  (void)state;
  char tmp[] = "/tmp/fin-mode-XXXXXX";
  assert_non_null(mkdtemp(tmp));
  assert_int_equal(chdir(tmp), 0);
  struct fin_mode_decision d;
  char err[512];

  clear_mode_env();
  /* nothing selected and nothing built: memory, but lua/memory.lua is absent */
  assert_int_equal(fin_mode_decide(NULL, &d, err, sizeof err), -1);
  assert_string_equal(err, "mode 'memory' selected by default (no mode variable set) but "
                           "lua/memory.lua does not exist (not built yet)");
  assert_int_equal(mkdir("lua", 0700), 0);
  touch("lua/memory.lua");
  assert_int_equal(fin_mode_decide(NULL, &d, err, sizeof err), 0);
  assert_string_equal(d.mode, "memory");
  assert_string_equal(d.wiring, "lua/memory.lua");

  setenv("USE_AWS", "true", 1);
  assert_int_equal(fin_mode_decide(NULL, &d, err, sizeof err), -1);
  assert_string_equal(err, "mode 'aws' selected by USE_AWS=true but lua/aws.lua does not exist "
                           "(not built yet)");
  setenv("USE_INMEMORY", "true", 1); /* in-memory beats AWS */
  assert_int_equal(fin_mode_decide(NULL, &d, err, sizeof err), 0);
  assert_string_equal(d.mode, "memory");
  assert_string_equal(d.reason, "USE_INMEMORY=true");

  setenv("USE_INMEMORY", "TRUE", 1); /* only the exact "true" counts */
  touch("lua/aws.lua");
  assert_int_equal(fin_mode_decide(NULL, &d, err, sizeof err), 0);
  assert_string_equal(d.mode, "aws");

  setenv("AWS_ENDPOINT_URL", "", 1);
  assert_int_equal(fin_mode_decide(NULL, &d, err, sizeof err), -1);
  assert_non_null(strstr(err, "AWS_ENDPOINT_URL is set but empty"));
  unsetenv("USE_AWS");
  setenv("AWS_ENDPOINT_URL", "http://localhost:4566", 1);
  assert_int_equal(fin_mode_decide(NULL, &d, err, sizeof err), 0);
  assert_string_equal(d.mode, "aws");
  assert_string_equal(d.reason, "AWS_ENDPOINT_URL=http://localhost:4566");

  unsetenv("AWS_ENDPOINT_URL");
  setenv("FIRESTORE_EMULATOR_HOST", "localhost:8080", 1);
  assert_int_equal(fin_mode_decide(NULL, &d, err, sizeof err), -1);
  assert_non_null(
      strstr(err, "mode 'firebase' selected by FIRESTORE_EMULATOR_HOST=localhost:8080"));

  setenv("INFRA_MODE", "memory", 1); /* INFRA_MODE beats the flags */
  assert_int_equal(fin_mode_decide(NULL, &d, err, sizeof err), 0);
  assert_string_equal(d.mode, "memory");
  assert_string_equal(d.reason, "INFRA_MODE=memory");
  setenv("INFRA_MODE", "mainframe", 1);
  assert_int_equal(fin_mode_decide(NULL, &d, err, sizeof err), -1);
  assert_non_null(strstr(err, "INFRA_MODE must be memory, aws or firebase"));

  setenv("FIN_WIRING", "lua/aws.lua", 1); /* an explicit file beats everything */
  assert_int_equal(fin_mode_decide(NULL, &d, err, sizeof err), 0);
  assert_string_equal(d.wiring, "lua/aws.lua");
  assert_string_equal(d.reason, "FIN_WIRING");
  assert_int_equal(fin_mode_decide("lua/memory.lua", &d, err, sizeof err), 0);
  assert_string_equal(d.wiring, "lua/memory.lua");
  assert_string_equal(d.reason, "--wiring");
  assert_int_equal(fin_mode_decide("nope.lua", &d, err, sizeof err), -1);
  assert_string_equal(err, "wiring file 'nope.lua' (from --wiring) does not exist");

  clear_mode_env();
  unlink("lua/memory.lua");
  unlink("lua/aws.lua");
  rmdir("lua");
  assert_int_equal(chdir(repo_root), 0);
  rmdir(tmp);
}

/* ---- scripts ---- */

static void script_bindings_work(void **state) {
  (void)state;
  assert_int_equal(fin_host_run_script(W("script_bindings.lua"), 0, NULL), 0);
}

int main(void) {
  /* run from the repository root (where tests/unit/wiring and lua/ are) */
  const char *file = __FILE__;
  if (file[0] == '/') {
    snprintf(repo_root, sizeof repo_root, "%s", file);
    for (int i = 0; i < 3; i++)
      *strrchr(repo_root, '/') = '\0';
    if (chdir(repo_root) != 0) return 1;
  } else if (getcwd(repo_root, sizeof repo_root) == NULL) {
    return 1;
  }
  fin_log_set_enabled(0);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(good_wiring_loads),
      cmocka_unit_test(memory_wiring_loads),
      cmocka_unit_test(missing_slot_names_slot_and_line),
      cmocka_unit_test(wrong_type_names_slot_and_type),
      cmocka_unit_test(syntax_error_has_file_and_line),
      cmocka_unit_test(other_failures_are_one_line),
      cmocka_unit_test(rules_defaults_are_baseline),
      cmocka_unit_test(wiring_config_overrides_rules),
      cmocka_unit_test(invalid_config_keeps_defaults),
      cmocka_unit_test(rules_load_parses_and_warns),
      cmocka_unit_test(mode_precedence),
      cmocka_unit_test(script_bindings_work),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
