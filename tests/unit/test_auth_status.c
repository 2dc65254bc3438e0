/* test_auth_status.c - disabled accounts in the remote modes: what Cognito's
 * AdminGetUser and Identity Toolkit's accounts:lookup answer, mapped to
 * disabled / active / error, against the loopback fake server (fake_http.h),
 * and the answers kept per account. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../adapters/aws/cognito_auth.h"
#include "../../adapters/common/ustat.h"
#include "../../adapters/firebase/fb_auth.h"
#include "../../adapters/firebase/fs_client.h"
#include "../../core/util/log.h"
#include "fake_http.h"

#define POOL "us-east-1_TestPool"
/* The modulus of a throwaway 2048-bit RSA key (base64url). */
#define JWKS_N                                                                                     \
  "w9Z8BMyTg3Cx7RElvoLJqSuVkPD33OWcNT9wI1qtRzDwecveiTPVDhpBT8CM4A1WSCTEhJa1Fl0J_RYb-KXnagJ79x"     \
  "l0ej2arzzsd2aaVUxnuURUrS0easjOaP2UfLqS0uZ5w-guAEtqcryAAvNOePjzflbNbGzDpsjJHXgl2nHX4KAcAP0W"     \
  "nflws3VqAG7cIgQ2nqDDPx76NaD1WUr20bJ0QIuYtTipDx02bk4u9CDL5qBlhgG2_bIJlRUhHZUzvBHM4kPh7Jiz9_"     \
  "qabTAg1pRSSkRTLRnBvaeAfcLa7uw-D-Dz5Q-e6meciQjo4SHpxYjA4w2o3mgP4d6zBG_3bQ"

/* ---- Cognito ---- */
/* A key set of one public RSA key, enough for the readiness ping's fetch. */
#define JWKS_ANSWER                                                                                \
  "200|{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k1\",\"use\":\"sig\",\"alg\":\"RS256\",\"e\":"        \
  "\"AQAB\",\"n\":\""                                                                              \
  "%s\"}]}"

static struct fin_auth cognito(struct fake *f, long ttl_s) {
  char url[96], jwks[128], err[256] = "";
  snprintf(url, sizeof url, "http://127.0.0.1:%d", f->port);
  snprintf(jwks, sizeof jwks, "http://127.0.0.1:%d/jwks.json", f->port);
  struct cognito_auth_cfg cfg = {
      .user_pool_id = POOL,
      .client_id = "client-1",
      .jwks_url = jwks, /* fetched by the readiness ping only */
      .aws = {.endpoint = url,
              .access_key_id = "a",
              .secret_access_key = "b",
              .timeout_ms = 2000,
              .max_retries = -1},
      .status_ttl_s = ttl_s,
  };
  struct fin_auth a = cognito_auth_new(&cfg, err, sizeof err);
  if (a.ops == NULL) fail_msg("cognito_auth_new: %s", err);
  return a;
}

/* is_disabled's status, *disabled in *out. */
static enum fin_status ask(struct fin_auth a, const char *account, bool *out) {
  struct fin_err e = {0};
  *out = true;
  return a.ops->is_disabled(a.self, account, out, &e);
}

