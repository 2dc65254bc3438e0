/* mem_whatsapp.c - the three WhatsApp repositories (repos.h): outbound
 * notifications, inbound messages and pending-approval trackers. Each is a
 * map id -> owned model struct; writes here are plain upserts and
 * single-row updates, not part of store commits. */
#include <stdlib.h>
#include <string.h>

#include "mem_db.h"

typedef void (*clear_fn)(void *);

/* Inserts or replaces the value with key id. Takes ownership of val (freed
 * with clear on failure). */
static enum fin_status upsert(struct mem_db *db, struct mem_map *m, const char *id, mem_eq_fn eq,
                              void *val, clear_fn clear, struct fin_err *e) {
  uint32_t h = mem_hash(id);
  void *old = NULL;
  enum fin_status st = FIN_OK;
  mem_wrlock(db);
  long slot = mem_map_find(m, h, eq, id);
  if (slot >= 0) {
    old = m->slots[slot].val;
    m->slots[slot].val = val;
  } else if (mem_map_reserve(m, 1) != 0) {
    old = val;
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  } else {
    mem_map_put_reserved(m, h, val);
  }
  mem_unlock(db);
  if (old != NULL) {
    clear(old);
    free(old);
  }
  return st;
}

static long wipe(struct mem_db *db, struct mem_map *m, clear_fn clear) {
  mem_wrlock(db);
  long n = m->n;
  for (uint32_t i = 0; i < m->cap; i++) {
    if (m->slots[i].val == NULL) continue;
    clear(m->slots[i].val);
    free(m->slots[i].val);
  }
  mem_map_free(m);
  mem_unlock(db);
  return n;
}

/* ---- notifications ---- */
static bool notif_eq(const void *val, const void *probe) {
  return strcmp(((const struct fin_wa_notification *)val)->notification_id, probe) == 0;
}
static void notif_clear(void *p) {
  fin_wa_notification_clear(p);
}

static enum fin_status notif_save(void *self, const struct fin_wa_notification *n,
                                  struct fin_err *e) {
  if (n == NULL || n->notification_id[0] == '\0')
    return fin_err_set(e, FIN_INVALID, "notification id is required");
  struct fin_wa_notification *copy = malloc(sizeof *copy);
  if (copy == NULL || fin_wa_notification_copy(copy, n) != 0) {
    free(copy);
    return fin_err_set(e, FIN_NOMEM, "out of memory");
  }
  struct mem_db *db = self;
  return upsert(db, &db->wa_notif, copy->notification_id, notif_eq, copy, notif_clear, e);
}

static enum fin_status notif_get(void *self, const char *id, struct fin_wa_notification *out,
                                 struct fin_err *e) {
  memset(out, 0, sizeof *out);
  if (id == NULL) return fin_err_set(e, FIN_INVALID, "notification id is required");
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  mem_rdlock(db);
  const struct fin_wa_notification *n = mem_map_get(&db->wa_notif, mem_hash(id), notif_eq, id);
  if (n == NULL)
    st = fin_err_set(e, FIN_NOT_FOUND, "Notification not found: %s", id);
  else if (fin_wa_notification_copy(out, n) != 0)
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  mem_unlock(db);
  return st;
}

/* Sets the status ("sent" also sets sent_at, "delivered" delivered_at), and
 * wpp_message_id / last_error when given. */
static enum fin_status notif_update_status(void *self, const char *id, const char *status,
                                           const char *wpp_message_id, const char *error,
                                           fin_ms now, struct fin_err *e) {
  if (id == NULL || status == NULL)
    return fin_err_set(e, FIN_INVALID, "notification id and status are required");
  char *wpp = wpp_message_id ? strdup(wpp_message_id) : NULL;
  char *err = error ? strdup(error) : NULL;
  if ((wpp_message_id && !wpp) || (error && !err)) {
    free(wpp), free(err);
    return fin_err_set(e, FIN_NOMEM, "out of memory");
  }
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  mem_wrlock(db);
  struct fin_wa_notification *n = mem_map_get(&db->wa_notif, mem_hash(id), notif_eq, id);
  if (n == NULL) {
    st = fin_err_set(e, FIN_NOT_FOUND, "Notification not found: %s", id);
  } else {
    fin_strlcpy(n->delivery_status, status, sizeof n->delivery_status);
    if (strcmp(status, "sent") == 0) n->sent_at = now;
    if (strcmp(status, "delivered") == 0) n->delivered_at = now;
    if (wpp) free(n->wpp_message_id), n->wpp_message_id = wpp, wpp = NULL;
    if (err) free(n->last_error), n->last_error = err, err = NULL;
  }
  mem_unlock(db);
  free(wpp), free(err);
  return st;
}

