/* fs_store.c - the atomic commit of store.h as one Firestore transaction.
 *
 * The documents the conditions depend on are read with :batchGet, which
 * also begins the transaction; the conditions are checked here (so the
 * first failing write is known, as store.h wants) and the writes are
 * committed in that transaction, which Firestore aborts if another client
 * wrote a read document meanwhile (then everything is retried). Outbox
 * counters live in outboxSequences/<sha256(entityKey)> and move with the
 * events. A failed check rolls the transaction back at once: the emulator
 * keeps an abandoned transaction's locks for about a minute.
 *
 * Inside this process, commits that read the same documents queue on a
 * striped lock first: the emulator locks pessimistically and answers
 * contention with lock timeouts, which would only turn into retries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/util/codec.h"
#include "../../core/util/io.h"
#include "../../core/util/stripes.h"
#include "../../core/util/timefmt.h"
#include "../common/ent_cond.h"
#include "../common/ent_retry.h"
#include "fs_db.h"
#include "fs_items.h"
#include "fs_value.h"

#define MAX_ATTEMPTS 8
#define MAX_READS FIN_MAX_WRITES

/* What one commit reads: unique paths, and for each write the index of the
 * path its condition reads (-1 = none). */
struct reads {
  char *path[MAX_READS];
  json_t *doc[MAX_READS];
  size_t n;
  int of[FIN_MAX_WRITES];
};

static char *entity_key(const struct fin_event *ev) {
  char *k = NULL;
  if (asprintf(&k, "%s:%s:%s", ev->ecosystem_id ? ev->ecosystem_id : "",
               ev->entity_type ? ev->entity_type : "", ev->entity_id ? ev->entity_id : "") < 0)
    return NULL;
  return k;
}

static char *seq_path(const struct fin_event *ev) {
  char *k = entity_key(ev), hex[65];
  if (k == NULL) return NULL;
  fin_sha256_hex(k, strlen(k), hex);
  free(k);
  return fs_path(2, FS_C_SEQ, hex);
}

/* The document a write's condition reads (malloc'd), "" for none, NULL on
 * an id Firestore cannot hold. */
static char *read_path(const struct fin_write *x) {
  switch (x->kind) {
  case FIN_W_USER_CREATE:
    return fs_path(2, FS_C_USERS, x->u.user->ecosystem_id);
  case FIN_W_USER_SCORE:
    return fs_path(2, FS_C_USERS, x->u.score.ecosystem_id);
  case FIN_W_USER_SUMMARY:
    return fs_path(2, FS_C_USERS, x->u.summary.ecosystem_id);
  case FIN_W_USER_CARD_SLOT:
    return fs_path(2, FS_C_USERS, x->u.slot.ecosystem_id);
  case FIN_W_CARD_CREATE:
    return fs_path(4, FS_C_USERS, x->u.card->ecosystem_id, FS_C_CARDS, x->u.card->card_id);
  case FIN_W_CARD_BALANCE:
    return fs_path(4, FS_C_USERS, x->u.balance.ecosystem_id, FS_C_CARDS, x->u.balance.card_id);
  case FIN_W_REQUEST_CREATE:
    return fs_path(4, FS_C_USERS, x->u.request->ecosystem_id, FS_C_REQUESTS,
                   x->u.request->request_id);
  case FIN_W_REQUEST_DECIDE:
    return fs_path(4, FS_C_USERS, x->u.decide.ecosystem_id, FS_C_REQUESTS, x->u.decide.request_id);
  case FIN_W_EVENT_APPEND:
    return x->u.event->sequence == 0 ? seq_path(x->u.event) : strdup("");
  case FIN_W_IDEM_PUT:
    return fs_path(4, FS_C_USERS, x->u.idem.rec->ecosystem_id, FS_C_IDEM, x->u.idem.rec->key_hash);
  default:
    return strdup("");
  }
}

static void reads_free(struct reads *r) {
  for (size_t i = 0; i < r->n; i++) {
    free(r->path[i]);
    json_decref(r->doc[i]);
  }
  r->n = 0;
}

static enum fin_status plan_reads(const struct fin_write *w, size_t n, struct reads *r,
                                  struct fin_err *e) {
  memset(r, 0, sizeof *r);
  for (size_t i = 0; i < n; i++) {
    char *p = read_path(&w[i]);
    if (p == NULL) {
      if (e != NULL) e->failed_write = (int)i;
      return fin_err_set(e, FIN_INVALID, "write %zu names a document Firestore cannot hold", i);
    }
    r->of[i] = -1;
    if (p[0] == '\0') {
      free(p);
      continue;
    }
    size_t k = 0;
    while (k < r->n && strcmp(r->path[k], p) != 0)
      k++;
    if (k == r->n)
      r->path[r->n++] = p;
    else
      free(p);
    r->of[i] = (int)k;
  }
  return FIN_OK;
}

