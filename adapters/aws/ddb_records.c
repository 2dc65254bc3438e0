/* ddb_records.c - the record-keeping repositories on DynamoDB: audit logs
 * (acme-audit-logs, pk "<type>#<id>", sk "<iso>#<logId>"), WhatsApp
 * notifications, inbound messages and pending approvals. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/timefmt.h"
#include "../common/ent_requests.h"
#include "../common/ent_sbuf.h"
#include "ddb.h"
#include "ddb_av.h"
#include "ddb_items.h"

ENT_VEC_FNS(audit, ddb_audit_from, fin_audit_clear)

/* ---- audit logs ---- */
static json_t *audit_key(const void *elem) {
  const struct fin_audit *a = elem;
  char iso[32];
  char *pk = ddb_join(a->target_type ? a->target_type : "", a->target_id ? a->target_id : "");
  char *sk = ddb_join(fin_iso(a->timestamp, iso), a->log_id);
  json_t *k = pk && sk ? json_pack("{s:{s:s}, s:{s:s}}", "targetTypeTargetId", "S", pk,
                                   "timestampLogId", "S", sk)
                       : NULL;
  free(pk);
  free(sk);
  return k;
}

static char *audit_cursor(const void *elem) {
  json_t *k = audit_key(elem);
  char *c = k != NULL ? ddb_cursor_encode(k) : NULL;
  json_decref(k);
  return c;
}

static enum fin_status audit_find_by_target(void *self, const char *type, const char *id,
                                            const char *cursor, int limit, struct fin_audit **out,
                                            size_t *n, struct fin_page *page, struct fin_err *e) {
  page->total_count = -1;
  if (type == NULL || id == NULL)
    return fin_err_set(e, FIN_INVALID, "target type and target id are required");
  char *pk = ddb_join(type, id);
  if (pk == NULL) return fin_err_set(e, FIN_NOMEM, "out of memory");
  json_t *req =
      json_pack("{s:s, s:s, s:{s:{s:s}}, s:b, s:b}", "TableName", ddb_table(self, DDB_T_AUDIT),
                "KeyConditionExpression", "targetTypeTargetId = :p", "ExpressionAttributeValues",
                ":p", "S", pk, "ScanIndexForward", 0, "ConsistentRead", 1);
  json_t *start = ddb_cursor_decode(cursor);
  const char *cpk =
      json_string_value(json_object_get(json_object_get(start, "targetTypeTargetId"), "S"));
  if (start != NULL && (cpk == NULL || strcmp(cpk, pk) != 0 || json_object_size(start) != 2 ||
                        json_object_get(start, "timestampLogId") == NULL)) {
    json_decref(start); /* another target's cursor: first page */
    start = NULL;
  }
  free(pk);
  struct ent_vec v = {
      .size = sizeof(struct fin_audit), .from = audit_from_v, .clear = audit_clear_v};
  return ddb_page(self, req, start, limit, &v, audit_cursor, out, n, page, e);
}

static enum fin_status audit_clear(void *self, long *deleted, struct fin_err *e) {
  static const char *const keys[] = {"targetTypeTargetId", "timestampLogId", NULL};
  return ddb_wipe(self, ddb_table(self, DDB_T_AUDIT), keys, deleted, e);
}

static const struct fin_audit_ops audit_ops = {
    .find_by_target = audit_find_by_target,
    .clear = audit_clear,
    .destroy = ddb_port_release,
};

struct fin_audit_logs ddb_audit_port(struct ddb *d) {
  return (struct fin_audit_logs){&audit_ops, ddb_ref(d)};
}

/* Reads one item by a single string key into a model struct. */
#define GET_ONE(self, suffix, key_attr, id, from, clear, out, e)                                   \
  do {                                                                                             \
    memset(out, 0, sizeof *(out));                                                                 \
    json_t *item_;                                                                                 \
    enum fin_status st_ = ddb_get(self, ddb_table(self, suffix),                                   \
                                  json_pack("{s:{s:s}}", key_attr, "S", id), &item_, e);           \
    if (st_ != FIN_OK) return st_;                                                                 \
    int rc_ = from(item_, out);                                                                    \
    json_decref(item_);                                                                            \
    if (rc_ == 0) return FIN_OK;                                                                   \
    clear(out);                                                                                    \
    return fin_err_set(e, FIN_INTERNAL, "%s item %s is malformed", ddb_table(self, suffix), id);   \
  } while (0)

