/* ids.h - identifiers: UUID v4 (random) and UUID v7 (time-ordered, monotonic
 * within a process: a counter inside each millisecond keeps them sorted in
 * creation order). Lower-case, hyphenated, 36 chars. Thread-safe.
 *
 * Every generator returns 0, or -1 when the random source failed: buf is then
 * "" (never an id made from zeroed or reused bytes), a random_source_failed
 * line is logged, and the caller must fail its request. */
#ifndef FIN_IDS_H
#define FIN_IDS_H

#include <stdbool.h>
#include <stdint.h>

#define FIN_IDS_WUR __attribute__((warn_unused_result))

/* buf >= 37 bytes. */
int fin_uuid_v4(char *buf) FIN_IDS_WUR;
int fin_uuid_v7(char *buf) FIN_IDS_WUR;
/* A UUID v7 carrying the time `ms`: ids made one after another for the
 * same millisecond increase. Transactions take theirs from their timestamp,
 * so id order is time order (stores keyed by id list them newest first). */
int fin_uuid_v7_at(int64_t ms, char *buf) FIN_IDS_WUR;

#ifdef UNIT_TESTING_BUILD
/* Test hooks (sanitizer/test build only). While on, the random source
 * fails. _after(n): the next n ids are made, then every one fails until the
 * hook is reset with fin_ids_test_fail_random(false). */
void fin_ids_test_fail_random(bool on);
void fin_ids_test_fail_random_after(int n);
#endif

#endif
