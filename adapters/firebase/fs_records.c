/* fs_records.c - the outbox, audit logs and the WhatsApp collections on
 * Firestore (layout: fs_items.h). Events are appended by the store
 * (fs_store.c); here they are read and moved through their statuses.
 * Status changes only touch existing documents (exists preconditions). */
#include <stdlib.h>
#include <string.h>

#include "../../core/util/timefmt.h"
#include "../common/ent_order.h"
#include "../common/ent_requests.h"
#include "fs_db.h"
#include "fs_items.h"
#include "fs_value.h"

ENT_VEC_FNS(event, fs_event_from, fin_event_clear)
ENT_VEC_FNS(audit, fs_audit_from, fin_audit_clear)

/* One update of `fields` (stolen) under `mask` on an existing document at
 * `path` (owned), plus optional field transforms (stolen). */
static enum fin_status patch(struct fs *f, char *path, json_t *fields, const char *const *mask,
                             json_t *transforms, struct fin_err *e) {
  if (path == NULL) {
    json_decref(fields), json_decref(transforms);
    return fin_err_set(e, FIN_NOT_FOUND, "no such document");
  }
  json_t *w = fs_w_update(f, path, fields, mask, 1);
  if (w != NULL && transforms != NULL) json_object_set(w, "updateTransforms", transforms);
  json_decref(transforms);
  free(path);
  if (w == NULL) return fin_err_set(e, FIN_NOMEM, "out of memory");
  return fs_commit(f, json_pack("[o]", w), NULL, NULL, e);
}

/* ---- outbox ---- */
static enum fin_status ob_by_status(struct fs *f, const char *status, json_t *q, int limit,
                                    struct fin_event **out, size_t *n, struct fin_err *e) {
  fs_q_where(q, "status", "EQUAL", fs_s(status));
  if (limit > 0) fs_q_limit(q, limit);
  struct ent_vec v = {
      .size = sizeof(struct fin_event), .from = event_from_v, .clear = event_clear_v};
  return fs_collect(f, NULL, q, &v, out, n, e);
}

static enum fin_status ob_find_pending(void *self, int limit, struct fin_event **out, size_t *n,
                                       struct fin_err *e) {
  json_t *q = fs_q_new(FS_C_OUTBOX, false);
  fs_q_order(q, "createdAt", false);
  fs_q_order(q, "sequenceNumber", false);
  fs_q_order(q, "__name__", false);
  return ob_by_status(self, "pending", q, limit, out, n, e);
}

static enum fin_status ob_find_retry(void *self, fin_ms now, int limit, struct fin_event **out,
                                     size_t *n, struct fin_err *e) {
  json_t *q = fs_q_new(FS_C_OUTBOX, false);
  fs_q_where(q, "nextRetryAt", "LESS_THAN_OR_EQUAL", fs_time(now));
  fs_q_order(q, "nextRetryAt", false);
  fs_q_order(q, "createdAt", false);
  fs_q_order(q, "__name__", false);
  enum fin_status st = ob_by_status(self, "failed", q, limit, out, n, e);
  if (st == FIN_OK && *n > 1) qsort(*out, *n, sizeof **out, ent_event_by_retry);
  return st;
}

static enum fin_status ob_get(void *self, const char *id, struct fin_event *out,
                              struct fin_err *e) {
  memset(out, 0, sizeof *out);
  return fs_get_entity(self, fs_path(2, FS_C_OUTBOX, id), event_from_v, event_clear_v, out, e);
}

/* Whether `owner` may lease the event `doc` (as read; NULL = missing) at
 * `now`; on FIN_OK *version is the updateTime the lease is written under. */
static enum fin_status claimable(const json_t *doc, const char *id, const char *owner, fin_ms now,
                                 const char **version, struct fin_err *e) {
  if (doc == NULL) return fin_err_set(e, FIN_NOT_FOUND, "no such event: %s", id);
  const json_t *fields = json_object_get(doc, "fields");
  const char *status = fs_get_s(fields, "status"), *held = fs_get_s(fields, "leaseOwner");
  *version = json_string_value(json_object_get(doc, "updateTime"));
  if (status == NULL || *version == NULL ||
      (strcmp(status, "pending") != 0 && strcmp(status, "failed") != 0))
    return fin_err_set(e, FIN_PRECONDITION, "event %s is %s", id, status ? status : "malformed");
  if (held != NULL && held[0] != '\0' && strcmp(held, owner) != 0 &&
      fs_get_time(fields, "leaseUntil") > now)
    return fin_err_set(e, FIN_PRECONDITION, "event %s is leased to another instance", id);
  return FIN_OK;
}

