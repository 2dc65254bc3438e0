/* mem_whatsapp.c - WhatsApp notifications, inbound messages and approval
 * trackers in memory (best-effort records, not part of commits). */
#include <string.h>

#include "memdb.h"

#define DB(self) ((struct memdb *)(self))

/* Upserts a copy into map under key; frees the replaced value. */
#define UPSERT(map, key, T, copy, clear, src)                                                      \
  do {                                                                                             \
    T *c_ = malloc(sizeof(T));                                                                     \
    if (c_ == NULL || copy(c_, src)) {                                                             \
      free(c_);                                                                                    \
      st = fin_err_set(e, FIN_NOMEM, "out of memory");                                             \
      break;                                                                                       \
    }                                                                                              \
    T *old_ = hmap_get(map, key);                                                                  \
    if (hmap_put(map, key, c_)) {                                                                  \
      clear(c_), free(c_);                                                                         \
      st = fin_err_set(e, FIN_NOMEM, "out of memory");                                             \
      break;                                                                                       \
    }                                                                                              \
    if (old_) clear(old_), free(old_);                                                             \
  } while (0)

static enum fin_status notif_save(void *self, const struct fin_wa_notification *x,
                                  struct fin_err *e) {
  enum fin_status st = FIN_OK;
  memdb_lock(DB(self));
  UPSERT(&DB(self)->wa_notifications, x->notification_id, struct fin_wa_notification,
         fin_wa_notification_copy, fin_wa_notification_clear, x);
  memdb_unlock(DB(self));
  return st;
}

static enum fin_status notif_get(void *self, const char *id, struct fin_wa_notification *out,
                                 struct fin_err *e) {
  memset(out, 0, sizeof *out);
  memdb_lock(DB(self));
  struct fin_wa_notification *x = hmap_get(&DB(self)->wa_notifications, id);
  enum fin_status st = x ? (fin_wa_notification_copy(out, x) ? FIN_NOMEM : FIN_OK) : FIN_NOT_FOUND;
  memdb_unlock(DB(self));
  return st;
}

static enum fin_status notif_update(void *self, const char *id, const char *status,
                                    const char *wpp_id, const char *error, fin_ms now,
                                    struct fin_err *e) {
  enum fin_status st = FIN_OK;
  memdb_lock(DB(self));
  struct fin_wa_notification *x = hmap_get(&DB(self)->wa_notifications, id);
  if (x == NULL) {
    st = fin_err_set(e, FIN_NOT_FOUND, "Notification not found: %s", id);
  } else {
    fin_strlcpy(x->delivery_status, status, sizeof x->delivery_status);
    if (strcmp(status, "sent") == 0) x->sent_at = now;
    if (strcmp(status, "delivered") == 0) x->delivered_at = now;
    if (wpp_id && *wpp_id) free(x->wpp_message_id), x->wpp_message_id = fin_strdup(wpp_id);
    if (error) free(x->last_error), x->last_error = fin_strdup(error);
  }
  memdb_unlock(DB(self));
  return st;
}

static enum fin_status notif_delete_all(void *self, long *deleted, struct fin_err *e) {
  memdb_lock(DB(self));
  *deleted = (long)DB(self)->wa_notifications.n;
  hmap_clear(&DB(self)->wa_notifications, memdb_notif_free);
  memdb_unlock(DB(self));
  return FIN_OK;
}

static const struct fin_wa_notifications_ops NOTIF = {notif_save, notif_get, notif_update,
                                                      notif_delete_all, memdb_port_destroy};
struct fin_wa_notifications memdb_wa_notifications(struct memdb *db) {
  return (struct fin_wa_notifications){&NOTIF, memdb_ref(db)};
}

