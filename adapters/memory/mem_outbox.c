/* mem_outbox.c - the outbox repository (repos.h) and the events the store
 * appends (EVENT_APPEND), with per-key sequence numbers.
 *
 * An event is one allocation: a fixed header, then its strings and its
 * payload as compact JSON text (a json_t tree costs several times more).
 * Indexes: id -> event; sequence key "<eco>:<entityType>:<entityId>" -> the
 * newest event of that key (older ones chained through prev_same; each
 * event records the key's allocation counter after it); the pending list
 * sorted by (created_at, sequence, id), pruned lazily as events leave
 * `pending`; and the set of failed events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/jsonin.h"
#include "../../core/util/jsonout.h"
#include "mem_db.h"
#include "mem_imap.h"

/* ---- keys ---- */
static bool event_eq(const void *val, const void *probe) {
  return strcmp(((const struct mem_event *)val)->id, probe) == 0;
}

struct mem_event *mem_event_find(const struct mem_db *db, const char *event_id) {
  return mem_imap_get(&db->events, mem_hash(event_id), event_eq, event_id);
}

/* Walks "<a>:<b>:<c>" one character at a time without building it. */
struct key_iter {
  const char *const *part;
  int i;
  const char *s;
};
static int key_next(struct key_iter *k) {
  if (*k->s != '\0') return (unsigned char)*k->s++;
  if (k->i == 2) return -1;
  k->s = k->part[++k->i];
  return ':';
}

static bool seq_eq(const void *val, const void *probe) {
  const struct mem_event *ev = val;
  const char *const mine[3] = {MEM_EV_ECO(ev), MEM_EV_ENTITY_TYPE(ev), MEM_EV_ENTITY_ID(ev)};
  struct key_iter a = {mine, 0, mine[0]}, b = {probe, 0, ((const char *const *)probe)[0]};
  for (;;) {
    int x = key_next(&a), y = key_next(&b);
    if (x != y) return false;
    if (x < 0) return true;
  }
}

static uint32_t seq_hash(const char *const key[3]) {
  uint32_t h = mem_hash(key[0]);
  h = mem_hash_more(mem_hash_more(h, ":"), key[1]);
  return mem_hash_more(mem_hash_more(h, ":"), key[2]);
}

static int pending_cmp(const struct mem_event *a, const struct mem_event *b) {
  if (a->created_at != b->created_at) return a->created_at < b->created_at ? -1 : 1;
  if (a->sequence != b->sequence) return a->sequence < b->sequence ? -1 : 1;
  return strcmp(a->id, b->id);
}

static bool is_pending(const struct mem_event *ev) {
  return strcmp(ev->status, "pending") == 0;
}

/* ---- building and reading events ---- */
struct mem_event *mem_event_pack(const struct fin_event *e) {
  char *payload = NULL;
  if (e->payload != NULL) {
    payload = fin_json_dump_typed(e->payload, NULL); /* reads back with the same types */
    if (payload == NULL) return NULL;
  }
  const char *s[4] = {e->event_type, e->entity_type, e->entity_id, e->ecosystem_id};
  size_t len[4], total = payload ? strlen(payload) + 1 : 0;
  for (int i = 0; i < 4; i++)
    total += (len[i] = strlen(s[i])) + 1;
  struct mem_event *ev = total < UINT32_MAX ? malloc(sizeof *ev + total) : NULL;
  char *last_error = e->last_error ? strdup(e->last_error) : NULL;
  if (ev == NULL || (e->last_error != NULL && last_error == NULL)) {
    free(ev), free(last_error), free(payload);
    return NULL;
  }
  memset(ev, 0, sizeof *ev);
  fin_strlcpy(ev->id, e->event_id, sizeof ev->id);
  fin_strlcpy(ev->status, e->status[0] ? e->status : "pending", sizeof ev->status);
  ev->retry_count = e->retry_count;
  ev->sequence = e->sequence;
  ev->created_at = e->created_at;
  ev->next_retry_at = e->next_retry_at ? e->next_retry_at : e->created_at;
  ev->sent_at = e->sent_at;
  ev->last_error = last_error;
  uint32_t off = 0, *offs[4] = {NULL, &ev->off_entity_type, &ev->off_entity_id, &ev->off_eco};
  for (int i = 0; i < 4; i++) {
    if (offs[i]) *offs[i] = off;
    memcpy(ev->data + off, s[i], len[i] + 1);
    off += (uint32_t)len[i] + 1;
  }
  ev->off_payload = MEM_NO_PAYLOAD;
  if (payload != NULL) {
    ev->off_payload = off;
    strcpy(ev->data + off, payload);
    free(payload);
  }
  return ev;
}