/* What a claim reads of an event: its payload is most of its size. */
static const char *const CLAIM_FIELDS[] = {"status", "leaseOwner", "leaseUntil", NULL};

/* The lease's write, under the version read. */
static json_t *lease_write(struct fs *f, const char *path, const char *owner, fin_ms until,
                           const char *version) {
  static const char *const mask[] = {"leaseOwner", "leaseUntil", NULL};
  json_t *w = fs_w_update(
      f, path, json_pack("{s:o,s:o}", "leaseOwner", fs_s(owner), "leaseUntil", fs_time(until)),
      mask, -1);
  if (w != NULL)
    json_object_set_new(w, "currentDocument", json_pack("{s:s}", "updateTime", version));
  return w;
}

/* Read, check, then write under the version read (updateTime): of two
 * instances claiming at once, the second write fails its precondition. */
static enum fin_status ob_claim(void *self, const char *id, const char *owner, fin_ms now,
                                fin_ms until, struct fin_err *e) {
  char *path = fs_path(2, FS_C_OUTBOX, id);
  json_t *doc = NULL;
  enum fin_status st =
      path != NULL ? fs_read_fields(self, (const char *const *)&path, 1, CLAIM_FIELDS, &doc, e)
                   : fin_err_set(e, FIN_NOT_FOUND, "no such event");
  const char *version = NULL;
  if (st == FIN_OK) st = claimable(doc, id, owner, now, &version, e);
  if (st == FIN_OK) {
    json_t *w = lease_write(self, path, owner, until, version);
    st = w != NULL ? fs_commit(self, json_pack("[o]", w), NULL, NULL, e)
                   : fin_err_set(e, FIN_NOMEM, "out of memory");
  }
  json_decref(doc);
  free(path);
  return st;
}

/* The paths of ids (malloc'd array of malloc'd paths; NULL on OOM or an id
 * Firestore cannot hold). */
static char **event_paths(const char *const *ids, size_t n) {
  char **paths = calloc(n ? n : 1, sizeof *paths);
  for (size_t i = 0; paths != NULL && i < n; i++) {
    if ((paths[i] = fs_path(2, FS_C_OUTBOX, ids[i])) != NULL) continue;
    for (size_t k = 0; k < i; k++)
      free(paths[k]);
    free(paths);
    paths = NULL;
  }
  return paths;
}

static void free_paths(char **paths, size_t n) {
  for (size_t i = 0; paths != NULL && i < n; i++)
    free(paths[i]);
  free(paths);
}

/* One batchGet of all, then one commit of every lease under its version:
 * Firestore applies all of the commit's writes or none. */
static enum fin_status ob_claim_many(void *self, const char *const *ids, size_t n,
                                     const char *owner, fin_ms now, fin_ms until,
                                     struct fin_err *e) {
  if (n > FIN_OUTBOX_MANY) return fin_err_set(e, FIN_INVALID, "at most %d events", FIN_OUTBOX_MANY);
  char **paths = event_paths(ids, n);
  if (paths == NULL) return fin_err_set(e, FIN_PRECONDITION, "outbox: an event id is unusable");
  json_t *docs[FIN_OUTBOX_MANY] = {NULL};
  enum fin_status st = fs_read_fields(self, (const char *const *)paths, n, CLAIM_FIELDS, docs, e);
  json_t *writes = st == FIN_OK ? json_array() : NULL;
  for (size_t i = 0; st == FIN_OK && i < n; i++) {
    const char *version = NULL;
    struct fin_err why = {0};
    if (claimable(docs[i], ids[i], owner, now, &version, &why) != FIN_OK)
      st = fin_err_set(e, FIN_PRECONDITION, "outbox: not every event could be taken (%s)", why.msg);
    else if (writes == NULL ||
             json_array_append_new(writes, lease_write(self, paths[i], owner, until, version)) != 0)
      st = fin_err_set(e, FIN_NOMEM, "out of memory");
  }
  if (st == FIN_OK) {
    st = fs_commit(self, writes, NULL, NULL, e);
    writes = NULL;
    if (st == FIN_NOT_FOUND) st = FIN_PRECONDITION;
  }
  json_decref(writes);
  for (size_t i = 0; i < n; i++)
    json_decref(docs[i]);
  free_paths(paths, n);
  return st;
}

