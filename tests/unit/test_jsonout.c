/* test_jsonout.c - fin_json_dump writes what JSON.stringify writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/jsonout.h"

/* dump(v) gives want; v is released */
static void check_as(char *(*dump)(const json_t *, size_t *), json_t *v, const char *want) {
  size_t len = 0;
  char *s = dump(v, &len);
  assert_non_null(s);
  assert_string_equal(s, want);
  assert_int_equal(len, strlen(want));
  free(s);
  json_decref(v);
}

static void check(json_t *v, const char *want) {
  check_as(fin_json_dump, v, want);
}

static void compact_and_ordered(void **state) {
  (void)state;
  json_t *o = json_object();
  json_object_set_new(o, "status", json_string("ok"));
  json_object_set_new(o, "timestamp", json_string("2026-11-24T20:29:58.905Z"));
  check(o, "{\"status\":\"ok\",\"timestamp\":\"2026-11-24T20:29:58.905Z\"}");

  o = json_object(); /* insertion order, not alphabetical */
  json_object_set_new(o, "z", json_integer(1));
  json_object_set_new(o, "a", json_array());
  json_object_set_new(o, "m", json_object());
  check(o, "{\"z\":1,\"a\":[],\"m\":{}}");

  check(json_pack("[i,b,b,n,s]", -42, 1, 0, ""), "[-42,true,false,null,\"\"]");
  check(json_pack("{s:[{s:i}]}", "a", "b", 2), "{\"a\":[{\"b\":2}]}");
}

static void numbers_like_javascript(void **state) {
  (void)state;
  check(json_pack("{s:f,s:f,s:f,s:f}", "balance", 0.1 + 0.2, "availableCredit", 10000 - (0.1 + 0.2),
                  "limit", 10000.0, "minimumPayment", 25.0),
        "{\"balance\":0.30000000000000004,\"availableCredit\":9999.7,\"limit\":10000,"
        "\"minimumPayment\":25}");
  check(json_pack("[f,f,f,I]", 1e21, -0.0, 1.5e-7, (json_int_t)9007199254740993LL),
        "[1e+21,0,1.5e-7,9007199254740993]");
}