/* store.h's condition of write i against the document read for it: FIN_OK,
 * or its error (ent_cond.h words it as the other stores do). */
static enum fin_status check(const struct fin_write *x, int i, const json_t *doc, fin_ms now,
                             struct fin_err *e) {
  const json_t *f = fs_doc_fields(doc);
  struct ent_cond_found found = {.exists = doc != NULL};
  switch (x->kind) {
  case FIN_W_USER_CREATE:
  case FIN_W_CARD_CREATE:
  case FIN_W_REQUEST_CREATE:
    if (!doc) return FIN_OK;
    break;
  case FIN_W_USER_SCORE:
  case FIN_W_USER_SUMMARY:
    if (doc) return FIN_OK;
    break;
  case FIN_W_USER_CARD_SLOT:
    found.number = fs_get_int(f, "cardRev", 0);
    if (doc && (x->u.slot.expected_rev < 0 || found.number == x->u.slot.expected_rev))
      return FIN_OK;
    break;
  case FIN_W_CARD_BALANCE:
    found.number = doc ? fs_get_int(f, "version", 1) : -1;
    if (found.number == x->u.balance.expected_version) return FIN_OK;
    break;
  case FIN_W_REQUEST_DECIDE:
    found.status = fs_get_s(f, "status");
    if (doc && found.status != NULL && strcmp(found.status, "pending") == 0) return FIN_OK;
    break;
  case FIN_W_IDEM_PUT:
    if (!doc || fs_get_time(f, "expiresAt") <= now) return FIN_OK;
    break;
  default:
    return FIN_OK;
  }
  return ent_cond_fail(x, i, &found, e);
}

static int add(json_t *writes, json_t *w) {
  return w != NULL && json_array_append_new(writes, w) == 0 ? 0 : -1;
}

static int user_writes(struct fs *f, json_t *ws, const struct fin_write *x, const char *path) {
  static const char *const score_mask[] = {"currentScore", "tier", "updatedAt", NULL};
  static const char *const sum_mask[] = {"cardSummary", "updatedAt", NULL};
  json_t *fields = json_object();
  if (x->kind == FIN_W_USER_SUMMARY) {
    json_object_set_new(fields, "cardSummary", fs_summary_value(&x->u.summary.summary));
    fs_put_time(fields, "updatedAt", x->u.summary.updated_at);
    return add(ws, fs_w_update(f, path, fields, sum_mask, 1));
  }
  fs_put_int(fields, "currentScore", x->u.score.score);
  fs_put_s(fields, "tier", x->u.score.tier);
  fs_put_time(fields, "updatedAt", x->u.score.updated_at);
  int rc = add(ws, fs_w_update(f, path, fields, score_mask, 1));
  const struct fin_score *s = x->u.score.entry;
  if (rc != 0 || s == NULL) return rc;
  char *sp = fs_path(4, FS_C_USERS, x->u.score.ecosystem_id, FS_C_SCORES, s->score_id);
  rc = sp ? add(ws, fs_w_update(f, sp, fs_score_fields(s), NULL, -1)) : -1;
  free(sp);
  return rc;
}

/* USER_CARD_SLOT: the read revision + 1; the transaction aborts if the
 * user document changed after the read, so the bump is atomic. */
static int slot_write(struct fs *f, json_t *ws, const char *path, const json_t *doc) {
  static const char *const mask[] = {"cardRev", NULL};
  json_t *fields = json_object();
  fs_put_int(fields, "cardRev", fs_get_int(fs_doc_fields(doc), "cardRev", 0) + 1);
  return add(ws, fs_w_update(f, path, fields, mask, 1));
}

static int balance_write(struct fs *f, json_t *ws, const struct fin_write *x, const char *path) {
  static const char *const mask[] = {"balance", "availableCredit", "minimumPayment",
                                     "version", "updatedAt",       NULL};
  json_t *fields = json_object();
  fs_put_double(fields, "balance", x->u.balance.balance);
  fs_put_double(fields, "availableCredit", x->u.balance.available_credit);
  fs_put_double(fields, "minimumPayment", x->u.balance.minimum_payment);
  fs_put_int(fields, "version", x->u.balance.expected_version + 1);
  fs_put_time(fields, "updatedAt", x->u.balance.updated_at);
  return add(ws, fs_w_update(f, path, fields, mask, 1));
}

static int decide_write(struct fs *f, json_t *ws, const struct fin_write *x, const char *path) {
  const char *mask[5] = {"status", "decision", "updatedAt", NULL, NULL};
  json_t *fields = json_object();
  fs_put_s(fields, "status", x->u.decide.status);
  json_t *d = x->u.decide.decision ? fs_decision_value(x->u.decide.decision) : NULL;
  if (d != NULL) json_object_set_new(fields, "decision", d);
  fs_put_time(fields, "updatedAt", x->u.decide.updated_at);
  if (x->u.decide.resulting_card_id && x->u.decide.resulting_card_id[0]) {
    mask[3] = "resultingCardId";
    fs_put_s(fields, "resultingCardId", x->u.decide.resulting_card_id);
  }
  return add(ws, fs_w_update(f, path, fields, mask, 1));
}

