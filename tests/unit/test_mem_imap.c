/* test_mem_imap.c - the map that grows a little at a time: every value is
 * found through growths under way, replaced values read back, each value is
 * visited once, and no reservation moves more than a bounded number of old
 * slots (the point of it: no pause in proportion to the map's size). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>

#include "../../adapters/memory/mem_imap.h"

#define N 100000

static bool eq(const void *val, const void *probe) {
  return *(const uint32_t *)val == *(const uint32_t *)probe;
}
/* A poor hash on purpose: long probe chains, through the moved part too. */
static uint32_t hash(uint32_t k) {
  return k * 2654435761u & 0xfffff0ffu;
}

static uint32_t keys[N];
static int seen[N];

static void visit(void *val) {
  seen[(uint32_t *)val - keys]++;
}

static void every_value_is_found_while_growing(void **state) {
  struct mem_imap m = {0};
  uint32_t most_moved = 0;
  for (uint32_t i = 0; i < N; i++) {
    keys[i] = i * 7 + 1;
    uint32_t before = m.moved, had_old = m.old.cap;
    assert_int_equal(mem_imap_reserve(&m, 1), 0);
    if (had_old && m.old.cap == had_old && m.moved - before > most_moved)
      most_moved = m.moved - before;
    mem_imap_put_reserved(&m, hash(keys[i]), &keys[i]);
    if (i % 997 == 0) /* every value so far, wherever it is */
      for (uint32_t j = 0; j <= i; j += 13)
        assert_ptr_equal(mem_imap_get(&m, hash(keys[j]), eq, &keys[j]), &keys[j]);
    uint32_t absent = 0;
    assert_null(mem_imap_get(&m, hash(absent), eq, &absent));
  }
  assert_int_equal(mem_imap_count(&m), N);
  assert_int_equal(most_moved, 8); /* moves happened, a bounded step at a time */
  for (uint32_t j = 0; j < N; j++)
    assert_ptr_equal(mem_imap_get(&m, hash(keys[j]), eq, &keys[j]), &keys[j]);
  mem_imap_each(&m, visit);
  for (uint32_t j = 0; j < N; j++)
    assert_int_equal(seen[j], 1);
  mem_imap_free(&m);
}

/* A value replaced through mem_imap_ref, before or after it was moved,
 * is the one found afterwards. */
static void replaced_values_read_back(void **state) {
  static uint32_t other[N];
  struct mem_imap m = {0};
  for (uint32_t i = 0; i < N; i++) {
    keys[i] = i * 7 + 1;
    other[i] = keys[i];
    assert_int_equal(mem_imap_reserve(&m, 1), 0);
    mem_imap_put_reserved(&m, hash(keys[i]), &keys[i]);
    if (i >= 100 && i % 3 == 0) { /* replace an older value */
      uint32_t j = i - 100;
      void **slot = mem_imap_ref(&m, hash(keys[j]), eq, &keys[j]);
      assert_non_null(slot);
      *slot = &other[j];
    }
  }
  for (uint32_t j = 0; j + 100 < N; j++) {
    bool replaced = (j + 100) % 3 == 0;
    assert_ptr_equal(mem_imap_get(&m, hash(keys[j]), eq, &keys[j]),
                     replaced ? (void *)&other[j] : (void *)&keys[j]);
  }
  uint32_t absent = 0;
  assert_null(mem_imap_ref(&m, hash(absent), eq, &absent));
  mem_imap_free(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_value_is_found_while_growing),
      cmocka_unit_test(replaced_values_read_back),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
