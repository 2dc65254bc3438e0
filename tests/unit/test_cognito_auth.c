/* test_cognito_auth.c - the Cognito verifier against tokens signed here with
 * RSA-2048 keys made by OpenSSL, its JWKS served by a loopback HTTP server
 * thread (so the real libcurl fetch path runs and fetches can be counted),
 * and a fake clock. */
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
#include <openssl/pem.h>
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

#define POOL "us-east-1_TestPool"
#define ISS "https://cognito-idp.us-east-1.amazonaws.com/" POOL
#define CLIENT "client-123"
#define T0_MS 1700000000000LL
#define T0 (T0_MS / 1000)

static EVP_PKEY *key_a, *key_b, *key_small; /* made once: RSA keygen is slow */

/* The claims of a moto/Cognito ID token, valid for an hour from T0. */
static json_t *id_claims(void) {
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s}", "sub", "sub-1", "iss", ISS,
                   "aud", CLIENT, "token_use", "id", "cognito:username", "ana", "iat",
                   (json_int_t)T0, "exp", (json_int_t)(T0 + 3600), "email", "ana@example.com",
                   "custom:role", "admin", "custom:ecosystemId", "eco-1");
}

static json_t *access_claims(void) {
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "sub", "sub-2", "iss", ISS, "client_id",
                   CLIENT, "token_use", "access", "scope", "aws.cognito.signin.user.admin", "iat",
                   (json_int_t)T0, "exp", (json_int_t)(T0 + 3600));
}

static json_t *with(json_t *claims, const char *k, json_t *v) {
  if (v == NULL)
    json_object_del(claims, k);
  else
    json_object_set_new(claims, k, v);
  return claims;
}

/* ---- fixture ---- */
struct fx {
  struct srv *srv;
  struct fin_clock clock;
  struct fin_auth auth;
};

static struct fin_auth make_auth(int port, const struct fin_clock *clock, long leeway_s) {
  char url[128], idp[64], err[256] = "";
  snprintf(url, sizeof url, "http://127.0.0.1:%d/%s/.well-known/jwks.json", port, POOL);
  snprintf(idp, sizeof idp, "http://127.0.0.1:%d", port);
  struct cognito_auth_cfg cfg = {.region = "us-east-1",
                                 /* readiness asks AdminGetUser: the key server's
                                    200 answer reads as an enabled user */
                                 .aws = {.endpoint = idp,
                                         .access_key_id = "a",
                                         .secret_access_key = "b",
                                         .timeout_ms = 2000,
                                         .max_retries = -1},
                                 .user_pool_id = POOL,
                                 .client_id = CLIENT,
                                 .jwks_url = url,
                                 .timeout_ms = 2000,
                                 .leeway_s = leeway_s,
                                 .clock = clock};
  struct fin_auth a = cognito_auth_new(&cfg, err, sizeof err);
  if (a.ops == NULL) fail_msg("cognito_auth_new: %s", err);
  return a;
}

static int setup(void **state) {
  struct fx *f = calloc(1, sizeof *f);
  f->srv = srv_start(keyset1(key_a, "k1"));
  f->clock = mem_fake_clock_new(T0_MS);
  f->auth = make_auth(f->srv->port, &f->clock, 0);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fx *f = *state;
  f->auth.ops->destroy(f->auth.self);
  srv_stop(f->srv);
  f->clock.ops->destroy(f->clock.self);
  free(f);
  return 0;
}

static unsigned long fetches(struct fx *f) {
  return cognito_auth_jwks_fetches(f->auth);
}

/* ---- accepted tokens ---- */
static void id_token_accepted_with_mapped_claims(void **state) {
  struct fx *f = *state;
  struct fin_principal p;
  assert_int_equal(check(f->auth, tok(key_a, "k1", id_claims()), &p), FIN_AUTH_OK);
  assert_string_equal(p.uid, "sub-1");
  assert_string_equal(p.email, "ana@example.com");
  assert_string_equal(p.role, "admin");
  assert_string_equal(p.ecosystem_id, "eco-1");
  assert_string_equal(p.account, "ana"); /* AdminGetUser's Username: cognito:username */
  fin_principal_clear(&p);
  assert_int_equal(atomic_load(&f->srv->hits), 1);
  /* cached: no second fetch */
  assert_int_equal(check(f->auth, tok(key_a, "k1", id_claims()), NULL), FIN_AUTH_OK);
  assert_int_equal(atomic_load(&f->srv->hits), 1);
}