/* ---- WhatsApp notifications ---- */
static enum fin_status notif_save(void *self, const struct fin_wa_notification *n,
                                  struct fin_err *e) {
  return ddb_put(self, ddb_table(self, DDB_T_WA_NOTIF), ddb_wa_notification_item(n, n->created_at),
                 e);
}

static enum fin_status notif_get(void *self, const char *id, struct fin_wa_notification *out,
                                 struct fin_err *e) {
  GET_ONE(self, DDB_T_WA_NOTIF, "notificationId", id, ddb_wa_notification_from,
          fin_wa_notification_clear, out, e);
}

static enum fin_status notif_update_status(void *self, const char *id, const char *status,
                                           const char *wpp_message_id, const char *error,
                                           fin_ms now, struct fin_err *e) {
  if (id == NULL || status == NULL)
    return fin_err_set(e, FIN_INVALID, "notification id and status are required");
  char iso[32], set_a[256];
  struct ent_sbuf set;
  ent_sbuf_init(&set, set_a, sizeof set_a, "SET #s = :s, deliveryStatus = :s, updatedAt = :now");
  json_t *vals = ddb_vals(2, ":s", ddb_s(status), ":now", ddb_s(fin_iso(now, iso)));
  if (strcmp(status, "sent") == 0) ent_sbuf_add(&set, ", sentAt = :now");
  if (strcmp(status, "delivered") == 0) ent_sbuf_add(&set, ", deliveredAt = :now");
  if (wpp_message_id != NULL) {
    ent_sbuf_add(&set, ", wppMessageId = :w");
    json_object_set_new(vals, ":w", ddb_s(wpp_message_id));
  }
  if (error != NULL) {
    ent_sbuf_add(&set, ", lastError = :err");
    json_object_set_new(vals, ":err", ddb_s(error));
  }
  if (!ent_sbuf_ok(&set)) {
    json_decref(vals);
    return fin_err_set(e, FIN_INTERNAL, "notification update: expression does not fit");
  }
  return ddb_update(self, ddb_table(self, DDB_T_WA_NOTIF),
                    json_pack("{s:{s:s}}", "notificationId", "S", id), "notificationId", set.p,
                    NULL, json_pack("{s:s}", "#s", "status"), vals, e);
}

static enum fin_status notif_delete_all(void *self, long *deleted, struct fin_err *e) {
  static const char *const keys[] = {"notificationId", NULL};
  return ddb_wipe(self, ddb_table(self, DDB_T_WA_NOTIF), keys, deleted, e);
}

static const struct fin_wa_notifications_ops notif_ops = {
    .save = notif_save,
    .get = notif_get,
    .update_status = notif_update_status,
    .delete_all = notif_delete_all,
    .destroy = ddb_port_release,
};

struct fin_wa_notifications ddb_wa_notifications_port(struct ddb *d) {
  return (struct fin_wa_notifications){&notif_ops, ddb_ref(d)};
}

/* ---- WhatsApp inbound ---- */
static enum fin_status inbound_save(void *self, const struct fin_wa_inbound *m, struct fin_err *e) {
  return ddb_put(self, ddb_table(self, DDB_T_WA_INBOUND), ddb_wa_inbound_item(m), e);
}

static enum fin_status inbound_get(void *self, const char *id, struct fin_wa_inbound *out,
                                   struct fin_err *e) {
  GET_ONE(self, DDB_T_WA_INBOUND, "messageId", id, ddb_wa_inbound_from, fin_wa_inbound_clear, out,
          e);
}

static enum fin_status inbound_delete_all(void *self, long *deleted, struct fin_err *e) {
  static const char *const keys[] = {"messageId", NULL};
  return ddb_wipe(self, ddb_table(self, DDB_T_WA_INBOUND), keys, deleted, e);
}

static const struct fin_wa_inbound_ops inbound_ops = {
    .save = inbound_save,
    .get = inbound_get,
    .delete_all = inbound_delete_all,
    .destroy = ddb_port_release,
};

struct fin_wa_inbound_repo ddb_wa_inbound_port(struct ddb *d) {
  return (struct fin_wa_inbound_repo){&inbound_ops, ddb_ref(d)};
}

/* ---- pending approvals ---- */
/* A short id is claimed by a row of its own in the same table, keyed
 * "short#<ID>" (request ids are UUIDs, never that) and naming its holder.
 * The claim and the tracker are written in one transaction, the claim on
 * condition that it is absent, already this tracker's, or still the one read
 * from a holder that has left `pending` (decided, expired, deleted: see
 * ent_short_owner). A pending tracker keeps its id however old it is (replies
 * to it still count), as in the other stores. A decision deletes the claim. */