/* A whole new document from an entity's fields (stolen). */
static int doc_write(struct fs *f, json_t *ws, char *path, json_t *fields) {
  int rc = path ? add(ws, fs_w_update(f, path, fields, NULL, -1)) : (json_decref(fields), -1);
  free(path);
  return rc;
}

/* Numbers the events of each counter read (c+1, c+2 ...) into seq[] and
 * adds one counter write per document. */
static int counter_writes(struct fs *f, json_t *ws, const struct fin_write *w, size_t n,
                          const struct reads *r, int64_t *seq, fin_ms now) {
  int64_t next[MAX_READS];
  for (size_t k = 0; k < r->n; k++)
    next[k] = fs_get_int(fs_doc_fields(r->doc[k]), "current", 0);
  bool touched[MAX_READS] = {false};
  const struct fin_event *first[MAX_READS] = {NULL};
  for (size_t i = 0; i < n; i++) {
    if (w[i].kind != FIN_W_EVENT_APPEND) continue;
    seq[i] = w[i].u.event->sequence;
    if (r->of[i] < 0) continue;
    seq[i] = ++next[r->of[i]];
    touched[r->of[i]] = true;
    if (first[r->of[i]] == NULL) first[r->of[i]] = w[i].u.event;
  }
  for (size_t k = 0; k < r->n; k++) {
    if (!touched[k]) continue;
    char *key = entity_key(first[k]);
    json_t *fields = json_object();
    int rc = key ? fs_put_s(fields, "entityKey", key) : -1;
    rc |= fs_put_int(fields, "current", next[k]);
    rc |= fs_put_time(fields, "updatedAt", now);
    free(key);
    if (rc != 0 || add(ws, fs_w_update(f, r->path[k], fields, NULL, -1)) != 0) return -1;
  }
  return 0;
}

static int event_write(struct fs *f, json_t *ws, const struct fin_event *ev, int64_t seq) {
  struct fin_event copy = *ev; /* shallow: only the number differs */
  copy.sequence = seq;
  return doc_write(f, ws, fs_path(2, FS_C_OUTBOX, ev->event_id), fs_event_fields(&copy));
}

static int one_write(struct fs *f, json_t *ws, const struct fin_write *x, const char *path,
                     const json_t *doc, int64_t seq) {
  switch (x->kind) {
  case FIN_W_USER_CARD_SLOT:
    return slot_write(f, ws, path, doc);
  case FIN_W_USER_CREATE:
    return add(ws, fs_w_update(f, path, fs_user_fields(x->u.user), NULL, 0));
  case FIN_W_USER_SCORE:
  case FIN_W_USER_SUMMARY:
    return user_writes(f, ws, x, path);
  case FIN_W_CARD_CREATE:
    return add(ws, fs_w_update(f, path, fs_card_fields(x->u.card), NULL, 0));
  case FIN_W_CARD_BALANCE:
    return balance_write(f, ws, x, path);
  case FIN_W_REQUEST_CREATE:
    return add(ws, fs_w_update(f, path, fs_request_fields(x->u.request), NULL, 0));
  case FIN_W_REQUEST_DECIDE:
    return decide_write(f, ws, x, path);
  case FIN_W_TXN_PUT:
    return doc_write(f, ws,
                     fs_path(6, FS_C_USERS, x->u.txn->ecosystem_id, FS_C_CARDS, x->u.txn->card_id,
                             FS_C_TXNS, x->u.txn->transaction_id),
                     fs_txn_fields(x->u.txn));
  case FIN_W_EVENT_APPEND:
    return event_write(f, ws, x->u.event, seq);
  case FIN_W_IDEM_PUT:
    return add(ws, fs_w_update(f, path, fs_idem_fields(x->u.idem.rec), NULL, -1));
  case FIN_W_AUDIT_APPEND:
    return doc_write(f, ws, fs_path(2, FS_C_AUDIT, x->u.audit->log_id),
                     fs_audit_fields(x->u.audit));
  }
  return -1;
}

static json_t *build(struct fs *f, const struct fin_write *w, size_t n, const struct reads *r,
                     int64_t *seq, fin_ms now) {
  json_t *ws = json_array();
  int rc = ws ? counter_writes(f, ws, w, n, r, seq, now) : -1;
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = one_write(f, ws, &w[i], r->of[i] >= 0 ? r->path[r->of[i]] : NULL,
                   r->of[i] >= 0 ? r->doc[r->of[i]] : NULL, seq[i]);
  if (rc == 0) return ws;
  json_decref(ws);
  return NULL;
}

