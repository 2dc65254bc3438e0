/* mem_events.c - the outbox (with per-entity sequences) and audit logs. */
#include <stdint.h>
#include <string.h>

#include "memdb.h"

#define DB(self) ((struct memdb *)(self))

static struct fin_event *event_at(struct memdb *db, const char *id) {
  size_t pos = (size_t)(uintptr_t)hmap_get(&db->event_index, id);
  return pos ? VEC_AT(&db->events, struct fin_event, pos - 1) : NULL;
}

static int by_retry(const void *x, const void *y) {
  const struct fin_event *a = *(const struct fin_event *const *)x;
  const struct fin_event *b = *(const struct fin_event *const *)y;
  return a->next_retry_at < b->next_retry_at ? -1 : a->next_retry_at > b->next_retry_at;
}

/* Collects events matching `status` (and due at `now` when retry) in order. */
static enum fin_status collect(void *self, const char *status, bool retry, fin_ms now, int limit,
                               struct fin_event **out, size_t *n, struct fin_err *e) {
  *out = NULL, *n = 0;
  enum fin_status st = FIN_OK;
  memdb_lock(DB(self));
  struct vec *ev = &DB(self)->events;
  const struct fin_event **src = calloc(ev->n ? ev->n : 1, sizeof *src);
  size_t k = 0;
  for (size_t i = 0; src && i < ev->n; i++) {
    const struct fin_event *x = VEC_AT(ev, struct fin_event, i);
    if (strcmp(x->status, status) != 0 || (retry && x->next_retry_at > now)) continue;
    src[k++] = x;
    if (!retry && k == (size_t)limit) break;
  }
  if (retry && src) qsort(src, k, sizeof *src, by_retry);
  if (k > (size_t)limit) k = (size_t)limit;
  if (src == NULL)
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  else
    COPY_OUT(struct fin_event, fin_event_copy, fin_event_clear, src, k, 1, out, n);
  memdb_unlock(DB(self));
  free(src);
  return st;
}

static enum fin_status ob_pending(void *self, int limit, struct fin_event **out, size_t *n,
                                  struct fin_err *e) {
  return collect(self, "pending", false, 0, limit, out, n, e);
}

static enum fin_status ob_retry(void *self, fin_ms now, int limit, struct fin_event **out,
                                size_t *n, struct fin_err *e) {
  return collect(self, "failed", true, now, limit, out, n, e);
}

static enum fin_status ob_get(void *self, const char *id, struct fin_event *out,
                              struct fin_err *e) {
  memset(out, 0, sizeof *out);
  memdb_lock(DB(self));
  struct fin_event *x = event_at(DB(self), id);
  enum fin_status st = x ? (fin_event_copy(out, x) ? FIN_NOMEM : FIN_OK) : FIN_NOT_FOUND;
  memdb_unlock(DB(self));
  return st;
}

/* Applies one status change under the lock. */
static enum fin_status mark(void *self, const char *id, const char *status, const char *error,
                            fin_ms when, bool count_retry, struct fin_err *e) {
  memdb_lock(DB(self));
  struct fin_event *x = event_at(DB(self), id);
  enum fin_status st = FIN_OK;
  if (x == NULL) {
    st = fin_err_set(e, FIN_NOT_FOUND, "Event not found: %s", id);
  } else {
    char *err = error ? strdup(error) : NULL;
    if (error && err == NULL) {
      st = fin_err_set(e, FIN_NOMEM, "out of memory");
    } else {
      fin_strlcpy(x->status, status, sizeof x->status);
      if (error) free(x->last_error), x->last_error = err;
      if (strcmp(status, "sent") == 0) x->sent_at = when;
      if (count_retry) x->retry_count++, x->next_retry_at = when;
    }
  }
  memdb_unlock(DB(self));
  return st;
}

static enum fin_status ob_sent(void *self, const char *id, fin_ms now, struct fin_err *e) {
  return mark(self, id, "sent", NULL, now, false, e);
}
static enum fin_status ob_failed(void *self, const char *id, const char *error, fin_ms retry_at,
                                 struct fin_err *e) {
  return mark(self, id, "failed", error ? error : "", retry_at, true, e);
}
static enum fin_status ob_dead(void *self, const char *id, const char *error, struct fin_err *e) {
  return mark(self, id, "dead_letter", error ? error : "", 0, false, e);
}