#define SHORT_PREFIX "short#"

static json_t *short_key(const char *short_id) {
  char k[32];
  snprintf(k, sizeof k, SHORT_PREFIX "%s", short_id);
  return json_pack("{s:{s:s}}", "requestId", "S", k);
}

static enum fin_status approval_get(void *self, const char *id, struct fin_pending_approval *out,
                                    struct fin_err *e) {
  GET_ONE(self, DDB_T_APPROVALS, "requestId", id, ddb_approval_from, fin_pending_approval_clear,
          out, e);
}

/* The claim's Put action: over `holder`'s claim, or where there is none or
 * it is p's own (holder NULL). */
static json_t *claim_action(struct ddb *d, const struct fin_pending_approval *p,
                            const char *holder) {
  json_t *item = short_key(p->short_id);
  if (item != NULL) json_object_set_new(item, "shortOwner", ddb_s(p->request_id));
  json_t *vals = ddb_vals(1, ":h", ddb_s(holder != NULL ? holder : p->request_id));
  const char *cond =
      holder != NULL ? "shortOwner = :h" : "attribute_not_exists(requestId) OR shortOwner = :h";
  return item && vals ? json_pack("{s:{s:s, s:o, s:s, s:o}}", "Put", "TableName",
                                  ddb_table(d, DDB_T_APPROVALS), "Item", item,
                                  "ConditionExpression", cond, "ExpressionAttributeValues", vals)
                      : NULL;
}

/* After a refused claim: who holds p's short id. *holder is the claim's
 * owner (caller frees; NULL when there is no claim or it is p's own) and
 * *held whether that owner is still a pending tracker of this id. */
static enum fin_status claim_holder(struct ddb *d, const struct fin_pending_approval *p,
                                    char **holder, bool *held, struct fin_err *e) {
  *holder = NULL, *held = false;
  json_t *claim = NULL;
  enum fin_status st = ddb_get(d, ddb_table(d, DDB_T_APPROVALS), short_key(p->short_id), &claim, e);
  if (st == FIN_NOT_FOUND) return FIN_OK;
  if (st != FIN_OK) return st;
  const char *owner = ddb_get_s(claim, "shortOwner");
  if (owner == NULL)
    st = fin_err_set(e, FIN_INTERNAL, "Short id %s: claim without owner", p->short_id);
  if (st == FIN_OK && strcmp(owner, p->request_id) != 0) {
    struct fin_pending_approval t = {0};
    size_t n = 0;
    st = ent_short_owner(approval_get(d, owner, &t, e), &t, p->short_id, NULL, 0, &n);
    *held = n > 0;
    if (st == FIN_OK && (*holder = strdup(owner)) == NULL)
      st = fin_err_set(e, FIN_NOMEM, "out of memory");
  }
  json_decref(claim);
  return st;
}

static enum fin_status save_claimed(struct ddb *d, const struct fin_pending_approval *p,
                                    struct fin_err *e) {
  char *holder = NULL;
  enum fin_status st = FIN_PRECONDITION;
  for (int attempt = 0; attempt < 8 && st == FIN_PRECONDITION; attempt++) {
    json_t *tracker = ddb_approval_item(p);
    json_t *put = tracker ? json_pack("{s:{s:s, s:o}}", "Put", "TableName",
                                      ddb_table(d, DDB_T_APPROVALS), "Item", tracker)
                          : NULL;
    json_t *claim = claim_action(d, p, holder);
    free(holder), holder = NULL;
    st = ddb_transact(d, claim && put ? json_pack("[o,o]", claim, put) : NULL, "claim refused", e);
    if (st != FIN_PRECONDITION) break; /* done, or failed */
    bool held = false;
    st = claim_holder(d, p, &holder, &held, e);
    if (st == FIN_OK)
      st = held ? fin_err_set(e, FIN_EXISTS, "Short id %s is taken", p->short_id)
                : FIN_PRECONDITION; /* free, freed, or met another writer: again */
  }
  free(holder);
  if (st == FIN_PRECONDITION)
    st = fin_err_set(e, FIN_UNAVAILABLE, "Short id %s: too much contention", p->short_id);
  return st;
}