/* Every status change ends the lease (fields in the mask but not in the
 * update are removed). */
static const char *const SENT_MASK[] = {"status", "sentAt", "leaseOwner", "leaseUntil", NULL};

static enum fin_status ob_mark_sent(void *self, const char *id, fin_ms now, struct fin_err *e) {
  return patch(self, fs_path(2, FS_C_OUTBOX, id),
               json_pack("{s:o,s:o}", "status", fs_s("sent"), "sentAt", fs_time(now)), SENT_MASK,
               NULL, e);
}

/* One commit of n updates, each on an existing document: all or none. */
static enum fin_status ob_mark_sent_many(void *self, const char *const *ids, size_t n, fin_ms now,
                                         struct fin_err *e) {
  if (n > FIN_OUTBOX_MANY) return fin_err_set(e, FIN_INVALID, "at most %d events", FIN_OUTBOX_MANY);
  char **paths = event_paths(ids, n);
  if (paths == NULL) return fin_err_set(e, FIN_PRECONDITION, "outbox: an event id is unusable");
  json_t *writes = json_array();
  enum fin_status st = FIN_OK;
  for (size_t i = 0; i < n && st == FIN_OK; i++) {
    json_t *w = fs_w_update(self, paths[i],
                            json_pack("{s:o,s:o}", "status", fs_s("sent"), "sentAt", fs_time(now)),
                            SENT_MASK, 1);
    if (writes == NULL || json_array_append_new(writes, w) != 0)
      st = fin_err_set(e, FIN_NOMEM, "out of memory");
  }
  if (st == FIN_OK) {
    st = fs_commit(self, writes, NULL, NULL, e);
    writes = NULL;
    if (st == FIN_NOT_FOUND) st = fin_err_set(e, FIN_PRECONDITION, "outbox: an event is gone");
  }
  json_decref(writes);
  free_paths(paths, n);
  return st;
}

/* retryCount moves with a server-side increment: no read, no lost count. */
static enum fin_status ob_mark_failed(void *self, const char *id, const char *error,
                                      fin_ms retry_at, struct fin_err *e) {
  static const char *const mask[] = {"status",     "lastError",  "nextRetryAt",
                                     "leaseOwner", "leaseUntil", NULL};
  json_t *inc = json_pack("[{s:s,s:o}]", "fieldPath", "retryCount", "increment", fs_int(1));
  return patch(self, fs_path(2, FS_C_OUTBOX, id),
               json_pack("{s:o,s:o,s:o}", "status", fs_s("failed"), "lastError",
                         fs_s(error ? error : ""), "nextRetryAt", fs_time(retry_at)),
               mask, inc, e);
}

static enum fin_status ob_mark_dead(void *self, const char *id, const char *error,
                                    struct fin_err *e) {
  static const char *const mask[] = {"status", "lastError", "leaseOwner", "leaseUntil", NULL};
  return patch(
      self, fs_path(2, FS_C_OUTBOX, id),
      json_pack("{s:o,s:o}", "status", fs_s("dead_letter"), "lastError", fs_s(error ? error : "")),
      mask, NULL, e);
}

/* Events and their counters go together, as in memory mode (the original's
 * Firestore backend kept the counters: docs/deviations.md, "Firebase mode"). */
static enum fin_status ob_clear(void *self, long *deleted, struct fin_err *e) {
  long seqs;
  enum fin_status st = fs_delete_group(self, FS_C_OUTBOX, deleted, e);
  if (st == FIN_OK) st = fs_delete_group(self, FS_C_SEQ, &seqs, e);
  return st;
}

static enum fin_status ob_list_by_entity(void *self, const char *eco, const char *type,
                                         const char *id, struct fin_event **out, size_t *n,
                                         struct fin_err *e) {
  json_t *q = fs_q_new(FS_C_OUTBOX, false);
  fs_q_where(q, "ecosystemId", "EQUAL", fs_s(eco));
  fs_q_where(q, "entityType", "EQUAL", fs_s(type));
  fs_q_where(q, "entityId", "EQUAL", fs_s(id));
  struct ent_vec v = {
      .size = sizeof(struct fin_event), .from = event_from_v, .clear = event_clear_v};
  enum fin_status st = fs_collect(self, NULL, q, &v, out, n, e);
  if (st == FIN_OK && *n > 1) qsort(*out, *n, sizeof **out, ent_event_by_sequence);
  return st;
}

