/* fs_db.h - the Firestore adapter: document names, reads, queries and
 * chunked deletes shared by the repositories (fs_repos.c, fs_records.c) and
 * the store (fs_store.c), on one struct fs handle (fs_client.h).
 *
 * Every repository port's self is a reference on the handle, released by
 * its destroy. Reads of single documents go through :batchGet (the
 * emulator never answers a GET inside a transaction, and a body carries any
 * id without URL escaping). Thread-safe.
 */
#ifndef FIN_FS_DB_H
#define FIN_FS_DB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../core/ports/errors.h"
#include "../../core/ports/repos.h"
#include "../../core/ports/store.h"
#include "../common/ent_vec.h"
#include "fs_client.h"

/* A document path below ".../documents/" from `nseg` segments (collection,
 * id, collection, id ...), malloc'd; NULL when a segment is empty, holds a
 * '/', is "." / "..", is reserved (`__.*__`) or longer than 1500 bytes
 * (Firestore cannot store such an id: a read of it names nothing), or on
 * OOM. */
char *fs_path(int nseg, ...);
/* The full name "projects/P/databases/(default)/documents/<path>" (malloc'd). */
char *fs_full(struct fs *f, const char *path);

/* Reads documents by path. docs[i] is the document (owned) or NULL when it
 * is missing. With txn != NULL a read-write transaction is begun with the
 * read and its id returned in *txn (malloc'd; the caller must commit or
 * roll it back: the emulator keeps the locks of an abandoned one ~60 s). */
enum fin_status fs_read(struct fs *f, const char *const *paths, size_t n, json_t **docs, char **txn,
                        struct fin_err *e);
/* fs_read of the named fields only (NULL-terminated), no transaction: a
 * document comes back with its name, updateTime and those of its fields it
 * has. For reads that check a few fields of large documents. */
enum fin_status fs_read_fields(struct fs *f, const char *const *paths, size_t n,
                               const char *const *fields, json_t **docs, struct fin_err *e);
/* One document; FIN_NOT_FOUND when missing. */
enum fin_status fs_read1(struct fs *f, const char *path, json_t **doc, struct fin_err *e);

/* Reads the document at `path` (owned and freed here; NULL = a name
 * Firestore cannot hold, i.e. absent) and decodes it into out with `from`
 * (released with `clear` when malformed: FIN_INTERNAL). */
enum fin_status fs_get_entity(struct fs *f, char *path, int (*from)(const json_t *, void *),
                              void (*clear)(void *), void *out, struct fin_err *e);

/* Structured queries. fs_q_new: from `collection` (all_descendants: every
 * collection of that id below the parent, i.e. a collection-group query). */
json_t *fs_q_new(const char *collection, bool all_descendants);
/* ANDs a field filter (op "EQUAL", "LESS_THAN_OR_EQUAL" ...); value stolen. */
void fs_q_where(json_t *q, const char *field, const char *op, json_t *value);
/* Appends an order; "__name__" orders by document name. */
void fs_q_order(json_t *q, const char *field, bool descending);
void fs_q_limit(json_t *q, int limit);
/* startAfter: the cursor values (stolen array), one per order field. */
void fs_q_start_after(json_t *q, json_t *values);
/* A referenceValue Value for a document path. */
json_t *fs_ref_value(struct fs *f, const char *path);

typedef int (*fs_doc_fn)(void *ctx, const json_t *doc);
/* Runs `q` (stolen) under `parent` (a document path, or NULL for the root)
 * and hands each document to fn (0 go on, 1 stop, -1 OOM). */
enum fin_status fs_query(struct fs *f, const char *parent, json_t *q, fs_doc_fn fn, void *ctx,
                         struct fin_err *e);
/* The same into an ent_vec; on FIN_OK *out and *n get the array (caller owns). */
enum fin_status fs_collect(struct fs *f, const char *parent, json_t *q, struct ent_vec *v,
                           void *out, size_t *n, struct fin_err *e);

/* Deletes what `q` (stolen; its limit is managed here) matches, in commits
 * of at most 500 deletes, until nothing matches. *deleted = count. */
enum fin_status fs_delete_where(struct fs *f, const char *parent, json_t *q, long *deleted,
                                struct fin_err *e);
/* Every document of a collection id anywhere (collection group). */
enum fin_status fs_delete_group(struct fs *f, const char *collection, long *deleted,
                                struct fin_err *e);

/* Commits `writes` (a JSON array, stolen) in `txn` (NULL: a plain atomic
 * batch). Status as fs_call (a precondition failure is FIN_PRECONDITION,
 * a missing document for exists:true FIN_NOT_FOUND, contention
 * FIN_INTERNAL with fail->status "ABORTED"). */
enum fin_status fs_commit(struct fs *f, json_t *writes, const char *txn, struct fs_fail *fail,
                          struct fin_err *e);
void fs_rollback(struct fs *f, const char *txn);

/* Write builders (NULL on OOM). An update of `fields` (stolen) at path:
 * mask NULL = the whole document; exists: 1 must exist, 0 must not, -1 any. */
json_t *fs_w_update(struct fs *f, const char *path, json_t *fields, const char *const *mask,
                    int exists);
json_t *fs_w_delete(struct fs *f, const char *path);

/* Ports (each holds a reference on f). */
void fs_port_release(void *self);
struct fin_users fs_users_port(struct fs *f);
struct fin_scores fs_scores_port(struct fs *f);
struct fin_cards fs_cards_port(struct fs *f);
struct fin_card_requests fs_requests_port(struct fs *f);
struct fin_txns fs_txns_port(struct fs *f);
struct fin_idempotency fs_idem_port(struct fs *f);
struct fin_outbox fs_outbox_port(struct fs *f);
struct fin_audit_logs fs_audit_port(struct fs *f);
struct fin_wa_notifications fs_wa_notifications_port(struct fs *f);
struct fin_wa_inbound_repo fs_wa_inbound_port(struct fs *f);
struct fin_pending_approvals fs_approvals_port(struct fs *f);
struct fin_store fs_store_port(struct fs *f);

#endif
