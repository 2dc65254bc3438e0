/* ddb_seq.h - what the store remembers about outbox sequence counters.
 *
 * The counter row (acme-outbox-sequences) is advanced inside the same
 * TransactWriteItems as the event, conditioned on its current value. Knowing
 * that value saves a consistent read per event: the cache holds the last
 * value this process wrote or read. A stale value only costs a retry (the
 * condition fails and the stored value is read back).
 *
 * Commits that append to the same entity in this process also take that
 * entity's stripe lock, so 50 threads on one card queue up instead of
 * failing each other's conditions; other processes still race through the
 * condition and retry.
 */
#ifndef FIN_DDB_SEQ_H
#define FIN_DDB_SEQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DDB_SEQ_SLOTS 4096 /* cached counters (direct-mapped by hash) */
#define DDB_SEQ_STRIPES 64 /* entity locks */

struct ddb_seq_slot {
  char *key; /* owned; NULL = empty */
  int64_t value;
};

struct ddb_seq {
  pthread_mutex_t mu; /* guards slots */
  struct ddb_seq_slot slots[DDB_SEQ_SLOTS];
  pthread_mutex_t stripes[DDB_SEQ_STRIPES];
};

void ddb_seq_init(struct ddb_seq *s);
void ddb_seq_destroy(struct ddb_seq *s);
/* true with *value when `key` is cached. */
bool ddb_seq_get(struct ddb_seq *s, const char *key, int64_t *value);
/* Remembers key = value (copies key; silently skipped on OOM). */
void ddb_seq_put(struct ddb_seq *s, const char *key, int64_t value);
void ddb_seq_forget(struct ddb_seq *s, const char *key);
void ddb_seq_clear(struct ddb_seq *s);
/* Locks the stripes of keys[0..n) in index order, each once; unlock the same. */
void ddb_seq_lock(struct ddb_seq *s, const char *const *keys, size_t n);
void ddb_seq_unlock(struct ddb_seq *s, const char *const *keys, size_t n);

struct ddb;
struct ddb_seq *ddb_seq_of(struct ddb *d);

#endif
