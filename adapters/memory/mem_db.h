/* mem_db.h - the in-process database behind every memory port.
 *
 * One refcounted object holds every table; one reader-writer lock guards all
 * of them, so a store commit is atomic across tables and a read sees whole
 * commits only. Each port (mem_ports.h) holds one reference; the database is
 * freed with the last one.
 *
 * Internal to adapters/memory: only mem_*.c include this file.
 *
 * Layout, chosen for memory per stored purchase (a transaction, its outbox
 * event and its idempotency record) and for paging a card's transactions:
 *  - accounts: ecosystem id -> struct mem_acct (user, score history, cards,
 *    requests, per-card transaction buckets, idempotency records);
 *  - a bucket keeps one card's transactions as compact records sorted by
 *    (timestamp, insertion), with an open-addressing id index and one
 *    position list per transaction type, so a page is O(log n + limit);
 *  - outbox events are single allocations (header + packed strings + payload
 *    as compact JSON text), indexed by id, by sequence key and by status;
 *  - card requests are kept in one list per status, each sorted by
 *    (created_at, request_id), so an admin list page is O(log n + limit).
 */
#ifndef FIN_MEM_DB_H
#define FIN_MEM_DB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../core/ports/repos.h"
#include "mem_ports.h"

/* ---- open-addressing hash map of pointers (linear probing) ----
 * The key lives inside the value; lookups pass a hash and an equality
 * callback. A NULL value marks an empty slot. */
struct mem_slot {
  void *val;
  uint32_t h;
};
struct mem_map {
  struct mem_slot *slots;
  uint32_t cap; /* 0 or a power of two */
  uint32_t n;
};
typedef bool (*mem_eq_fn)(const void *val, const void *probe);

uint32_t mem_hash(const char *s);
/* Continues a hash over more bytes (composite keys). */
uint32_t mem_hash_more(uint32_t h, const char *s);
/* The slot index holding a value equal to probe, or -1. */
long mem_map_find(const struct mem_map *m, uint32_t h, mem_eq_fn eq, const void *probe);
void *mem_map_get(const struct mem_map *m, uint32_t h, mem_eq_fn eq, const void *probe);
/* Makes room so that `extra` more insertions need no allocation. 0 or -1. */
int mem_map_reserve(struct mem_map *m, uint32_t extra);
/* Inserts a value whose key is absent; room must have been reserved. */
void mem_map_put_reserved(struct mem_map *m, uint32_t h, void *val);
/* Removes the value at slot i (backward shift: a value may move into slot i,
 * so a scan that removes must look at slot i again). */
void mem_map_remove_at(struct mem_map *m, uint32_t i);
/* Frees the slot array (values are the caller's). */
void mem_map_free(struct mem_map *m);

/* A map that grows a little at a time (its functions: mem_imap.h). */
struct mem_imap {
  struct mem_map cur; /* values inserted since the last growth, and those moved */
  struct mem_map old; /* cap 0 when no growth is under way; old.n: values not moved */
  uint32_t moved;     /* old slots [0, moved) have been moved (and are left as they were) */
};

/* Grows a plain array so it holds at least `need` elements: returns the
 * (possibly moved) array with *rc = 0, or arr unchanged with *rc = -1. */
void *mem_grow_to(void *arr, uint32_t *cap, uint32_t need, size_t elem_size, int *rc);
/* The same on an lvalue array: MEM_GROW(a->items, a->cap, n) -> 0 or -1. */
#define MEM_GROW(arr, cap, need)                                                                   \
  __extension__({                                                                                  \
    int rc_;                                                                                       \
    void *p_ = mem_grow_to((arr), &(cap), (need), sizeof *(arr), &rc_);                            \
    if (rc_ == 0) (arr) = p_;                                                                      \
    rc_;                                                                                           \
  })

/* ---- transactions ---- */
struct mem_txn {
  fin_id id;
  char type[10];
  char status[10];
  char payment_status[8];
  bool has_score_impact;
  int32_t days_overdue, score_impact;
  double amount;
  fin_ms timestamp, processed_at;
  char *strs; /* packed merchant, idempotency key, failure reason; NULL if none */
};

struct mem_tlist { /* positions (ascending) of one transaction type */
  char type[10];
  uint32_t *pos;
  uint32_t n, cap;
};

struct mem_bucket { /* the transactions of one (ecosystem, card) */
  fin_id card_id;
  struct mem_txn *a; /* sorted by (timestamp, insertion) */
  uint32_t n, cap;
  uint32_t *idx; /* id index: position + 1, 0 = empty; idx_cap power of two */
  uint32_t idx_cap;
  struct mem_tlist *types;
  uint32_t n_types, cap_types;
};