static enum fin_status notif_delete_all(void *self, long *deleted, struct fin_err *e) {
  struct mem_db *db = self;
  long n = wipe(db, &db->wa_notif, notif_clear);
  if (deleted) *deleted = n;
  return FIN_OK;
}

static const struct fin_wa_notifications_ops NOTIF_OPS = {
    .save = notif_save,
    .get = notif_get,
    .update_status = notif_update_status,
    .delete_all = notif_delete_all,
    .destroy = mem_db_port_destroy,
};

struct fin_wa_notifications mem_wa_notifications_port(struct mem_db *db) {
  return (struct fin_wa_notifications){&NOTIF_OPS, mem_db_ref(db)};
}

/* ---- inbound messages ---- */
static bool inbound_eq(const void *val, const void *probe) {
  return strcmp(((const struct fin_wa_inbound *)val)->message_id, probe) == 0;
}
static void inbound_clear(void *p) {
  fin_wa_inbound_clear(p);
}

static enum fin_status inbound_save(void *self, const struct fin_wa_inbound *m, struct fin_err *e) {
  if (m == NULL || m->message_id[0] == '\0')
    return fin_err_set(e, FIN_INVALID, "message id is required");
  struct fin_wa_inbound *copy = malloc(sizeof *copy);
  if (copy == NULL || fin_wa_inbound_copy(copy, m) != 0) {
    free(copy);
    return fin_err_set(e, FIN_NOMEM, "out of memory");
  }
  struct mem_db *db = self;
  return upsert(db, &db->wa_inbound, copy->message_id, inbound_eq, copy, inbound_clear, e);
}

static enum fin_status inbound_get(void *self, const char *id, struct fin_wa_inbound *out,
                                   struct fin_err *e) {
  memset(out, 0, sizeof *out);
  if (id == NULL) return fin_err_set(e, FIN_INVALID, "message id is required");
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  mem_rdlock(db);
  const struct fin_wa_inbound *m = mem_map_get(&db->wa_inbound, mem_hash(id), inbound_eq, id);
  if (m == NULL)
    st = fin_err_set(e, FIN_NOT_FOUND, "Message not found: %s", id);
  else if (fin_wa_inbound_copy(out, m) != 0)
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  mem_unlock(db);
  return st;
}

static enum fin_status inbound_delete_all(void *self, long *deleted, struct fin_err *e) {
  struct mem_db *db = self;
  long n = wipe(db, &db->wa_inbound, inbound_clear);
  if (deleted) *deleted = n;
  return FIN_OK;
}

static const struct fin_wa_inbound_ops INBOUND_OPS = {
    .save = inbound_save,
    .get = inbound_get,
    .delete_all = inbound_delete_all,
    .destroy = mem_db_port_destroy,
};

struct fin_wa_inbound_repo mem_wa_inbound_port(struct mem_db *db) {
  return (struct fin_wa_inbound_repo){&INBOUND_OPS, mem_db_ref(db)};
}

/* ---- pending approvals ---- */
static bool approval_eq(const void *val, const void *probe) {
  return strcmp(((const struct fin_pending_approval *)val)->request_id, probe) == 0;
}
static void approval_clear(void *p) {
  fin_pending_approval_clear(p);
}

/* Another pending tracker holding p's short id, under the caller's lock. */
static bool short_id_taken(const struct mem_map *m, const struct fin_pending_approval *p) {
  if (p->short_id[0] == '\0' || strcmp(p->approval_status, "pending") != 0) return false;
  for (uint32_t i = 0; i < m->cap; i++) {
    const struct fin_pending_approval *o = m->slots[i].val;
    if (o != NULL && strcmp(o->short_id, p->short_id) == 0 &&
        strcmp(o->approval_status, "pending") == 0 && strcmp(o->request_id, p->request_id) != 0)
      return true;
  }
  return false;
}

