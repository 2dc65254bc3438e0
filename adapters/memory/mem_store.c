/* mem_store.c - the atomic commit of store.h over the memory tables: every
 * condition is checked under the database lock, then every write applied,
 * so other threads see all of a commit or none of it. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "memdb.h"

#define DB(self) ((struct memdb *)(self))

static bool idem_live(struct memdb *db, const struct fin_idem *rec, fin_ms now) {
  struct acct *a = memdb_acct(db, rec->ecosystem_id);
  struct fin_idem *old = a ? hmap_get(&a->idem, rec->key_hash) : NULL;
  return old != NULL && old->expires_at > now;
}

/* Returns FIN_OK when write w may be applied to the current state. */
static enum fin_status check(struct memdb *db, const struct fin_write *w, struct fin_err *e) {
  struct acct *a;
  switch (w->kind) {
  case FIN_W_USER_CREATE:
    a = memdb_acct(db, w->u.user->ecosystem_id);
    return a && a->has_user ? fin_err_set(e, FIN_EXISTS, "user %s exists", a->eco) : FIN_OK;
  case FIN_W_USER_SCORE:
  case FIN_W_USER_SUMMARY: {
    const char *eco =
        w->kind == FIN_W_USER_SCORE ? w->u.score.ecosystem_id : w->u.summary.ecosystem_id;
    a = memdb_acct(db, eco);
    return a && a->has_user ? FIN_OK : fin_err_set(e, FIN_NOT_FOUND, "User not found: %s", eco);
  }
  case FIN_W_CARD_CREATE:
    return memdb_card(memdb_acct(db, w->u.card->ecosystem_id), w->u.card->card_id)
               ? fin_err_set(e, FIN_EXISTS, "card %s exists", w->u.card->card_id)
               : FIN_OK;
  case FIN_W_CARD_BALANCE: {
    struct fin_card *c =
        memdb_card(memdb_acct(db, w->u.balance.ecosystem_id), w->u.balance.card_id);
    int64_t actual = c ? c->version : -1;
    if (actual == w->u.balance.expected_version) return FIN_OK;
    if (e) {
      fin_strlcpy(e->card_id, w->u.balance.card_id, sizeof e->card_id);
      e->expected_version = w->u.balance.expected_version;
      e->actual_version = actual;
    }
    return fin_err_set(e, FIN_VERSION_CONFLICT, "Concurrent modification detected for card %s",
                       w->u.balance.card_id);
  }
  case FIN_W_REQUEST_CREATE:
    return hmap_get(&db->request_owner, w->u.request->request_id)
               ? fin_err_set(e, FIN_EXISTS, "request %s exists", w->u.request->request_id)
               : FIN_OK;
  case FIN_W_REQUEST_DECIDE: {
    struct fin_card_request *r =
        memdb_request(memdb_acct(db, w->u.decide.ecosystem_id), w->u.decide.request_id);
    if (r == NULL) return fin_err_set(e, FIN_NOT_FOUND, "Card request not found");
    return strcmp(r->status, "pending") == 0
               ? FIN_OK
               : fin_err_set(e, FIN_PRECONDITION, "Request is not pending (status: %s)", r->status);
  }
  case FIN_W_IDEM_PUT:
    return idem_live(db, w->u.idem.rec, w->u.idem.now)
               ? fin_err_set(e, FIN_EXISTS, "idempotency key already used")
               : FIN_OK;
  case FIN_W_TXN_PUT:
  case FIN_W_EVENT_APPEND:
  case FIN_W_AUDIT_APPEND:
    return FIN_OK;
  }
  return fin_err_set(e, FIN_INVALID, "unknown write kind %d", (int)w->kind);
}

static int next_sequence(struct memdb *db, struct fin_event *ev) {
  char key[512];
  snprintf(key, sizeof key, "%s:%s:%s", ev->ecosystem_id, ev->entity_type, ev->entity_id);
  int64_t *seq = hmap_get(&db->sequences, key);
  if (seq == NULL) {
    if ((seq = calloc(1, sizeof *seq)) == NULL || hmap_put(&db->sequences, key, seq)) {
      free(seq);
      return -1;
    }
  }
  ev->sequence = ++*seq;
  return 0;
}

static int apply_request_decide(struct memdb *db, const struct fin_write *w) {
  struct fin_card_request *r =
      memdb_request(memdb_acct(db, w->u.decide.ecosystem_id), w->u.decide.request_id);
  struct fin_decision d = *w->u.decide.decision;
  d.admin_id = fin_strdup(d.admin_id);
  d.reason = fin_strdup(d.reason);
  free(r->decision.admin_id), free(r->decision.reason);
  r->decision = d;
  fin_strlcpy(r->status, w->u.decide.status, sizeof r->status);
  if (w->u.decide.resulting_card_id)
    fin_strlcpy(r->resulting_card_id, w->u.decide.resulting_card_id, sizeof r->resulting_card_id);
  r->updated_at = w->u.decide.updated_at;
  return 0;
}