static void missing_claims_get_defaults(void **state) {
  struct fx *f = *state;
  struct fin_principal p;
  json_t *c =
      with(with(with(id_claims(), "email", NULL), "custom:role", NULL), "custom:ecosystemId", NULL);
  assert_int_equal(check(f->auth, tok(key_a, "k1", c), &p), FIN_AUTH_OK);
  assert_string_equal(p.uid, "sub-1");
  assert_string_equal(p.email, "");
  assert_string_equal(p.role, "user");
  assert_string_equal(p.ecosystem_id, "sub-1");
  fin_principal_clear(&p);
  /* only admin/user are roles; an empty ecosystem id falls back to sub */
  c = with(with(id_claims(), "custom:role", json_string("root")), "custom:ecosystemId",
           json_string(""));
  assert_int_equal(check(f->auth, tok(key_a, "k1", c), &p), FIN_AUTH_OK);
  assert_string_equal(p.role, "user");
  assert_string_equal(p.ecosystem_id, "sub-1");
  fin_principal_clear(&p);
}

static void access_token_checked_by_client_id(void **state) {
  struct fx *f = *state;
  struct fin_principal p;
  assert_int_equal(check(f->auth, tok(key_a, "k1", access_claims()), &p), FIN_AUTH_OK);
  assert_string_equal(p.uid, "sub-2");
  assert_string_equal(p.email, "");
  assert_string_equal(p.role, "user");
  assert_string_equal(p.ecosystem_id, "sub-2");
  assert_string_equal(p.account, "sub-2"); /* no username claim: the sub */
  fin_principal_clear(&p);
  assert_int_equal(
      check(f->auth, tok(key_a, "k1", with(access_claims(), "username", json_string("bob"))), &p),
      FIN_AUTH_OK);
  assert_string_equal(p.account, "bob"); /* an access token's username */
  fin_principal_clear(&p);
  assert_int_equal(check(f->auth,
                         tok(key_a, "k1", with(access_claims(), "client_id", json_string("other"))),
                         NULL),
                   FIN_AUTH_INVALID);
  /* an access token is not judged by aud */
  json_t *c = with(with(access_claims(), "client_id", NULL), "aud", json_string(CLIENT));
  assert_int_equal(check(f->auth, tok(key_a, "k1", c), NULL), FIN_AUTH_INVALID);
}

/* ---- expiry ---- */
static void expired_token_is_expired(void **state) {
  struct fx *f = *state;
  json_t *c = with(id_claims(), "exp", json_integer(T0 - 1));
  assert_int_equal(check(f->auth, tok(key_a, "k1", c), NULL), FIN_AUTH_EXPIRED);
  c = with(id_claims(), "exp", json_integer(T0)); /* exp is exclusive */
  assert_int_equal(check(f->auth, tok(key_a, "k1", c), NULL), FIN_AUTH_EXPIRED);
  c = with(id_claims(), "exp", json_integer(T0 + 1));
  assert_int_equal(check(f->auth, tok(key_a, "k1", c), NULL), FIN_AUTH_OK);
  /* the clock moves on */
  mem_fake_clock_advance(&f->clock, 3600 * 1000);
  assert_int_equal(check(f->auth, tok(key_a, "k1", id_claims()), NULL), FIN_AUTH_EXPIRED);
}

static void expired_with_bad_signature_is_invalid(void **state) {
  struct fx *f = *state;
  json_t *c = with(id_claims(), "exp", json_integer(T0 - 10));
  assert_int_equal(check(f->auth, tok(key_b, "k1", c), NULL), FIN_AUTH_INVALID);
}

