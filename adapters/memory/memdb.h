/* memdb.h - the in-process database behind every memory port.
 *
 * One database object holds every table; one mutex guards all of them, so a
 * commit (store port) is atomic across tables and reads see committed state
 * only. Ports share the database through a reference count.
 * Internal to adapters/memory.
 */
#ifndef FIN_MEMDB_H
#define FIN_MEMDB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "../../core/ports/repos.h"

/* ---- a string-keyed hash map (chained), values are owned by the caller ---- */
struct hentry {
  char *key;
  void *val;
  struct hentry *next;
};
struct hmap {
  struct hentry **b;
  size_t nb, n;
};
void *hmap_get(const struct hmap *m, const char *key);
/* Inserts or replaces; returns 0 or -1 (OOM). The previous value is not freed. */
int hmap_put(struct hmap *m, const char *key, void *val);
/* Removes and returns the value (NULL when absent). */
void *hmap_del(struct hmap *m, const char *key);
/* Calls fn(key, val, arg) for every entry, then empties the map. */
void hmap_clear(struct hmap *m, void (*fn)(void *val));
#define HMAP_EACH(m, e)                                                                            \
  for (size_t _i = 0; _i < (m)->nb; _i++)                                                          \
    for (struct hentry *e = (m)->b[_i]; e != NULL; e = e->next)

/* ---- a growable array of fixed-size elements ---- */
struct vec {
  void *a;
  size_t n, cap, size;
};
void *vec_push(struct vec *v); /* zeroed new slot or NULL */
#define VEC_AT(v, T, i) (&((T *)(v)->a)[i])

/* A card's transactions in timestamp order (oldest first) plus an id index. */
struct card_txns {
  struct vec txns;   /* struct fin_txn */
  struct hmap index; /* transaction id -> (size_t)position+1 */
};

/* Everything that belongs to one ecosystem id. */
struct acct {
  char *eco;
  bool has_user;
  struct fin_user user;
  struct vec scores;   /* struct fin_score, oldest first */
  struct vec cards;    /* struct fin_card, creation order */
  struct vec requests; /* struct fin_card_request, creation order */
  struct hmap txns;    /* card id -> struct card_txns* */
  struct hmap idem;    /* key hash -> struct fin_idem* */
};

struct memdb {
  pthread_mutex_t lock;
  int refs;
  struct hmap accts;            /* eco -> struct acct* */
  struct hmap request_owner;    /* request id -> eco (char*) */
  struct vec events;            /* struct fin_event, insertion order */
  struct hmap event_index;      /* event id -> (size_t)position+1 */
  struct hmap sequences;        /* "<eco>:<type>:<id>" -> int64_t* */
  struct vec audit;             /* struct fin_audit */
  struct hmap wa_notifications; /* id -> struct fin_wa_notification* */
  struct hmap wa_inbound;       /* id -> struct fin_wa_inbound* */
  struct hmap approvals;        /* request id -> struct fin_pending_approval* */
};

struct memdb *memdb_new(void);
struct memdb *memdb_ref(struct memdb *db);
void memdb_unref(struct memdb *db);
void memdb_lock(struct memdb *db);
void memdb_unlock(struct memdb *db);

/* The account of eco (NULL when absent / creates it). Lock held. */
struct acct *memdb_acct(struct memdb *db, const char *eco);
struct acct *memdb_acct_create(struct memdb *db, const char *eco);
struct fin_card *memdb_card(struct acct *a, const char *card_id);
struct fin_card_request *memdb_request(struct acct *a, const char *request_id);

/* free() callbacks for hmap_clear: clear the entity, then free it. */
void memdb_idem_free(void *p);
void memdb_notif_free(void *p);
void memdb_inbound_free(void *p);
void memdb_approval_free(void *p);

/* Store-port helpers (lock held). */
int memdb_txn_put(struct acct *a, const struct fin_txn *t);
int memdb_event_put(struct memdb *db, const struct fin_event *e);

/* Copies the elements of src[0..count) matching pred (x_ is the element)
 * into a new array (out, nout). On OOM sets st = FIN_NOMEM and leaves
 * *out NULL. Never returns (the caller still holds the lock). */
#define COPY_OUT(T, copy, clear, src, count, pred, out, nout)                                      \
  do {                                                                                             \
    T *arr_ = (count) ? calloc((count), sizeof(T)) : NULL;                                         \
    size_t k_ = 0;                                                                                 \
    bool oom_ = (count) && arr_ == NULL;                                                           \
    for (size_t i_ = 0; !oom_ && i_ < (count); i_++) {                                             \
      const T *x_ = (src)[i_];                                                                     \
      if (!(pred)) continue;                                                                       \
      if (copy(&arr_[k_], x_))                                                                     \
        oom_ = true;                                                                               \
      else                                                                                         \
        k_++;                                                                                      \
    }                                                                                              \
    if (oom_) {                                                                                    \
      for (size_t j_ = 0; j_ < k_; j_++)                                                           \
        clear(&arr_[j_]);                                                                          \
      free(arr_);                                                                                  \
      arr_ = NULL, k_ = 0;                                                                         \
      st = fin_err_set(e, FIN_NOMEM, "out of memory");                                             \
    }                                                                                              \
    *(out) = arr_;                                                                                 \
    *(nout) = k_;                                                                                  \
  } while (0)

/* Port constructors: each takes a reference on db. */
struct fin_users memdb_users(struct memdb *db);
struct fin_scores memdb_scores(struct memdb *db);
struct fin_cards memdb_cards(struct memdb *db);
struct fin_card_requests memdb_requests(struct memdb *db);
struct fin_txns memdb_txns(struct memdb *db);
struct fin_idempotency memdb_idempotency(struct memdb *db);
struct fin_outbox memdb_outbox(struct memdb *db);
struct fin_audit_logs memdb_audit(struct memdb *db);
struct fin_wa_notifications memdb_wa_notifications(struct memdb *db);
struct fin_wa_inbound_repo memdb_wa_inbound(struct memdb *db);
struct fin_pending_approvals memdb_approvals(struct memdb *db);
#include "../../core/ports/store.h"
struct fin_store memdb_store(struct memdb *db);
void memdb_port_destroy(void *self); /* = memdb_unref */

#endif