static enum fin_status ob_clear(void *self, long *deleted, struct fin_err *e) {
  memdb_lock(DB(self));
  struct memdb *db = DB(self);
  *deleted = (long)db->events.n;
  for (size_t i = 0; i < db->events.n; i++)
    fin_event_clear(VEC_AT(&db->events, struct fin_event, i));
  db->events.n = 0;
  hmap_clear(&db->event_index, NULL);
  hmap_clear(&db->sequences, free);
  memdb_unlock(DB(self));
  return FIN_OK;
}

static enum fin_status ob_by_entity(void *self, const char *eco, const char *type, const char *id,
                                    struct fin_event **out, size_t *n, struct fin_err *e) {
  *out = NULL, *n = 0;
  enum fin_status st = FIN_OK;
  memdb_lock(DB(self));
  struct vec *ev = &DB(self)->events;
  const struct fin_event **src = calloc(ev->n ? ev->n : 1, sizeof *src);
  size_t k = 0;
  for (size_t i = 0; src && i < ev->n; i++) {
    const struct fin_event *x = VEC_AT(ev, struct fin_event, i);
    if (!strcmp(x->ecosystem_id, eco) && !strcmp(x->entity_type, type) && !strcmp(x->entity_id, id))
      src[k++] = x;
  }
  if (src == NULL)
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  else
    COPY_OUT(struct fin_event, fin_event_copy, fin_event_clear, src, k, 1, out, n);
  memdb_unlock(DB(self));
  free(src);
  return st; /* insertion order == ascending sequence for one key */
}

static const struct fin_outbox_ops OUTBOX = {ob_pending, ob_retry,     ob_get,
                                             ob_sent,    ob_failed,    ob_dead,
                                             ob_clear,   ob_by_entity, memdb_port_destroy};
struct fin_outbox memdb_outbox(struct memdb *db) {
  return (struct fin_outbox){&OUTBOX, memdb_ref(db)};
}

/* ---- audit logs ---- */
static enum fin_status audit_find(void *self, const char *type, const char *id, const char *cursor,
                                  int limit, struct fin_audit **out, size_t *n,
                                  struct fin_page *page, struct fin_err *e) {
  *out = NULL, *n = 0;
  memset(page, 0, sizeof *page);
  page->total_count = -1;
  enum fin_status st = FIN_OK;
  memdb_lock(DB(self));
  struct vec *v = &DB(self)->audit;
  size_t top = v->n;
  for (size_t i = 0; cursor && *cursor && i < v->n; i++)
    if (strcmp(VEC_AT(v, struct fin_audit, i)->log_id, cursor) == 0) top = i;
  const struct fin_audit **src = calloc((size_t)limit, sizeof *src);
  size_t k = 0, i = top;
  while (src && i > 0 && k < (size_t)limit) {
    const struct fin_audit *x = VEC_AT(v, struct fin_audit, --i);
    if (!strcmp(x->target_type, type) && !strcmp(x->target_id, id)) src[k++] = x;
  }
  bool more = false;
  for (size_t j = i; src && j > 0 && !more; j--) {
    const struct fin_audit *x = VEC_AT(v, struct fin_audit, j - 1);
    more = !strcmp(x->target_type, type) && !strcmp(x->target_id, id);
  }
  if (src == NULL)
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  else
    COPY_OUT(struct fin_audit, fin_audit_copy, fin_audit_clear, src, k, 1, out, n);
  if (st == FIN_OK && more && k) {
    page->has_more = true;
    page->next_cursor = strdup(src[k - 1]->log_id);
  }
  memdb_unlock(DB(self));
  free(src);
  return st;
}

static enum fin_status audit_clear(void *self, long *deleted, struct fin_err *e) {
  memdb_lock(DB(self));
  struct vec *v = &DB(self)->audit;
  *deleted = (long)v->n;
  for (size_t i = 0; i < v->n; i++)
    fin_audit_clear(VEC_AT(v, struct fin_audit, i));
  v->n = 0;
  memdb_unlock(DB(self));
  return FIN_OK;
}

static const struct fin_audit_ops AUDIT = {audit_find, audit_clear, memdb_port_destroy};
struct fin_audit_logs memdb_audit(struct memdb *db) {
  return (struct fin_audit_logs){&AUDIT, memdb_ref(db)};
}