/* ---- idempotency ---- */
struct mem_idem {
  char key_hash[65];
  char operation[24];
  char fingerprint[65];
  bool has_response;
  int status_code;
  fin_ms created_at, expires_at;
  char response[]; /* NUL-terminated */
};

/* ---- accounts ---- */
struct mem_acct {
  char *eco;
  bool has_user;
  struct fin_user user;
  struct fin_score *scores; /* oldest first */
  uint32_t n_scores, cap_scores;
  struct fin_card **cards; /* creation order */
  uint32_t n_cards, cap_cards;
  struct fin_card_request **reqs; /* creation order; owned here */
  uint32_t n_reqs, cap_reqs;
  struct mem_bucket **buckets;
  uint32_t n_buckets, cap_buckets;
  struct mem_map idem; /* key_hash -> struct mem_idem * */
};

/* ---- outbox events ---- */
#define MEM_NO_PAYLOAD UINT32_MAX
struct mem_event {
  fin_id id;
  char status[12];
  int32_t retry_count;
  uint32_t failed_pos; /* index + 1 in db->failed; 0 when not failed */
  int64_t sequence;
  int64_t counter; /* the sequence key's allocation counter after this event */
  fin_ms next_retry_at, created_at, sent_at;
  fin_ms lease_until;          /* claim: the lease of lease_owner ends then (0: none) */
  char lease_owner[40];        /* claim: the instance delivering it ("" when none) */
  struct mem_event *prev_same; /* the previous event of the same sequence key */
  char *last_error;
  uint32_t off_entity_type, off_entity_id, off_eco, off_payload;
  char data[]; /* event_type \0 entity_type \0 entity_id \0 eco \0 [payload JSON \0] */
};
#define MEM_EV_TYPE(ev) ((ev)->data)
#define MEM_EV_ENTITY_TYPE(ev) ((ev)->data + (ev)->off_entity_type)
#define MEM_EV_ENTITY_ID(ev) ((ev)->data + (ev)->off_entity_id)
#define MEM_EV_ECO(ev) ((ev)->data + (ev)->off_eco)

/* ---- card requests of one status, by (created_at, request_id) ---- */
struct mem_req_list {
  char status[12]; /* as struct fin_card_request stores it */
  struct fin_card_request **items;
  uint32_t n, cap;
};

/* ---- the database ---- */
struct mem_db {
  pthread_rwlock_t lock;
  atomic_int refs;

  struct mem_map accts; /* eco -> struct mem_acct * (owned) */

  struct mem_map reqs; /* request id -> struct fin_card_request * (borrowed from accts) */
  struct mem_req_list *req_lists; /* one per status stored; each request is in its own */
  uint32_t n_req_lists, cap_req_lists;

  struct mem_imap events;        /* event id -> struct mem_event * (owned) */
  struct mem_imap seqs;          /* sequence key -> newest struct mem_event * of that key */
  struct mem_event **ev_pending; /* by (created_at, sequence, id); lazily pruned */
  uint32_t ev_head, ev_n, ev_cap, ev_stale;
  struct mem_event **failed; /* status failed, any order */
  uint32_t n_failed, cap_failed;

  struct fin_audit *audit; /* insertion order */
  uint32_t n_audit, cap_audit;

  struct mem_map wa_notif;   /* id -> struct fin_wa_notification * (owned) */
  struct mem_map wa_inbound; /* id -> struct fin_wa_inbound * (owned) */
  struct mem_map approvals;  /* request id -> struct fin_pending_approval * (owned) */
};

/* mem_db_new and mem_db_unref are in mem_ports.h. */
struct mem_db *mem_db_ref(struct mem_db *db);
/* Port destroy function: self is the database. */
void mem_db_port_destroy(void *self);

void mem_rdlock(struct mem_db *db);
void mem_wrlock(struct mem_db *db);
void mem_unlock(struct mem_db *db);

/* ---- helpers used with the lock held ---- */
struct mem_acct *mem_acct_get(const struct mem_db *db, const char *eco);
/* The account of eco, created (empty) when absent; NULL on OOM. */
struct mem_acct *mem_acct_make(struct mem_db *db, const char *eco);
/* Frees empty accounts (after maintenance deletes). */
void mem_acct_gc(struct mem_db *db);

struct fin_card *mem_card_find(const struct mem_acct *a, const char *card_id);
struct fin_card_request *mem_req_find(const struct mem_db *db, const char *request_id);
/* Whether a and b are one status as a request stores it (cut to its field,
 * so a decision's longer status string lands where the request says). */
