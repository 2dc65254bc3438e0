/* ddb_store.c - the atomic commit of store.h as one TransactWriteItems.
 *
 * Each write becomes one action with its condition; the index of the first
 * cancelled action tells which write failed (CancellationReasons). Two writes
 * to one item are not allowed in a transaction, so a score change and a card
 * summary of the same user are merged into one Update, and the events of one
 * entity share one counter Update: the counter goes from c to c+k and the k
 * events get c+1..c+k. The counter's current value comes from the cache in
 * ddb_seq.c, else 0 is assumed (new entities); a wrong value fails the
 * counter's condition, is read back and retried (at most MAX_ATTEMPTS). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/util/ids.h"
#include "../../core/util/io.h"
#include "../../core/util/stripes.h"
#include "../../core/util/timefmt.h"
#include "../common/ent_cond.h"
#include "../common/ent_retry.h"
#include "../common/ent_sbuf.h"
#include "ddb.h"
#include "ddb_av.h"
#include "ddb_items.h"
#include "ddb_seq.h"

#define MAX_ATTEMPTS 10
#define MAX_KEYS FIN_MAX_WRITES
/* Room for one Update's expressions: up to eight writes to one user fit in
 * every combination; more is refused (FIN_INVALID), never cut short. */
#define EXPR_MAX 512

struct seq_group {
  char *key;       /* entity key (owned) */
  int64_t current; /* counter value before this commit */
  int count;       /* events of this commit on the key */
  int action;      /* index of its counter Update */
};

struct plan {
  json_t *items;                               /* TransactItems */
  int write_of[2 * FIN_MAX_WRITES + MAX_KEYS]; /* action -> write index (-1 = counter) */
  int group_of[2 * FIN_MAX_WRITES + MAX_KEYS]; /* action -> seq group (counters) */
  int user_action[FIN_MAX_WRITES];             /* write -> merged user Update, or -1 */
  int64_t seq[FIN_MAX_WRITES];                 /* write -> event sequence number */
  bool too_long;                               /* an expression did not fit EXPR_MAX */
};

static int add_action(struct plan *p, const char *type, json_t *body, int write, int group) {
  int i = (int)json_array_size(p->items);
  if (body == NULL || json_array_append_new(p->items, json_pack("{s:o}", type, body)) != 0)
    return -1;
  json_object_set_new(body, "ReturnValuesOnConditionCheckFailure", json_string("ALL_OLD"));
  p->write_of[i] = write;
  p->group_of[i] = group;
  return i;
}

static json_t *put(struct ddb *d, const char *suffix, json_t *item, const char *cond,
                   json_t *vals) {
  json_t *b =
      item ? json_pack("{s:s, s:o}", "TableName", ddb_table(d, suffix), "Item", item) : NULL;
  if (b != NULL && cond != NULL) json_object_set_new(b, "ConditionExpression", json_string(cond));
  if (b != NULL && vals != NULL) json_object_set(b, "ExpressionAttributeValues", vals);
  json_decref(vals);
  return b;
}

static json_t *update(struct ddb *d, const char *suffix, json_t *key, const char *set,
                      const char *cond, json_t *names, json_t *vals) {
  json_t *b = json_pack("{s:s, s:o, s:s, s:o}", "TableName", ddb_table(d, suffix), "Key", key,
                        "UpdateExpression", set, "ExpressionAttributeValues", vals);
  if (b != NULL && cond != NULL) json_object_set_new(b, "ConditionExpression", json_string(cond));
  if (b != NULL && names != NULL) json_object_set(b, "ExpressionAttributeNames", names);
  json_decref(names);
  return b;
}

static const char *user_of(const struct fin_write *w) {
  if (w->kind == FIN_W_USER_SCORE) return w->u.score.ecosystem_id;
  if (w->kind == FIN_W_USER_SUMMARY) return w->u.summary.ecosystem_id;
  if (w->kind == FIN_W_USER_CARD_SLOT) return w->u.slot.ecosystem_id;
  return NULL;
}

/* Whether x is a write to the user row of `eco`. */
static bool of_user(const struct fin_write *x, const char *eco) {
  const char *u = user_of(x);
  return u != NULL && strcmp(u, eco) == 0;
}

/* The slot write's part of the user Update: the new card_rev, and when
 * checked, the condition that the stored one is still the one read. */
