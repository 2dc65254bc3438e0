/* mem_db.c - the shared database object: hash map, arrays, lock, refcount,
 * accounts (see mem_db.h). */
#include "mem_db.h"

#include <stdlib.h>
#include <string.h>

/* ---- hashing ---- */
uint32_t mem_hash_more(uint32_t h, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    h = (h ^ *p) * 16777619u; /* FNV-1a */
  return h;
}

uint32_t mem_hash(const char *s) {
  return mem_hash_more(2166136261u, s);
}

/* ---- the map ---- */
long mem_map_find(const struct mem_map *m, uint32_t h, mem_eq_fn eq, const void *probe) {
  if (m->cap == 0) return -1;
  uint32_t mask = m->cap - 1;
  for (uint32_t i = h & mask;; i = (i + 1) & mask) {
    const struct mem_slot *s = &m->slots[i];
    if (s->val == NULL) return -1;
    if (s->h == h && eq(s->val, probe)) return (long)i;
  }
}

void *mem_map_get(const struct mem_map *m, uint32_t h, mem_eq_fn eq, const void *probe) {
  long i = mem_map_find(m, h, eq, probe);
  return i < 0 ? NULL : m->slots[i].val;
}

static void put_slot(struct mem_slot *slots, uint32_t cap, uint32_t h, void *val) {
  uint32_t mask = cap - 1, i = h & mask;
  while (slots[i].val != NULL)
    i = (i + 1) & mask;
  slots[i].val = val;
  slots[i].h = h;
}

int mem_map_reserve(struct mem_map *m, uint32_t extra) {
  uint64_t need = (uint64_t)m->n + extra;
  if (need * 4 <= (uint64_t)m->cap * 3) return 0; /* load factor <= 3/4 */
  uint64_t cap = m->cap ? m->cap : 8;
  while (need * 4 > cap * 3)
    cap *= 2;
  if (cap > UINT32_MAX / 2 + 1) return -1;
  struct mem_slot *slots = calloc(cap, sizeof *slots);
  if (slots == NULL) return -1;
  for (uint32_t i = 0; i < m->cap; i++)
    if (m->slots[i].val != NULL) put_slot(slots, (uint32_t)cap, m->slots[i].h, m->slots[i].val);
  free(m->slots);
  m->slots = slots;
  m->cap = (uint32_t)cap;
  return 0;
}

void mem_map_put_reserved(struct mem_map *m, uint32_t h, void *val) {
  put_slot(m->slots, m->cap, h, val);
  m->n++;
}

void mem_map_remove_at(struct mem_map *m, uint32_t i) {
  uint32_t mask = m->cap - 1;
  m->slots[i].val = NULL;
  m->n--;
  for (uint32_t j = i;;) {
    j = (j + 1) & mask;
    if (m->slots[j].val == NULL) return;
    uint32_t home = m->slots[j].h & mask;
    /* The value at j stays when its home lies cyclically in (i, j]. */
    bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (stays) continue;
    m->slots[i] = m->slots[j];
    m->slots[j].val = NULL;
    i = j;
  }
}

void mem_map_free(struct mem_map *m) {
  free(m->slots);
  m->slots = NULL;
  m->cap = m->n = 0;
}

void *mem_grow_to(void *arr, uint32_t *cap, uint32_t need, size_t elem_size, int *rc) {
  *rc = 0;
  if (need <= *cap) return arr;
  uint64_t c = *cap ? (uint64_t)*cap + *cap / 2 : 4;
  if (c < need) c = need;
  void *a =
      c <= UINT32_MAX && c <= SIZE_MAX / elem_size ? realloc(arr, (size_t)c * elem_size) : NULL;
  if (a == NULL) {
    *rc = -1;
    return arr;
  }
  *cap = (uint32_t)c;
  return a;
}

/* ---- accounts ---- */
static bool acct_eq(const void *val, const void *probe) {
  return strcmp(((const struct mem_acct *)val)->eco, probe) == 0;
}

struct mem_acct *mem_acct_get(const struct mem_db *db, const char *eco) {
  return mem_map_get(&db->accts, mem_hash(eco), acct_eq, eco);
}

struct mem_acct *mem_acct_make(struct mem_db *db, const char *eco) {
  uint32_t h = mem_hash(eco);
  struct mem_acct *a = mem_map_get(&db->accts, h, acct_eq, eco);
  if (a != NULL) return a;
  if (mem_map_reserve(&db->accts, 1) != 0) return NULL;
  a = calloc(1, sizeof *a);
  if (a == NULL || (a->eco = strdup(eco)) == NULL) {
    free(a);
    return NULL;
  }
  mem_map_put_reserved(&db->accts, h, a);
  return a;
}

static void idem_free_all(struct mem_map *m) {
  for (uint32_t i = 0; i < m->cap; i++)
    free(m->slots[i].val);
  mem_map_free(m);
}

/* Frees an account and everything it owns. Its requests must already be out
 * of db->reqs and db->req_lists (database teardown, or none left). */