static void leeway_allows_small_skew(void **state) {
  struct fx *f = *state;
  struct fin_auth a = make_auth(f->srv->port, &f->clock, 30);
  json_t *c = with(id_claims(), "exp", json_integer(T0 - 10));
  assert_int_equal(check(a, tok(key_a, "k1", c), NULL), FIN_AUTH_OK);
  c = with(id_claims(), "exp", json_integer(T0 - 31));
  assert_int_equal(check(a, tok(key_a, "k1", c), NULL), FIN_AUTH_EXPIRED);
  c = with(id_claims(), "nbf", json_integer(T0 + 20));
  assert_int_equal(check(a, tok(key_a, "k1", c), NULL), FIN_AUTH_OK);
  a.ops->destroy(a.self);
  /* without leeway a future nbf is refused */
  c = with(id_claims(), "nbf", json_integer(T0 + 20));
  assert_int_equal(check(f->auth, tok(key_a, "k1", c), NULL), FIN_AUTH_INVALID);
  c = with(id_claims(), "nbf", json_string("soon"));
  assert_int_equal(check(f->auth, tok(key_a, "k1", c), NULL), FIN_AUTH_INVALID);
  c = with(id_claims(), "exp", json_string("later"));
  assert_int_equal(check(f->auth, tok(key_a, "k1", c), NULL), FIN_AUTH_INVALID);
  c = with(id_claims(), "exp", NULL);
  assert_int_equal(check(f->auth, tok(key_a, "k1", c), NULL), FIN_AUTH_INVALID);
}

/* ---- signatures ---- */
static void tampered_token_is_invalid(void **state) {
  struct fx *f = *state;
  char *good = tok(key_a, "k1", id_claims());
  /* the payload of another token (role admin -> user) with good's signature */
  char *other = tok(key_a, "k1", with(id_claims(), "custom:role", json_string("user")));
  char *g1 = strchr(good, '.'), *g2 = strchr(g1 + 1, '.');
  char *o1 = strchr(other, '.'), *o2 = strchr(o1 + 1, '.');
  char *t = NULL;
  assert_true(asprintf(&t, "%.*s%.*s%s", (int)(g1 - good), good, (int)(o2 - o1), o1, g2) > 0);
  assert_int_equal(check(f->auth, t, NULL), FIN_AUTH_INVALID);
  /* one flipped signature character */
  t = strdup(good);
  char *last = t + strlen(t) - 5;
  *last = *last == 'A' ? 'B' : 'A';
  assert_int_equal(check(f->auth, t, NULL), FIN_AUTH_INVALID);
  /* a truncated signature */
  t = strndup(good, strlen(good) - 4);
  assert_int_equal(check(f->auth, t, NULL), FIN_AUTH_INVALID);
  /* padding '=' is not base64url */
  assert_true(asprintf(&t, "%s=", good) > 0);
  assert_int_equal(check(f->auth, t, NULL), FIN_AUTH_INVALID);
  assert_int_equal(check(f->auth, good, NULL), FIN_AUTH_OK);
  free(other);
}

static void other_key_with_same_kid_is_invalid(void **state) {
  struct fx *f = *state;
  assert_int_equal(check(f->auth, tok(key_b, "k1", id_claims()), NULL), FIN_AUTH_INVALID);
}

/* ---- the JWKS cache ---- */
static void unknown_kid_refetches_once_then_invalid(void **state) {
  struct fx *f = *state;
  assert_int_equal(check(f->auth, tok(key_a, "k1", id_claims()), NULL), FIN_AUTH_OK);
  assert_int_equal(fetches(f), 1);
  /* within 30 s of a fetch an unknown kid does not refetch */
  assert_int_equal(check(f->auth, tok(key_b, "k2", id_claims()), NULL), FIN_AUTH_INVALID);
  assert_int_equal(fetches(f), 1);
  mem_fake_clock_advance(&f->clock, 31 * 1000);
  assert_int_equal(check(f->auth, tok(key_b, "k2", id_claims()), NULL), FIN_AUTH_INVALID);
  assert_int_equal(fetches(f), 2);
  assert_int_equal(atomic_load(&f->srv->hits), 2);
  /* a second unknown kid inside the window: no fetch */
  mem_fake_clock_advance(&f->clock, 10 * 1000);
  assert_int_equal(check(f->auth, tok(key_b, "k3", id_claims()), NULL), FIN_AUTH_INVALID);
  assert_int_equal(fetches(f), 2);
  /* the pool rotates a key in: found on the next allowed refetch */
  srv_set(f->srv, 200, json_pack("{s:[o,o]}", "keys", jwk(key_a, "k1"), jwk(key_b, "k2")));
  assert_int_equal(check(f->auth, tok(key_b, "k2", id_claims()), NULL), FIN_AUTH_INVALID);
  mem_fake_clock_advance(&f->clock, 21 * 1000);
  assert_int_equal(check(f->auth, tok(key_b, "k2", id_claims()), NULL), FIN_AUTH_OK);
  assert_int_equal(check(f->auth, tok(key_a, "k1", id_claims()), NULL), FIN_AUTH_OK);
  assert_int_equal(fetches(f), 3);
}