static const struct fin_outbox_ops outbox_ops = {
    .find_pending = ob_find_pending,
    .find_retry = ob_find_retry,
    .get = ob_get,
    .claim = ob_claim,
    .claim_many = ob_claim_many,
    .mark_sent_many = ob_mark_sent_many,
    .mark_sent = ob_mark_sent,
    .mark_failed = ob_mark_failed,
    .mark_dead = ob_mark_dead,
    .clear = ob_clear,
    .list_by_entity = ob_list_by_entity,
    .destroy = fs_port_release,
};

struct fin_outbox fs_outbox_port(struct fs *f) {
  return (struct fin_outbox){&outbox_ops, fs_ref(f)};
}

/* ---- audit logs ---- */
static const char *log_id_of(const void *elem) {
  return ((const struct fin_audit *)elem)->log_id;
}

/* A target has few entries: all of them, newest first, paged here by the
 * id of the last entry returned (as in memory mode). */
static enum fin_status audit_find_by_target(void *self, const char *type, const char *id,
                                            const char *cursor, int limit, struct fin_audit **out,
                                            size_t *n, struct fin_page *page, struct fin_err *e) {
  page->total_count = -1, page->has_more = false, page->next_cursor = NULL;
  json_t *q = fs_q_new(FS_C_AUDIT, false);
  fs_q_where(q, "targetType", "EQUAL", fs_s(type));
  fs_q_where(q, "targetId", "EQUAL", fs_s(id));
  struct ent_vec v = {
      .size = sizeof(struct fin_audit), .from = audit_from_v, .clear = audit_clear_v};
  struct fin_audit *all;
  size_t total;
  enum fin_status st = fs_collect(self, NULL, q, &v, &all, &total, e);
  if (st != FIN_OK) return st;
  if (total > 1) qsort(all, total, sizeof *all, ent_audit_newest);
  size_t from = 0;
  for (size_t i = 0; cursor != NULL && cursor[0] && i < total; i++)
    if (strcmp(all[i].log_id, cursor) == 0) from = i + 1;
  void *page_items;
  st = ent_page_slice(all, total, sizeof *all, from, limit, log_id_of, audit_clear_v, &page_items,
                      n, page, e);
  *out = page_items;
  return st;
}

static enum fin_status audit_clear(void *self, long *deleted, struct fin_err *e) {
  return fs_delete_group(self, FS_C_AUDIT, deleted, e);
}

static const struct fin_audit_ops audit_ops = {
    .find_by_target = audit_find_by_target,
    .clear = audit_clear,
    .destroy = fs_port_release,
};

struct fin_audit_logs fs_audit_port(struct fs *f) {
  return (struct fin_audit_logs){&audit_ops, fs_ref(f)};
}

/* ---- WhatsApp: plain documents ---- */
static enum fin_status put_doc(struct fs *f, char *path, json_t *fields, struct fin_err *e) {
  if (path == NULL || fields == NULL) {
    free(path), json_decref(fields);
    return fin_err_set(e, path ? FIN_NOMEM : FIN_INVALID, "cannot store this document");
  }
  json_t *w = fs_w_update(f, path, fields, NULL, -1);
  free(path);
  return w ? fs_commit(f, json_pack("[o]", w), NULL, NULL, e)
           : fin_err_set(e, FIN_NOMEM, "out of memory");
}

ENT_VEC_FNS(notif, fs_wa_notification_from, fin_wa_notification_clear)
ENT_VEC_FNS(inbound, fs_wa_inbound_from, fin_wa_inbound_clear)
ENT_VEC_FNS(approval, fs_approval_from, fin_pending_approval_clear)

static enum fin_status notif_save(void *self, const struct fin_wa_notification *n,
                                  struct fin_err *e) {
  return put_doc(self, fs_path(2, FS_C_WA_NOTIF, n->notification_id),
                 fs_wa_notification_fields(n, fin_now_ms()), e);
}