static void slot_part(const struct fin_write *x, struct ent_sbuf *set, struct ent_sbuf *cond,
                      json_t *vals) {
  int64_t want = x->u.slot.expected_rev;
  if (want < 0) {
    ent_sbuf_add(set, ", cardRev = if_not_exists(cardRev, :cr0) + :cr1");
    json_object_set_new(vals, ":cr0", ddb_int(0));
    json_object_set_new(vals, ":cr1", ddb_int(1));
    return;
  }
  ent_sbuf_add(set, ", cardRev = :crn");
  json_object_set_new(vals, ":crn", ddb_int(want + 1));
  if (want == 0) { /* users written before the field existed have none */
    ent_sbuf_add(cond, " AND (attribute_not_exists(cardRev) OR cardRev = :cre)");
  } else {
    ent_sbuf_add(cond, " AND cardRev = :cre");
  }
  json_object_set_new(vals, ":cre", ddb_int(want));
}

/* The user Update shared by USER_SCORE / USER_SUMMARY / USER_CARD_SLOT
 * writes of one user; NULL on OOM, or with p->too_long set when its
 * expressions do not fit. */
static json_t *user_update(struct ddb *d, struct plan *p, struct fin_write *w, size_t n,
                           size_t first) {
  const char *eco = user_of(&w[first]);
  char set_a[EXPR_MAX], cond_a[EXPR_MAX];
  struct ent_sbuf set, cond;
  /* a slot write alone (a pending request, a rejection) leaves updatedAt,
   * and so the dashboard's ETag, as it is: behaviour.md §4.12 */
  bool touches = false;
  for (size_t i = first; i < n; i++)
    touches = touches || (of_user(&w[i], eco) && w[i].kind != FIN_W_USER_CARD_SLOT);
  ent_sbuf_init(&set, set_a, sizeof set_a,
                touches ? "SET updatedAt = :u" : "SET updatedAt = if_not_exists(updatedAt, :u)");
  ent_sbuf_init(&cond, cond_a, sizeof cond_a, "attribute_exists(ecosystemId)");
  json_t *vals = json_object();
  fin_ms updated = 0;
  for (size_t i = first; i < n; i++) {
    if (!of_user(&w[i], eco)) continue;
    if (w[i].kind == FIN_W_USER_SCORE) {
      ent_sbuf_add(&set, ", currentScore = :sc, tier = :tier");
      json_object_set_new(vals, ":sc", ddb_int(w[i].u.score.score));
      json_object_set_new(vals, ":tier", ddb_s(w[i].u.score.tier));
      if (w[i].u.score.updated_at > updated) updated = w[i].u.score.updated_at;
    } else if (w[i].kind == FIN_W_USER_SUMMARY) {
      ent_sbuf_add(&set, ", cardSummary = :sum");
      json_object_set_new(vals, ":sum", ddb_summary_av(&w[i].u.summary.summary));
      if (w[i].u.summary.updated_at > updated) updated = w[i].u.summary.updated_at;
    } else if (w[i].kind == FIN_W_USER_CARD_SLOT) {
      slot_part(&w[i], &set, &cond, vals);
    }
  }
  if (!ent_sbuf_ok(&set) || !ent_sbuf_ok(&cond)) {
    json_decref(vals);
    p->too_long = true;
    return NULL;
  }
  if (updated == 0) updated = fin_now_ms(); /* only where updatedAt is missing */
  json_object_set_new(vals, ":u", ddb_iso(updated));
  return update(d, DDB_T_USERS, json_pack("{s:{s:s}}", "ecosystemId", "S", eco), set.p, cond.p,
                NULL, vals);
}

/* CARD_BALANCE: the new figures, conditioned on the version read. */
static json_t *plan_balance(struct ddb *d, const struct fin_write *x) {
  char iso[32];
  json_t *vals = ddb_vals(
      6, ":b", ddb_n(x->u.balance.balance), ":a", ddb_n(x->u.balance.available_credit), ":m",
      ddb_n(x->u.balance.minimum_payment), ":nv", ddb_int(x->u.balance.expected_version + 1), ":ev",
      ddb_int(x->u.balance.expected_version), ":u", ddb_s(fin_iso(x->u.balance.updated_at, iso)));
  return update(d, DDB_T_CARDS,
                json_pack("{s:{s:s}, s:{s:s}}", "ecosystemId", "S", x->u.balance.ecosystem_id,
                          "cardId", "S", x->u.balance.card_id),
                "SET balance = :b, availableCredit = :a, minimumPayment = :m, "
                "#v = :nv, updatedAt = :u",
                "#v = :ev", json_pack("{s:s}", "#v", "version"), vals);
}

