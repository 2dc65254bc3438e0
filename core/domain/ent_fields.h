/* ent_fields.h - the fields of each entity by name, written once: for every
 * document store (DynamoDB items, Firestore documents) and for the tables
 * Lua scripts see (core/lua/bind_common.c).
 *
 * A store (or the Lua binding) plugs in as a `struct ent_io`: typed writers and readers over its
 * "fields" object (a jansson object of name -> store value). ent_X_put adds
 * the fields both stores keep under the same name and encoding; the store's
 * own file adds keys, composite keys, TTLs, index-only copies and fields
 * named differently (the score and audit time, for instance). ent_X_get
 * reads the same fields back into a zeroed struct the caller owns; ids that
 * a store keeps in keys or document names are left to the store.
 *
 * Writers return 0, or -1 on OOM (the object is then incomplete and must be
 * dropped). Readers return defaults for missing or differently typed fields.
 */
#ifndef FIN_ENT_FIELDS_H
#define FIN_ENT_FIELDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "model.h"

struct ent_io {
  /* Writers add `name` to `f`; NULL strings, zero times and NULL JSON are
   * skipped. put_k is for index-key strings: a store that refuses "" in an
   * index (DynamoDB) skips it too. put_json stores any JSON value; put_map
   * stores a nested fields object and takes ownership of it (also on
   * failure; a NULL object fails, as after OOM). */
  int (*put_s)(json_t *f, const char *name, const char *s);
  int (*put_k)(json_t *f, const char *name, const char *s);
  int (*put_n)(json_t *f, const char *name, double v);
  int (*put_int)(json_t *f, const char *name, int64_t v);
  int (*put_bool)(json_t *f, const char *name, bool v);
  int (*put_time)(json_t *f, const char *name, fin_ms ms);
  int (*put_json)(json_t *f, const char *name, const json_t *v);
  int (*put_map)(json_t *f, const char *name, json_t *fields);
  /* Readers; get_s and get_map are borrowed from `f`, get_json is a new
   * reference (NULL when absent), get_time is 0 when absent. */
  const char *(*get_s)(const json_t *f, const char *name);
  double (*get_n)(const json_t *f, const char *name, double dflt);
  int64_t (*get_int)(const json_t *f, const char *name, int64_t dflt);
  bool (*get_bool)(const json_t *f, const char *name);
  fin_ms (*get_time)(const json_t *f, const char *name);
  json_t *(*get_json)(const json_t *f, const char *name);
  const json_t *(*get_map)(const json_t *f, const char *name);
};

/* The nested maps cardSummary and decision as new fields objects, for the
 * store to wrap into its map value; NULL on OOM (decision: also when not
 * present). */
json_t *ent_summary_map(const struct ent_io *io, const struct fin_card_summary *s);
json_t *ent_decision_map(const struct ent_io *io, const struct fin_decision *d);

/* Per entity. ent_X_put also writes the ids both stores keep as plain
 * fields (scoreId; a card request's requestId and ecosystemId); ent_X_get
 * reads no ids. The getters return 0, or -1 on OOM while copying a list. */
int ent_user_put(const struct ent_io *io, json_t *f, const struct fin_user *u);
int ent_user_get(const struct ent_io *io, const json_t *f, struct fin_user *u);
int ent_score_put(const struct ent_io *io, json_t *f, const struct fin_score *s);
int ent_score_get(const struct ent_io *io, const json_t *f, struct fin_score *s);
int ent_card_put(const struct ent_io *io, json_t *f, const struct fin_card *c);
int ent_card_get(const struct ent_io *io, const json_t *f, struct fin_card *c);
int ent_request_put(const struct ent_io *io, json_t *f, const struct fin_card_request *r);
int ent_request_get(const struct ent_io *io, const json_t *f, struct fin_card_request *r);
int ent_txn_put(const struct ent_io *io, json_t *f, const struct fin_txn *t);
int ent_txn_get(const struct ent_io *io, const json_t *f, struct fin_txn *t);
/* `response` is written as the exact text; read back from a string, or
 * from any other value as its compact JSON. */
int ent_idem_put(const struct ent_io *io, json_t *f, const struct fin_idem *i);
int ent_idem_get(const struct ent_io *io, const json_t *f, struct fin_idem *i);
int ent_event_put(const struct ent_io *io, json_t *f, const struct fin_event *e);
int ent_event_get(const struct ent_io *io, const json_t *f, struct fin_event *e);
int ent_audit_put(const struct ent_io *io, json_t *f, const struct fin_audit *a);
int ent_audit_get(const struct ent_io *io, const json_t *f, struct fin_audit *a);
/* Status as `deliveryStatus`. */
int ent_wa_notification_put(const struct ent_io *io, json_t *f,
                            const struct fin_wa_notification *n);
int ent_wa_notification_get(const struct ent_io *io, const json_t *f,
                            struct fin_wa_notification *n);
int ent_wa_inbound_put(const struct ent_io *io, json_t *f, const struct fin_wa_inbound *m);
int ent_wa_inbound_get(const struct ent_io *io, const json_t *f, struct fin_wa_inbound *m);
/* Status as `approvalStatus`. */
int ent_approval_put(const struct ent_io *io, json_t *f, const struct fin_pending_approval *p);
int ent_approval_get(const struct ent_io *io, const json_t *f, struct fin_pending_approval *p);

#endif
