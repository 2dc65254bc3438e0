/* test_idempotency.c - key hashing and admin key scoping (behaviour.md §5.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/app/admin_keys.h"
#include "../../core/app/idem.h"
#include "../../core/util/codec.h"
#include "rnd.h"

#define GOLDEN "2403671c01006be2aa3fe28f8ef02169d90df6337f8ef6515d47cadcef439664"

static void user_keys_hash_the_raw_header(void **state) {
  (void)state;
  char h[65];
  fin_idem_hash("abc", h);
  assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  char h2[65];
  fin_idem_hash(" abc", h2); /* no trimming or normalisation */
  assert_string_not_equal(h, h2);
  fin_idem_hash("", h2);
  assert_string_equal(h2, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void admin_keys_are_scoped_by_operation_and_target(void **state) {
  (void)state;
  char a[65], b[65], c[65], d[65];
  fin_admin_key_hash("approve", "req-1", "k", a);
  fin_admin_key_hash("approve", "req-1", "k", b);
  fin_admin_key_hash("reject", "req-1", "k", c);
  fin_admin_key_hash("approve", "req-2", "k", d);
  assert_string_equal(a, b);
  assert_string_not_equal(a, c);
  assert_string_not_equal(a, d);
  /* Never the plain user-key hash: admin and user records cannot collide. */
  char u[65];
  fin_idem_hash("k", u);
  assert_string_not_equal(a, u);
  /* The separator keeps ("ab","c") and ("a","bc") apart. */
  fin_admin_key_hash("ab", "c", "k", a);
  fin_admin_key_hash("a", "bc", "k", b);
  assert_string_not_equal(a, b);
}

static void fp_of(const char *op, const char *param, const char *body, char out[65]) {
  struct fin_req q = {.params = {param}, .body = body ? json_loads(body, 0, NULL) : NULL};
  assert_int_equal(fin_idem_fingerprint(op, &q, out), 0);
  json_decref(q.body);
}

/* The fingerprint as it was first computed, through jansson: the canonical
 * copy, then json_dumps. Stored fingerprints hold its output, so the writer
 * in idem_fp.c must give the same text byte for byte. */
static json_t *ref_canon(const json_t *v) {
  if (json_is_integer(v)) return json_real((double)json_integer_value(v));
  if (json_is_array(v)) {
    json_t *a = json_array();
    for (size_t i = 0; i < json_array_size(v); i++)
      json_array_append_new(a, ref_canon(json_array_get(v, i)));
    return a;
  }
  if (json_is_object(v)) {
    json_t *o = json_object();
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) json_object_set_new(o, k, ref_canon(x));
    return o;
  }
  return json_deep_copy(v);
}

static void ref_fp(const char *op, const struct fin_req *q, char out[65]) {
  json_t *params = json_array();
  for (size_t i = 0; i < FIN_MAX_PARAMS && q->params[i] != NULL; i++)
    json_array_append_new(params, json_string(q->params[i]));
  json_t *body = q->body != NULL ? ref_canon(q->body) : json_object();
  json_t *all = json_pack("[s,o,o]", op, params, body);
  char *text =
      json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
  assert_non_null(text);
  fin_sha256_hex(text, strlen(text), out);
  free(text);
  json_decref(all);
}

/* Valid UTF-8 with what the writer escapes or must leave alone: controls,
 * quotes, backslashes, '/', two-, three- and four-byte characters. */
static void rnd_text(char *s, size_t max) {
  static const char *const parts[] = {"a",
                                      "b",
                                      "Z",
                                      "0",
                                      " ",
                                      "\"",
                                      "\\",
                                      "/",
                                      "\n",
                                      "\t",
                                      "\x01",
                                      "\x1f",
                                      "\x7f",
                                      "\xc3\xa9",
                                      "\xe2\x82\xac",
                                      "\xf0\x9f\x98\x80",
                                      "\xe2\x80\xa8",
                                      "\xef\xbf\xbe",
                                      "k"};
  size_t nparts = sizeof parts / sizeof *parts;
  rnd_join(s, max, parts, nparts, nparts, 8);
}

static double rnd_real(void) {
  static const double odd[] = {0.0,           -0.0,
                               1.0,           100.0,
                               0.1,           0.01,
                               1e20,          1e21,
                               1e-7,          1e-5,
                               1e100,         1e-300,
                               5e-324,        1.7976931348623157e308,
                               123456789.125, 9007199254740993.0,
                               -2.5,          1e16,
                               1e17,          0.30000000000000004};
  return rnd_double(odd, sizeof odd / sizeof *odd, false);
}