/* REQUEST_DECIDE: status, decision and card, only while still pending;
 * NULL on OOM, or with p->too_long set. */
static json_t *plan_decide(struct ddb *d, struct plan *p, const struct fin_write *x) {
  char iso[32];
  const char *card = x->u.decide.resulting_card_id;
  json_t *vals = ddb_vals(3, ":st", ddb_s(x->u.decide.status), ":p", ddb_s("pending"), ":u",
                          ddb_s(fin_iso(x->u.decide.updated_at, iso)));
  char set_a[EXPR_MAX];
  struct ent_sbuf set;
  ent_sbuf_init(&set, set_a, sizeof set_a, "SET #s = :st, updatedAt = :u");
  if (x->u.decide.decision != NULL && x->u.decide.decision->present) {
    ent_sbuf_add(&set, ", decision = :d");
    json_object_set_new(vals, ":d", ddb_decision_av(x->u.decide.decision));
  }
  if (card != NULL && card[0] != '\0') {
    ent_sbuf_add(&set, ", resultingCardId = :c");
    json_object_set_new(vals, ":c", ddb_s(card));
  }
  if (!ent_sbuf_ok(&set)) {
    json_decref(vals);
    p->too_long = true;
    return NULL;
  }
  return update(d, DDB_T_REQUESTS,
                json_pack("{s:{s:s}, s:{s:s}}", "ecosystemId", "S", x->u.decide.ecosystem_id,
                          "requestId", "S", x->u.decide.request_id),
                set.p, "#s = :p", json_pack("{s:s}", "#s", "status"), vals);
}

/* Builds the action(s) of write i. Returns 0 or -1 (OOM, or p->too_long). */
static int plan_write(struct ddb *d, struct plan *p, struct fin_write *w, size_t n, size_t i) {
  struct fin_write *x = &w[i];
  char iso[32];
  switch (x->kind) {
  case FIN_W_USER_CREATE:
    return add_action(p, "Put",
                      put(d, DDB_T_USERS, ddb_user_item(x->u.user),
                          "attribute_not_exists(ecosystemId)", NULL),
                      (int)i, -1) < 0;
  case FIN_W_USER_SCORE:
  case FIN_W_USER_SUMMARY:
  case FIN_W_USER_CARD_SLOT: {
    for (size_t j = 0; j < i; j++) /* merged into an earlier write's Update */
      if (of_user(&w[j], user_of(x))) {
        p->user_action[i] = p->user_action[j];
        goto score_row;
      }
    p->user_action[i] = add_action(p, "Update", user_update(d, p, w, n, i), (int)i, -1);
    if (p->user_action[i] < 0) return -1;
  score_row:
    for (size_t j = 0; x->kind == FIN_W_USER_SCORE && x->u.score.entry != NULL && j < i; j++)
      if (w[j].kind == FIN_W_USER_SCORE && w[j].u.score.entry != NULL &&
          strcmp(w[j].u.score.entry->score_id, x->u.score.entry->score_id) == 0 &&
          strcmp(w[j].u.score.entry->ecosystem_id, x->u.score.entry->ecosystem_id) == 0)
        return 0; /* the same history row once (one item per transaction) */
    if (x->kind == FIN_W_USER_SCORE && x->u.score.entry != NULL)
      return add_action(p, "Put",
                        put(d, DDB_T_SCORES, ddb_score_item(x->u.score.entry), NULL, NULL), (int)i,
                        -1) < 0;
    return 0;
  }
  case FIN_W_CARD_CREATE:
    return add_action(
               p, "Put",
               put(d, DDB_T_CARDS, ddb_card_item(x->u.card), "attribute_not_exists(cardId)", NULL),
               (int)i, -1) < 0;
  case FIN_W_CARD_BALANCE:
    return add_action(p, "Update", plan_balance(d, x), (int)i, -1) < 0;
  case FIN_W_REQUEST_CREATE:
    return add_action(p, "Put",
                      put(d, DDB_T_REQUESTS, ddb_request_item(x->u.request),
                          "attribute_not_exists(requestId)", NULL),
                      (int)i, -1) < 0;
  case FIN_W_REQUEST_DECIDE:
    return add_action(p, "Update", plan_decide(d, p, x), (int)i, -1) < 0;
  case FIN_W_TXN_PUT:
    return add_action(p, "Put", put(d, DDB_T_TXNS, ddb_txn_item(x->u.txn), NULL, NULL), (int)i,
                      -1) < 0;
  case FIN_W_EVENT_APPEND: {
    struct fin_event copy = *x->u.event;
    copy.sequence = p->seq[i];
    return add_action(p, "Put",
                      put(d, DDB_T_OUTBOX, ddb_event_item(&copy, copy.created_at),
                          "attribute_not_exists(eventId)", NULL),
                      (int)i, -1) < 0;
  }
  case FIN_W_IDEM_PUT:
    return add_action(p, "Put",
                      put(d, DDB_T_IDEM, ddb_idem_item(x->u.idem.rec),
                          "attribute_not_exists(keyHash) OR expiresAtDate <= :now",
                          ddb_vals(1, ":now", ddb_s(fin_iso(x->u.idem.now, iso)))),
                      (int)i, -1) < 0;
  case FIN_W_AUDIT_APPEND:
    return add_action(p, "Put", put(d, DDB_T_AUDIT, ddb_audit_item(x->u.audit), NULL, NULL), (int)i,
                      -1) < 0;
  }
  return -1;
}