void mem_event_free(struct mem_event *ev) {
  if (ev == NULL) return;
  free(ev->last_error);
  free(ev);
}

/* A stored payload's text back as a value: the fast reader takes objects
 * and arrays (every payload the services write); jansson anything else. */
static json_t *payload_of(const char *text) {
  size_t n = strlen(text);
  json_t *v = fin_json_parse(text, n, NULL);
  return v != NULL ? v : json_loadb(text, n, JSON_DECODE_ANY, NULL);
}

int mem_event_to_model(const struct mem_event *ev, struct fin_event *out) {
  memset(out, 0, sizeof *out);
  memcpy(out->event_id, ev->id, sizeof out->event_id);
  memcpy(out->status, ev->status, sizeof out->status);
  out->sequence = ev->sequence;
  out->retry_count = ev->retry_count;
  out->next_retry_at = ev->next_retry_at;
  out->created_at = ev->created_at;
  out->sent_at = ev->sent_at;
  bool ok = (out->event_type = strdup(MEM_EV_TYPE(ev))) != NULL &&
            (out->entity_type = strdup(MEM_EV_ENTITY_TYPE(ev))) != NULL &&
            (out->entity_id = strdup(MEM_EV_ENTITY_ID(ev))) != NULL &&
            (out->ecosystem_id = strdup(MEM_EV_ECO(ev))) != NULL &&
            (ev->last_error == NULL || (out->last_error = strdup(ev->last_error)) != NULL);
  if (ok && ev->off_payload != MEM_NO_PAYLOAD)
    ok = (out->payload = payload_of(ev->data + ev->off_payload)) != NULL;
  if (ok) return 0;
  fin_event_clear(out);
  return -1;
}

/* ---- the pending list and the failed set ---- */
/* Drops stale entries and the consumed head so the live ones start at 0. */
static void pending_compact(struct mem_db *db) {
  uint32_t k = 0;
  for (uint32_t i = db->ev_head; i < db->ev_n; i++)
    if (is_pending(db->ev_pending[i])) db->ev_pending[k++] = db->ev_pending[i];
  db->ev_n = k;
  db->ev_head = db->ev_stale = 0;
}

int mem_event_reserve(struct mem_db *db, uint32_t extra) {
  if (mem_imap_reserve(&db->events, extra) || mem_imap_reserve(&db->seqs, extra)) return -1;
  if (db->ev_n + extra > db->ev_cap && db->ev_head > 0) pending_compact(db);
  if (MEM_GROW(db->ev_pending, db->ev_cap, db->ev_n + extra)) return -1;
  return MEM_GROW(db->failed, db->cap_failed, db->n_failed + extra);
}

int mem_event_reserve_failed(struct mem_db *db) {
  return MEM_GROW(db->failed, db->cap_failed, db->n_failed + 1);
}