static enum fin_status approval_save(void *self, const struct fin_pending_approval *p,
                                     struct fin_err *e) {
  if (p == NULL || p->request_id[0] == '\0')
    return fin_err_set(e, FIN_INVALID, "request id is required");
  struct fin_pending_approval *copy = malloc(sizeof *copy);
  if (copy == NULL || fin_pending_approval_copy(copy, p) != 0) {
    free(copy);
    return fin_err_set(e, FIN_NOMEM, "out of memory");
  }
  struct mem_db *db = self;
  uint32_t h = mem_hash(copy->request_id);
  void *old = NULL;
  enum fin_status st = FIN_OK;
  mem_wrlock(db); /* the uniqueness check and the write under one lock */
  long slot = mem_map_find(&db->approvals, h, approval_eq, copy->request_id);
  if (short_id_taken(&db->approvals, copy)) {
    old = copy;
    st = fin_err_set(e, FIN_EXISTS, "Short id %s is taken", p->short_id);
  } else if (slot >= 0) {
    old = db->approvals.slots[slot].val;
    db->approvals.slots[slot].val = copy;
  } else if (mem_map_reserve(&db->approvals, 1) != 0) {
    old = copy;
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  } else {
    mem_map_put_reserved(&db->approvals, h, copy);
  }
  mem_unlock(db);
  if (old != NULL) {
    approval_clear(old);
    free(old);
  }
  return st;
}

static enum fin_status approval_find_short(void *self, const char *short_id,
                                           struct fin_pending_approval *out, size_t max, size_t *n,
                                           struct fin_err *e) {
  *n = 0;
  if (short_id == NULL || short_id[0] == '\0') return FIN_OK;
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  mem_rdlock(db);
  for (uint32_t i = 0; i < db->approvals.cap && st == FIN_OK; i++) {
    const struct fin_pending_approval *o = db->approvals.slots[i].val;
    if (o == NULL || strcmp(o->short_id, short_id) != 0 ||
        strcmp(o->approval_status, "pending") != 0)
      continue;
    if (*n < max && fin_pending_approval_copy(&out[*n], o) != 0)
      st = fin_err_set(e, FIN_NOMEM, "out of memory");
    else
      (*n)++;
  }
  mem_unlock(db);
  if (st != FIN_OK) {
    for (size_t k = 0; k < *n && k < max; k++)
      fin_pending_approval_clear(&out[k]);
    *n = 0;
  }
  return st;
}

static enum fin_status approval_get(void *self, const char *request_id,
                                    struct fin_pending_approval *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  if (request_id == NULL) return fin_err_set(e, FIN_INVALID, "request id is required");
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  mem_rdlock(db);
  const struct fin_pending_approval *p =
      mem_map_get(&db->approvals, mem_hash(request_id), approval_eq, request_id);
  if (p == NULL)
    st = fin_err_set(e, FIN_NOT_FOUND, "Tracker not found: %s", request_id);
  else if (fin_pending_approval_copy(out, p) != 0)
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  mem_unlock(db);
  return st;
}

/* Only a tracker still `pending` moves (first decision wins). */
static enum fin_status approval_decide(void *self, const char *request_id, const char *status,
                                       const char *admin_phone, fin_ms now, struct fin_err *e) {
  if (request_id == NULL || status == NULL)
    return fin_err_set(e, FIN_INVALID, "request id and status are required");
  char *phone = admin_phone ? strdup(admin_phone) : NULL;
  if (admin_phone && !phone) return fin_err_set(e, FIN_NOMEM, "out of memory");
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  mem_wrlock(db);
  struct fin_pending_approval *p =
      mem_map_get(&db->approvals, mem_hash(request_id), approval_eq, request_id);
  if (p == NULL) {
    st = fin_err_set(e, FIN_NOT_FOUND, "Tracker not found: %s", request_id);
  } else if (strcmp(p->approval_status, "pending") != 0) {
    st = fin_err_set(e, FIN_PRECONDITION, "Tracker %s is already %s", request_id,
                     p->approval_status);
  } else {
    fin_strlcpy(p->approval_status, status, sizeof p->approval_status);
    free(p->responding_admin_phone);
    p->responding_admin_phone = phone;
    phone = NULL;
    p->response_received_at = now;
    p->updated_at = now;
  }
  mem_unlock(db);
  free(phone);
  return st;
}

static enum fin_status approval_delete_all(void *self, long *deleted, struct fin_err *e) {
  struct mem_db *db = self;
  long n = wipe(db, &db->approvals, approval_clear);
  if (deleted) *deleted = n;
  return FIN_OK;
}

static const struct fin_pending_approvals_ops APPROVALS_OPS = {
    .save = approval_save,
    .find_short = approval_find_short,
    .get = approval_get,
    .decide = approval_decide,
    .delete_all = approval_delete_all,
    .destroy = mem_db_port_destroy,
};

struct fin_pending_approvals mem_approvals_port(struct mem_db *db) {
  return (struct fin_pending_approvals){&APPROVALS_OPS, mem_db_ref(db)};
}