static enum fin_status notif_get(void *self, const char *id, struct fin_wa_notification *out,
                                 struct fin_err *e) {
  memset(out, 0, sizeof *out);
  return fs_get_entity(self, fs_path(2, FS_C_WA_NOTIF, id), notif_from_v, notif_clear_v, out, e);
}

/* As memory mode: sentAt on sent, deliveredAt on delivered, the message id
 * and error only when given. */
static enum fin_status notif_update_status(void *self, const char *id, const char *status,
                                           const char *wpp_message_id, const char *error,
                                           fin_ms now, struct fin_err *e) {
  const char *mask[8];
  size_t k = 0;
  json_t *fields = json_object();
  mask[k++] = "deliveryStatus", fs_put_s(fields, "deliveryStatus", status);
  mask[k++] = "updatedAt", fs_put_time(fields, "updatedAt", now);
  if (strcmp(status, "sent") == 0) mask[k++] = "sentAt", fs_put_time(fields, "sentAt", now);
  if (strcmp(status, "delivered") == 0)
    mask[k++] = "deliveredAt", fs_put_time(fields, "deliveredAt", now);
  if (wpp_message_id) mask[k++] = "wppMessageId", fs_put_s(fields, "wppMessageId", wpp_message_id);
  if (error) mask[k++] = "lastError", fs_put_s(fields, "lastError", error);
  mask[k] = NULL;
  enum fin_status st = patch(self, fs_path(2, FS_C_WA_NOTIF, id), fields, mask, NULL, e);
  if (st == FIN_NOT_FOUND) fin_err_set(e, FIN_NOT_FOUND, "Notification not found: %s", id);
  return st;
}

static enum fin_status notif_delete_all(void *self, long *deleted, struct fin_err *e) {
  return fs_delete_group(self, FS_C_WA_NOTIF, deleted, e);
}

static const struct fin_wa_notifications_ops notif_ops = {
    .save = notif_save,
    .get = notif_get,
    .update_status = notif_update_status,
    .delete_all = notif_delete_all,
    .destroy = fs_port_release,
};

struct fin_wa_notifications fs_wa_notifications_port(struct fs *f) {
  return (struct fin_wa_notifications){&notif_ops, fs_ref(f)};
}

static enum fin_status inbound_save(void *self, const struct fin_wa_inbound *m, struct fin_err *e) {
  return put_doc(self, fs_path(2, FS_C_WA_INBOUND, m->message_id), fs_wa_inbound_fields(m), e);
}

static enum fin_status inbound_get(void *self, const char *id, struct fin_wa_inbound *out,
                                   struct fin_err *e) {
  memset(out, 0, sizeof *out);
  return fs_get_entity(self, fs_path(2, FS_C_WA_INBOUND, id), inbound_from_v, inbound_clear_v, out,
                       e);
}

static enum fin_status inbound_delete_all(void *self, long *deleted, struct fin_err *e) {
  return fs_delete_group(self, FS_C_WA_INBOUND, deleted, e);
}

static const struct fin_wa_inbound_ops inbound_ops = {
    .save = inbound_save,
    .get = inbound_get,
    .delete_all = inbound_delete_all,
    .destroy = fs_port_release,
};

struct fin_wa_inbound_repo fs_wa_inbound_port(struct fs *f) {
  return (struct fin_wa_inbound_repo){&inbound_ops, fs_ref(f)};
}

/* A short id is claimed by a document of its own, approval_short_ids/<ID>,
 * written in the same commit as the tracker on condition that it is still
 * what was read: absent, this tracker's, or naming a holder that has left
 * `pending` (decided, expired, deleted: see ent_short_owner), which never
 * comes back to it. A pending tracker keeps its id however old it is
 * (replies to it still count), as in the other stores. A decision deletes
 * the claim. */
#define FS_C_SHORT_IDS "approval_short_ids"

static enum fin_status approval_get(void *self, const char *id, struct fin_pending_approval *out,
                                    struct fin_err *e);

/* Whether the claim `doc` (as read, or NULL) lets p take its short id. */
static enum fin_status claim_free(struct fs *f, const json_t *doc,
                                  const struct fin_pending_approval *p, bool *free_,
                                  struct fin_err *e) {
  const char *owner = doc != NULL ? fs_get_s(fs_doc_fields(doc), "owner") : NULL;
  *free_ = true;
  if (owner == NULL || strcmp(owner, p->request_id) == 0) return FIN_OK;
  struct fin_pending_approval t = {0};
  size_t held = 0;
  enum fin_status st =
      ent_short_owner(approval_get(f, owner, &t, e), &t, p->short_id, NULL, 0, &held);
  *free_ = held == 0;
  return st;
}