static void pending_insert(struct mem_db *db, struct mem_event *ev) {
  uint32_t lo = db->ev_head, hi = db->ev_n;
  if (hi > lo && pending_cmp(db->ev_pending[hi - 1], ev) > 0) {
    while (lo < hi) {
      uint32_t mid = lo + (hi - lo) / 2;
      if (pending_cmp(db->ev_pending[mid], ev) <= 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  } else {
    lo = hi; /* the usual append */
  }
  memmove(&db->ev_pending[lo + 1], &db->ev_pending[lo], (db->ev_n - lo) * sizeof *db->ev_pending);
  db->ev_pending[lo] = ev;
  db->ev_n++;
}

void mem_event_set_status(struct mem_db *db, struct mem_event *ev, const char *status) {
  bool was_pending = is_pending(ev), was_failed = ev->failed_pos != 0;
  fin_strlcpy(ev->status, status, sizeof ev->status);
  bool now_pending = is_pending(ev), now_failed = strcmp(ev->status, "failed") == 0;
  if (was_failed && !now_failed) { /* swap-remove from the failed set */
    uint32_t i = ev->failed_pos - 1;
    struct mem_event *last = db->failed[--db->n_failed];
    db->failed[i] = last;
    last->failed_pos = i + 1;
    ev->failed_pos = 0;
  } else if (!was_failed && now_failed) {
    db->failed[db->n_failed++] = ev; /* room reserved by the caller */
    ev->failed_pos = db->n_failed;
  }
  if (was_pending && !now_pending) { /* lazily out of the pending list */
    db->ev_stale++;
    while (db->ev_head < db->ev_n && !is_pending(db->ev_pending[db->ev_head]))
      db->ev_head++, db->ev_stale--;
    uint32_t live = db->ev_n - db->ev_head - db->ev_stale;
    if (db->ev_head == db->ev_n)
      db->ev_head = db->ev_n = db->ev_stale = 0;
    else if (db->ev_stale > 64 && db->ev_stale > live)
      pending_compact(db);
  }
  /* Nothing moves an event back to pending (no port operation does). */
}

void mem_event_append_reserved(struct mem_db *db, struct mem_event *ev) {
  const char *const key[3] = {MEM_EV_ECO(ev), MEM_EV_ENTITY_TYPE(ev), MEM_EV_ENTITY_ID(ev)};
  uint32_t h = seq_hash(key);
  void **slot = mem_imap_ref(&db->seqs, h, seq_eq, key);
  struct mem_event *tail = slot != NULL ? *slot : NULL;
  int64_t counter = tail ? tail->counter : 0;
  if (ev->sequence == 0) ev->sequence = ++counter;
  ev->counter = counter;
  ev->prev_same = tail;
  if (slot != NULL)
    *slot = ev;
  else
    mem_imap_put_reserved(&db->seqs, h, ev);
  mem_imap_put_reserved(&db->events, mem_hash(ev->id), ev);
  if (is_pending(ev)) pending_insert(db, ev);
  if (strcmp(ev->status, "failed") == 0) {
    db->failed[db->n_failed++] = ev;
    ev->failed_pos = db->n_failed;
  }
}

static void event_free_cb(void *ev) {
  mem_event_free(ev);
}

long mem_events_clear(struct mem_db *db) {
  long n = mem_imap_count(&db->events);
  mem_imap_each(&db->events, event_free_cb);
  mem_imap_free(&db->events);
  mem_imap_free(&db->seqs); /* resets every sequence counter */
  free(db->ev_pending);
  db->ev_pending = NULL;
  db->ev_head = db->ev_n = db->ev_cap = db->ev_stale = 0;
  free(db->failed);
  db->failed = NULL;
  db->n_failed = db->cap_failed = 0;
  return n;
}

/* ---- the port ---- */
static int event_out(struct fin_event *out, const struct mem_event *ev) {
  return mem_event_to_model(ev, out);
}

static enum fin_status copy_events(struct mem_event *const *pick, size_t count,
                                   struct fin_event **out, size_t *n, struct fin_err *e) {
  if (MEM_COPY_OUT(struct fin_event, event_out, fin_event_clear, count, pick[i_], out, n))
    return fin_err_set(e, FIN_NOMEM, "out of memory");
  return FIN_OK;
}

static enum fin_status ob_find_pending(void *self, int limit, struct fin_event **out, size_t *n,
                                       struct fin_err *e) {
  *out = NULL, *n = 0;
  uint32_t lim = limit < 1 ? 1 : (uint32_t)limit;
  struct mem_db *db = self;
  mem_rdlock(db);
  uint32_t live = db->ev_n - db->ev_head - db->ev_stale, count = 0;
  uint32_t want = live < lim ? live : lim;
  struct mem_event **pick = want ? malloc(want * sizeof *pick) : NULL;
  enum fin_status st = want && pick == NULL ? fin_err_set(e, FIN_NOMEM, "out of memory") : FIN_OK;
  for (uint32_t i = db->ev_head; st == FIN_OK && i < db->ev_n && count < want; i++)
    if (is_pending(db->ev_pending[i])) pick[count++] = db->ev_pending[i];
  if (st == FIN_OK) st = copy_events(pick, count, out, n, e);
  mem_unlock(db);
  free(pick);
  return st;
}

static int retry_cmp(const void *x, const void *y) {
  const struct mem_event *a = *(struct mem_event *const *)x, *b = *(struct mem_event *const *)y;
  if (a->next_retry_at != b->next_retry_at) return a->next_retry_at < b->next_retry_at ? -1 : 1;
  return pending_cmp(a, b);
}

static enum fin_status ob_find_retry(void *self, fin_ms now, int limit, struct fin_event **out,
                                     size_t *n, struct fin_err *e) {
  *out = NULL, *n = 0;
  uint32_t lim = limit < 1 ? 1 : (uint32_t)limit;
  struct mem_db *db = self;
  mem_rdlock(db);
  uint32_t count = 0;
  struct mem_event **pick = db->n_failed ? malloc(db->n_failed * sizeof *pick) : NULL;
  enum fin_status st =
      db->n_failed && pick == NULL ? fin_err_set(e, FIN_NOMEM, "out of memory") : FIN_OK;
  for (uint32_t i = 0; st == FIN_OK && i < db->n_failed; i++)
    if (db->failed[i]->next_retry_at <= now) pick[count++] = db->failed[i];
  if (st == FIN_OK) {
    if (count > 1) qsort(pick, count, sizeof *pick, retry_cmp);
    st = copy_events(pick, count < lim ? count : lim, out, n, e);
  }
  mem_unlock(db);
  free(pick);
  return st;
}

static enum fin_status ob_get(void *self, const char *event_id, struct fin_event *out,
                              struct fin_err *e) {
  memset(out, 0, sizeof *out);
  if (event_id == NULL) return fin_err_set(e, FIN_INVALID, "event id is required");
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  mem_rdlock(db);
  const struct mem_event *ev = mem_event_find(db, event_id);
  if (ev == NULL)
    st = fin_err_set(e, FIN_NOT_FOUND, "Event not found: %s", event_id);
  else if (mem_event_to_model(ev, out) != 0)
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  mem_unlock(db);
  return st;
}

enum mark { MARK_SENT, MARK_FAILED, MARK_DEAD };

/* One status change under the write lock; allocates before changing. */
/* Sent ends the lease (caller holds the write lock). */
static void set_sent(struct mem_db *db, struct mem_event *ev, fin_ms when) {
  ev->lease_until = 0, ev->lease_owner[0] = '\0';
  mem_event_set_status(db, ev, "sent");
  ev->sent_at = when;
}

static enum fin_status mark(struct mem_db *db, const char *event_id, enum mark how,
                            const char *error, fin_ms when, struct fin_err *e) {
  if (event_id == NULL) return fin_err_set(e, FIN_INVALID, "event id is required");
  char *err_copy = NULL;
  if (how != MARK_SENT && (err_copy = strdup(error ? error : "")) == NULL)
    return fin_err_set(e, FIN_NOMEM, "out of memory");
  enum fin_status st = FIN_OK;
  mem_wrlock(db);
  struct mem_event *ev = mem_event_find(db, event_id);
  if (ev == NULL) {
    st = fin_err_set(e, FIN_NOT_FOUND, "Event not found: %s", event_id);
  } else if (how == MARK_FAILED && mem_event_reserve_failed(db) != 0) {
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  } else if (how == MARK_SENT) {
    set_sent(db, ev, when);
  } else {
    ev->lease_until = 0, ev->lease_owner[0] = '\0';
    mem_event_set_status(db, ev, how == MARK_FAILED ? "failed" : "dead_letter");
    free(ev->last_error);
    ev->last_error = err_copy;
    err_copy = NULL;
    if (how == MARK_FAILED) {
      ev->retry_count++;
      ev->next_retry_at = when;
    }
  }
  mem_unlock(db);
  free(err_copy);
  return st;
}

/* Whether `owner` may lease ev at `now` (caller holds the write lock). */
static enum fin_status claimable(const struct mem_event *ev, const char *id, const char *owner,
                                 fin_ms now, struct fin_err *e) {
  if (ev == NULL) return fin_err_set(e, FIN_NOT_FOUND, "Event not found: %s", id);
  if (strcmp(ev->status, "pending") != 0 && strcmp(ev->status, "failed") != 0)
    return fin_err_set(e, FIN_PRECONDITION, "event %s is %s", id, ev->status);
  if (ev->lease_owner[0] != '\0' && ev->lease_until > now && strcmp(ev->lease_owner, owner) != 0)
    return fin_err_set(e, FIN_PRECONDITION, "event %s is leased to another instance", id);
  return FIN_OK;
}

static bool owner_ok(const char *owner) {
  return owner != NULL && strlen(owner) < sizeof((struct mem_event *)0)->lease_owner;
}

static void lease(struct mem_event *ev, const char *owner, fin_ms until) {
  fin_strlcpy(ev->lease_owner, owner, sizeof ev->lease_owner); /* snprintf("%s") cut alike */
  ev->lease_until = until;
}

static enum fin_status ob_claim(void *self, const char *event_id, const char *owner, fin_ms now,
                                fin_ms lease_until, struct fin_err *e) {
  struct mem_db *db = self;
  if (event_id == NULL || !owner_ok(owner))
    return fin_err_set(e, FIN_INVALID, "event id and a short owner are required");
  mem_wrlock(db);
  struct mem_event *ev = mem_event_find(db, event_id);
  enum fin_status st = claimable(ev, event_id, owner, now, e);
  if (st == FIN_OK) lease(ev, owner, lease_until);
  mem_unlock(db);
  return st;
}

/* All or none, under one lock: every event is checked before any is leased. */
static enum fin_status ob_claim_many(void *self, const char *const *ids, size_t n,
                                     const char *owner, fin_ms now, fin_ms lease_until,
                                     struct fin_err *e) {
  struct mem_db *db = self;
  if (!owner_ok(owner) || n > FIN_OUTBOX_MANY)
    return fin_err_set(e, FIN_INVALID, "a short owner and at most %d events are required",
                       FIN_OUTBOX_MANY);
  enum fin_status st = FIN_OK;
  mem_wrlock(db);
  for (size_t i = 0; i < n && st == FIN_OK; i++)
    if (claimable(mem_event_find(db, ids[i]), ids[i], owner, now, e) != FIN_OK)
      st = fin_err_set(e, FIN_PRECONDITION, "outbox: not every event could be taken");
  for (size_t i = 0; i < n && st == FIN_OK; i++)
    lease(mem_event_find(db, ids[i]), owner, lease_until);
  mem_unlock(db);
  return st;
}

static enum fin_status ob_mark_sent_many(void *self, const char *const *ids, size_t n, fin_ms now,
                                         struct fin_err *e) {
  struct mem_db *db = self;
  if (n > FIN_OUTBOX_MANY)
    return fin_err_set(e, FIN_INVALID, "at most %d events are required", FIN_OUTBOX_MANY);
  enum fin_status st = FIN_OK;
  mem_wrlock(db);
  for (size_t i = 0; i < n && st == FIN_OK; i++)
    if (mem_event_find(db, ids[i]) == NULL)
      st = fin_err_set(e, FIN_PRECONDITION, "outbox: event %s is gone", ids[i]);
  for (size_t i = 0; i < n && st == FIN_OK; i++)
    set_sent(db, mem_event_find(db, ids[i]), now);
  mem_unlock(db);
  return st;
}

static enum fin_status ob_mark_sent(void *self, const char *event_id, fin_ms now,
                                    struct fin_err *e) {
  return mark(self, event_id, MARK_SENT, NULL, now, e);
}

static enum fin_status ob_mark_failed(void *self, const char *event_id, const char *error,
                                      fin_ms retry_at, struct fin_err *e) {
  return mark(self, event_id, MARK_FAILED, error, retry_at, e);
}

static enum fin_status ob_mark_dead(void *self, const char *event_id, const char *error,
                                    struct fin_err *e) {
  return mark(self, event_id, MARK_DEAD, error, 0, e);
}

static enum fin_status ob_clear(void *self, long *deleted, struct fin_err *e) {
  struct mem_db *db = self;
  mem_wrlock(db);
  long n = mem_events_clear(db);
  mem_unlock(db);
  if (deleted) *deleted = n;
  return FIN_OK;
}

/* Stable insertion sort by sequence: the chain is already in order unless a
 * caller supplied its own numbers. */
static void sort_by_sequence(struct mem_event **a, size_t n) {
  for (size_t i = 1; i < n; i++) {
    struct mem_event *x = a[i];
    size_t j = i;
    for (; j > 0 && a[j - 1]->sequence > x->sequence; j--)
      a[j] = a[j - 1];
    a[j] = x;
  }
}

static enum fin_status ob_list_by_entity(void *self, const char *eco, const char *entity_type,
                                         const char *entity_id, struct fin_event **out, size_t *n,
                                         struct fin_err *e) {
  *out = NULL, *n = 0;
  if (eco == NULL || entity_type == NULL || entity_id == NULL)
    return fin_err_set(e, FIN_INVALID, "ecosystem id, entity type and entity id are required");
  const char *const key[3] = {eco, entity_type, entity_id};
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  mem_rdlock(db);
  const struct mem_event *tail = mem_imap_get(&db->seqs, seq_hash(key), seq_eq, key);
  size_t count = 0;
  for (const struct mem_event *ev = tail; ev != NULL; ev = ev->prev_same)
    count++;
  struct mem_event **pick = count ? malloc(count * sizeof *pick) : NULL;
  if (count && pick == NULL) st = fin_err_set(e, FIN_NOMEM, "out of memory");
  if (st == FIN_OK) {
    size_t i = count;
    for (const struct mem_event *ev = tail; ev != NULL; ev = ev->prev_same)
      pick[--i] = (struct mem_event *)ev; /* insertion order, oldest first */
    sort_by_sequence(pick, count);
    st = copy_events(pick, count, out, n, e);
  }
  mem_unlock(db);
  free(pick);
  return st;
}

static const struct fin_outbox_ops OUTBOX_OPS = {
    .find_pending = ob_find_pending,
    .find_retry = ob_find_retry,
    .get = ob_get,
    .claim = ob_claim,
    .mark_sent = ob_mark_sent,
    .claim_many = ob_claim_many,
    .mark_sent_many = ob_mark_sent_many,
    .mark_failed = ob_mark_failed,
    .mark_dead = ob_mark_dead,
    .clear = ob_clear,
    .list_by_entity = ob_list_by_entity,
    .destroy = mem_db_port_destroy,
};

struct fin_outbox mem_outbox_port(struct mem_db *db) {
  return (struct fin_outbox){&OUTBOX_OPS, mem_db_ref(db)};
}