static int plan_counters(struct ddb *d, struct plan *p, struct seq_group *groups, size_t ng) {
  char iso[32];
  fin_iso(fin_now_ms(), iso);
  for (size_t g = 0; g < ng; g++) {
    json_t *vals =
        ddb_vals(2, ":next", ddb_int(groups[g].current + groups[g].count), ":u", ddb_s(iso));
    if (groups[g].current > 0) json_object_set_new(vals, ":cur", ddb_int(groups[g].current));
    groups[g].action =
        add_action(p, "Update",
                   update(d, DDB_T_SEQ, json_pack("{s:{s:s}}", "entityKey", "S", groups[g].key),
                          "SET #q = :next, updatedAt = :u",
                          groups[g].current > 0 ? "#q = :cur" : "attribute_not_exists(#q)",
                          json_pack("{s:s}", "#q", "sequence"), vals),
                   -1, (int)g);
    if (groups[g].action < 0) return -1;
  }
  return 0;
}

/* Current counter values: cached, else assumed 0. Most events open a new
 * entity (a transaction, a request, a card), whose counter row does not
 * exist yet, so no read is spent on them; a wrong guess (a long-lived entity
 * after a restart) fails the counter's condition, which returns the stored
 * value, and the commit is retried with it. */
static void load_counters(struct ddb *d, struct seq_group *groups, size_t ng) {
  for (size_t g = 0; g < ng; g++)
    if (!ddb_seq_get(ddb_seq_of(d), groups[g].key, &groups[g].current)) groups[g].current = 0;
}

/* After a stale guess without ALL_OLD from the service: read the counter. */
static enum fin_status read_counter(struct ddb *d, const char *key, struct fin_err *e) {
  json_t *item;
  enum fin_status st =
      ddb_get(d, ddb_table(d, DDB_T_SEQ), json_pack("{s:{s:s}}", "entityKey", "S", key), &item, e);
  if (st != FIN_OK && st != FIN_NOT_FOUND) return st;
  ddb_seq_put(ddb_seq_of(d), key, st == FIN_OK ? ddb_get_int(item, "sequence", 0) : 0);
  json_decref(item);
  return FIN_OK;
}

/* The stored item a failed condition of x looked at: `old` when the service
 * returned it (ALL_OLD), else read now (emulators without ALL_OLD on
 * cancellations); NULL when there is none. Only for the writes whose error
 * depends on it. Returns a new reference. */