/* The claim write for p, conditioned on `doc` (the claim as read, or NULL). */
static json_t *claim_write(struct fs *f, const char *path, const struct fin_pending_approval *p,
                           const json_t *doc) {
  json_t *fields = json_object();
  fs_put_s(fields, "owner", p->request_id);
  json_t *w = fs_w_update(f, path, fields, NULL, doc == NULL ? 0 : -1);
  const char *ut = json_string_value(json_object_get(doc, "updateTime"));
  if (w != NULL && ut != NULL)
    json_object_set_new(w, "currentDocument", json_pack("{s:s}", "updateTime", ut));
  return w;
}

static enum fin_status save_claimed(struct fs *f, const struct fin_pending_approval *p,
                                    struct fin_err *e) {
  char *cpath = fs_path(2, FS_C_SHORT_IDS, p->short_id);
  char *tpath = fs_path(2, FS_C_APPROVALS, p->request_id);
  enum fin_status st = cpath && tpath ? FIN_PRECONDITION : fin_err_set(e, FIN_INVALID, "bad id");
  for (int attempt = 0; attempt < 5 && st == FIN_PRECONDITION; attempt++) {
    json_t *doc = NULL;
    st = fs_read1(f, cpath, &doc, e);
    if (st != FIN_OK && st != FIN_NOT_FOUND) break;
    bool free_ = false;
    st = claim_free(f, doc, p, &free_, e);
    if (st == FIN_OK && !free_)
      st = fin_err_set(e, FIN_EXISTS, "Short id %s is taken", p->short_id);
    if (st != FIN_OK) {
      json_decref(doc);
      break;
    }
    json_t *cw = claim_write(f, cpath, p, doc);
    json_t *tw = fs_w_update(f, tpath, fs_approval_fields(p), NULL, -1);
    json_decref(doc);
    if (cw == NULL || tw == NULL) {
      json_decref(cw), json_decref(tw);
      st = fin_err_set(e, FIN_NOMEM, "out of memory");
      break;
    }
    st = fs_commit(f, json_pack("[o,o]", cw, tw), NULL, NULL, e);
    if (st == FIN_EXISTS) st = FIN_PRECONDITION; /* claimed since the read: look again */
  }
  free(cpath), free(tpath);
  return st;
}

static enum fin_status approval_save(void *self, const struct fin_pending_approval *p,
                                     struct fin_err *e) {
  if (p->short_id[0] != '\0' && strcmp(p->approval_status, "pending") == 0)
    return save_claimed(self, p, e);
  return put_doc(self, fs_path(2, FS_C_APPROVALS, p->request_id), fs_approval_fields(p), e);
}

static enum fin_status approval_get(void *self, const char *id, struct fin_pending_approval *out,
                                    struct fin_err *e) {
  memset(out, 0, sizeof *out);
  return fs_get_entity(self, fs_path(2, FS_C_APPROVALS, id), approval_from_v, approval_clear_v, out,
                       e);
}

/* Only a tracker still pending moves: the update is conditional on the
 * version that was read pending; a lost race re-reads and reports. */
