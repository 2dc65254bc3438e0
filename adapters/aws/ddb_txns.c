/* ddb_txns.c - transactions (acme-transactions, pk "<eco>#<card>", sk the
 * UUIDv7 transactionId, so descending key order is newest first) and
 * idempotency records (acme-idempotency, TTL on expiresAt; an expired record
 * is ignored on read because TTL deletion is best effort: docs/aws.md). */
#include <stdlib.h>
#include <string.h>

#include "../../core/util/timefmt.h"
#include "ddb.h"
#include "ddb_av.h"
#include "ddb_items.h"

ENT_VEC_FNS(txn, ddb_txn_from, fin_txn_clear)

static enum fin_status txn_get(void *self, const char *eco, const char *card_id, const char *id,
                               struct fin_txn *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  char *pk = ddb_join(eco, card_id);
  if (pk == NULL) return fin_err_set(e, FIN_NOMEM, "out of memory");
  json_t *item;
  enum fin_status st = ddb_get(
      self, ddb_table(self, DDB_T_TXNS),
      json_pack("{s:{s:s}, s:{s:s}}", "ecosystemIdCardId", "S", pk, "transactionId", "S", id),
      &item, e);
  free(pk);
  if (st != FIN_OK) return st;
  int rc = ddb_txn_from(item, out);
  json_decref(item);
  if (rc == 0) return FIN_OK;
  fin_txn_clear(out);
  return fin_err_set(e, FIN_INTERNAL, "acme-transactions item %s is malformed", id);
}

static char *txn_cursor(const void *elem) {
  return strdup(((const struct fin_txn *)elem)->transaction_id);
}

/* The cursor is the id of the last transaction returned (as in memory
 * mode); it resumes only when that transaction is on this card, otherwise
 * the walk starts at the first page. */
static json_t *txn_start(struct ddb *d, const char *cursor, const char *pk) {
  if (cursor == NULL || cursor[0] == '\0' || strlen(cursor) > 64) return NULL;
  json_t *key =
      json_pack("{s:{s:s}, s:{s:s}}", "ecosystemIdCardId", "S", pk, "transactionId", "S", cursor);
  json_t *item = NULL;
  if (key == NULL ||
      ddb_get(d, ddb_table(d, DDB_T_TXNS), json_incref(key), &item, NULL) != FIN_OK) {
    json_decref(key);
    return NULL;
  }
  json_decref(item);
  return key;
}

static enum fin_status txn_list_by_card(void *self, const char *eco, const char *card_id,
                                        const char *type, const char *cursor, int limit,
                                        struct fin_txn **out, size_t *n, struct fin_page *page,
                                        struct fin_err *e) {
  char *pk = ddb_join(eco, card_id);
  if (pk == NULL) return fin_err_set(e, FIN_NOMEM, "out of memory");
  json_t *req =
      json_pack("{s:s, s:s, s:{s:{s:s}}, s:b, s:b}", "TableName", ddb_table(self, DDB_T_TXNS),
                "KeyConditionExpression", "ecosystemIdCardId = :p", "ExpressionAttributeValues",
                ":p", "S", pk, "ScanIndexForward", 0, "ConsistentRead", 1);
  if (req != NULL && type != NULL) {
    json_object_set_new(req, "FilterExpression", json_string("#t = :t"));
    json_object_set_new(req, "ExpressionAttributeNames", json_pack("{s:s}", "#t", "type"));
    json_object_set_new(json_object_get(req, "ExpressionAttributeValues"), ":t", ddb_s(type));
  }
  struct ent_vec v = {.size = sizeof(struct fin_txn), .from = txn_from_v, .clear = txn_clear_v};
  json_t *start = txn_start(self, cursor, pk);
  free(pk);
  page->total_count = -1;
  return ddb_page(self, req, start, limit, &v, txn_cursor, out, n, page, e);
}

static enum fin_status txn_delete_all(void *self, long *deleted, struct fin_err *e) {
  static const char *const keys[] = {"ecosystemIdCardId", "transactionId", NULL};
  return ddb_wipe(self, ddb_table(self, DDB_T_TXNS), keys, deleted, e);
}

static const struct fin_txns_ops txns_ops = {
    .get = txn_get,
    .list_by_card = txn_list_by_card,
    .delete_all = txn_delete_all,
    .destroy = ddb_port_release,
};

struct fin_txns ddb_txns_port(struct ddb *d) {
  return (struct fin_txns){&txns_ops, ddb_ref(d)};
}

/* ---- idempotency ---- */
static const char *const idem_keys[] = {"ecosystemId", "keyHash", NULL};

static enum fin_status idem_get(void *self, const char *eco, const char *hash, fin_ms now,
                                struct fin_idem *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  json_t *item;
  enum fin_status st = ddb_get(
      self, ddb_table(self, DDB_T_IDEM),
      json_pack("{s:{s:s}, s:{s:s}}", "ecosystemId", "S", eco, "keyHash", "S", hash), &item, e);
  if (st != FIN_OK) return st;
  int rc = ddb_idem_from(item, out);
  json_decref(item);
  if (rc != 0) {
    fin_idem_clear(out);
    return fin_err_set(e, FIN_INTERNAL, "acme-idempotency item %s is malformed", hash);
  }
  if (out->expires_at <= now) { /* expired: TTL has not swept it yet */
    fin_idem_clear(out);
    return FIN_NOT_FOUND;
  }
  return FIN_OK;
}

static enum fin_status idem_delete_expired(void *self, fin_ms now, long *deleted,
                                           struct fin_err *e) {
  char iso[32];
  return ddb_wipe_where(self, ddb_table(self, DDB_T_IDEM), idem_keys, "expiresAtDate <= :now",
                        ddb_vals(1, ":now", ddb_s(fin_iso(now, iso))), deleted, e);
}

static enum fin_status idem_delete_all(void *self, long *deleted, struct fin_err *e) {
  return ddb_wipe(self, ddb_table(self, DDB_T_IDEM), idem_keys, deleted, e);
}

static const struct fin_idempotency_ops idem_ops = {
    .get = idem_get,
    .delete_expired = idem_delete_expired,
    .delete_all = idem_delete_all,
    .destroy = ddb_port_release,
};

struct fin_idempotency ddb_idem_port(struct ddb *d) {
  return (struct fin_idempotency){&idem_ops, ddb_ref(d)};
}
