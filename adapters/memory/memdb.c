/* memdb.c - hash map, vector and the database object (see memdb.h). */
#include "memdb.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

void *hmap_get(const struct hmap *m, const char *key) {
  if (m->nb == 0) return NULL;
  for (struct hentry *e = m->b[hash(key) % m->nb]; e; e = e->next)
    if (strcmp(e->key, key) == 0) return e->val;
  return NULL;
}

static int grow(struct hmap *m) {
  size_t nb = m->nb ? m->nb * 2 : 16;
  struct hentry **b = calloc(nb, sizeof *b);
  if (b == NULL) return -1;
  for (size_t i = 0; i < m->nb; i++) {
    for (struct hentry *e = m->b[i], *next; e; e = next) {
      next = e->next;
      size_t j = hash(e->key) % nb;
      e->next = b[j];
      b[j] = e;
    }
  }
  free(m->b);
  m->b = b;
  m->nb = nb;
  return 0;
}

int hmap_put(struct hmap *m, const char *key, void *val) {
  if (m->nb) {
    for (struct hentry *e = m->b[hash(key) % m->nb]; e; e = e->next) {
      if (strcmp(e->key, key) == 0) {
        e->val = val;
        return 0;
      }
    }
  }
  if (m->n + 1 > m->nb && grow(m)) return -1;
  struct hentry *e = malloc(sizeof *e);
  if (e == NULL || (e->key = strdup(key)) == NULL) {
    free(e);
    return -1;
  }
  size_t j = hash(key) % m->nb;
  e->val = val;
  e->next = m->b[j];
  m->b[j] = e;
  m->n++;
  return 0;
}

void *hmap_del(struct hmap *m, const char *key) {
  if (m->nb == 0) return NULL;
  for (struct hentry **pp = &m->b[hash(key) % m->nb]; *pp; pp = &(*pp)->next) {
    struct hentry *e = *pp;
    if (strcmp(e->key, key) == 0) {
      void *v = e->val;
      *pp = e->next;
      free(e->key);
      free(e);
      m->n--;
      return v;
    }
  }
  return NULL;
}

void hmap_clear(struct hmap *m, void (*fn)(void *val)) {
  for (size_t i = 0; i < m->nb; i++) {
    for (struct hentry *e = m->b[i], *next; e; e = next) {
      next = e->next;
      if (fn) fn(e->val);
      free(e->key);
      free(e);
    }
  }
  free(m->b);
  m->b = NULL;
  m->nb = m->n = 0;
}

void *vec_push(struct vec *v) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 4;
    void *a = realloc(v->a, cap * v->size);
    if (a == NULL) return NULL;
    v->a = a;
    v->cap = cap;
  }
  void *slot = (char *)v->a + v->n * v->size;
  memset(slot, 0, v->size);
  v->n++;
  return slot;
}

static void card_txns_free(void *p) {
  struct card_txns *ct = p;
  for (size_t i = 0; i < ct->txns.n; i++)
    fin_txn_clear(VEC_AT(&ct->txns, struct fin_txn, i));
  free(ct->txns.a);
  hmap_clear(&ct->index, NULL);
  free(ct);
}

void memdb_idem_free(void *p) {
  fin_idem_clear(p);
  free(p);
}

static void acct_free(void *p) {
  struct acct *a = p;
  fin_user_clear(&a->user);
  for (size_t i = 0; i < a->scores.n; i++)
    fin_score_clear(VEC_AT(&a->scores, struct fin_score, i));
  for (size_t i = 0; i < a->cards.n; i++)
    fin_card_clear(VEC_AT(&a->cards, struct fin_card, i));
  for (size_t i = 0; i < a->requests.n; i++)
    fin_card_request_clear(VEC_AT(&a->requests, struct fin_card_request, i));
  free(a->scores.a), free(a->cards.a), free(a->requests.a);
  hmap_clear(&a->txns, card_txns_free);
  hmap_clear(&a->idem, memdb_idem_free);
  free(a->eco);
  free(a);
}

struct acct *memdb_acct(struct memdb *db, const char *eco) {
  return hmap_get(&db->accts, eco);
}

struct acct *memdb_acct_create(struct memdb *db, const char *eco) {
  struct acct *a = hmap_get(&db->accts, eco);
  if (a) return a;
  a = calloc(1, sizeof *a);
  if (a == NULL || (a->eco = strdup(eco)) == NULL) {
    free(a);
    return NULL;
  }
  a->scores.size = sizeof(struct fin_score);
  a->cards.size = sizeof(struct fin_card);
  a->requests.size = sizeof(struct fin_card_request);
  if (hmap_put(&db->accts, eco, a)) {
    acct_free(a);
    return NULL;
  }
  return a;
}