static enum fin_status decide_doc(void *self, const char *id, const char *status,
                                  const char *admin_phone, fin_ms now, struct fin_err *e) {
  static const char *const mask[] = {"approvalStatus", "respondingAdminPhone", "responseReceivedAt",
                                     "updatedAt", NULL};
  for (int attempt = 0; attempt < 5; attempt++) {
    char *path = fs_path(2, FS_C_APPROVALS, id);
    json_t *doc = NULL;
    enum fin_status st = fs_read1(self, path, &doc, e);
    if (st == FIN_NOT_FOUND) fin_err_set(e, st, "Tracker not found: %s", id);
    const char *cur = fs_get_s(fs_doc_fields(doc), "approvalStatus");
    if (st == FIN_OK && (cur == NULL || strcmp(cur, "pending") != 0))
      st = fin_err_set(e, FIN_PRECONDITION, "Tracker %s is already %s", id, cur ? cur : "?");
    if (st != FIN_OK) {
      json_decref(doc), free(path);
      return st;
    }
    json_t *fields = json_object();
    fs_put_s(fields, "approvalStatus", status);
    fs_put_s(fields, "respondingAdminPhone", admin_phone);
    fs_put_time(fields, "responseReceivedAt", now);
    fs_put_time(fields, "updatedAt", now);
    json_t *w = fs_w_update(self, path, fields, mask, -1);
    const char *ut = json_string_value(json_object_get(doc, "updateTime"));
    if (w != NULL && ut != NULL)
      json_object_set_new(w, "currentDocument", json_pack("{s:s}", "updateTime", ut));
    json_decref(doc), free(path);
    if (w == NULL) return fin_err_set(e, FIN_NOMEM, "out of memory");
    st = fs_commit(self, json_pack("[o]", w), NULL, NULL, e);
    if (st != FIN_PRECONDITION) return st; /* changed since the read: look again */
  }
  return fin_err_set(e, FIN_UNAVAILABLE, "Tracker %s: too much contention", id);
}

static enum fin_status approval_find_short(void *self, const char *short_id,
                                           struct fin_pending_approval *out, size_t max, size_t *n,
                                           struct fin_err *e) {
  *n = 0;
  char *cpath = short_id && short_id[0] ? fs_path(2, FS_C_SHORT_IDS, short_id) : NULL;
  if (cpath == NULL) return FIN_OK; /* not an id Firestore can hold: no claim */
  json_t *doc = NULL;
  enum fin_status st = fs_read1(self, cpath, &doc, e);
  free(cpath);
  if (st == FIN_NOT_FOUND) return FIN_OK;
  if (st != FIN_OK) return st;
  const char *owner = fs_get_s(fs_doc_fields(doc), "owner");
  struct fin_pending_approval t = {0};
  st = owner != NULL ? approval_get(self, owner, &t, e) : FIN_NOT_FOUND;
  json_decref(doc);
  return ent_short_owner(st, &t, short_id, out, max, n);
}

/* The decision, then the short id's claim released (best effort: a claim
 * left behind names a tracker no longer pending, which find_short ignores
 * and the next claimant takes over). */
static enum fin_status approval_decide(void *self, const char *id, const char *status,
                                       const char *admin_phone, fin_ms now, struct fin_err *e) {
  enum fin_status st = decide_doc(self, id, status, admin_phone, now, e);
  if (st != FIN_OK) return st;
  struct fin_pending_approval t = {0};
  struct fin_err ignored = {0};
  char *cpath = NULL;
  json_t *doc = NULL;
  if (approval_get(self, id, &t, &ignored) == FIN_OK && t.short_id[0] != '\0')
    cpath = fs_path(2, FS_C_SHORT_IDS, t.short_id);
  if (cpath != NULL && fs_read1(self, cpath, &doc, &ignored) == FIN_OK) {
    const char *owner = fs_get_s(fs_doc_fields(doc), "owner");
    const char *ut = json_string_value(json_object_get(doc, "updateTime"));
    json_t *w = owner && ut && strcmp(owner, id) == 0 ? fs_w_delete(self, cpath) : NULL;
    if (w != NULL) {
      json_object_set_new(w, "currentDocument", json_pack("{s:s}", "updateTime", ut));
      fs_commit(self, json_pack("[o]", w), NULL, NULL, &ignored);
    }
  }
  json_decref(doc);
  free(cpath);
  fin_pending_approval_clear(&t);
  return FIN_OK;
}

/* Trackers are counted, short-id claims are not (they are not trackers). */
static enum fin_status approval_delete_all(void *self, long *deleted, struct fin_err *e) {
  long claims = 0;
  enum fin_status st = fs_delete_group(self, FS_C_APPROVALS, deleted, e);
  return st == FIN_OK ? fs_delete_group(self, FS_C_SHORT_IDS, &claims, e) : st;
}

static const struct fin_pending_approvals_ops approvals_ops = {
    .save = approval_save,
    .find_short = approval_find_short,
    .get = approval_get,
    .decide = approval_decide,
    .delete_all = approval_delete_all,
    .destroy = fs_port_release,
};

struct fin_pending_approvals fs_approvals_port(struct fs *f) {
  return (struct fin_pending_approvals){&approvals_ops, fs_ref(f)};
}