/* One commit: what every round needs. */
struct commit {
  struct fs *f;
  struct fin_write *w;
  size_t n;
  struct reads *r;
};

/* One read-check-commit round (an ent_attempt_fn on a struct commit). */
static enum ent_try attempt(void *ctx, enum fin_status *st, struct fin_err *e) {
  struct commit *c = ctx;
  struct fs *f = c->f;
  struct fin_write *w = c->w;
  size_t n = c->n;
  struct reads *r = c->r;
  char *txn = NULL;
  fin_ms now = fin_now_ms();
  for (size_t k = 0; k < r->n; k++)
    json_decref(r->doc[k]), r->doc[k] = NULL;
  *st = r->n ? fs_read(f, (const char *const *)r->path, r->n, r->doc, &txn, e) : FIN_OK;
  if (*st != FIN_OK) return ENT_TRY_DONE;
  for (size_t i = 0; *st == FIN_OK && i < n; i++) {
    const json_t *doc = r->of[i] >= 0 ? r->doc[r->of[i]] : NULL;
    if (w[i].kind == FIN_W_IDEM_PUT) now = w[i].u.idem.now;
    *st = check(&w[i], (int)i, doc, now, e);
  }
  int64_t seq[FIN_MAX_WRITES] = {0};
  json_t *ws = *st == FIN_OK ? build(f, w, n, r, seq, fin_now_ms()) : NULL;
  if (*st == FIN_OK && ws == NULL) *st = fin_err_set(e, FIN_NOMEM, "out of memory");
  if (*st != FIN_OK) {
    if (txn) fs_rollback(f, txn);
    free(txn);
    return ENT_TRY_DONE;
  }
  struct fs_fail fail;
  *st = fs_commit(f, ws, txn, &fail, e);
  if (*st != FIN_OK && txn != NULL && fail.http == 0) fs_rollback(f, txn); /* lost answer */
  bool txn_was = txn != NULL;
  free(txn);
  if (*st == FIN_INTERNAL && strcmp(fail.status, "ABORTED") == 0) return ENT_TRY_AGAIN;
  /* "Transaction is invalid or closed": the transaction expired, or this is
   * libcurl's own re-send (after a reused connection died) of a commit that
   * was applied. Either way a new round decides: its reads show an applied
   * commit, whose conditions then fail (an idempotency record, a user, a
   * card version), and the caller resolves that as for a concurrent one. */
  if (*st == FIN_INTERNAL && txn_was && strcmp(fail.status, "INVALID_ARGUMENT") == 0 &&
      (e == NULL || strstr(e->msg, "ransaction") != NULL))
    return ENT_TRY_AGAIN;
  for (size_t i = 0; *st == FIN_OK && i < n; i++)
    if (w[i].kind == FIN_W_EVENT_APPEND) w[i].u.event->sequence = seq[i];
  return ENT_TRY_DONE;
}

/* Between rounds: 1..5 ms times the round number; short, since commits of
 * this process on the same documents already queue on the stripe lock. */
static void pause_ms(int attempt) {
  fin_io_sleep_us((long)((rand() % 5 + 1) * (attempt + 1)) * 1000L);
}

static const struct ent_retry RETRY_POLICY = {
    .max_attempts = MAX_ATTEMPTS,
    .pause = pause_ms,
    .gave_up = "firestore commit: still contended",
};

static enum fin_status store_commit(void *self, struct fin_write *w, size_t n, struct fin_err *e) {
  struct fs *f = self;
  if (n == 0) return FIN_OK;
  if (n > FIN_MAX_WRITES) return fin_err_set(e, FIN_INVALID, "too many writes (%zu)", n);
  struct reads r;
  enum fin_status st = plan_reads(w, n, &r, e);
  if (st != FIN_OK) {
    reads_free(&r);
    return st;
  }
  fin_stripes_many(FIN_STRIPES_DOC, r.path, r.n, true);
  struct commit c = {f, w, n, &r};
  st = ent_retry_commit(&RETRY_POLICY, w, n, attempt, &c, e);
  fin_stripes_many(FIN_STRIPES_DOC, r.path, r.n, false);
  reads_free(&r);
  return st;
}

static enum fin_status store_ping(void *self, struct fin_err *e) {
  json_t *doc = NULL;
  enum fin_status st = fs_read1(self, "readiness/ping", &doc, e);
  json_decref(doc);
  return st == FIN_NOT_FOUND ? FIN_OK : st;
}

static const struct fin_store_ops store_ops = {
    .commit = store_commit,
    .ping = store_ping,
    .destroy = fs_port_release,
};

struct fin_store fs_store_port(struct fs *f) {
  return (struct fin_store){&store_ops, fs_ref(f)};
}
