/* test_codec.c - lenient base64 (behaviour.md §3.2), encoders, strict base64url
 * (JWT segments), SHA-256, weak ETag (§0.7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/codec.h"

static void decodes_to(const char *in, const char *want) {
  size_t n = 0;
  unsigned char *out = fin_b64_decode_lenient(in, strlen(in), &n);
  assert_non_null(out);
  assert_int_equal(n, strlen(want));
  assert_memory_equal(out, want, n);
  assert_int_equal(out[n], 0);
  free(out);
}

static void lenient_decode(void **state) {
  (void)state;
  const char *payload = "{\"ecosystemId\":\"user-123\",\"role\":\"user\"}";
  decodes_to("eyJlY29zeXN0ZW1JZCI6InVzZXItMTIzIiwicm9sZSI6InVzZXIifQ==", payload);
  decodes_to("eyJlY29zeXN0ZW1JZCI6InVzZXItMTIzIiwicm9sZSI6InVzZXIifQ", payload);
  decodes_to("eyJlY29z eXN0ZW1J\nZCI6InVz!ZXItMTIzIiwicm9sZSI6InVzZXIifQ", payload);
  /* both alphabets, mixed: 0xfb 0xff 0xbf = "+/+/" = "-_-_" */
  decodes_to("-_-_", "\xfb\xff\xbf");
  decodes_to("+/-_", "\xfb\xff\xbf");
  decodes_to("YQ", "a");
  decodes_to("YQ=", "a");
  decodes_to("YWI", "ab");
  decodes_to("Y", ""); /* a lone sextet makes no byte */
  decodes_to("", "");
  decodes_to("!!!", "");
  decodes_to("YQ==YQ==", "a"); /* '=' ends the data, like Node */
}

static void encoders(void **state) {
  (void)state;
  char *s = fin_b64_encode((const unsigned char *)"ab", 2);
  assert_string_equal(s, "YWI=");
  free(s);
  s = fin_b64_encode((const unsigned char *)"", 0);
  assert_string_equal(s, "");
  free(s);
  s = fin_b64url_encode((const unsigned char *)"\xfb\xff\xbf\xfb", 4);
  assert_string_equal(s, "-_-_-w");
  free(s);
  const char *payload = "{\"ecosystemId\":\"admin-001\",\"role\":\"admin\"}";
  s = fin_b64_encode((const unsigned char *)payload, strlen(payload));
  assert_string_equal(s, "eyJlY29zeXN0ZW1JZCI6ImFkbWluLTAwMSIsInJvbGUiOiJhZG1pbiJ9");
  size_t n;
  unsigned char *back = fin_b64_decode_lenient(s, strlen(s), &n);
  assert_int_equal(n, strlen(payload));
  assert_memory_equal(back, payload, n);
  free(back);
  free(s);
}

/* true when s decodes as base64url to want (n bytes) */
static bool url_decodes_to(const char *s, const char *want, size_t n) {
  size_t got = 99;
  unsigned char *out = fin_b64url_decode(s, strlen(s), &got);
  bool ok = out != NULL && got == n && memcmp(out, want, n) == 0 && out[n] == 0;
  free(out);
  return ok;
}

static bool url_refused(const char *s) {
  size_t got = 99;
  unsigned char *out = fin_b64url_decode(s, strlen(s), &got);
  free(out);
  return out == NULL;
}

/* The decoder of JWT segments and JWK numbers: strict, unlike the dev-token one. */
static void strict_base64url_decode(void **state) {
  (void)state;
  assert_true(url_decodes_to("-_-_", "\xfb\xff\xbf", 3));
  assert_true(url_decodes_to("-_-_-w", "\xfb\xff\xbf\xfb", 4));
  assert_true(url_decodes_to("-_-_-w==", "\xfb\xff\xbf\xfb", 4)); /* padding completes a quantum */
  assert_true(url_decodes_to("YWI", "ab", 2));
  assert_true(url_decodes_to("YWI=", "ab", 2));
  assert_true(url_decodes_to("", "", 0));
  assert_true(url_decodes_to("AQAB", "\x01\x00\x01", 3)); /* the usual RSA exponent */
  static const char *const bad[] = {
      "+/+/",  /* the standard alphabet is not base64url */
      "YQ=a",  /* '=' inside */
      "YQ=",   /* padding that does not complete a quantum */
      "YQ===", /* too much padding */
      "Y",     /* a lone sextet */
      "YW I",  /* blanks */
      "YWI\n", /* a line break */
      "YWI!",  /* anything else */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (!url_refused(bad[i])) fail_msg("%s taken for base64url", bad[i]);
  /* a round trip of every byte value */
  unsigned char all[256];
  for (int i = 0; i < 256; i++)
    all[i] = (unsigned char)i;
  char *enc = fin_b64url_encode(all, sizeof all);
  assert_true(url_decodes_to(enc, (const char *)all, sizeof all));
  free(enc);
}

static void sha256_hex(void **state) {
  (void)state;
  char out[65];
  fin_sha256_hex("", 0, out);
  assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  fin_sha256_hex("abc", 3, out);
  assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void weak_etag_matches_original(void **state) {
  (void)state;
  char out[64];
  /* bodies and ETags taken from the original's wire transcript */
  const char *live = "{\"status\":\"ok\",\"timestamp\":\"2026-11-24T20:29:58.905Z\"}";
  fin_weak_etag(live, strlen(live), out);
  assert_string_equal(out, "W/\"36-uW0WZjDDs2xDAYOF1jQb9J8cZJM\"");
  const char *ready = "{\"status\":\"healthy\",\"dependencies\":{\"database\":\"healthy\","
                      "\"message_stream\":\"healthy\",\"auth_provider\":\"healthy\"}}";
  fin_weak_etag(ready, strlen(ready), out);
  assert_string_equal(out, "W/\"6f-sF5WoKbzwosphLGNcW2a1GuXqW4\"");
  fin_weak_etag("", 0, out);
  assert_string_equal(out, "W/\"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk\"");
}

/* The hand-written form against the snprintf it replaced, on lengths
 * with every count of hex digits up to 1 MiB and bodies of every byte. */
static void weak_etag_is_the_printf_form(void **state) {
  (void)state;
  size_t max = (size_t)1 << 20;
  unsigned char *body = malloc(max + 1);
  assert_non_null(body);
  for (size_t i = 0; i <= max; i++)
    body[i] = (unsigned char)(i * 131 + (i >> 8));
  for (size_t len = 0; len <= max; len = len < 600 ? len + 1 : len * 2 + 7) {
    unsigned char md[SHA_DIGEST_LENGTH];
    char b64[64], want[64], got[64];
    SHA1(body, len, md);
    EVP_EncodeBlock((unsigned char *)b64, md, SHA_DIGEST_LENGTH);
    snprintf(want, sizeof want, "W/\"%zx-%.27s\"", len, b64);
    memset(got, 'x', sizeof got);
    fin_weak_etag(body, len, got);
    assert_string_equal(got, want);
  }
  free(body);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(lenient_decode),
      cmocka_unit_test(encoders),
      cmocka_unit_test(strict_base64url_decode),
      cmocka_unit_test(sha256_hex),
      cmocka_unit_test(weak_etag_matches_original),
      cmocka_unit_test(weak_etag_is_the_printf_form),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
