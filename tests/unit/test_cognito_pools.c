/* test_cognito_pools.c - a Cognito verifier following its pool when the
 * pool is replaced (an emulator reset makes a new pool and app client):
 * tokens of the new pool are accepted once the source names it, the old
 * pool's are not, forged issuers cannot drive the source reads, and readiness
 * follows too. The source is a fake; keys are served by jwt_fixture.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../adapters/aws/cognito_auth.h"
#include "../../adapters/memory/mem_ports.h"
#include "../../core/util/codec.h"
#include "../../core/util/log.h"
#include "jwt_fixture.h"

#define POOL_A "us-east-1_PoolA"
#define POOL_B "us-east-1_PoolB"
#define AWS_ISS "https://cognito-idp.us-east-1.amazonaws.com/"
#define T0_MS 1700000000000LL
#define T0 (T0_MS / 1000)

static EVP_PKEY *key_a, *key_evil;

/* ---- a source whose answer the test sets ---- */
struct src {
  pthread_mutex_t mu;
  char pool[64], client[64];
  bool fail;
  int reads;
};

static enum fin_status src_read(void *self, char **pool, char **client, struct fin_err *e) {
  struct src *s = self;
  pthread_mutex_lock(&s->mu);
  s->reads++;
  bool fail = s->fail;
  *pool = fail ? NULL : strdup(s->pool);
  *client = fail ? NULL : strdup(s->client);
  pthread_mutex_unlock(&s->mu);
  if (fail) return fin_err_set(e, FIN_UNAVAILABLE, "ssm unavailable");
  return FIN_OK;
}

static void src_destroy(void *self) {
  struct src *s = self;
  pthread_mutex_destroy(&s->mu);
  free(s);
}

static void src_set(struct src *s, const char *pool, const char *client, bool fail) {
  pthread_mutex_lock(&s->mu);
  snprintf(s->pool, sizeof s->pool, "%s", pool);
  snprintf(s->client, sizeof s->client, "%s", client);
  s->fail = fail;
  pthread_mutex_unlock(&s->mu);
}

/* ---- fixture: a verifier of POOL_A / client-a that follows `src` ---- */
struct fx {
  struct srv *srv;
  struct fin_clock clock;
  struct src *src; /* owned by auth */
  struct fin_auth auth;
};

static struct fin_auth make(struct fx *f, const char *issuer, bool follow) {
  char url[128], err[256] = "";
  snprintf(url, sizeof url, "http://127.0.0.1:%d/{userPoolId}/.well-known/jwks.json", f->srv->port);
  char idp[64];
  snprintf(idp, sizeof idp, "http://127.0.0.1:%d", f->srv->port);
  struct cognito_auth_cfg cfg = {.region = "us-east-1",
                                 /* readiness asks AdminGetUser: the key server's
                                    200 answer reads as an enabled user */
                                 .aws = {.endpoint = idp, .timeout_ms = 2000, .max_retries = -1},
                                 .user_pool_id = POOL_A,
                                 .client_id = "client-a",
                                 .issuer = issuer,
                                 .jwks_url = url,
                                 .timeout_ms = 2000,
                                 .clock = &f->clock};
  if (follow) {
    f->src = calloc(1, sizeof *f->src);
    pthread_mutex_init(&f->src->mu, NULL);
    src_set(f->src, POOL_A, "client-a", false);
    cfg.source = (struct cpool_source){.read = src_read, .destroy = src_destroy, .self = f->src};
  }
  struct fin_auth a = cognito_auth_new(&cfg, err, sizeof err);
  if (a.ops == NULL) fail_msg("cognito_auth_new: %s", err);
  return a;
}

static int setup_with(void **state, const char *issuer, bool follow) {
  struct fx *f = calloc(1, sizeof *f);
  f->srv = srv_start(keyset1(key_a, "k1"));
  f->clock = mem_fake_clock_new(T0_MS);
  f->auth = make(f, issuer, follow);
  *state = f;
  return 0;
}

static int setup(void **state) {
  return setup_with(state, NULL, true);
}

static int setup_fixed(void **state) {
  return setup_with(state, NULL, false);
}

static int setup_localstack(void **state) {
  return setup_with(state, "http://localhost.localstack.cloud:4566/{userPoolId}", true);
}

static int teardown(void **state) {
  struct fx *f = *state;
  f->auth.ops->destroy(f->auth.self);
  srv_stop(f->srv);
  f->clock.ops->destroy(f->clock.self);
  free(f);
  return 0;
}

static void advance(struct fx *f, fin_ms ms) {
  mem_fake_clock_advance(&f->clock, ms);
}

/* An ID token of `iss` for `client`, signed by k. */
static char *id_token(EVP_PKEY *k, const char *iss, const char *client) {
  return tok(k, "k1",
             json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "sub", "sub-1", "iss", iss, "aud", client,
                       "token_use", "id", "iat", (json_int_t)T0, "exp", (json_int_t)(T0 + 3600)));
}

static unsigned long reads(struct fx *f) {
  return cognito_auth_pool_reads(f->auth);
}

