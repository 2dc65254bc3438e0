/* ddb.h - the DynamoDB adapter: one shared handle for every repository and
 * the store, the JSON-protocol call, and the paging helpers the repositories
 * share.
 *
 * struct ddb is reference counted: each port made from it holds a reference
 * (released by the port's destroy), like the memory adapter's database.
 * Thread-safe: the HTTP client keeps a connection per thread.
 */
#ifndef FIN_DDB_H
#define FIN_DDB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../core/ports/errors.h"
#include "../../core/ports/repos.h"
#include "../../core/ports/services.h"
#include "../../core/ports/store.h"
#include "../common/ent_vec.h"
#include "aws_http.h"

struct ddb;

struct ddb_cfg {
  struct aws_cfg aws;       /* endpoint, region, credentials, timeouts */
  const char *table_prefix; /* "acme-" when NULL */
};

/* A new handle with one reference, or NULL with a message in err. */
struct ddb *ddb_new(const struct ddb_cfg *cfg, char *err, size_t err_size);
struct ddb *ddb_ref(struct ddb *d);
void ddb_unref(struct ddb *d);

/* "acme-users" for DDB_T_USERS; borrowed, lives as long as d. */
const char *ddb_table(struct ddb *d, const char *suffix);
/* DynamoDB requests sent so far (benchmarks). */
unsigned long ddb_calls(struct ddb *d);

/* Why a call failed, for callers that branch on it. */
struct ddb_fail {
  char type[64];    /* exception name, e.g. "ConditionalCheckFailedException" */
  json_t *reasons;  /* TransactionCanceledException's CancellationReasons (owned) */
  json_t *old_item; /* ConditionalCheckFailed with ALL_OLD: the stored item (owned) */
};
void ddb_fail_clear(struct ddb_fail *f);

/* POSTs DynamoDB_20120810.<op> with `req` (stolen). On FIN_OK *resp is the
 * response object (caller decrefs). A service error is FIN_INTERNAL with the
 * exception in f (may be NULL) and e; unreachable/throttled is FIN_UNAVAILABLE. */
enum fin_status ddb_call(struct ddb *d, const char *op, json_t *req, json_t **resp,
                         struct ddb_fail *f, struct fin_err *e);

/* GetItem (consistent read), `key` stolen. FIN_NOT_FOUND when absent;
 * *item owned. */
enum fin_status ddb_get(struct ddb *d, const char *table, json_t *key, json_t **item,
                        struct fin_err *e);
/* TransactWriteItems of `actions` (stolen): every action or none. A
 * cancelled transaction (a condition failed, or it met another writer) is
 * FIN_PRECONDITION with `what` as the message. */
enum fin_status ddb_transact(struct ddb *d, json_t *actions, const char *what, struct fin_err *e);
/* PutItem without a condition; `item` stolen. */
enum fin_status ddb_put(struct ddb *d, const char *table, json_t *item, struct fin_err *e);
/* UpdateItem `set` ("SET a = :a, #s = :s") on an existing item only (missing
 * -> FIN_NOT_FOUND, never a partial row). `cond` (may be NULL) is ANDed;
 * when it fails on an existing item the result is FIN_PRECONDITION. `key`,
 * `names` and `vals` are stolen (names/vals may be NULL). */
enum fin_status ddb_update(struct ddb *d, const char *table, json_t *key, const char *key_attr,
                           const char *set, const char *cond, json_t *names, json_t *vals,
                           struct fin_err *e);

/* One page of a Query or Scan. `req` (borrowed) holds TableName and the
 * expressions; ExclusiveStartKey and Limit are managed here. The callback
 * gets each item; it returns 0 to go on, 1 to stop after this item (the
 * page's last key is then that item's key), -1 on OOM. */
typedef int (*ddb_item_fn)(void *ctx, const json_t *item);

struct ddb_walk {
  const char *op;          /* "Query" | "Scan" */
  json_t *req;             /* borrowed request template */
  const char *const *keys; /* attribute names forming the LastEvaluatedKey */
  json_t *start;           /* ExclusiveStartKey to begin from (borrowed, may be NULL) */
  json_t *last;            /* out: key of the last item handed out when stopped early,
                              else the service's LastEvaluatedKey (owned, NULL at end) */
};
/* Walks every page until the callback stops or the results end. */
enum fin_status ddb_walk(struct ddb *d, struct ddb_walk *w, ddb_item_fn fn, void *ctx,
                         struct fin_err *e);

/* Decoded results go into an ent_vec (adapters/common/ent_vec.h). */
/* Walks all pages of `op` with `req` (stolen) into v; on FIN_OK *out and *n get
 * the array (caller owns), otherwise v is freed. */
enum fin_status ddb_collect(struct ddb *d, const char *op, json_t *req, struct ent_vec *v,
                            void *out, size_t *n, struct fin_err *e);

/* One page of at most `limit` items from a Query template `req` (stolen),
 * starting after `start` (stolen, NULL = first page). One more item than
 * the limit is read to learn has_more; the next cursor names the last item
 * returned (cursor_fn makes it, malloc'd, from the decoded element), so no
 * item is ever skipped. */
enum fin_status ddb_page(struct ddb *d, json_t *req, json_t *start, int limit, struct ent_vec *v,
                         char *(*cursor_fn)(const void *elem), void *out, size_t *n,
                         struct fin_page *page, struct fin_err *e);

/* Counts what a Query/Scan template (borrowed) matches, all pages. */
enum fin_status ddb_count(struct ddb *d, const char *op, const json_t *req, long *count,
                          struct fin_err *e);

/* Deletes every item of `table` (Scan of the key attributes, BatchWriteItem
 * in chunks of 25, unprocessed items retried). *deleted = count. */
enum fin_status ddb_wipe(struct ddb *d, const char *table, const char *const *keys, long *deleted,
                         struct fin_err *e);
/* The same for the items matching `filter` (attribute names used there must
 * not be reserved words) with values `vals` (stolen). */
enum fin_status ddb_wipe_where(struct ddb *d, const char *table, const char *const *keys,
                               const char *filter, json_t *vals, long *deleted, struct fin_err *e);

/* Cursors: base64url of the key JSON. Decode returns NULL for NULL/""/bad. */
char *ddb_cursor_encode(const json_t *key);
json_t *ddb_cursor_decode(const char *cursor);

/* A key object of the named attributes copied from an item (new ref). */
json_t *ddb_key_of(const json_t *item, const char *const *keys);

/* A repository's self is the handle; destroy drops the port's reference. */
void ddb_port_release(void *self);

/* Ports (each holds a reference on d). */
struct fin_users ddb_users_port(struct ddb *d);
struct fin_scores ddb_scores_port(struct ddb *d);
struct fin_cards ddb_cards_port(struct ddb *d);
struct fin_card_requests ddb_requests_port(struct ddb *d);
struct fin_txns ddb_txns_port(struct ddb *d);
struct fin_idempotency ddb_idem_port(struct ddb *d);
struct fin_outbox ddb_outbox_port(struct ddb *d);
struct fin_audit_logs ddb_audit_port(struct ddb *d);
struct fin_wa_notifications ddb_wa_notifications_port(struct ddb *d);
struct fin_wa_inbound_repo ddb_wa_inbound_port(struct ddb *d);
struct fin_pending_approvals ddb_approvals_port(struct ddb *d);
struct fin_store ddb_store_port(struct ddb *d);

#endif
