/* mem_store.c - the atomic commit of store.h over the memory database.
 *
 * A commit runs in four phases so that other threads see all of it or none:
 *  1. outside the lock: validate every write and make every copy it needs;
 *  2. under the write lock: check every condition against the stored state
 *     (the first failing write decides the result; nothing has changed yet);
 *  3. still locked: create missing accounts/buckets and grow every array and
 *     map the writes will append to, so that
 *  4. applying the writes cannot fail: it only links the prepared copies in.
 * A failure in 1-3 returns with nothing applied. Sequence numbers are
 * allocated in phase 4, under the lock, so they have no gaps or duplicates.
 *
 * Conditions are checked against the state before the commit: a commit that
 * creates a row and also updates it is refused (DynamoDB and Firestore
 * refuse two writes to one item as well). Two creates of the same key in one
 * commit fail with FIN_EXISTS at the second one. */
#include <stdlib.h>
#include <string.h>

#include "../common/ent_cond.h"
#include "mem_db.h"

/* What phase 1 made for one write, and the targets phase 3 resolved. */
struct prep {
  union {
    struct fin_user user;         /* USER_CREATE */
    struct fin_score score;       /* USER_SCORE (when an entry is given) */
    struct fin_card *card;        /* CARD_CREATE */
    struct fin_card_request *req; /* REQUEST_CREATE */
    struct fin_decision decision; /* REQUEST_DECIDE (when given) */
    struct mem_txn txn;           /* TXN_PUT */
    struct mem_event *event;      /* EVENT_APPEND */
    struct mem_idem *idem;        /* IDEM_PUT */
    struct fin_audit audit;       /* AUDIT_APPEND */
  } u;
  bool made;     /* u holds something to release */
  bool consumed; /* phase 4 moved it into the database */
  struct mem_acct *acct;
  struct mem_bucket *bucket;
};

/* ---- phase 1 ---- */
static const char *eco_of(const struct fin_write *w) {
  switch (w->kind) {
  case FIN_W_USER_CREATE:
    return w->u.user->ecosystem_id;
  case FIN_W_USER_SCORE:
    return w->u.score.ecosystem_id;
  case FIN_W_USER_SUMMARY:
    return w->u.summary.ecosystem_id;
  case FIN_W_CARD_CREATE:
    return w->u.card->ecosystem_id;
  case FIN_W_CARD_BALANCE:
    return w->u.balance.ecosystem_id;
  case FIN_W_REQUEST_CREATE:
    return w->u.request->ecosystem_id;
  case FIN_W_REQUEST_DECIDE:
    return w->u.decide.ecosystem_id;
  case FIN_W_TXN_PUT:
    return w->u.txn->ecosystem_id;
  case FIN_W_EVENT_APPEND:
    return w->u.event->ecosystem_id;
  case FIN_W_IDEM_PUT:
    return w->u.idem.rec->ecosystem_id;
  case FIN_W_USER_CARD_SLOT:
    return w->u.slot.ecosystem_id;
  case FIN_W_AUDIT_APPEND:
    return NULL;
  }
  return NULL;
}

/* NULL when the write carries what it needs, else what is missing. */
static const char *invalid(const struct fin_write *w) {
  switch (w->kind) {
  case FIN_W_USER_CREATE:
    return w->u.user && w->u.user->ecosystem_id ? NULL : "user with ecosystem id";
  case FIN_W_USER_SCORE:
    return w->u.score.ecosystem_id ? NULL : "ecosystem id";
  case FIN_W_USER_SUMMARY:
    return w->u.summary.ecosystem_id ? NULL : "ecosystem id";
  case FIN_W_CARD_CREATE:
    return w->u.card && w->u.card->ecosystem_id && w->u.card->card_id[0] ? NULL : "card with ids";
  case FIN_W_CARD_BALANCE:
    return w->u.balance.ecosystem_id && w->u.balance.card_id ? NULL : "ecosystem id and card id";
  case FIN_W_REQUEST_CREATE:
    return w->u.request && w->u.request->ecosystem_id && w->u.request->request_id[0]
               ? NULL
               : "request with ids";
  case FIN_W_REQUEST_DECIDE:
    return w->u.decide.ecosystem_id && w->u.decide.request_id && w->u.decide.status
               ? NULL
               : "ecosystem id, request id and status";
  case FIN_W_TXN_PUT:
    return w->u.txn && w->u.txn->ecosystem_id && w->u.txn->transaction_id[0] && w->u.txn->card_id[0]
               ? NULL
               : "transaction with ids";
  case FIN_W_EVENT_APPEND: {
    const struct fin_event *ev = w->u.event;
    return ev && ev->event_id[0] && ev->event_type && ev->entity_type && ev->entity_id &&
                   ev->ecosystem_id
               ? NULL
               : "event with id, type, entity and ecosystem id";
  }
  case FIN_W_IDEM_PUT:
    return w->u.idem.rec && w->u.idem.rec->ecosystem_id && w->u.idem.rec->key_hash[0]
               ? NULL
               : "record with ecosystem id and key hash";
  case FIN_W_AUDIT_APPEND:
    return w->u.audit ? NULL : "audit entry";
  case FIN_W_USER_CARD_SLOT:
    return w->u.slot.ecosystem_id ? NULL : "ecosystem id";
  }
  return "a known write kind";
}