static json_t *stored_item(struct ddb *d, const struct fin_write *x, const json_t *old) {
  if (old != NULL) return json_incref((json_t *)old);
  const char *table;
  json_t *key;
  switch (x->kind) {
  case FIN_W_USER_CARD_SLOT:
    if (x->u.slot.expected_rev < 0) return NULL; /* an unchecked bump fails on a missing user */
    table = DDB_T_USERS;
    key = json_pack("{s:{s:s}}", "ecosystemId", "S", x->u.slot.ecosystem_id);
    break;
  case FIN_W_CARD_BALANCE:
    table = DDB_T_CARDS;
    key = json_pack("{s:{s:s}, s:{s:s}}", "ecosystemId", "S", x->u.balance.ecosystem_id, "cardId",
                    "S", x->u.balance.card_id);
    break;
  case FIN_W_REQUEST_DECIDE:
    table = DDB_T_REQUESTS;
    key = json_pack("{s:{s:s}, s:{s:s}}", "ecosystemId", "S", x->u.decide.ecosystem_id, "requestId",
                    "S", x->u.decide.request_id);
    break;
  default:
    return NULL;
  }
  json_t *item = NULL;
  ddb_get(d, ddb_table(d, table), key, &item, NULL);
  return item;
}

/* The error of write wi, whose condition failed; `old` is the stored item
 * when the service returned it. */
static enum fin_status write_error(struct ddb *d, const struct fin_write *x, int wi,
                                   const json_t *old, struct fin_err *e) {
  json_t *item = stored_item(d, x, old);
  struct ent_cond_found found = {.exists = item != NULL};
  if (x->kind == FIN_W_USER_CARD_SLOT) found.number = ddb_get_int(item, "cardRev", 0);
  if (x->kind == FIN_W_CARD_BALANCE) found.number = ddb_get_int(item, "version", -1);
  if (x->kind == FIN_W_REQUEST_DECIDE) found.status = ddb_get_s(item, "status");
  enum fin_status st = ent_cond_fail(x, wi, &found, e);
  json_decref(item);
  return st;
}

/* Which write of a merged user Update failed: a missing user fails the
 * first one (FIN_NOT_FOUND), a present one can only have failed a checked
 * slot write's revision. `old` is the stored item when the service said. */
static int user_failure(struct ddb *d, const struct fin_write *w, size_t n, int first,
                        const json_t *old) {
  const char *eco = user_of(&w[first]);
  int slot = -1;
  for (size_t i = (size_t)first; i < n; i++)
    if (w[i].kind == FIN_W_USER_CARD_SLOT && w[i].u.slot.expected_rev >= 0 &&
        strcmp(w[i].u.slot.ecosystem_id, eco) == 0)
      slot = (int)i;
  if (slot < 0) return first;
  json_t *item = NULL;
  if (old == NULL) /* emulators without ALL_OLD on cancellations */
    ddb_get(d, ddb_table(d, DDB_T_USERS), json_pack("{s:{s:s}}", "ecosystemId", "S", eco), &item,
            NULL);
  bool exists = old != NULL || item != NULL;
  json_decref(item);
  return exists ? slot : first;
}

/* Between attempts: a random pause of 1..5 ms whose range doubles with
 * each attempt up to 1..160 ms, so that commits racing for one counter or
 * item spread out. */
static void jitter_pause(int attempt) {
  long ms = (long)(rand() % (5 << (attempt < 5 ? attempt : 5))) + 1;
  fin_io_sleep_us(ms * 1000);
}

static const struct ent_retry RETRY_POLICY = {
    .max_attempts = MAX_ATTEMPTS,
    .pause = jitter_pause,
    .gave_up = "dynamodb TransactWriteItems: still conflicting",
};

/* What a cancelled transaction means: a stale counter (again, counters
 * refreshed), a failed write condition (its error), or a conflict with a
 * concurrent transaction (again). */