static int apply_user(struct memdb *db, const struct fin_write *w) {
  struct acct *a;
  switch (w->kind) {
  case FIN_W_USER_CREATE:
    if ((a = memdb_acct_create(db, w->u.user->ecosystem_id)) == NULL) return -1;
    if (fin_user_copy(&a->user, w->u.user)) return -1;
    a->has_user = true;
    return 0;
  case FIN_W_USER_SCORE: {
    a = memdb_acct(db, w->u.score.ecosystem_id);
    a->user.score = w->u.score.score;
    fin_strlcpy(a->user.tier, w->u.score.tier, sizeof a->user.tier);
    a->user.updated_at = w->u.score.updated_at;
    struct fin_score *s = vec_push(&a->scores);
    return s == NULL || fin_score_copy(s, w->u.score.entry) ? -1 : 0;
  }
  default: /* FIN_W_USER_SUMMARY */
    a = memdb_acct(db, w->u.summary.ecosystem_id);
    a->user.summary = w->u.summary.summary;
    a->user.updated_at = w->u.summary.updated_at;
    return 0;
  }
}

static int apply(struct memdb *db, struct fin_write *w) {
  struct acct *a;
  switch (w->kind) {
  case FIN_W_USER_CREATE:
  case FIN_W_USER_SCORE:
  case FIN_W_USER_SUMMARY:
    return apply_user(db, w);
  case FIN_W_CARD_CREATE: {
    if ((a = memdb_acct_create(db, w->u.card->ecosystem_id)) == NULL) return -1;
    struct fin_card *c = vec_push(&a->cards);
    return c == NULL || fin_card_copy(c, w->u.card) ? -1 : 0;
  }
  case FIN_W_CARD_BALANCE: {
    struct fin_card *c =
        memdb_card(memdb_acct(db, w->u.balance.ecosystem_id), w->u.balance.card_id);
    c->balance = w->u.balance.balance;
    c->available_credit = w->u.balance.available_credit;
    c->minimum_payment = w->u.balance.minimum_payment;
    c->updated_at = w->u.balance.updated_at;
    c->version++;
    return 0;
  }
  case FIN_W_REQUEST_CREATE: {
    const struct fin_card_request *r = w->u.request;
    if ((a = memdb_acct_create(db, r->ecosystem_id)) == NULL) return -1;
    struct fin_card_request *slot = vec_push(&a->requests);
    char *owner = fin_strdup(r->ecosystem_id);
    if (slot == NULL || owner == NULL || fin_card_request_copy(slot, r)) return free(owner), -1;
    return hmap_put(&db->request_owner, r->request_id, owner);
  }
  case FIN_W_REQUEST_DECIDE:
    return apply_request_decide(db, w);
  case FIN_W_TXN_PUT:
    if ((a = memdb_acct_create(db, w->u.txn->ecosystem_id)) == NULL) return -1;
    return memdb_txn_put(a, w->u.txn);
  case FIN_W_EVENT_APPEND:
    if (w->u.event->sequence == 0 && next_sequence(db, w->u.event)) return -1;
    return memdb_event_put(db, w->u.event);
  case FIN_W_IDEM_PUT: {
    const struct fin_idem *rec = w->u.idem.rec;
    if ((a = memdb_acct_create(db, rec->ecosystem_id)) == NULL) return -1;
    struct fin_idem *copy = malloc(sizeof *copy);
    if (copy == NULL || fin_idem_copy(copy, rec)) return free(copy), -1;
    struct fin_idem *old = hmap_get(&a->idem, rec->key_hash);
    if (hmap_put(&a->idem, rec->key_hash, copy)) return fin_idem_clear(copy), free(copy), -1;
    if (old) fin_idem_clear(old), free(old);
    return 0;
  }
  case FIN_W_AUDIT_APPEND: {
    struct fin_audit *slot = vec_push(&db->audit);
    return slot == NULL || fin_audit_copy(slot, w->u.audit) ? -1 : 0;
  }
  }
  return -1;
}

static enum fin_status store_commit(void *self, struct fin_write *w, size_t n, struct fin_err *e) {
  struct memdb *db = DB(self);
  enum fin_status st = FIN_OK;
  memdb_lock(db);
  for (size_t i = 0; i < n && st == FIN_OK; i++) {
    st = check(db, &w[i], e);
    if (st != FIN_OK && e) e->failed_write = (int)i;
  }
  for (size_t i = 0; i < n && st == FIN_OK; i++) {
    if (apply(db, &w[i])) { /* only on OOM; the process is in trouble anyway */
      st = fin_err_set(e, FIN_NOMEM, "out of memory applying write %zu", i);
      if (e) e->failed_write = (int)i;
    }
  }
  memdb_unlock(db);
  return st;
}

static enum fin_status store_ping(void *self, struct fin_err *e) {
  return FIN_OK;
}

static const struct fin_store_ops STORE = {store_commit, store_ping, memdb_port_destroy};
struct fin_store memdb_store(struct memdb *db) {
  return (struct fin_store){&STORE, memdb_ref(db)};
}