static void old_key_set_is_refreshed(void **state) {
  struct fx *f = *state;
  json_t *far = json_integer(T0 + 3 * 3600);
  assert_int_equal(
      check(f->auth, tok(key_a, "k1", with(id_claims(), "exp", json_incref(far))), NULL),
      FIN_AUTH_OK);
  /* an hour on, the JWKS is down: the old keys keep working */
  srv_set_text(f->srv, 503, "{}");
  mem_fake_clock_advance(&f->clock, 3601 * 1000);
  assert_int_equal(
      check(f->auth, tok(key_a, "k1", with(id_claims(), "exp", json_incref(far))), NULL),
      FIN_AUTH_OK);
  assert_int_equal(fetches(f), 2);
  /* back, with k1 rotated out: the next refresh drops it */
  srv_set(f->srv, 200, keyset1(key_b, "k2"));
  mem_fake_clock_advance(&f->clock, 31 * 1000);
  assert_int_equal(
      check(f->auth, tok(key_a, "k1", with(id_claims(), "exp", json_incref(far))), NULL),
      FIN_AUTH_INVALID);
  assert_int_equal(fetches(f), 3);
  assert_int_equal(
      check(f->auth, tok(key_b, "k2", with(id_claims(), "exp", json_incref(far))), NULL),
      FIN_AUTH_OK);
  json_decref(far);
}

static void jwks_down_is_unavailable(void **state) {
  struct fx *f = *state;
  struct fin_auth a = make_auth(closed_port(), &f->clock, 0);
  assert_int_equal(check(a, tok(key_a, "k1", id_claims()), NULL), FIN_AUTH_UNAVAILABLE);
  struct fin_err e = {0};
  assert_int_equal(a.ops->ping(a.self, &e), FIN_UNAVAILABLE);
  assert_int_equal(e.code, FIN_UNAVAILABLE);
  assert_non_null(strstr(e.msg, "JWKS"));
  /* a dead server is retried at most once a second */
  assert_int_equal(cognito_auth_jwks_fetches(a), 1);
  mem_fake_clock_advance(&f->clock, 1000);
  assert_int_equal(check(a, tok(key_a, "k1", id_claims()), NULL), FIN_AUTH_UNAVAILABLE);
  assert_int_equal(cognito_auth_jwks_fetches(a), 2);
  a.ops->destroy(a.self);
}

static void jwks_error_then_recovery(void **state) {
  struct fx *f = *state;
  srv_set_text(f->srv, 500, "{\"message\":\"boom\"}");
  assert_int_equal(check(f->auth, tok(key_a, "k1", id_claims()), NULL), FIN_AUTH_UNAVAILABLE);
  srv_set_text(f->srv, 200, "<html>not json</html>");
  mem_fake_clock_advance(&f->clock, 1000);
  assert_int_equal(check(f->auth, tok(key_a, "k1", id_claims()), NULL), FIN_AUTH_UNAVAILABLE);
  srv_set(f->srv, 200, keyset1(key_a, "k1"));
  assert_int_equal(check(f->auth, tok(key_a, "k1", id_claims()), NULL), FIN_AUTH_UNAVAILABLE);
  mem_fake_clock_advance(&f->clock, 1000);
  assert_int_equal(check(f->auth, tok(key_a, "k1", id_claims()), NULL), FIN_AUTH_OK);
  assert_int_equal(fetches(f), 3);
}

static void ping_loads_keys(void **state) {
  struct fx *f = *state;
  struct fin_err e = {0};
  assert_int_equal(f->auth.ops->ping(f->auth.self, &e), FIN_OK);
  assert_int_equal(f->auth.ops->ping(f->auth.self, &e), FIN_OK);
  assert_int_equal(fetches(f), 1);
  assert_int_equal(check(f->auth, tok(key_a, "k1", id_claims()), NULL), FIN_AUTH_OK);
  assert_int_equal(fetches(f), 1);
}

