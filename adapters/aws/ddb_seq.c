/* ddb_seq.c - sequence counter cache and entity locks (see ddb_seq.h). */
#include "ddb_seq.h"

#include "../../core/util/io.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s) { /* FNV-1a */
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

void ddb_seq_init(struct ddb_seq *s) {
  memset(s->slots, 0, sizeof s->slots);
  pthread_mutex_init(&s->mu, NULL);
  for (int i = 0; i < DDB_SEQ_STRIPES; i++)
    pthread_mutex_init(&s->stripes[i], NULL);
}

void ddb_seq_destroy(struct ddb_seq *s) {
  ddb_seq_clear(s);
  pthread_mutex_destroy(&s->mu);
  for (int i = 0; i < DDB_SEQ_STRIPES; i++)
    pthread_mutex_destroy(&s->stripes[i]);
}

bool ddb_seq_get(struct ddb_seq *s, const char *key, int64_t *value) {
  struct ddb_seq_slot *slot = &s->slots[hash(key) % DDB_SEQ_SLOTS];
  pthread_mutex_lock(&s->mu);
  bool hit = slot->key != NULL && strcmp(slot->key, key) == 0;
  if (hit) *value = slot->value;
  pthread_mutex_unlock(&s->mu);
  return hit;
}

void ddb_seq_put(struct ddb_seq *s, const char *key, int64_t value) {
  struct ddb_seq_slot *slot = &s->slots[hash(key) % DDB_SEQ_SLOTS];
  pthread_mutex_lock(&s->mu);
  if (slot->key == NULL || strcmp(slot->key, key) != 0) {
    free(slot->key); /* direct-mapped: a collision evicts the older key */
    slot->key = strdup(key);
  }
  slot->value = value;
  pthread_mutex_unlock(&s->mu);
}

void ddb_seq_forget(struct ddb_seq *s, const char *key) {
  struct ddb_seq_slot *slot = &s->slots[hash(key) % DDB_SEQ_SLOTS];
  pthread_mutex_lock(&s->mu);
  if (slot->key != NULL && strcmp(slot->key, key) == 0) {
    free(slot->key);
    slot->key = NULL;
  }
  pthread_mutex_unlock(&s->mu);
}

void ddb_seq_clear(struct ddb_seq *s) {
  pthread_mutex_lock(&s->mu);
  for (int i = 0; i < DDB_SEQ_SLOTS; i++) {
    free(s->slots[i].key);
    s->slots[i].key = NULL;
  }
  pthread_mutex_unlock(&s->mu);
}

/* Stripe indexes of the keys, sorted and unique: a fixed order avoids
 * deadlocks between commits that touch several entities. */
static size_t stripes_of(const char *const *keys, size_t n, int *out) {
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    int st = (int)(hash(keys[i]) % DDB_SEQ_STRIPES);
    size_t j = m;
    while (j > 0 && out[j - 1] > st)
      j--;
    if (j > 0 && out[j - 1] == st) continue;
    memmove(out + j + 1, out + j, (m - j) * sizeof *out);
    out[j] = st;
    m++;
  }
  return m;
}

void ddb_seq_lock(struct ddb_seq *s, const char *const *keys, size_t n) {
  int idx[DDB_SEQ_STRIPES];
  size_t m = stripes_of(keys, n < DDB_SEQ_STRIPES ? n : DDB_SEQ_STRIPES, idx);
  for (size_t i = 0; i < m; i++)
    fin_io_lock(&s->stripes[idx[i]]); /* held across store calls */
}

void ddb_seq_unlock(struct ddb_seq *s, const char *const *keys, size_t n) {
  int idx[DDB_SEQ_STRIPES];
  size_t m = stripes_of(keys, n < DDB_SEQ_STRIPES ? n : DDB_SEQ_STRIPES, idx);
  for (size_t i = m; i-- > 0;)
    pthread_mutex_unlock(&s->stripes[idx[i]]);
}