bool mem_req_status_eq(const char *a, const char *b);
/* The list of the requests with `status`; NULL when none was ever stored. */
const struct mem_req_list *mem_req_list_of(const struct mem_db *db, const char *status);
/* Room for `extra` more requests in the list of `status`, made when absent.
 * 0 or -1 (out of memory). */
int mem_req_list_reserve(struct mem_db *db, const char *status, uint32_t extra);
/* Inserts r into the list of r->status; room must have been reserved. */
void mem_req_list_insert_reserved(struct mem_db *db, struct fin_card_request *r);
/* Removes r from the list of r->status: call it before the status changes. */
void mem_req_list_remove(struct mem_db *db, const struct fin_card_request *r);
/* Frees every list (the requests themselves belong to their accounts). */
void mem_req_lists_free(struct mem_db *db);
/* Compares two requests by (created_at, request_id). */
int mem_req_cmp(const struct fin_card_request *a, const struct fin_card_request *b);

struct mem_bucket *mem_bucket_find(const struct mem_acct *a, const char *card_id);
/* Position + 1 of transaction id in b, or 0. */
uint32_t mem_bucket_lookup(const struct mem_bucket *b, const char *txn_id);
void mem_bucket_free(struct mem_bucket *b);
/* Converts a stored transaction to the model (owned copy). 0 or -1. */
int mem_txn_to_model(const struct mem_acct *a, const struct mem_bucket *b, const struct mem_txn *t,
                     struct fin_txn *out);

struct mem_idem *mem_idem_find(const struct mem_acct *a, const char *key_hash, long *slot);
int mem_idem_to_model(const struct mem_acct *a, const struct mem_idem *r, struct fin_idem *out);

struct mem_event *mem_event_find(const struct mem_db *db, const char *event_id);
int mem_event_to_model(const struct mem_event *ev, struct fin_event *out);
/* Status bookkeeping of an event (lazy pending list, failed set). Moving to
 * "failed" needs room in db->failed: call mem_event_reserve_failed first. */
int mem_event_reserve_failed(struct mem_db *db);
void mem_event_set_status(struct mem_db *db, struct mem_event *ev, const char *status);
/* Frees every event and resets the sequence counters. Returns the count. */
long mem_events_clear(struct mem_db *db);

/* ---- what the store needs from the table files (mem_txns.c, mem_idem.c,
 * mem_outbox.c): pack a model row into its stored form outside the lock,
 * reserve room under it, then link the packed row in without failing. ---- */
int mem_txn_pack(const struct fin_txn *t, struct mem_txn *r); /* 0 or -1 */
struct mem_bucket *mem_bucket_make(struct mem_acct *a, const char *card_id);
/* Room for `extra` more rows in b, `extra_type` of them of `type`. */
int mem_bucket_reserve(struct mem_bucket *b, const char *type, uint32_t extra, uint32_t extra_type);
/* Inserts r (or replaces the row with its id); takes r->strs. */
void mem_bucket_put_reserved(struct mem_bucket *b, const struct mem_txn *r);

struct mem_idem *mem_idem_pack(const struct fin_idem *r); /* NULL on OOM; free() */
/* Inserts rec, replacing (and freeing) a record with the same key. */
void mem_idem_put_reserved(struct mem_acct *a, struct mem_idem *rec);

struct mem_event *mem_event_pack(const struct fin_event *e); /* NULL on OOM */
void mem_event_free(struct mem_event *ev);
/* Room for `extra` more events in every event index. */
int mem_event_reserve(struct mem_db *db, uint32_t extra);
/* Links ev in; allocates its sequence number when ev->sequence == 0. */
void mem_event_append_reserved(struct mem_db *db, struct mem_event *ev);

/* Copies n model elements out of the database into a new array; on failure
 * frees what was copied and returns -1. `get` returns element i. */
#define MEM_COPY_OUT(T, copy, clear, count, get, out, nout)                                        \
  ({                                                                                               \
    size_t n_ = (count), k_ = 0;                                                                   \
    T *arr_ = n_ ? calloc(n_, sizeof(T)) : NULL;                                                   \
    int rc_ = (n_ && arr_ == NULL) ? -1 : 0;                                                       \
    for (size_t i_ = 0; rc_ == 0 && i_ < n_; i_++, k_++)                                           \
      if (copy(&arr_[i_], (get)) != 0) rc_ = -1;                                                   \
    if (rc_ != 0) {                                                                                \
      for (size_t j_ = 0; j_ < k_; j_++)                                                           \
        clear(&arr_[j_]);                                                                          \
      free(arr_);                                                                                  \
      arr_ = NULL, k_ = 0;                                                                         \
    }                                                                                              \
    *(out) = arr_;                                                                                 \
    *(nout) = k_;                                                                                  \
    rc_;                                                                                           \
  })

#endif
