/* test_gtoken.c - OAuth tokens for Google's Firestore (adapters/firebase/
 * gtoken.c) against a fake token endpoint: a service-account key's JWT is
 * signed RS256 by that key with the claims Google checks, a token is kept
 * while it has more than five minutes left and renewed after, the metadata
 * server is asked with its header, and refusals are FIN_UNAVAILABLE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "../../adapters/firebase/gtoken.h"
#include "../../core/util/codec.h"
#include "../../core/util/timefmt.h"
#include "fake_http.h"

static EVP_PKEY *key;
static char key_path[64];

/* A service-account key file for `key` whose token_uri is the fake's. */
static void write_key(int port) {
  BIO *b = BIO_new(BIO_s_mem());
  assert_int_equal(PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL), 1);
  char *pem;
  long n = BIO_get_mem_data(b, &pem);
  char uri[64];
  snprintf(uri, sizeof uri, "http://127.0.0.1:%d/token", port);
  json_t *k =
      json_pack("{s:s,s:s,s:s%,s:s}", "type", "service_account", "client_email",
                "sa@demo.iam.gserviceaccount.com", "private_key", pem, (size_t)n, "token_uri", uri);
  strcpy(key_path, "/tmp/gtoken-key-XXXXXX");
  int fd = mkstemp(key_path);
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(json_dump_file(k, key_path, 0), 0);
  json_decref(k);
  BIO_free(b);
}

static int setup(void **state) {
  (void)state;
  key = EVP_RSA_gen(2048);
  return key == NULL;
}

static int teardown(void **state) {
  (void)state;
  EVP_PKEY_free(key);
  return 0;
}

/* The form's assertion: checks its signature with `key` and returns its
 * claims (new reference). */
static json_t *assertion_claims(const char *request) {
  const char *a = strstr(request, "&assertion=");
  assert_non_null(a);
  a += strlen("&assertion=");
  const char *dot1 = strchr(a, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
  assert_non_null(dot2);
  size_t slen = 0, clen = 0;
  unsigned char *sig = fin_b64url_decode(dot2 + 1, strlen(dot2 + 1), &slen);
  unsigned char *claims = fin_b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &clen);
  assert_non_null(sig);
  assert_non_null(claims);
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key), 1);
  assert_int_equal(EVP_DigestVerify(md, sig, slen, (const unsigned char *)a, (size_t)(dot2 - a)),
                   1);
  EVP_MD_CTX_free(md);
  json_t *c = json_loadb((const char *)claims, clen, 0, NULL);
  free(sig), free(claims);
  assert_non_null(c);
  return c;
}