static void cognito_maps_admin_get_user(void **state) {
  static const char *const answers[] = {
      "200|{\"Username\":\"ana\",\"Enabled\":false,\"UserStatus\":\"CONFIRMED\"}",
      "200|{\"Username\":\"bob\",\"Enabled\":true}",
      "200|{\"Username\":\"cy\"}", /* no Enabled: enabled */
      "400|{\"__type\":\"UserNotFoundException\",\"message\":\"User does not exist.\"}",
      "500|{\"__type\":\"InternalErrorException\",\"message\":\"boom\"}",
      "400|{\"__type\":\"ThrottlingException\",\"message\":\"slow down\"}",
      "400|{\"__type\":\"AccessDeniedException\",\"message\":\"no cognito-idp:AdminGetUser\"}",
      "400|{\"__type\":\"ResourceNotFoundException\",\"message\":\"no such pool\"}",
  };
  struct fake f;
  fake_start(&f, answers, 8);
  struct fin_auth a = cognito(&f, 0);
  bool d;
  assert_int_equal(ask(a, "ana", &d), FIN_OK);
  assert_true(d);
  char v[128];
  assert_string_equal(fake_req_header(f.seen[0], "X-Amz-Target", v, sizeof v),
                      "AWSCognitoIdentityProviderService.AdminGetUser");
  assert_non_null(strstr(f.seen[0], "{\"UserPoolId\":\"" POOL "\",\"Username\":\"ana\"}"));
  assert_non_null(strstr(fake_req_header(f.seen[0], "Authorization", v, sizeof v),
                         "/us-east-1/cognito-idp/aws4_request")); /* the pool's region */
  assert_int_equal(ask(a, "bob", &d), FIN_OK);
  assert_false(d);
  assert_int_equal(ask(a, "cy", &d), FIN_OK);
  assert_false(d);
  assert_int_equal(ask(a, "ghost", &d), FIN_OK); /* unknown: active */
  assert_false(d);
  assert_int_equal(ask(a, "ana", &d), FIN_UNAVAILABLE); /* 5xx */
  assert_int_equal(ask(a, "ana", &d), FIN_UNAVAILABLE); /* throttled */
  assert_int_not_equal(ask(a, "ana", &d), FIN_OK);      /* denied: fails closed */
  assert_int_not_equal(ask(a, "ana", &d), FIN_OK);      /* no pool: fails closed */
  assert_int_equal(fake_requests(&f), 8);
  a.ops->destroy(a.self);
  fake_stop(&f);
}

static void cognito_unreachable_is_an_error(void **state) {
  struct fake f;
  fake_start(&f, (const char *const[]){"DROP|"}, 1);
  struct fin_auth a = cognito(&f, 30);
  bool d;
  assert_int_equal(ask(a, "ana", &d), FIN_UNAVAILABLE);
  assert_int_equal(ask(a, "ana", &d), FIN_UNAVAILABLE); /* not kept: asked again */
  assert_true(fake_requests(&f) >= 2);
  a.ops->destroy(a.self);
  fake_stop(&f);
}

static void cognito_answers_are_kept(void **state) {
  static const char *const answers[] = {"200|{\"Username\":\"ana\",\"Enabled\":false}"};
  struct fake f;
  fake_start(&f, answers, 1);
  struct fin_auth a = cognito(&f, 30);
  bool d;
  for (int i = 0; i < 5; i++) {
    assert_int_equal(ask(a, "ana", &d), FIN_OK);
    assert_true(d);
  }
  assert_int_equal(fake_requests(&f), 1);
  a.ops->destroy(a.self);
  fake_stop(&f);
}

/* Readiness asks AdminGetUser once the keys are in: a user it does not know
 * is an answer (ready), a missing permission is not, and is asked again. */
static void cognito_ping_checks_admin_get_user(void **state) {
  static char jwks[1024];
  snprintf(jwks, sizeof jwks, JWKS_ANSWER, JWKS_N);
  const char *const found[] = {
      jwks, "400|{\"__type\":\"UserNotFoundException\",\"message\":\"User does not exist.\"}"};
  const char *const denied[] = {jwks, "400|{\"__type\":\"AccessDeniedException\",\"message\":"
                                      "\"not authorized to perform: cognito-idp:AdminGetUser\"}"};
  struct fake f;
  fake_start(&f, found, 2);
  struct fin_auth a = cognito(&f, 30);
  struct fin_err e = {0};
  assert_int_equal(a.ops->ping(a.self, &e), FIN_OK);
  assert_int_equal(fake_requests(&f), 2);
  assert_true(strncmp(f.seen[0], "GET /jwks.json ", 15) == 0);
  assert_non_null(strstr(f.seen[1], "\"Username\":\"" USTAT_PROBE_ACCOUNT "\""));
  assert_int_equal(a.ops->ping(a.self, &e), FIN_OK); /* trusted for a while */
  assert_int_equal(fake_requests(&f), 2);
  a.ops->destroy(a.self);
  fake_stop(&f);

  fake_start(&f, denied, 2); /* keys, then AccessDenied from there on */
  a = cognito(&f, 30);
  assert_int_equal(a.ops->ping(a.self, &e), FIN_INTERNAL);
  assert_non_null(strstr(e.msg, "AccessDeniedException"));
  assert_int_equal(a.ops->ping(a.self, &e), FIN_INTERNAL);
  assert_int_equal(fake_requests(&f), 3); /* the failure is asked again */
  a.ops->destroy(a.self);
  fake_stop(&f);
}