static enum ent_try cancelled(struct ddb *d, struct plan *p, struct fin_write *w, size_t n,
                              struct seq_group *groups, const json_t *reasons, enum fin_status *st,
                              struct fin_err *e) {
  int first = -1, first_action = -1;
  bool stale = false, conflict = false;
  size_t i;
  json_t *r;
  json_array_foreach(reasons, i, r) {
    const char *code = json_string_value(json_object_get(r, "Code"));
    if (code == NULL || strcmp(code, "None") == 0) continue;
    if (strcmp(code, "ConditionalCheckFailed") != 0) {
      conflict = true; /* TransactionConflict and the like */
      continue;
    }
    if (p->write_of[i] < 0) {
      struct seq_group *g = &groups[p->group_of[i]];
      json_t *old = json_object_get(r, "Item");
      if (old != NULL)
        ddb_seq_put(ddb_seq_of(d), g->key, ddb_get_int(old, "sequence", 0));
      else if (read_counter(d, g->key, e) != FIN_OK)
        ddb_seq_forget(ddb_seq_of(d), g->key); /* read again next time */
      stale = true;
    } else if (first < 0 || p->write_of[i] < first) {
      first = p->write_of[i];
      first_action = (int)i;
    }
  }
  if (first >= 0) {
    const json_t *old = json_object_get(json_array_get(reasons, (size_t)first_action), "Item");
    if (user_of(&w[first]) != NULL) first = user_failure(d, w, n, first, old);
    *st = write_error(d, &w[first], first, old, e);
    return ENT_TRY_DONE;
  }
  if (stale || conflict) return ENT_TRY_AGAIN;
  *st = fin_err_set(e, FIN_INTERNAL, "dynamodb TransactWriteItems cancelled without a reason");
  return ENT_TRY_DONE;
}

/* Groups the events that need a number by entity key; *group_of[i] is the
 * group of write i (-1 = none). Returns the group count, or -1 on OOM. */
static int group_events(const struct fin_write *w, size_t n, struct seq_group *groups,
                        int *group_of) {
  size_t ng = 0;
  for (size_t i = 0; i < n; i++) {
    group_of[i] = -1;
    if (w[i].kind != FIN_W_EVENT_APPEND || w[i].u.event->sequence != 0) continue;
    char *key = ddb_entity_key(w[i].u.event);
    if (key == NULL) return -1;
    size_t g = 0;
    while (g < ng && strcmp(groups[g].key, key) != 0)
      g++;
    if (g == ng) {
      groups[ng++] = (struct seq_group){.key = key};
    } else {
      free(key);
    }
    groups[g].count++;
    group_of[i] = (int)g;
  }
  return (int)ng;
}

/* Numbers each event from its group's current value, in write order. */
static void assign(struct plan *p, const struct fin_write *w, size_t n,
                   const struct seq_group *groups, const int *group_of) {
  int used[MAX_KEYS] = {0};
  for (size_t i = 0; i < n; i++) {
    p->seq[i] = w[i].kind == FIN_W_EVENT_APPEND ? w[i].u.event->sequence : 0;
    if (group_of[i] >= 0) p->seq[i] = groups[group_of[i]].current + ++used[group_of[i]];
  }
}

static bool retryable(const char *type) {
  return strcmp(type, "TransactionInProgressException") == 0 ||
         strcmp(type, "TransactionConflictException") == 0;
}

/* A transaction with a ClientRequestToken of its own, new for every
 * attempt: libcurl sends a request again by itself when a reused connection
 * dies before any answer arrives, even after DynamoDB applied it, and with
 * the same token DynamoDB answers such a re-send with the first outcome
 * (for ten minutes). A token per attempt, not one derived from the items:
 * two commits of equal items are two transactions, the second of which
 * must meet its conditions again. NULL (items released) when no token can
 * be made. */
static json_t *transact_request(json_t *items) {
  char token[40];
  if (fin_uuid_v4(token) != 0) {
    json_decref(items);
    return NULL;
  }
  return json_pack("{s:o,s:s}", "TransactItems", items, "ClientRequestToken", token);
}

/* One commit: what every attempt needs. */
struct commit {
  struct ddb *d;
  struct fin_write *w;
  size_t n;
  struct seq_group *groups;
  size_t ng;
  const int *group_of; /* write -> seq group, -1 = none */
};