static int decision_copy(struct fin_decision *d, const struct fin_decision *s) {
  *d = *s;
  d->admin_id = d->reason = NULL;
  if ((s->admin_id && !(d->admin_id = strdup(s->admin_id))) ||
      (s->reason && !(d->reason = strdup(s->reason)))) {
    free(d->admin_id);
    return -1;
  }
  return 0;
}

static void prep_release(struct prep *p, enum fin_write_kind kind) {
  if (!p->made || p->consumed) return;
  switch (kind) {
  case FIN_W_USER_CREATE:
    fin_user_clear(&p->u.user);
    break;
  case FIN_W_USER_SCORE:
    fin_score_clear(&p->u.score);
    break;
  case FIN_W_CARD_CREATE:
    fin_card_clear(p->u.card), free(p->u.card);
    break;
  case FIN_W_REQUEST_CREATE:
    fin_card_request_clear(p->u.req), free(p->u.req);
    break;
  case FIN_W_REQUEST_DECIDE:
    free(p->u.decision.admin_id), free(p->u.decision.reason);
    break;
  case FIN_W_TXN_PUT:
    free(p->u.txn.strs);
    break;
  case FIN_W_EVENT_APPEND:
    mem_event_free(p->u.event);
    break;
  case FIN_W_IDEM_PUT:
    free(p->u.idem);
    break;
  case FIN_W_AUDIT_APPEND:
    fin_audit_clear(&p->u.audit);
    break;
  default:
    break;
  }
  p->made = false;
}

/* Makes the copy write w needs; 0 or -1 (OOM). */
static int prepare(const struct fin_write *w, struct prep *p) {
  int rc = 0;
  switch (w->kind) {
  case FIN_W_USER_CREATE:
    rc = fin_user_copy(&p->u.user, w->u.user);
    break;
  case FIN_W_USER_SCORE:
    if (w->u.score.entry == NULL) return 0;
    rc = fin_score_copy(&p->u.score, w->u.score.entry);
    break;
  case FIN_W_CARD_CREATE:
    if ((p->u.card = malloc(sizeof *p->u.card)) == NULL) return -1;
    if ((rc = fin_card_copy(p->u.card, w->u.card)) != 0) free(p->u.card);
    break;
  case FIN_W_REQUEST_CREATE:
    if ((p->u.req = malloc(sizeof *p->u.req)) == NULL) return -1;
    if ((rc = fin_card_request_copy(p->u.req, w->u.request)) != 0) free(p->u.req);
    break;
  case FIN_W_REQUEST_DECIDE:
    if (w->u.decide.decision == NULL) return 0;
    rc = decision_copy(&p->u.decision, w->u.decide.decision);
    break;
  case FIN_W_TXN_PUT:
    rc = mem_txn_pack(w->u.txn, &p->u.txn);
    break;
  case FIN_W_EVENT_APPEND:
    rc = (p->u.event = mem_event_pack(w->u.event)) ? 0 : -1;
    break;
  case FIN_W_IDEM_PUT:
    rc = (p->u.idem = mem_idem_pack(w->u.idem.rec)) ? 0 : -1;
    break;
  case FIN_W_AUDIT_APPEND:
    rc = fin_audit_copy(&p->u.audit, w->u.audit);
    break;
  default:
    return 0;
  }
  p->made = rc == 0;
  return rc;
}