static enum fin_status inbound_save(void *self, const struct fin_wa_inbound *x, struct fin_err *e) {
  enum fin_status st = FIN_OK;
  memdb_lock(DB(self));
  UPSERT(&DB(self)->wa_inbound, x->message_id, struct fin_wa_inbound, fin_wa_inbound_copy,
         fin_wa_inbound_clear, x);
  memdb_unlock(DB(self));
  return st;
}

static enum fin_status inbound_get(void *self, const char *id, struct fin_wa_inbound *out,
                                   struct fin_err *e) {
  memset(out, 0, sizeof *out);
  memdb_lock(DB(self));
  struct fin_wa_inbound *x = hmap_get(&DB(self)->wa_inbound, id);
  enum fin_status st = x ? (fin_wa_inbound_copy(out, x) ? FIN_NOMEM : FIN_OK) : FIN_NOT_FOUND;
  memdb_unlock(DB(self));
  return st;
}

static enum fin_status inbound_delete_all(void *self, long *deleted, struct fin_err *e) {
  memdb_lock(DB(self));
  *deleted = (long)DB(self)->wa_inbound.n;
  hmap_clear(&DB(self)->wa_inbound, memdb_inbound_free);
  memdb_unlock(DB(self));
  return FIN_OK;
}

static const struct fin_wa_inbound_ops INBOUND = {inbound_save, inbound_get, inbound_delete_all,
                                                  memdb_port_destroy};
struct fin_wa_inbound_repo memdb_wa_inbound(struct memdb *db) {
  return (struct fin_wa_inbound_repo){&INBOUND, memdb_ref(db)};
}

static enum fin_status appr_save(void *self, const struct fin_pending_approval *x,
                                 struct fin_err *e) {
  enum fin_status st = FIN_OK;
  memdb_lock(DB(self));
  UPSERT(&DB(self)->approvals, x->request_id, struct fin_pending_approval,
         fin_pending_approval_copy, fin_pending_approval_clear, x);
  memdb_unlock(DB(self));
  return st;
}

static enum fin_status appr_get(void *self, const char *id, struct fin_pending_approval *out,
                                struct fin_err *e) {
  memset(out, 0, sizeof *out);
  memdb_lock(DB(self));
  struct fin_pending_approval *x = hmap_get(&DB(self)->approvals, id);
  enum fin_status st = x ? (fin_pending_approval_copy(out, x) ? FIN_NOMEM : FIN_OK) : FIN_NOT_FOUND;
  memdb_unlock(DB(self));
  return st;
}

static enum fin_status appr_decide(void *self, const char *id, const char *status,
                                   const char *phone, fin_ms now, struct fin_err *e) {
  enum fin_status st = FIN_OK;
  memdb_lock(DB(self));
  struct fin_pending_approval *x = hmap_get(&DB(self)->approvals, id);
  if (x == NULL) {
    st = fin_err_set(e, FIN_NOT_FOUND, "Tracker not found: %s", id);
  } else if (strcmp(x->approval_status, "pending") != 0) {
    st = fin_err_set(e, FIN_PRECONDITION, "Tracker %s is %s", id, x->approval_status);
  } else {
    fin_strlcpy(x->approval_status, status, sizeof x->approval_status);
    if (phone) free(x->responding_admin_phone), x->responding_admin_phone = fin_strdup(phone);
    x->response_received_at = x->updated_at = now;
  }
  memdb_unlock(DB(self));
  return st;
}

static enum fin_status appr_delete_all(void *self, long *deleted, struct fin_err *e) {
  memdb_lock(DB(self));
  *deleted = (long)DB(self)->approvals.n;
  hmap_clear(&DB(self)->approvals, memdb_approval_free);
  memdb_unlock(DB(self));
  return FIN_OK;
}

static const struct fin_pending_approvals_ops APPROVALS = {appr_save, appr_get, appr_decide,
                                                           appr_delete_all, memdb_port_destroy};
struct fin_pending_approvals memdb_approvals(struct memdb *db) {
  return (struct fin_pending_approvals){&APPROVALS, memdb_ref(db)};
}