/* ---- Firebase ---- */
static struct fin_auth firebase(struct fake *f, bool emulator, struct fs *db, long ttl_s) {
  char host[64], url[96], err[256] = "";
  snprintf(host, sizeof host, "127.0.0.1:%d", f->port);
  snprintf(url, sizeof url, "http://127.0.0.1:%d/google", f->port);
  struct fb_auth_cfg cfg = {.project = "demo-acme",
                            .emulator_host = emulator ? host : NULL,
                            .toolkit_url = emulator ? NULL : url,
                            .certs_url = "http://127.0.0.1:9/certs",
                            .timeout_ms = 2000,
                            .firestore = db,
                            .status_ttl_s = ttl_s};
  struct fin_auth a = fb_auth_new(&cfg, err, sizeof err);
  if (a.ops == NULL) fail_msg("fb_auth_new: %s", err);
  return a;
}

static void firebase_maps_accounts_lookup(void **state) {
  static const char *const answers[] = {
      "200|{\"kind\":\"identitytoolkit#GetAccountInfoResponse\",\"users\":[{\"localId\":\"u1\","
      "\"disabled\":true}]}",
      "200|{\"kind\":\"identitytoolkit#GetAccountInfoResponse\",\"users\":[{\"localId\":\"u2\","
      "\"disabled\":false}]}",
      "200|{\"kind\":\"identitytoolkit#GetAccountInfoResponse\",\"users\":[{\"localId\":\"u3\"}]}",
      "200|{\"kind\":\"identitytoolkit#GetAccountInfoResponse\"}", /* no such user */
      "500|{\"error\":{\"code\":500}}",
      "400|{\"error\":{\"code\":400,\"message\":\"INVALID_ID_TOKEN\"}}",
      "200|not json",
  };
  struct fake f;
  fake_start(&f, answers, 7);
  struct fin_auth a = firebase(&f, true, NULL, 0);
  bool d;
  assert_int_equal(ask(a, "u1", &d), FIN_OK);
  assert_true(d);
  assert_true(strncmp(f.seen[0],
                      "POST /identitytoolkit.googleapis.com/v1/projects/demo-acme/accounts:lookup "
                      "HTTP/1.1\r\n",
                      82) == 0);
  char v[128];
  assert_string_equal(fake_req_header(f.seen[0], "Authorization", v, sizeof v), "Bearer owner");
  assert_non_null(strstr(f.seen[0], "\r\n\r\n{\"localId\":[\"u1\"]}"));
  assert_int_equal(ask(a, "u2", &d), FIN_OK);
  assert_false(d);
  assert_int_equal(ask(a, "u3", &d), FIN_OK);
  assert_false(d);
  assert_int_equal(ask(a, "ghost", &d), FIN_OK); /* unknown: active */
  assert_false(d);
  assert_int_equal(ask(a, "u1", &d), FIN_UNAVAILABLE);
  assert_int_equal(ask(a, "u1", &d), FIN_UNAVAILABLE);
  assert_int_equal(ask(a, "u1", &d), FIN_UNAVAILABLE);
  a.ops->destroy(a.self);
  fake_stop(&f);
}