/* One attempt (an ent_attempt_fn on a struct commit): plan, send, interpret. */
static enum ent_try attempt_commit(void *ctx, enum fin_status *st, struct fin_err *e) {
  struct commit *c = ctx;
  struct ddb *d = c->d;
  struct fin_write *w = c->w;
  size_t n = c->n, ng = c->ng;
  struct seq_group *groups = c->groups;
  const int *group_of = c->group_of;
  struct plan p = {.items = json_array()};
  load_counters(d, groups, ng);
  assign(&p, w, n, groups, group_of);
  int bad = p.items == NULL;
  for (size_t i = 0; !bad && i < n; i++)
    p.user_action[i] = -1;
  for (size_t i = 0; !bad && i < n; i++)
    bad = plan_write(d, &p, w, n, i) != 0;
  if (!bad) bad = plan_counters(d, &p, groups, ng) != 0;
  if (bad) {
    json_decref(p.items);
    *st = p.too_long ? fin_err_set(e, FIN_INVALID,
                                   "dynamodb TransactWriteItems: an update expression does not fit "
                                   "in %d bytes (too many writes to one item)",
                                   EXPR_MAX)
                     : fin_err_set(e, FIN_NOMEM, "dynamodb TransactWriteItems: out of memory");
    return ENT_TRY_DONE;
  }
  struct ddb_fail f = {0};
  json_t *resp;
  /* ddb_call answers a NULL request (no memory, no token) itself */
  *st = ddb_call(d, "TransactWriteItems", transact_request(p.items), &resp, &f, e);
  json_decref(resp);
  enum ent_try o = ENT_TRY_DONE;
  if (*st == FIN_OK) {
    for (size_t i = 0; i < n; i++)
      if (group_of[i] >= 0) w[i].u.event->sequence = p.seq[i]; /* written back */
    for (size_t g = 0; g < ng; g++)
      ddb_seq_put(ddb_seq_of(d), groups[g].key, groups[g].current + groups[g].count);
  } else if (strcmp(f.type, "TransactionCanceledException") == 0) {
    o = cancelled(d, &p, w, n, groups, f.reasons, st, e);
  } else if (retryable(f.type)) {
    o = ENT_TRY_AGAIN;
  }
  ddb_fail_clear(&f);
  return o;
}

/* The item a write touches: its table and key (borrowed), for duplicate
 * checks. Table 0: a write that always makes an item of its own. */
struct item_ref {
  char table;
  const char *k1, *k2;
};

static struct item_ref item_of(const struct fin_write *x) {
  switch (x->kind) {
  case FIN_W_USER_CREATE:
    return (struct item_ref){'u', x->u.user->ecosystem_id, NULL};
  case FIN_W_USER_SCORE:
  case FIN_W_USER_SUMMARY:
  case FIN_W_USER_CARD_SLOT:
    return (struct item_ref){'u', user_of(x), NULL};
  case FIN_W_CARD_CREATE:
    return (struct item_ref){'c', x->u.card->ecosystem_id, x->u.card->card_id};
  case FIN_W_CARD_BALANCE:
    return (struct item_ref){'c', x->u.balance.ecosystem_id, x->u.balance.card_id};
  case FIN_W_REQUEST_CREATE:
    return (struct item_ref){'r', x->u.request->request_id, NULL};
  case FIN_W_REQUEST_DECIDE:
    return (struct item_ref){'r', x->u.decide.request_id, NULL};
  case FIN_W_EVENT_APPEND:
    return (struct item_ref){'e', x->u.event->event_id, NULL};
  case FIN_W_IDEM_PUT:
    return (struct item_ref){'i', x->u.idem.rec->ecosystem_id, x->u.idem.rec->key_hash};
  default:
    return (struct item_ref){0, NULL, NULL};
  }
}