static void service_account_tokens_are_signed_kept_and_renewed(void **state) {
  (void)state;
  static const char *const answers[] = {
      "200|{\"access_token\":\"tok-1\",\"expires_in\":3599,\"token_type\":\"Bearer\"}",
      "200|{\"access_token\":\"tok-2\",\"expires_in\":120,\"token_type\":\"Bearer\"}",
      "200|{\"access_token\":\"tok-3\",\"expires_in\":3599,\"token_type\":\"Bearer\"}"};
  struct fake f;
  fake_start(&f, answers, 3);
  write_key(f.port);
  char err[256] = "", h[4096];
  struct gtoken_cfg cfg = {.key_file = key_path, .timeout_ms = 2000};
  struct gtoken *g = gtoken_new(&cfg, err, sizeof err);
  if (g == NULL) fail_msg("gtoken_new: %s", err);
  assert_string_equal(gtoken_source(g), "service account sa@demo.iam.gserviceaccount.com");
  struct fin_err e = {0};
  assert_int_equal(gtoken_header(g, h, sizeof h, &e), FIN_OK);
  assert_string_equal(h, "Authorization: Bearer tok-1");
  assert_true(strncmp(f.last, "POST /token HTTP/1.1\r\n", 22) == 0);
  assert_non_null(
      strstr(f.last, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"));
  json_t *c = assertion_claims(f.last);
  assert_string_equal(json_string_value(json_object_get(c, "iss")),
                      "sa@demo.iam.gserviceaccount.com");
  assert_string_equal(json_string_value(json_object_get(c, "scope")),
                      "https://www.googleapis.com/auth/cloud-platform");
  char uri[64];
  snprintf(uri, sizeof uri, "http://127.0.0.1:%d/token", f.port);
  assert_string_equal(json_string_value(json_object_get(c, "aud")), uri);
  json_int_t iat = json_integer_value(json_object_get(c, "iat"));
  assert_int_equal(json_integer_value(json_object_get(c, "exp")) - iat, 3600);
  assert_true(llabs((long long)iat - (long long)(fin_now_ms() / 1000)) <= 5);
  json_decref(c);

  /* kept: an hour left */
  assert_int_equal(gtoken_header(g, h, sizeof h, &e), FIN_OK);
  assert_string_equal(h, "Authorization: Bearer tok-1");
  assert_int_equal(fake_requests(&f), 1);
  gtoken_free(g);

  /* a token with two minutes left is renewed at the next use */
  g = gtoken_new(&cfg, err, sizeof err);
  assert_non_null(g);
  assert_int_equal(gtoken_header(g, h, sizeof h, &e), FIN_OK);
  assert_string_equal(h, "Authorization: Bearer tok-2");
  assert_int_equal(gtoken_header(g, h, sizeof h, &e), FIN_OK);
  assert_string_equal(h, "Authorization: Bearer tok-3");
  assert_int_equal(fake_requests(&f), 3);
  gtoken_free(g);
  fake_stop(&f);
  unlink(key_path);
}

static void metadata_server_is_asked_with_its_header(void **state) {
  (void)state;
  static const char *const answers[] = {"200|{\"access_token\":\"meta-1\",\"expires_in\":3599}"};
  struct fake f;
  fake_start(&f, answers, 1);
  char host[32], err[256] = "", h[4096];
  snprintf(host, sizeof host, "127.0.0.1:%d", f.port);
  struct gtoken_cfg cfg = {.metadata_host = host, .timeout_ms = 2000};
  struct gtoken *g = gtoken_new(&cfg, err, sizeof err);
  assert_non_null(g);
  struct fin_err e = {0};
  assert_int_equal(gtoken_header(g, h, sizeof h, &e), FIN_OK);
  assert_string_equal(h, "Authorization: Bearer meta-1");
  assert_true(
      strncmp(f.last,
              "GET /computeMetadata/v1/instance/service-accounts/default/token HTTP/1.1\r\n",
              73) == 0);
  assert_non_null(strcasestr(f.last, "\r\nMetadata-Flavor: Google\r\n"));
  gtoken_free(g);
  fake_stop(&f);
}

static void refusals_and_bad_keys_are_errors(void **state) {
  (void)state;
  static const char *const answers[] = {
      "400|{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT Signature.\"}"};
  struct fake f;
  fake_start(&f, answers, 1);
  write_key(f.port);
  char err[256] = "", h[4096];
  struct gtoken_cfg cfg = {.key_file = key_path, .timeout_ms = 2000};
  struct gtoken *g = gtoken_new(&cfg, err, sizeof err);
  assert_non_null(g);
  struct fin_err e = {0};
  assert_int_equal(gtoken_header(g, h, sizeof h, &e), FIN_UNAVAILABLE);
  assert_non_null(strstr(e.msg, "HTTP 400 Invalid JWT Signature."));
  gtoken_free(g);
  fake_stop(&f);

  FILE *w = fopen(key_path, "w");
  fputs("{\"type\":\"authorized_user\",\"client_id\":\"x\"}", w);
  fclose(w);
  assert_null(gtoken_new(&cfg, err, sizeof err));
  assert_non_null(strstr(err, "not a service-account key"));
  unlink(key_path);
  cfg.key_file = "/nonexistent/key.json";
  assert_null(gtoken_new(&cfg, err, sizeof err));
  assert_non_null(strstr(err, "/nonexistent/key.json"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(service_account_tokens_are_signed_kept_and_renewed),
      cmocka_unit_test(metadata_server_is_asked_with_its_header),
      cmocka_unit_test(refusals_and_bad_keys_are_errors),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