struct fin_card *memdb_card(struct acct *a, const char *card_id) {
  for (size_t i = 0; a && i < a->cards.n; i++) {
    struct fin_card *c = VEC_AT(&a->cards, struct fin_card, i);
    if (strcmp(c->card_id, card_id) == 0) return c;
  }
  return NULL;
}

struct fin_card_request *memdb_request(struct acct *a, const char *request_id) {
  for (size_t i = 0; a && i < a->requests.n; i++) {
    struct fin_card_request *r = VEC_AT(&a->requests, struct fin_card_request, i);
    if (strcmp(r->request_id, request_id) == 0) return r;
  }
  return NULL;
}

int memdb_txn_put(struct acct *a, const struct fin_txn *t) {
  struct card_txns *ct = hmap_get(&a->txns, t->card_id);
  if (ct == NULL) {
    ct = calloc(1, sizeof *ct);
    if (ct == NULL) return -1;
    ct->txns.size = sizeof(struct fin_txn);
    if (hmap_put(&a->txns, t->card_id, ct)) {
      free(ct);
      return -1;
    }
  }
  /* Keep timestamp order (a clock step back must not reorder history). */
  size_t pos = ct->txns.n;
  while (pos > 0 && VEC_AT(&ct->txns, struct fin_txn, pos - 1)->timestamp > t->timestamp)
    pos--;
  struct fin_txn copy;
  if (fin_txn_copy(&copy, t)) return -1;
  if (vec_push(&ct->txns) == NULL) {
    fin_txn_clear(&copy);
    return -1;
  }
  struct fin_txn *arr = ct->txns.a;
  memmove(&arr[pos + 1], &arr[pos], (ct->txns.n - 1 - pos) * sizeof *arr);
  arr[pos] = copy;
  for (size_t i = pos; i < ct->txns.n; i++)
    if (hmap_put(&ct->index, arr[i].transaction_id, (void *)(uintptr_t)(i + 1))) return -1;
  return 0;
}

int memdb_event_put(struct memdb *db, const struct fin_event *e) {
  struct fin_event copy;
  if (fin_event_copy(&copy, e)) return -1;
  struct fin_event *slot = vec_push(&db->events);
  if (slot == NULL) {
    fin_event_clear(&copy);
    return -1;
  }
  *slot = copy;
  if (hmap_put(&db->event_index, copy.event_id, (void *)(uintptr_t)db->events.n)) return -1;
  return 0;
}

struct memdb *memdb_new(void) {
  struct memdb *db = calloc(1, sizeof *db);
  if (db == NULL) return NULL;
  pthread_mutex_init(&db->lock, NULL);
  db->refs = 1;
  db->events.size = sizeof(struct fin_event);
  db->audit.size = sizeof(struct fin_audit);
  return db;
}

struct memdb *memdb_ref(struct memdb *db) {
  memdb_lock(db);
  db->refs++;
  memdb_unlock(db);
  return db;
}

void memdb_notif_free(void *p) {
  fin_wa_notification_clear(p);
  free(p);
}
void memdb_inbound_free(void *p) {
  fin_wa_inbound_clear(p);
  free(p);
}
void memdb_approval_free(void *p) {
  fin_pending_approval_clear(p);
  free(p);
}

void memdb_unref(struct memdb *db) {
  if (db == NULL) return;
  memdb_lock(db);
  int left = --db->refs;
  memdb_unlock(db);
  if (left > 0) return;
  hmap_clear(&db->accts, acct_free);
  hmap_clear(&db->request_owner, free);
  for (size_t i = 0; i < db->events.n; i++)
    fin_event_clear(VEC_AT(&db->events, struct fin_event, i));
  free(db->events.a);
  hmap_clear(&db->event_index, NULL);
  hmap_clear(&db->sequences, free);
  for (size_t i = 0; i < db->audit.n; i++)
    fin_audit_clear(VEC_AT(&db->audit, struct fin_audit, i));
  free(db->audit.a);
  hmap_clear(&db->wa_notifications, memdb_notif_free);
  hmap_clear(&db->wa_inbound, memdb_inbound_free);
  hmap_clear(&db->approvals, memdb_approval_free);
  pthread_mutex_destroy(&db->lock);
  free(db);
}

void memdb_port_destroy(void *self) {
  memdb_unref(self);
}

void memdb_lock(struct memdb *db) {
  pthread_mutex_lock(&db->lock);
}

void memdb_unlock(struct memdb *db) {
  pthread_mutex_unlock(&db->lock);
}