static void unusable_keys_are_skipped(void **state) {
  struct fx *f = *state;
  json_t *enc = jwk(key_a, "k-enc");
  json_object_set_new(enc, "use", json_string("enc"));
  json_t *ps = jwk(key_a, "k-ps");
  json_object_set_new(ps, "alg", json_string("PS256"));
  srv_set(f->srv, 200,
          json_pack("{s:[o,o,o,{s:s,s:s}]}", "keys", jwk(key_small, "k-1024"), enc, ps, "kty", "EC",
                    "kid", "k-ec"));
  struct fin_err e = {0};
  assert_int_equal(f->auth.ops->ping(f->auth.self, &e), FIN_UNAVAILABLE);
  assert_non_null(strstr(e.msg, "no usable"));
  assert_int_equal(check(f->auth, tok(key_small, "k-1024", id_claims()), NULL), FIN_AUTH_INVALID);
  assert_int_equal(check(f->auth, tok(key_a, "k-enc", id_claims()), NULL), FIN_AUTH_INVALID);
  assert_int_equal(check(f->auth, tok(key_a, "k-ps", id_claims()), NULL), FIN_AUTH_INVALID);
}

/* ---- claims ---- */
static void foreign_pool_is_invalid(void **state) {
  struct fx *f = *state;
  const char *other = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool";
  assert_int_equal(
      check(f->auth, tok(key_a, "k1", with(id_claims(), "iss", json_string(other))), NULL),
      FIN_AUTH_INVALID);
  assert_int_equal(
      check(f->auth, tok(key_a, "k1", with(id_claims(), "iss", json_string(ISS "/"))), NULL),
      FIN_AUTH_INVALID);
  assert_int_equal(check(f->auth, tok(key_a, "k1", with(id_claims(), "iss", NULL)), NULL),
                   FIN_AUTH_INVALID);
}

static void wrong_audience_or_use_is_invalid(void **state) {
  struct fx *f = *state;
  assert_int_equal(
      check(f->auth, tok(key_a, "k1", with(id_claims(), "aud", json_string("other"))), NULL),
      FIN_AUTH_INVALID);
  assert_int_equal(check(f->auth, tok(key_a, "k1", with(id_claims(), "aud", NULL)), NULL),
                   FIN_AUTH_INVALID);
  assert_int_equal(check(f->auth, tok(key_a, "k1", with(id_claims(), "token_use", NULL)), NULL),
                   FIN_AUTH_INVALID);
  assert_int_equal(check(f->auth,
                         tok(key_a, "k1", with(id_claims(), "token_use", json_string("refresh"))),
                         NULL),
                   FIN_AUTH_INVALID);
  /* an id token's client is in aud, not client_id */
  json_t *c =
      with(with(id_claims(), "aud", json_string("other")), "client_id", json_string(CLIENT));
  assert_int_equal(check(f->auth, tok(key_a, "k1", c), NULL), FIN_AUTH_INVALID);
  assert_int_equal(
      check(f->auth, tok(key_a, "k1", with(id_claims(), "sub", json_string(""))), NULL),
      FIN_AUTH_INVALID);
  /* aud as an array (RFC 7519) */
  c = with(id_claims(), "aud", json_pack("[s,s]", "x", CLIENT));
  assert_int_equal(check(f->auth, tok(key_a, "k1", c), NULL), FIN_AUTH_OK);
}

/* ---- alg and shape ---- */
/* The claims as JSON text (new string: free()). */
static char *claims_text(json_t *claims) {
  char *t = json_dumps(claims, JSON_COMPACT);
  json_decref(claims);
  return t;
}