static bool same_key(const char *a, const char *b) {
  return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

static bool same_item(const struct fin_write *a, const struct fin_write *b) {
  struct item_ref x = item_of(a), y = item_of(b);
  return x.table != 0 && x.table == y.table && same_key(x.k1, y.k1) && same_key(x.k2, y.k2);
}

/* Whether the item a create would make is there already. */
static enum fin_status item_exists(struct ddb *d, const struct fin_write *x, bool *exists,
                                   struct fin_err *e) {
  const char *table;
  json_t *key;
  switch (x->kind) {
  case FIN_W_USER_CREATE:
    table = DDB_T_USERS;
    key = json_pack("{s:{s:s}}", "ecosystemId", "S", x->u.user->ecosystem_id);
    break;
  case FIN_W_CARD_CREATE:
    table = DDB_T_CARDS;
    key = json_pack("{s:{s:s}, s:{s:s}}", "ecosystemId", "S", x->u.card->ecosystem_id, "cardId",
                    "S", x->u.card->card_id);
    break;
  case FIN_W_REQUEST_CREATE:
    table = DDB_T_REQUESTS;
    key = json_pack("{s:{s:s}, s:{s:s}}", "ecosystemId", "S", x->u.request->ecosystem_id,
                    "requestId", "S", x->u.request->request_id);
    break;
  default:
    *exists = false;
    return FIN_OK;
  }
  json_t *item = NULL;
  enum fin_status st = ddb_get(d, ddb_table(d, table), key, &item, e);
  json_decref(item);
  *exists = st == FIN_OK;
  return st == FIN_NOT_FOUND ? FIN_OK : st;
}

static bool creates(enum fin_write_kind k) {
  return k == FIN_W_USER_CREATE || k == FIN_W_CARD_CREATE || k == FIN_W_REQUEST_CREATE ||
         k == FIN_W_EVENT_APPEND || k == FIN_W_IDEM_PUT;
}

/* A transaction may not touch one item twice. Conditions hold against the
 * state before the commit (as in the memory store): a second create of a
 * key fails FIN_EXISTS, an update of a row this commit creates fails as if
 * the row were missing. Score + summary of one user are merged instead. */
static enum fin_status same_item_writes(struct ddb *d, struct fin_write *w, size_t n,
                                        struct fin_err *e) {
  for (size_t i = 1; i < n; i++) {
    for (size_t j = 0; j < i; j++) {
      if (!same_item(&w[i], &w[j])) continue;
      if (creates(w[j].kind) && creates(w[i].kind)) return ent_cond_repeat((int)i, e);
      if (creates(w[j].kind)) return write_error(d, &w[i], (int)i, NULL, e);
      if (user_of(&w[i]) == NULL) /* one card or request moved twice: the later fails */
        return write_error(d, &w[i], (int)i, NULL, e);
      if (creates(w[i].kind)) { /* update, then create: which one fails? */
        bool exists = false;
        enum fin_status st = item_exists(d, &w[i], &exists, e);
        if (st != FIN_OK) return st;
        return exists ? write_error(d, &w[i], (int)i, NULL, e)
                      : write_error(d, &w[j], (int)j, NULL, e);
      }
    }
  }
  return FIN_OK;
}

static enum fin_status store_commit(void *self, struct fin_write *w, size_t n, struct fin_err *e) {
  struct ddb *d = self;
  if (n == 0) return FIN_OK;
  if (n > FIN_MAX_WRITES) return fin_err_set(e, FIN_INVALID, "too many writes (%zu)", n);
  enum fin_status dup = same_item_writes(d, w, n, e);
  if (dup != FIN_OK) return dup;
  struct seq_group groups[MAX_KEYS];
  int group_of[FIN_MAX_WRITES];
  int ng = group_events(w, n, groups, group_of);
  if (ng < 0) return fin_err_set(e, FIN_NOMEM, "out of memory");
  const char *keys[MAX_KEYS];
  for (int g = 0; g < ng; g++)
    keys[g] = groups[g].key;
  /* Card-slot commits of one user queue here first: the condition decides
   * between processes, this only spares doomed transactions (and keeps
   * moto, whose transactions are not isolated from each other, honest). */
  char *slots[FIN_MAX_WRITES] = {NULL};
  size_t ns = 0;
  for (size_t i = 0; i < n; i++)
    if (w[i].kind == FIN_W_USER_CARD_SLOT) slots[ns++] = (char *)w[i].u.slot.ecosystem_id;
  fin_stripes_many(FIN_STRIPES_SLOT, slots, ns, true);
  ddb_seq_lock(ddb_seq_of(d), keys, (size_t)ng);
  struct commit c = {d, w, n, groups, (size_t)ng, group_of};
  enum fin_status st = ent_retry_commit(&RETRY_POLICY, w, n, attempt_commit, &c, e);
  ddb_seq_unlock(ddb_seq_of(d), keys, (size_t)ng);
  fin_stripes_many(FIN_STRIPES_SLOT, slots, ns, false);
  for (int g = 0; g < ng; g++)
    free(groups[g].key);
  return st;
}

static enum fin_status store_ping(void *self, struct fin_err *e) {
  struct ddb *d = self;
  json_t *resp;
  enum fin_status st =
      ddb_call(d, "DescribeTable", json_pack("{s:s}", "TableName", ddb_table(d, DDB_T_USERS)),
               &resp, NULL, e);
  json_decref(resp);
  return st;
}

static const struct fin_store_ops store_ops = {
    .commit = store_commit,
    .ping = store_ping,
    .destroy = ddb_port_release,
};

struct fin_store ddb_store_port(struct ddb *d) {
  return (struct fin_store){&store_ops, ddb_ref(d)};
}