/* ---- following a reset ---- */
static void new_pool_is_followed(void **state) {
  struct fx *f = *state;
  assert_int_equal(check(f->auth, id_token(key_a, AWS_ISS POOL_A, "client-a"), NULL), FIN_AUTH_OK);
  assert_int_equal(reads(f), 0); /* tokens of the pool in force never read */

  src_set(f->src, POOL_B, "client-b", false); /* the emulator was reset */
  assert_int_equal(check(f->auth, id_token(key_a, AWS_ISS POOL_B, "client-b"), NULL), FIN_AUTH_OK);
  assert_int_equal(reads(f), 1);
  char path[256];
  srv_path(f->srv, path, sizeof path);
  assert_string_equal(path, "/" POOL_B "/.well-known/jwks.json"); /* the new pool's keys */
  assert_int_equal(check(f->auth, id_token(key_a, AWS_ISS POOL_B, "client-b"), NULL), FIN_AUTH_OK);
  assert_int_equal(reads(f), 1);

  /* the old pool and the old client are no longer trusted */
  assert_int_equal(check(f->auth, id_token(key_a, AWS_ISS POOL_A, "client-a"), NULL),
                   FIN_AUTH_INVALID);
  assert_int_equal(check(f->auth, id_token(key_a, AWS_ISS POOL_B, "client-a"), NULL),
                   FIN_AUTH_INVALID);
}

static void forged_issuers_cannot_drive_reads(void **state) {
  struct fx *f = *state;
  /* not the issuer's form, or not a pool id: never a read */
  const char *junk[] = {"https://evil.example/" POOL_B, AWS_ISS,
                        AWS_ISS "no-underscore",        AWS_ISS "us-east-1_x/../y",
                        AWS_ISS POOL_B "/extra",        ""};
  for (size_t i = 0; i < sizeof junk / sizeof *junk; i++)
    assert_int_equal(check(f->auth, id_token(key_evil, junk[i], "client-a"), NULL),
                     FIN_AUTH_INVALID);
  assert_int_equal(reads(f), 0);

  /* plausible pools the source does not name: one read per 5 s at most */
  for (int i = 0; i < 50; i++) {
    char iss[128];
    snprintf(iss, sizeof iss, AWS_ISS "us-east-1_forged%d", i);
    assert_int_equal(check(f->auth, id_token(key_evil, iss, "client-a"), NULL), FIN_AUTH_INVALID);
  }
  assert_int_equal(reads(f), 1);
  advance(f, 4999);
  assert_int_equal(check(f->auth, id_token(key_evil, AWS_ISS "us-east-1_z", "x"), NULL),
                   FIN_AUTH_INVALID);
  assert_int_equal(reads(f), 1);
  advance(f, 1);
  assert_int_equal(check(f->auth, id_token(key_evil, AWS_ISS "us-east-1_z", "x"), NULL),
                   FIN_AUTH_INVALID);
  assert_int_equal(reads(f), 2);
  /* and the pool in force still works */
  assert_int_equal(check(f->auth, id_token(key_a, AWS_ISS POOL_A, "client-a"), NULL), FIN_AUTH_OK);
}

static void forged_token_of_the_new_pool_is_still_checked(void **state) {
  struct fx *f = *state;
  src_set(f->src, POOL_B, "client-b", false);
  /* the read happens (the source does name B now) but the signature decides */
  assert_int_equal(check(f->auth, id_token(key_evil, AWS_ISS POOL_B, "client-b"), NULL),
                   FIN_AUTH_INVALID);
  assert_int_equal(reads(f), 1);
  assert_int_equal(check(f->auth, id_token(key_a, AWS_ISS POOL_B, "client-b"), NULL), FIN_AUTH_OK);
}

static void failed_read_keeps_the_pool(void **state) {
  struct fx *f = *state;
  src_set(f->src, POOL_B, "client-b", true);
  assert_int_equal(check(f->auth, id_token(key_a, AWS_ISS POOL_B, "client-b"), NULL),
                   FIN_AUTH_INVALID);
  assert_int_equal(reads(f), 1);
  assert_int_equal(check(f->auth, id_token(key_a, AWS_ISS POOL_A, "client-a"), NULL), FIN_AUTH_OK);
  src_set(f->src, POOL_B, "client-b", false);
  advance(f, 5000);
  assert_int_equal(check(f->auth, id_token(key_a, AWS_ISS POOL_B, "client-b"), NULL), FIN_AUTH_OK);
  assert_int_equal(reads(f), 2);
}

static void malformed_pool_from_the_source_is_ignored(void **state) {
  struct fx *f = *state;
  src_set(f->src, "no-region/../x", "client-b", false);
  assert_int_equal(check(f->auth, id_token(key_a, AWS_ISS POOL_B, "client-b"), NULL),
                   FIN_AUTH_INVALID);
  assert_int_equal(check(f->auth, id_token(key_a, AWS_ISS POOL_A, "client-a"), NULL), FIN_AUTH_OK);
}