static void firebase_google_uses_firestore_credentials(void **state) {
  static const char *const answers[] = {"200|{\"users\":[{\"localId\":\"u1\",\"disabled\":true}]}"};
  struct fake f;
  fake_start(&f, answers, 1);
  char err[256] = "";
  struct fs *db =
      fs_new(&(struct fs_cfg){.project = "demo-acme", .token = "tok-123"}, err, sizeof err);
  assert_non_null(db);
  struct fin_auth a = firebase(&f, false, db, 30);
  fs_unref(db); /* the provider holds its own reference */
  bool d;
  assert_int_equal(ask(a, "u1", &d), FIN_OK);
  assert_true(d);
  assert_true(strncmp(f.seen[0], "POST /google/v1/projects/demo-acme/accounts:lookup ", 51) == 0);
  char v[128];
  assert_string_equal(fake_req_header(f.seen[0], "Authorization", v, sizeof v), "Bearer tok-123");
  assert_int_equal(ask(a, "u1", &d), FIN_OK); /* kept */
  assert_true(d);
  assert_int_equal(fake_requests(&f), 1);
  a.ops->destroy(a.self);

  /* without credentials nothing can be asked: an error, not "active" */
  a = firebase(&f, false, NULL, 30);
  assert_int_equal(ask(a, "u1", &d), FIN_UNAVAILABLE);
  assert_int_equal(fake_requests(&f), 1);
  a.ops->destroy(a.self);
  fake_stop(&f);
}

/* Readiness asks accounts:lookup once the emulator answers: no such user
 * is an answer (ready); a refusal is not, and is asked again. */
static void firebase_ping_checks_accounts_lookup(void **state) {
  static const char *const answers[] = {
      "200|", "200|{\"kind\":\"identitytoolkit#GetAccountInfoResponse\"}", "200|",
      "403|{\"error\":{\"code\":403,\"message\":\"PERMISSION_DENIED\"}}"};
  struct fake f;
  fake_start(&f, answers, 4);
  struct fin_auth a = firebase(&f, true, NULL, 30);
  struct fin_err e = {0};
  assert_int_equal(a.ops->ping(a.self, &e), FIN_OK);
  assert_int_equal(fake_requests(&f), 2);
  assert_non_null(strstr(f.seen[1], "{\"localId\":[\"" USTAT_PROBE_ACCOUNT "\"]}"));
  a.ops->destroy(a.self);

  a = firebase(&f, true, NULL, 30); /* emulator up, then 403 from there on */
  assert_int_equal(a.ops->ping(a.self, &e), FIN_UNAVAILABLE);
  assert_non_null(strstr(e.msg, "HTTP 403"));
  a.ops->destroy(a.self);
  fake_stop(&f);
}

static void firebase_unreachable_is_an_error(void **state) {
  struct fake f;
  fake_start(&f, (const char *const[]){"DROP|"}, 1);
  struct fin_auth a = firebase(&f, true, NULL, 30);
  bool d;
  assert_int_equal(ask(a, "u1", &d), FIN_UNAVAILABLE);
  assert_int_equal(ask(a, "u1", &d), FIN_UNAVAILABLE); /* not kept */
  assert_int_equal(fake_requests(&f), 2);
  a.ops->destroy(a.self);
  fake_stop(&f);
}

int main(void) {
  fin_log_set_enabled(0);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cognito_maps_admin_get_user),
      cmocka_unit_test(cognito_unreachable_is_an_error),
      cmocka_unit_test(cognito_answers_are_kept),
      cmocka_unit_test(cognito_ping_checks_admin_get_user),
      cmocka_unit_test(firebase_maps_accounts_lookup),
      cmocka_unit_test(firebase_google_uses_firestore_credentials),
      cmocka_unit_test(firebase_ping_checks_accounts_lookup),
      cmocka_unit_test(firebase_unreachable_is_an_error),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