static json_t *rnd_value(int depth) {
  char t[64];
  switch (rnd() % (depth > 3 ? 6 : 8)) {
  case 0:
    return json_true();
  case 1:
    return json_null();
  case 2:
    rnd_text(t, sizeof t);
    return json_string(t);
  case 3:
    return json_integer((json_int_t)rnd() >> (rnd() % 64));
  case 4:
    return json_real(rnd_real());
  case 5:
    return json_false();
  case 6: {
    json_t *a = json_array();
    for (uint64_t i = rnd() % 5; i > 0; i--)
      json_array_append_new(a, rnd_value(depth + 1));
    return a;
  }
  default: {
    json_t *o = json_object();
    for (uint64_t i = rnd() % 7; i > 0; i--) {
      rnd_text(t, sizeof t); /* keys that share prefixes and differ in bytes >= 0x80 */
      size_t n = strlen(t);
      if (rnd() % 8 == 0 && n + 3 < sizeof t) { /* a NUL inside (form bodies keep it) */
        memmove(t + 2, t, n + 1);
        t[0] = 'a', t[1] = '\0', n += 2;
      }
      json_object_setn_new(o, t, n, rnd_value(depth + 1));
    }
    return o;
  }
  }
}

/* The writer against jansson on 20,000 random requests. */
static void fingerprints_are_the_jansson_text(void **state) {
  (void)state;
  for (int n = 0; n < 20000; n++) {
    char p0[64], p1[64];
    rnd_text(p0, sizeof p0);
    rnd_text(p1, sizeof p1);
    struct fin_req q = {.params = {p0, n % 2 ? p1 : NULL}};
    q.body = n % 10 == 0 ? NULL : rnd_value(n % 3 == 0 ? 3 : 0);
    char want[65], got[65];
    ref_fp("make-purchase", &q, want);
    assert_int_equal(fin_idem_fingerprint("make-purchase", &q, got), 0);
    if (strcmp(want, got) != 0) {
      char *text = json_dumps(q.body, JSON_ENCODE_ANY);
      fail_msg("fingerprints differ for params [%s] [%s] and body %s", p0, n % 2 ? p1 : "",
               text ? text : "?");
    }
    json_decref(q.body);
  }
  /* and one fixed text, should jansson's own output ever change */
  char fp[65];
  fp_of("make-purchase", "card-1",
        "{\"merchant\":\"Caf\\u00e9 \\\"x\\\"\\n\",\"amount\":1e21,"
        "\"n\":[1,-0.0,1e-7,0.1,null,true,false,{}]}",
        fp);
  assert_string_equal(fp, GOLDEN);
}

/* The request fingerprint: equal for the same request however it is
 * spelled, different for another body, path or operation. */
static void fingerprints_tell_requests_apart(void **state) {
  (void)state;
  char a[65], b[65];
  fp_of("make-purchase", "card-1", "{\"amount\":100,\"merchant\":\"m\"}", a);
  assert_int_equal(strlen(a), 64);
  fp_of("make-purchase", "card-1", "{\"merchant\":\"m\",\"amount\":100.0}", b);
  assert_string_equal(a, b); /* key order and 100 vs 100.0 do not matter */
  fp_of("make-purchase", "card-1", "{\"amount\":100.01,\"merchant\":\"m\"}", b);
  assert_string_not_equal(a, b);
  fp_of("make-purchase", "card-2", "{\"amount\":100,\"merchant\":\"m\"}", b);
  assert_string_not_equal(a, b);
  fp_of("make-payment", "card-1", "{\"amount\":100,\"merchant\":\"m\"}", b);
  assert_string_not_equal(a, b);
  /* no body is the empty object the handlers see */
  fp_of("make-purchase", "card-1", NULL, a);
  fp_of("make-purchase", "card-1", "{}", b);
  assert_string_equal(a, b);
}

static void records_without_fingerprint_replay(void **state) {
  (void)state;
  struct fin_idem rec = {0};
  char fp[65];
  fp_of("make-purchase", "card-1", "{\"amount\":1}", fp);
  assert_true(fin_idem_same_request(&rec, fp)); /* written by an older version */
  strcpy(rec.fingerprint, fp);
  assert_true(fin_idem_same_request(&rec, fp));
  fp_of("make-purchase", "card-1", "{\"amount\":2}", fp);
  assert_false(fin_idem_same_request(&rec, fp));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(user_keys_hash_the_raw_header),
      cmocka_unit_test(admin_keys_are_scoped_by_operation_and_target),
      cmocka_unit_test(fingerprints_tell_requests_apart),
      cmocka_unit_test(records_without_fingerprint_replay),
      cmocka_unit_test(fingerprints_are_the_jansson_text),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