static void alg_none_is_invalid(void **state) {
  struct fx *f = *state;
  char *payload = claims_text(id_claims());
  assert_int_equal(check(f->auth, sign_raw(NULL, "{\"alg\":\"none\"}", payload), NULL),
                   FIN_AUTH_INVALID);
  assert_int_equal(
      check(f->auth, sign_raw(NULL, "{\"alg\":\"none\",\"kid\":\"k1\"}", payload), NULL),
      FIN_AUTH_INVALID);
  /* "none" with a real RS256 signature attached is still "none" */
  assert_int_equal(
      check(f->auth, sign_raw(key_a, "{\"alg\":\"none\",\"kid\":\"k1\"}", payload), NULL),
      FIN_AUTH_INVALID);
  const char *bad_algs[] = {"{\"alg\":\"RS512\",\"kid\":\"k1\"}",
                            "{\"alg\":\"rs256\",\"kid\":\"k1\"}",
                            "{\"alg\":\"PS256\",\"kid\":\"k1\"}",
                            "{\"kid\":\"k1\"}",
                            "{\"alg\":null,\"kid\":\"k1\"}",
                            "{\"alg\":\"RS256\"}",
                            "{\"alg\":\"RS256\",\"kid\":\"\"}",
                            "{\"alg\":\"RS256\",\"kid\":\"k1\",\"crit\":[\"exp\"],\"exp\":1}",
                            "{\"alg\":\"RS256\",\"alg\":\"RS256\",\"kid\":\"k1\"}"};
  for (size_t i = 0; i < sizeof bad_algs / sizeof *bad_algs; i++)
    assert_int_equal(check(f->auth, sign_raw(key_a, bad_algs[i], payload), NULL), FIN_AUTH_INVALID);
  free(payload);
  /* refused on the header alone: the JWKS was never fetched */
  assert_int_equal(fetches(f), 0);
}

/* HS256 keyed with the public key's PEM: the classic key-confusion attack. */
static void hs256_is_invalid(void **state) {
  struct fx *f = *state;
  BIO *bio = BIO_new(BIO_s_mem());
  assert_int_equal(PEM_write_bio_PUBKEY(bio, key_a), 1);
  char *pem = NULL;
  long pem_len = BIO_get_mem_data(bio, &pem);
  const char *hs = "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}";
  char *h = b64url(hs, strlen(hs));
  char *payload = claims_text(id_claims());
  char *p = b64url(payload, strlen(payload)), *in = NULL;
  assert_true(asprintf(&in, "%s.%s", h, p) > 0);
  unsigned char mac[32];
  size_t mac_len = 0;
  assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, pem, (size_t)pem_len,
                            (unsigned char *)in, strlen(in), mac, sizeof mac, &mac_len));
  char *m = b64url(mac, mac_len), *t = NULL;
  assert_true(asprintf(&t, "%s.%s", in, m) > 0);
  assert_int_equal(check(f->auth, t, NULL), FIN_AUTH_INVALID);
  assert_int_equal(
      check(f->auth, sign_raw(key_a, "{\"alg\":\"HS256\",\"kid\":\"k1\"}", payload), NULL),
      FIN_AUTH_INVALID);
  BIO_free(bio);
  free(h), free(p), free(in), free(m), free(payload);
}

static void garbage_is_invalid(void **state) {
  struct fx *f = *state;
  const char *junk[] = {"",
                        ".",
                        "..",
                        "...",
                        "abc",
                        "a.b",
                        "a.b.c.d",
                        "a..c",
                        ".b.c",
                        "a.b.",
                        "!!!.@@@.###",
                        "eyJhbGciOiJSUzI1NiJ9",
                        "eyJhbGciOiJSUzI1NiJ9.e30",
                        "eyJhbGciOiJSUzI1NiJ9.e30.",
                        "eyJhbGciOiJSUzI1NiJ9.e30.c2ln.c2ln",
                        "e30.e30.c2ln",         /* {} header */
                        "W10.e30.c2ln",         /* [] header */
                        "bm90IGpzb24.e30.c2ln", /* not JSON */
                        "eyJhbGciOiJSUzI1NiJ9 .e30.c2ln",
                        "Bearer x.y.z",
                        "A.B.C"};
  for (size_t i = 0; i < sizeof junk / sizeof *junk; i++)
    assert_int_equal(check(f->auth, strdup(junk[i]), NULL), FIN_AUTH_INVALID);
  /* far too long */
  char *big = malloc(40000);
  memset(big, 'A', 39999);
  big[39999] = '\0';
  big[100] = '.', big[200] = '.';
  assert_int_equal(check(f->auth, big, NULL), FIN_AUTH_INVALID);
  /* NULL detail is fine */
  struct fin_principal p;
  assert_int_equal(f->auth.ops->verify(f->auth.self, "x", &p, NULL, 0), FIN_AUTH_INVALID);
  assert_int_equal(fetches(f), 0);
}