/* ---- phase 2 ---- */
static bool same_str(const char *a, const char *b) {
  return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* True when an earlier write of this commit creates the same key as w[i]. */
static bool created_earlier(const struct fin_write *w, size_t i) {
  for (size_t j = 0; j < i; j++) {
    if (w[j].kind != w[i].kind) continue;
    const struct fin_write *a = &w[j], *b = &w[i];
    switch (b->kind) {
    case FIN_W_USER_CREATE:
      if (same_str(eco_of(a), eco_of(b))) return true;
      break;
    case FIN_W_CARD_CREATE:
      if (same_str(eco_of(a), eco_of(b)) && same_str(a->u.card->card_id, b->u.card->card_id))
        return true;
      break;
    case FIN_W_REQUEST_CREATE:
      if (same_str(a->u.request->request_id, b->u.request->request_id)) return true;
      break;
    case FIN_W_EVENT_APPEND:
      if (same_str(a->u.event->event_id, b->u.event->event_id)) return true;
      break;
    case FIN_W_IDEM_PUT:
      if (same_str(eco_of(a), eco_of(b)) &&
          same_str(a->u.idem.rec->key_hash, b->u.idem.rec->key_hash))
        return true;
      break;
    default:
      break;
    }
  }
  return false;
}

/* FIN_OK when write i's condition holds against the stored state, else
 * its error (ent_cond.h words it as the other stores do). */
static enum fin_status check(const struct mem_db *db, const struct fin_write *ws, size_t i,
                             struct fin_err *e) {
  const struct fin_write *w = &ws[i];
  const char *eco = eco_of(w);
  const struct mem_acct *a = eco ? mem_acct_get(db, eco) : NULL;
  bool has_user = a != NULL && a->has_user;
  struct ent_cond_found found = {0};
  if (created_earlier(ws, i)) return ent_cond_repeat((int)i, e);
  switch (w->kind) {
  case FIN_W_USER_CREATE:
    if (!has_user) return FIN_OK;
    break;
  case FIN_W_USER_SCORE:
  case FIN_W_USER_SUMMARY:
    if (has_user) return FIN_OK;
    break;
  case FIN_W_CARD_CREATE:
    if (mem_card_find(a, w->u.card->card_id) == NULL) return FIN_OK;
    break;
  case FIN_W_CARD_BALANCE: {
    const struct fin_card *c = mem_card_find(a, w->u.balance.card_id);
    found.number = c ? c->version : -1;
    if (found.number == w->u.balance.expected_version) return FIN_OK;
    break;
  }
  case FIN_W_REQUEST_CREATE:
    if (mem_req_find(db, w->u.request->request_id) == NULL) return FIN_OK;
    break;
  case FIN_W_REQUEST_DECIDE: {
    const struct fin_card_request *r = mem_req_find(db, w->u.decide.request_id);
    found.exists = r != NULL && strcmp(r->ecosystem_id, eco) == 0;
    found.status = found.exists ? r->status : NULL;
    if (found.exists && strcmp(r->status, "pending") == 0) return FIN_OK;
    break;
  }
  case FIN_W_EVENT_APPEND:
    if (mem_event_find(db, w->u.event->event_id) == NULL) return FIN_OK;
    break;
  case FIN_W_IDEM_PUT: {
    const struct mem_idem *r = mem_idem_find(a, w->u.idem.rec->key_hash, NULL);
    if (r == NULL || r->expires_at <= w->u.idem.now) return FIN_OK;
    break;
  }
  case FIN_W_USER_CARD_SLOT:
    found.exists = has_user;
    found.number = has_user ? a->user.card_rev : 0;
    if (has_user && (w->u.slot.expected_rev < 0 || a->user.card_rev == w->u.slot.expected_rev))
      return FIN_OK;
    break;
  case FIN_W_TXN_PUT:
  case FIN_W_AUDIT_APPEND:
    return FIN_OK;
  default:
    return fin_err_set(e, FIN_INVALID, "unknown write kind %d", (int)w->kind);
  }
  return ent_cond_fail(w, (int)i, &found, e);
}

/* ---- phase 3 ---- */
/* How many writes in [0, i] have w[i]'s kind and, when given, its account,
 * bucket or transaction type: the room write i needs, counting earlier
 * writes of this commit that append to the same place. */
static uint32_t upto(const struct fin_write *w, const struct prep *p, size_t i, bool by_acct,
                     bool by_bucket, bool by_type) {
  uint32_t n = 0;
  for (size_t j = 0; j <= i; j++) {
    if (w[j].kind != w[i].kind) continue;
    if (by_acct && p[j].acct != p[i].acct) continue;
    if (by_bucket && p[j].bucket != p[i].bucket) continue;
    if (by_type && strcmp(p[j].u.txn.type, p[i].u.txn.type) != 0) continue;
    n++;
  }
  return n;
}

/* How many writes in [0, i] put a request into the list of `status`
 * (creations with it, decisions to it): the room write i reserves there. */
static uint32_t joining(const struct fin_write *w, size_t i, const char *status) {
  uint32_t n = 0;
  for (size_t j = 0; j <= i; j++)
    if ((w[j].kind == FIN_W_REQUEST_CREATE && mem_req_status_eq(w[j].u.request->status, status)) ||
        (w[j].kind == FIN_W_REQUEST_DECIDE && mem_req_status_eq(w[j].u.decide.status, status)))
      n++;
  return n;
}

static int reserve(struct mem_db *db, const struct fin_write *w, struct prep *p, size_t i) {
  struct prep *q = &p[i];
  const char *eco = eco_of(&w[i]);
  switch (w[i].kind) {
  case FIN_W_USER_CREATE:
    return (q->acct = mem_acct_make(db, eco)) ? 0 : -1;
  case FIN_W_USER_SCORE:
    q->acct = mem_acct_get(db, eco);
    if (!q->made) return 0;
    return MEM_GROW(q->acct->scores, q->acct->cap_scores,
                    q->acct->n_scores + upto(w, p, i, true, false, false));
  case FIN_W_CARD_CREATE:
    if ((q->acct = mem_acct_make(db, eco)) == NULL) return -1;
    return MEM_GROW(q->acct->cards, q->acct->cap_cards,
                    q->acct->n_cards + upto(w, p, i, true, false, false));
  case FIN_W_REQUEST_CREATE: {
    if ((q->acct = mem_acct_make(db, eco)) == NULL) return -1;
    uint32_t all = upto(w, p, i, false, false, false);
    if (MEM_GROW(q->acct->reqs, q->acct->cap_reqs,
                 q->acct->n_reqs + upto(w, p, i, true, false, false)))
      return -1;
    if (mem_map_reserve(&db->reqs, all)) return -1;
    const char *status = w[i].u.request->status;
    return mem_req_list_reserve(db, status, joining(w, i, status));
  }
  case FIN_W_REQUEST_DECIDE: /* the request moves to the list of its new status */
    return mem_req_list_reserve(db, w[i].u.decide.status, joining(w, i, w[i].u.decide.status));
  case FIN_W_TXN_PUT:
    if ((q->acct = mem_acct_make(db, eco)) == NULL) return -1;
    if ((q->bucket = mem_bucket_make(q->acct, w[i].u.txn->card_id)) == NULL) return -1;
    return mem_bucket_reserve(q->bucket, q->u.txn.type, upto(w, p, i, false, true, false),
                              upto(w, p, i, false, true, true));
  case FIN_W_EVENT_APPEND:
    return mem_event_reserve(db, upto(w, p, i, false, false, false));
  case FIN_W_IDEM_PUT:
    if ((q->acct = mem_acct_make(db, eco)) == NULL) return -1;
    return mem_map_reserve(&q->acct->idem, upto(w, p, i, true, false, false));
  case FIN_W_AUDIT_APPEND:
    return MEM_GROW(db->audit, db->cap_audit, db->n_audit + upto(w, p, i, false, false, false));
  default: /* USER_SUMMARY, CARD_BALANCE change rows in place */
    return 0;
  }
}

/* ---- phase 4 ---- */
static void apply(struct mem_db *db, struct fin_write *w, struct prep *p) {
  struct mem_acct *a = p->acct;
  switch (w->kind) {
  case FIN_W_USER_CREATE:
    a->user = p->u.user;
    a->has_user = true;
    break;
  case FIN_W_USER_SCORE:
    a->user.score = w->u.score.score;
    if (w->u.score.tier) fin_strlcpy(a->user.tier, w->u.score.tier, sizeof a->user.tier);
    a->user.updated_at = w->u.score.updated_at;
    if (p->made) a->scores[a->n_scores++] = p->u.score;
    break;
  case FIN_W_USER_SUMMARY:
    a = mem_acct_get(db, w->u.summary.ecosystem_id);
    a->user.summary = w->u.summary.summary;
    a->user.updated_at = w->u.summary.updated_at;
    break;
  case FIN_W_CARD_CREATE:
    a->cards[a->n_cards++] = p->u.card;
    break;
  case FIN_W_CARD_BALANCE: {
    struct fin_card *c =
        mem_card_find(mem_acct_get(db, w->u.balance.ecosystem_id), w->u.balance.card_id);
    c->balance = w->u.balance.balance;
    c->available_credit = w->u.balance.available_credit;
    c->minimum_payment = w->u.balance.minimum_payment;
    c->updated_at = w->u.balance.updated_at;
    c->version++;
    break;
  }
  case FIN_W_REQUEST_CREATE: {
    struct fin_card_request *r = p->u.req;
    a->reqs[a->n_reqs++] = r;
    mem_map_put_reserved(&db->reqs, mem_hash(r->request_id), r);
    mem_req_list_insert_reserved(db, r);
    break;
  }
  case FIN_W_REQUEST_DECIDE: {
    struct fin_card_request *r = mem_req_find(db, w->u.decide.request_id);
    mem_req_list_remove(db, r);
    fin_strlcpy(r->status, w->u.decide.status, sizeof r->status);
    mem_req_list_insert_reserved(db, r);
    if (p->made) {
      free(r->decision.admin_id), free(r->decision.reason);
      r->decision = p->u.decision;
    }
    if (w->u.decide.resulting_card_id && w->u.decide.resulting_card_id[0])
      fin_strlcpy(r->resulting_card_id, w->u.decide.resulting_card_id, sizeof r->resulting_card_id);
    r->updated_at = w->u.decide.updated_at;
    break;
  }
  case FIN_W_TXN_PUT:
    mem_bucket_put_reserved(p->bucket, &p->u.txn);
    break;
  case FIN_W_EVENT_APPEND:
    mem_event_append_reserved(db, p->u.event);
    w->u.event->sequence = p->u.event->sequence; /* written back to the caller */
    break;
  case FIN_W_IDEM_PUT:
    mem_idem_put_reserved(a, p->u.idem);
    break;
  case FIN_W_AUDIT_APPEND:
    db->audit[db->n_audit++] = p->u.audit;
    break;
  case FIN_W_USER_CARD_SLOT:
    mem_acct_get(db, w->u.slot.ecosystem_id)->user.card_rev++;
    break;
  }
  p->consumed = true;
}

static enum fin_status store_commit(void *self, struct fin_write *w, size_t n, struct fin_err *e) {
  if (e != NULL) e->failed_write = -1;
  if (n == 0) return FIN_OK;
  if (w == NULL || n > FIN_MAX_WRITES)
    return fin_err_set(e, FIN_INVALID, "a commit takes 1 to %d writes", FIN_MAX_WRITES);
  for (size_t i = 0; i < n; i++) {
    const char *why = invalid(&w[i]);
    if (why == NULL) continue;
    if (e != NULL) e->failed_write = (int)i;
    return fin_err_set(e, FIN_INVALID, "write %zu (kind %d) needs %s", i, (int)w[i].kind, why);
  }
  struct mem_db *db = self;
  struct prep p[FIN_MAX_WRITES];
  memset(p, 0, sizeof p);
  enum fin_status st = FIN_OK;
  for (size_t i = 0; i < n && st == FIN_OK; i++)
    if (prepare(&w[i], &p[i]) != 0) st = fin_err_set(e, FIN_NOMEM, "out of memory");
  if (st == FIN_OK) {
    mem_wrlock(db);
    for (size_t i = 0; i < n && st == FIN_OK; i++) {
      st = check(db, w, i, e);
      if (st != FIN_OK && e != NULL) e->failed_write = (int)i;
    }
    for (size_t i = 0; i < n && st == FIN_OK; i++) {
      if (reserve(db, w, p, i) == 0) continue;
      st = fin_err_set(e, FIN_NOMEM, "out of memory");
      mem_acct_gc(db); /* accounts phase 3 created for nothing */
    }
    if (st == FIN_OK)
      for (size_t i = 0; i < n; i++)
        apply(db, &w[i], &p[i]);
    mem_unlock(db);
  }
  for (size_t i = 0; i < n; i++)
    prep_release(&p[i], w[i].kind);
  return st;
}

static enum fin_status store_ping(void *self, struct fin_err *e) {
  return FIN_OK;
}

static const struct fin_store_ops STORE_OPS = {
    .commit = store_commit,
    .ping = store_ping,
    .destroy = mem_db_port_destroy,
};

struct fin_store mem_store_port(struct mem_db *db) {
  return (struct fin_store){&STORE_OPS, mem_db_ref(db)};
}