static void without_source_nothing_is_followed(void **state) {
  struct fx *f = *state;
  assert_int_equal(check(f->auth, id_token(key_a, AWS_ISS POOL_B, "client-b"), NULL),
                   FIN_AUTH_INVALID);
  assert_int_equal(check(f->auth, id_token(key_a, AWS_ISS POOL_A, "client-a"), NULL), FIN_AUTH_OK);
}

static void custom_issuer_template_is_followed(void **state) {
  struct fx *f = *state;
  src_set(f->src, POOL_B, "client-b", false);
  /* AWS's issuer is not this deployment's form: no read */
  assert_int_equal(check(f->auth, id_token(key_a, AWS_ISS POOL_B, "client-b"), NULL),
                   FIN_AUTH_INVALID);
  assert_int_equal(reads(f), 0);
  assert_int_equal(
      check(f->auth, id_token(key_a, "http://localhost.localstack.cloud:4566/" POOL_B, "client-b"),
            NULL),
      FIN_AUTH_OK);
  assert_int_equal(reads(f), 1);
}

/* Readiness: the old pool's keys are gone after a reset, so ping reads the
 * source and checks the new pool's keys. */
static void ping_follows_when_keys_fail(void **state) {
  struct fx *f = *state;
  struct fin_err e = {0};
  srv_set_text(f->srv, 404, "{}");
  src_set(f->src, POOL_B, "client-b", false);
  assert_int_equal(f->auth.ops->ping(f->auth.self, &e), FIN_UNAVAILABLE);
  assert_int_equal(reads(f), 1);
  char path[256];
  srv_path(f->srv, path, sizeof path);
  assert_string_equal(path, "/" POOL_B "/.well-known/jwks.json");
  srv_set(f->srv, 200, keyset1(key_a, "k1"));
  advance(f, 1000); /* a failed key fetch is retried after a second */
  assert_int_equal(f->auth.ops->ping(f->auth.self, &e), FIN_OK);
  assert_int_equal(reads(f), 1);
  assert_int_equal(check(f->auth, id_token(key_a, AWS_ISS POOL_B, "client-b"), NULL), FIN_AUTH_OK);
}

/* Many requests with new-pool tokens right after a reset: one read, all in. */
struct caller {
  struct fin_auth auth;
  int ok;
};

static void *call(void *arg) {
  struct caller *c = arg;
  c->ok = check(c->auth, id_token(key_a, AWS_ISS POOL_B, "client-b"), NULL) == FIN_AUTH_OK;
  return NULL;
}

static void concurrent_callers_read_once(void **state) {
  struct fx *f = *state;
  assert_int_equal(check(f->auth, id_token(key_a, AWS_ISS POOL_A, "client-a"), NULL), FIN_AUTH_OK);
  src_set(f->src, POOL_B, "client-b", false);
  enum { N = 8 };
  pthread_t th[N];
  struct caller c[N];
  for (int i = 0; i < N; i++) {
    c[i] = (struct caller){.auth = f->auth};
    assert_int_equal(pthread_create(&th[i], NULL, call, &c[i]), 0);
  }
  for (int i = 0; i < N; i++) {
    pthread_join(th[i], NULL);
    assert_true(c[i].ok);
  }
  assert_int_equal(reads(f), 1);
}

/* The provider owns the source also when it refuses its configuration. */
static void source_freed_on_bad_config(void **state) {
  struct src *s = calloc(1, sizeof *s);
  pthread_mutex_init(&s->mu, NULL);
  struct cognito_auth_cfg cfg = {.user_pool_id = "bad",
                                 .client_id = "c",
                                 .source = {.read = src_read, .destroy = src_destroy, .self = s}};
  char err[256] = "";
  struct fin_auth a = cognito_auth_new(&cfg, err, sizeof err);
  assert_null(a.ops);
  assert_non_null(strstr(err, "<region>_<id>")); /* and LeakSanitizer sees no leak */
}

int main(void) {
  /* the AdminGetUser client is made with the provider: keys, so none are sought */
  setenv("AWS_ACCESS_KEY_ID", "test", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "test", 1);
  fin_log_set_enabled(0);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  key_a = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
  key_evil = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(new_pool_is_followed, setup, teardown),
      cmocka_unit_test_setup_teardown(forged_issuers_cannot_drive_reads, setup, teardown),
      cmocka_unit_test_setup_teardown(forged_token_of_the_new_pool_is_still_checked, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(failed_read_keeps_the_pool, setup, teardown),
      cmocka_unit_test_setup_teardown(malformed_pool_from_the_source_is_ignored, setup, teardown),
      cmocka_unit_test_setup_teardown(without_source_nothing_is_followed, setup_fixed, teardown),
      cmocka_unit_test_setup_teardown(custom_issuer_template_is_followed, setup_localstack,
                                      teardown),
      cmocka_unit_test_setup_teardown(ping_follows_when_keys_fail, setup, teardown),
      cmocka_unit_test_setup_teardown(concurrent_callers_read_once, setup, teardown),
      cmocka_unit_test(source_freed_on_bad_config),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  EVP_PKEY_free(key_a);
  EVP_PKEY_free(key_evil);
  curl_global_cleanup();
  return rc;
}