/* Correctly signed, but what is signed is not acceptable. */
static void signed_junk_is_invalid(void **state) {
  struct fx *f = *state;
  const char *hdr = "{\"alg\":\"RS256\",\"kid\":\"k1\"}";
  assert_int_equal(check(f->auth, sign_raw(key_a, hdr, "not json"), NULL), FIN_AUTH_INVALID);
  assert_int_equal(check(f->auth, sign_raw(key_a, hdr, "[1,2]"), NULL), FIN_AUTH_INVALID);
  /* two subs: which one would another parser read? */
  char *dup = NULL;
  assert_true(asprintf(&dup,
                       "{\"sub\":\"sub-1\",\"sub\":\"admin\",\"iss\":\"%s\",\"aud\":\"%s\","
                       "\"token_use\":\"id\",\"exp\":%lld}",
                       ISS, CLIENT, T0 + 60) > 0);
  assert_int_equal(check(f->auth, sign_raw(key_a, hdr, dup), NULL), FIN_AUTH_INVALID);
  free(dup);
}

static void config_and_identity(void **state) {
  struct fx *f = *state;
  char err[256] = "";
  struct cognito_auth_cfg none = {.client_id = CLIENT};
  assert_null(cognito_auth_new(&none, err, sizeof err).ops);
  assert_non_null(strstr(err, "required"));
  struct cognito_auth_cfg bad = {.user_pool_id = "../evil", .client_id = CLIENT};
  assert_null(cognito_auth_new(&bad, err, sizeof err).ops);
  struct cognito_auth_cfg ftp = {
      .user_pool_id = POOL, .client_id = CLIENT, .jwks_url = "file:///x"};
  assert_null(cognito_auth_new(&ftp, err, sizeof err).ops);
  assert_non_null(strstr(err, "http"));

  /* the region comes from the pool id when not given */
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/eu-west-1_Abc/.well-known/jwks.json",
           f->srv->port);
  struct cognito_auth_cfg eu = {
      .user_pool_id = "eu-west-1_Abc", .client_id = CLIENT, .jwks_url = url, .clock = &f->clock};
  struct fin_auth a = cognito_auth_new(&eu, err, sizeof err);
  assert_non_null(a.ops);
  json_t *c = with(id_claims(), "iss",
                   json_string("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc"));
  assert_int_equal(check(a, tok(key_a, "k1", c), NULL), FIN_AUTH_OK);
  assert_int_equal(check(a, tok(key_a, "k1", id_claims()), NULL), FIN_AUTH_INVALID);
  assert_string_equal(a.ops->name(a.self), "cognito");
  a.ops->destroy(a.self); /* is_disabled: test_auth_status.c */

  /* an explicit issuer (LocalStack, cognito-local) */
  struct cognito_auth_cfg local = {.user_pool_id = "local_07yZbsml",
                                   .client_id = CLIENT,
                                   .issuer = "http://localhost:9229/local_07yZbsml",
                                   .jwks_url = url,
                                   .clock = &f->clock};
  a = cognito_auth_new(&local, err, sizeof err);
  assert_non_null(a.ops);
  c = with(id_claims(), "iss", json_string("http://localhost:9229/local_07yZbsml"));
  assert_int_equal(check(a, tok(key_a, "k1", c), NULL), FIN_AUTH_OK);
  a.ops->destroy(a.self);

  /* an issuer naming the pool by "{userPoolId}" (LocalStack Pro: its pool ids
   * change with every start); the AWS form is then refused */
  struct cognito_auth_cfg pro = {.user_pool_id = "us-east-1_Pro9",
                                 .client_id = CLIENT,
                                 .issuer = "http://localhost.localstack.cloud:4566/{userPoolId}",
                                 .jwks_url = url,
                                 .clock = &f->clock};
  a = cognito_auth_new(&pro, err, sizeof err);
  assert_non_null(a.ops);
  c = with(id_claims(), "iss",
           json_string("http://localhost.localstack.cloud:4566/us-east-1_Pro9"));
  assert_int_equal(check(a, tok(key_a, "k1", c), NULL), FIN_AUTH_OK);
  c = with(id_claims(), "iss",
           json_string("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pro9"));
  assert_int_equal(check(a, tok(key_a, "k1", c), NULL), FIN_AUTH_INVALID);
  c = with(id_claims(), "iss", json_string("http://localhost.localstack.cloud:4566/{userPoolId}"));
  assert_int_equal(check(a, tok(key_a, "k1", c), NULL), FIN_AUTH_INVALID);
  a.ops->destroy(a.self);
}