static void acct_free(struct mem_acct *a) {
  fin_user_clear(&a->user);
  for (uint32_t i = 0; i < a->n_scores; i++)
    fin_score_clear(&a->scores[i]);
  free(a->scores);
  for (uint32_t i = 0; i < a->n_cards; i++) {
    fin_card_clear(a->cards[i]);
    free(a->cards[i]);
  }
  free(a->cards);
  for (uint32_t i = 0; i < a->n_reqs; i++) {
    fin_card_request_clear(a->reqs[i]);
    free(a->reqs[i]);
  }
  free(a->reqs);
  for (uint32_t i = 0; i < a->n_buckets; i++)
    mem_bucket_free(a->buckets[i]);
  free(a->buckets);
  idem_free_all(&a->idem);
  free(a->eco);
  free(a);
}

static bool acct_empty(const struct mem_acct *a) {
  return !a->has_user && a->n_scores == 0 && a->n_cards == 0 && a->n_reqs == 0 &&
         a->n_buckets == 0 && a->idem.n == 0;
}

void mem_acct_gc(struct mem_db *db) {
  struct mem_map *m = &db->accts;
  for (uint32_t i = 0; i < m->cap;) {
    struct mem_acct *a = m->slots[i].val;
    if (a != NULL && acct_empty(a)) {
      mem_map_remove_at(m, i); /* slot i may now hold another value: look again */
      acct_free(a);
      continue;
    }
    i++;
  }
}

struct fin_card *mem_card_find(const struct mem_acct *a, const char *card_id) {
  for (uint32_t i = 0; a != NULL && i < a->n_cards; i++)
    if (strcmp(a->cards[i]->card_id, card_id) == 0) return a->cards[i];
  return NULL;
}

/* ---- the database ---- */
struct mem_db *mem_db_new(void) {
  struct mem_db *db = calloc(1, sizeof *db);
  if (db == NULL) return NULL;
  pthread_rwlockattr_t attr;
  pthread_rwlockattr_init(&attr);
  /* Writers (commits) must not starve behind a stream of readers. */
  pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  int rc = pthread_rwlock_init(&db->lock, &attr);
  pthread_rwlockattr_destroy(&attr);
  if (rc != 0) {
    free(db);
    return NULL;
  }
  atomic_init(&db->refs, 1);
  return db;
}

struct mem_db *mem_db_ref(struct mem_db *db) {
  atomic_fetch_add_explicit(&db->refs, 1, memory_order_relaxed);
  return db;
}

static void free_map_values(struct mem_map *m, void (*clear)(void *)) {
  for (uint32_t i = 0; i < m->cap; i++) {
    if (m->slots[i].val == NULL) continue;
    clear(m->slots[i].val);
    free(m->slots[i].val);
  }
  mem_map_free(m);
}

static void notif_clear(void *p) {
  fin_wa_notification_clear(p);
}
static void inbound_clear(void *p) {
  fin_wa_inbound_clear(p);
}
static void approval_clear(void *p) {
  fin_pending_approval_clear(p);
}

void mem_db_unref(struct mem_db *db) {
  if (db == NULL) return;
  if (atomic_fetch_sub_explicit(&db->refs, 1, memory_order_acq_rel) != 1) return;
  /* Last reference: nobody else can reach db any more. */
  mem_map_free(&db->reqs);
  mem_req_lists_free(db);
  for (uint32_t i = 0; i < db->accts.cap; i++)
    if (db->accts.slots[i].val != NULL) acct_free(db->accts.slots[i].val);
  mem_map_free(&db->accts);
  mem_events_clear(db);
  free(db->ev_pending);
  free(db->failed);
  for (uint32_t i = 0; i < db->n_audit; i++)
    fin_audit_clear(&db->audit[i]);
  free(db->audit);
  free_map_values(&db->wa_notif, notif_clear);
  free_map_values(&db->wa_inbound, inbound_clear);
  free_map_values(&db->approvals, approval_clear);
  pthread_rwlock_destroy(&db->lock);
  free(db);
}

void mem_db_port_destroy(void *self) {
  mem_db_unref(self);
}

/* Critical sections are a few microseconds: a holder running on another
 * core lets go sooner than a sleep and a wake-up (two system calls and a
 * context switch) would take, so try for a short while before blocking. */
#define LOCK_SPINS 64
#if defined(__x86_64__) || defined(__i386__)
#define spin_pause() __builtin_ia32_pause()
#else
#define spin_pause() ((void)0)
#endif

void mem_rdlock(struct mem_db *db) {
  for (int i = 0; i < LOCK_SPINS; i++) {
    if (pthread_rwlock_tryrdlock(&db->lock) == 0) return;
    spin_pause();
  }
  pthread_rwlock_rdlock(&db->lock);
}

void mem_wrlock(struct mem_db *db) {
  for (int i = 0; i < LOCK_SPINS; i++) {
    if (pthread_rwlock_trywrlock(&db->lock) == 0) return;
    spin_pause();
  }
  pthread_rwlock_wrlock(&db->lock);
}

void mem_unlock(struct mem_db *db) {
  pthread_rwlock_unlock(&db->lock);
}