static enum fin_status approval_save(void *self, const struct fin_pending_approval *p,
                                     struct fin_err *e) {
  if (p->short_id[0] != '\0' && strcmp(p->approval_status, "pending") == 0)
    return save_claimed(self, p, e);
  return ddb_put(self, ddb_table(self, DDB_T_APPROVALS), ddb_approval_item(p), e);
}

/* First decision wins: conditional on the tracker still being pending. */
static enum fin_status decide_row(void *self, const char *id, const char *status,
                                  const char *admin_phone, fin_ms now, struct fin_err *e) {
  if (id == NULL || status == NULL)
    return fin_err_set(e, FIN_INVALID, "request id and status are required");
  char iso[32];
  json_t *vals =
      ddb_vals(4, ":s", ddb_s(status), ":p", ddb_s("pending"), ":now", ddb_s(fin_iso(now, iso)),
               ":phone", ddb_s(admin_phone ? admin_phone : ""));
  return ddb_update(self, ddb_table(self, DDB_T_APPROVALS),
                    json_pack("{s:{s:s}}", "requestId", "S", id), "requestId",
                    "SET #s = :s, approvalStatus = :s, respondingAdminPhone = :phone, "
                    "responseReceivedAt = :now, updatedAt = :now",
                    "#s = :p", json_pack("{s:s}", "#s", "status"), vals, e);
}

static enum fin_status approval_find_short(void *self, const char *short_id,
                                           struct fin_pending_approval *out, size_t max, size_t *n,
                                           struct fin_err *e) {
  *n = 0;
  if (short_id == NULL || short_id[0] == '\0' || strlen(short_id) >= FIN_SHORT_ID_MAX)
    return FIN_OK;
  json_t *claim = NULL;
  enum fin_status st =
      ddb_get(self, ddb_table(self, DDB_T_APPROVALS), short_key(short_id), &claim, e);
  if (st == FIN_NOT_FOUND) return FIN_OK;
  if (st != FIN_OK) return st;
  const char *owner = ddb_get_s(claim, "shortOwner");
  struct fin_pending_approval t = {0};
  st = owner != NULL ? approval_get(self, owner, &t, e) : FIN_NOT_FOUND;
  json_decref(claim);
  return ent_short_owner(st, &t, short_id, out, max, n);
}

/* The decision, then the short id's claim released (best effort: a claim
 * left behind names a tracker no longer pending, which find_short ignores
 * and the next claimant takes over). */
static enum fin_status approval_decide(void *self, const char *id, const char *status,
                                       const char *admin_phone, fin_ms now, struct fin_err *e) {
  enum fin_status st = decide_row(self, id, status, admin_phone, now, e);
  if (st != FIN_OK) return st;
  struct fin_pending_approval t = {0};
  struct fin_err ignored = {0};
  if (approval_get(self, id, &t, &ignored) == FIN_OK && t.short_id[0] != '\0') {
    json_t *req = json_pack("{s:s, s:o, s:s, s:o}", "TableName", ddb_table(self, DDB_T_APPROVALS),
                            "Key", short_key(t.short_id), "ConditionExpression", "shortOwner = :me",
                            "ExpressionAttributeValues", ddb_vals(1, ":me", ddb_s(id)));
    json_t *resp = NULL;
    if (req != NULL) ddb_call(self, "DeleteItem", req, &resp, NULL, &ignored);
    json_decref(resp);
  }
  fin_pending_approval_clear(&t);
  return FIN_OK;
}

/* Trackers are counted, short-id claims are not (they are not trackers). */
static enum fin_status approval_delete_all(void *self, long *deleted, struct fin_err *e) {
  static const char *const keys[] = {"requestId", NULL};
  const char *t = ddb_table(self, DDB_T_APPROVALS);
  long claims = 0;
  enum fin_status st =
      ddb_wipe_where(self, t, keys, "attribute_not_exists(shortOwner)", NULL, deleted, e);
  if (st == FIN_OK)
    st = ddb_wipe_where(self, t, keys, "attribute_exists(shortOwner)", NULL, &claims, e);
  return st;
}

static const struct fin_pending_approvals_ops approvals_ops = {
    .save = approval_save,
    .find_short = approval_find_short,
    .get = approval_get,
    .decide = approval_decide,
    .delete_all = approval_delete_all,
    .destroy = ddb_port_release,
};

struct fin_pending_approvals ddb_approvals_port(struct ddb *d) {
  return (struct fin_pending_approvals){&approvals_ops, ddb_ref(d)};
}