static void strings_escaped_like_stringify(void **state) {
  (void)state;
  check(json_string("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
  check(json_string("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
  check(json_string("\x01\x1f\x7f"), "\"\\u0001\\u001f\x7f\"");
  check(json_string("\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80"),
        "\"\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80\"");
  check(json_stringn("a\0b", 3), "\"a\\u0000b\"");
  json_t *o = json_object();
  json_object_set_new(o, "k\"\n", json_string("v"));
  check(o, "{\"k\\\"\\n\":\"v\"}");
}

static void null_and_nesting(void **state) {
  (void)state;
  size_t len = 0;
  char *s = fin_json_dump(NULL, &len);
  assert_string_equal(s, "null");
  free(s);
  json_t *root = json_array(), *cur = root;
  for (int i = 0; i < 100; i++) {
    json_t *next = json_array();
    json_array_append_new(cur, next);
    cur = next;
  }
  s = fin_json_dump(root, &len);
  assert_non_null(s);
  assert_int_equal(len, 202);
  free(s);
  json_decref(root);
}

/* Stored text keeps jansson's types: an integral real reads back as a real,
 * an integer as an integer, and every value exactly. */
static void typed_reads_back_the_same(void **state) {
  (void)state;
  json_t *v = json_pack("{s:f,s:f,s:I,s:f,s:f,s:f,s:[f]}", "amount", 5.0, "balance", 19.99, "n",
                        (json_int_t)7, "big", 1e20, "neg", -3.0, "tiny", 1.5e-7, "list", 1e21);
  size_t len = 0;
  char *s = fin_json_dump_typed(v, &len);
  assert_non_null(s);
  assert_string_equal(s,
                      "{\"amount\":5.0,\"balance\":19.99,\"n\":7,\"big\":100000000000000000000.0,"
                      "\"neg\":-3.0,\"tiny\":1.5e-7,\"list\":[1e+21]}");
  assert_int_equal(len, strlen(s));
  json_t *back = json_loads(s, 0, NULL);
  assert_non_null(back);
  assert_true(json_equal(back, v)); /* json_equal compares types too */
  assert_true(json_is_real(json_object_get(back, "amount")));
  json_decref(back);
  json_decref(v);
  free(s);
}

/* aws_call writes request bodies with the typed writer instead of json_dumps:
 * on a DynamoDB-shaped body (strings with every named escape and UTF-8,
 * integers, nesting, no reals or control characters) the bytes are the same. */
static void dynamodb_body_as_jansson_writes_it(void **state) {
  (void)state;
  json_t *v = json_pack(
      "{s:[{s:{s:s,s:{s:{s:s},s:{s:s},s:{s:s}},s:s}},{s:{s:{s:{s:s}},s:{s:{s:s},s:{s:s}}}}],"
      "s:s,s:i,s:b,s:n}",
      "TransactItems", "Put", "TableName", "financial-api-transactions", "Item", "pk", "S",
      "USER#u-1", "merchant", "S", "Caf\xc3\xa9 \"Bar\"\\ \t\n/\xe2\x82\xac", "amount", "N", "12.5",
      "ConditionExpression", "attribute_not_exists(pk)", "Update", "Key", "pk", "S", "CARD#c-1",
      "ExpressionAttributeValues", ":a", "N", "987.5", ":u", "S", "2026-12-06T08:00:00.000Z",
      "ReturnConsumedCapacity", "NONE", "Limit", 100, "ConsistentRead", 1, "ExclusiveStartKey");
  assert_non_null(v);
  char *want = json_dumps(v, JSON_COMPACT);
  assert_non_null(want);
  check_as(fin_json_dump_typed, v, want);
  free(want);
}

/* Every byte escaped at every position, against a one-byte-at-a-time
 * escaper: the writer scans 8 bytes at a time, and reserves room again at
 * an escape (every 500th string is long enough to outgrow the buffer). */
static void escapes_found_at_any_offset(void **state) {
  (void)state;
  static const char alphabet[] = "ab\"\\\n\x01\x1f\x7f /\xc3\xa9\x80\xff\x20\x21\x5b\x5d";
  uint64_t r = 88172645463325252ULL;
  for (int round = 0; round < 20000; round++) {
    size_t n = round % 500 == 0 ? 3000 + (size_t)round % 7 : (size_t)(round % 41), w = 0;
    char *in = malloc(n + 1), *want = malloc(n * 6 + 3);
    assert_true(in != NULL && want != NULL);
    want[w++] = '"';
    for (size_t i = 0; i < n; i++) {
      r ^= r << 13, r ^= r >> 7, r ^= r << 17;
      unsigned char c = (unsigned char)alphabet[r % (sizeof alphabet - 1)];
      in[i] = (char)c;
      if (c == '"' || c == '\\')
        want[w++] = '\\', want[w++] = (char)c;
      else if (c == '\n')
        want[w++] = '\\', want[w++] = 'n';
      else if (c < 0x20)
        w += (size_t)sprintf(want + w, "\\u%04x", c);
      else
        want[w++] = (char)c;
    }
    want[w++] = '"';
    want[w] = '\0';
    size_t len;
    json_t *v = json_stringn_nocheck(in, n);
    char *got = fin_json_dump(v, &len);
    assert_non_null(got);
    assert_int_equal(len, w);
    assert_memory_equal(got, want, w);
    free(got);
    free(in);
    free(want);
    json_decref(v);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(compact_and_ordered),
      cmocka_unit_test(numbers_like_javascript),
      cmocka_unit_test(strings_escaped_like_stringify),
      cmocka_unit_test(null_and_nesting),
      cmocka_unit_test(typed_reads_back_the_same),
      cmocka_unit_test(dynamodb_body_as_jansson_writes_it),
      cmocka_unit_test(escapes_found_at_any_offset),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