/* ---- threads ---- */
#define THREADS 16
#define ROUNDS 60

struct worker {
  struct fin_auth auth;
  pthread_barrier_t *go;
  int first;
  char *good, *tampered, *unknown, *expired;
  atomic_int *wrong;
};

static void *worker_main(void *arg) {
  struct worker *w = arg;
  pthread_barrier_wait(w->go);
  for (int i = 0; i < ROUNDS; i++) {
    struct fin_principal p;
    char d[128];
    const char *t[] = {w->good, w->tampered, w->unknown, w->expired};
    enum fin_auth_result want[] = {FIN_AUTH_OK, FIN_AUTH_INVALID, FIN_AUTH_INVALID,
                                   FIN_AUTH_EXPIRED};
    int k = (i + w->first) % 4;
    enum fin_auth_result r = w->auth.ops->verify(w->auth.self, t[k], &p, d, sizeof d);
    if (r != want[k] || (r == FIN_AUTH_OK && strcmp(p.ecosystem_id, "eco-1") != 0))
      atomic_fetch_add(w->wrong, 1);
    if (r == FIN_AUTH_OK) fin_principal_clear(&p);
  }
  return NULL;
}

/* Cold cache, slow JWKS, 16 threads at once: one fetch, right answers. */
static void concurrent_verify_single_fetch(void **state) {
  struct fx *f = *state;
  atomic_store(&f->srv->delay_ms, 100);
  pthread_barrier_t go;
  pthread_barrier_init(&go, NULL, THREADS);
  atomic_int wrong = 0;
  char *good = tok(key_a, "k1", id_claims());
  char *tampered = tok(key_b, "k1", id_claims());
  char *unknown = tok(key_b, "k7", id_claims());
  char *expired = tok(key_a, "k1", with(id_claims(), "exp", json_integer(T0 - 5)));
  struct worker w[THREADS];
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++)
    w[i] = (struct worker){.auth = f->auth,
                           .go = &go,
                           .first = i, /* threads start on different kinds */
                           .good = good,
                           .tampered = tampered,
                           .unknown = unknown,
                           .expired = expired,
                           .wrong = &wrong};
  for (int i = 0; i < THREADS; i++)
    assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
  for (int i = 0; i < THREADS; i++)
    pthread_join(th[i], NULL);
  pthread_barrier_destroy(&go);
  assert_int_equal(atomic_load(&wrong), 0);
  assert_int_equal(fetches(f), 1);
  assert_int_equal(atomic_load(&f->srv->hits), 1);
  free(good), free(tampered), free(unknown), free(expired);
}

static int group_setup(void **state) {
  fin_log_set_enabled(0);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  key_a = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
  key_b = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
  key_small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
  return key_a && key_b && key_small ? 0 : -1;
}

static int group_teardown(void **state) {
  EVP_PKEY_free(key_a), EVP_PKEY_free(key_b), EVP_PKEY_free(key_small);
  curl_global_cleanup();
  return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
  /* the AdminGetUser client is made with the provider: keys, so none are sought */
  setenv("AWS_ACCESS_KEY_ID", "test", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "test", 1);
  const struct CMUnitTest tests[] = {
      T(id_token_accepted_with_mapped_claims),
      T(missing_claims_get_defaults),
      T(access_token_checked_by_client_id),
      T(expired_token_is_expired),
      T(expired_with_bad_signature_is_invalid),
      T(leeway_allows_small_skew),
      T(tampered_token_is_invalid),
      T(other_key_with_same_kid_is_invalid),
      T(unknown_kid_refetches_once_then_invalid),
      T(old_key_set_is_refreshed),
      T(jwks_down_is_unavailable),
      T(jwks_error_then_recovery),
      T(ping_loads_keys),
      T(unusable_keys_are_skipped),
      T(foreign_pool_is_invalid),
      T(wrong_audience_or_use_is_invalid),
      T(alg_none_is_invalid),
      T(hs256_is_invalid),
      T(garbage_is_invalid),
      T(signed_junk_is_invalid),
      T(config_and_identity),
      T(concurrent_verify_single_fetch),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
