/* test_ids.c - UUID v4 / v7 shape, v7 time prefix and creation-order sorting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/ids.h"
#include "../../core/util/timefmt.h"

static void assert_shape(const char *id, char version) {
  assert_int_equal(strlen(id), 36);
  for (int i = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23)
      assert_int_equal(id[i], '-');
    else
      assert_non_null(strchr("0123456789abcdef", id[i]));
  }
  assert_int_equal(id[14], version);
  assert_non_null(strchr("89ab", id[19]));
}

static void v4_shape_and_uniqueness(void **state) {
  (void)state;
  char a[37], b[37];
  assert_int_equal(fin_uuid_v4(a), 0);
  assert_int_equal(fin_uuid_v4(b), 0);
  assert_shape(a, '4');
  assert_shape(b, '4');
  assert_string_not_equal(a, b);
}

static void v7_time_prefix(void **state) {
  (void)state;
  char id[37];
  /* 0x01a20f1d8380 ms -> "01a20f1d-8380-7..." (behaviour.md §0.6) */
  assert_int_equal(fin_uuid_v7_at(0x01a20f1d8380LL, id), 0);
  assert_shape(id, '7');
  assert_memory_equal(id, "01a20f1d-8380-7", 15);
  int64_t before = fin_now_ms();
  assert_int_equal(fin_uuid_v7(id), 0);
  assert_shape(id, '7');
  char hex[13] = {0};
  memcpy(hex, id, 8);
  memcpy(hex + 8, id + 9, 4);
  int64_t ms = strtoll(hex, NULL, 16);
  assert_true(ms >= before && ms <= fin_now_ms() + 1);
}

static void v7_sorted_in_creation_order(void **state) {
  (void)state;
  enum { N = 20000 };
  char(*ids)[37] = malloc(sizeof(*ids) * N);
  for (int i = 0; i < N; i++)
    assert_int_equal(fin_uuid_v7(ids[i]), 0);
  for (int i = 1; i < N; i++)
    assert_true(strcmp(ids[i - 1], ids[i]) < 0);
  free(ids);
}

#define PER_THREAD 5000
static void *worker(void *arg) {
  char(*ids)[37] = arg;
  for (int i = 0; i < PER_THREAD; i++)
    if (fin_uuid_v7(ids[i]) != 0) ids[i][0] = '\0'; /* shows up as a duplicate/short id */
  return NULL;
}

static int cmp_id(const void *a, const void *b) {
  return strcmp(a, b);
}

static void v7_unique_across_threads(void **state) {
  (void)state;
  enum { T = 4 };
  char(*ids)[37] = malloc(sizeof(*ids) * T * PER_THREAD);
  pthread_t th[T];
  for (int t = 0; t < T; t++)
    pthread_create(&th[t], NULL, worker, ids + t * PER_THREAD);
  for (int t = 0; t < T; t++)
    pthread_join(th[t], NULL);
  /* each thread's own sequence is increasing */
  for (int t = 0; t < T; t++)
    for (int i = 1; i < PER_THREAD; i++)
      assert_true(strcmp(ids[t * PER_THREAD + i - 1], ids[t * PER_THREAD + i]) < 0);
  qsort(ids, T * PER_THREAD, sizeof(*ids), cmp_id);
  for (int i = 1; i < T * PER_THREAD; i++)
    assert_true(strcmp(ids[i - 1], ids[i]) != 0);
  free(ids);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(v4_shape_and_uniqueness),
      cmocka_unit_test(v7_time_prefix),
      cmocka_unit_test(v7_sorted_in_creation_order),
      cmocka_unit_test(v7_unique_across_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
