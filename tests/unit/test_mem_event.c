/* test_mem_event.c - an event's payload survives the memory store's packed
 * form: objects and arrays come back through the fast JSON reader, any other
 * value through jansson, each with its types (a real stays a real). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../adapters/memory/mem_db.h"
#include "../../adapters/memory/mem_ports.h"

static void round_trip(json_t *payload) {
  struct fin_event e = {.event_type = "card.approved",
                        .entity_type = "card",
                        .entity_id = "c1",
                        .ecosystem_id = "u1",
                        .payload = payload,
                        .created_at = 1700000000000};
  strcpy(e.event_id, "01a24e47-0000-7000-8000-000000000001");
  struct mem_event *ev = mem_event_pack(&e);
  assert_non_null(ev);
  struct fin_event out;
  assert_int_equal(mem_event_to_model(ev, &out), 0);
  assert_non_null(out.payload);
  assert_true(json_equal(out.payload, payload));
  assert_string_equal(out.entity_id, "c1");
  fin_event_clear(&out);
  mem_event_free(ev);
  json_decref(payload);
}

static void payloads_keep_their_values_and_types(void **state) {
  (void)state;
  round_trip(json_pack("{s:s,s:f,s:f,s:I,s:b,s:n,s:[i,s],s:{s:s}}", "cardId", "c1", "limit",
                       10000.0, "rate", 0.1 + 0.2, "score", (json_int_t)640, "auto", 1, "adminId",
                       "list", 1, "tw\"o", "nested", "k\xc3\xa9", "v\n"));
  round_trip(json_pack("[i,f,s]", 1, 2.5, "x"));
  round_trip(json_string("a bare string"));
  round_trip(json_real(12.0));
  round_trip(json_integer(-7));
  round_trip(json_true());
}

/* The memory publisher shares a payload with its sender: what it keeps
 * outlives the sender's reference, and the ring lets go of the oldest
 * (ASan: no leak, no use after free). */
static void published_payloads_outlive_the_sender(void **state) {
  (void)state;
  struct fin_publisher p = mem_publisher_new();
  struct fin_err err = {0};
  for (int i = 0; i < 1100; i++) { /* past the ring's 1,024 */
    struct fin_event e = {.event_type = "t",
                          .entity_type = "x",
                          .entity_id = "1",
                          .ecosystem_id = "u1",
                          .payload = json_pack("{s:i}", "n", i)};
    assert_int_equal(p.ops->publish(p.self, &e, &err), FIN_OK);
    json_decref(e.payload);
  }
  assert_int_equal(mem_publisher_count(&p), 1100);
  struct fin_event out;
  assert_int_equal(mem_publisher_get(&p, 1099, &out), FIN_OK);
  assert_int_equal(json_integer_value(json_object_get(out.payload, "n")), 1099);
  assert_string_equal(out.ecosystem_id, "u1");
  fin_event_clear(&out);
  assert_int_equal(mem_publisher_get(&p, 75, &out), FIN_NOT_FOUND);
  assert_int_equal(mem_publisher_get(&p, 76, &out), FIN_OK);
  assert_int_equal(json_integer_value(json_object_get(out.payload, "n")), 76);
  fin_event_clear(&out);
  p.ops->destroy(p.self);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(payloads_keep_their_values_and_types),
                                     cmocka_unit_test(published_payloads_outlive_the_sender)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
