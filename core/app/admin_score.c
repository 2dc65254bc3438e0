/* admin_score.c - GET/PATCH /v1/admin/users/:userSlug/score (behaviour.md §1.13,
 * §1.14, §4.8). */
#include <stdio.h>
#include <string.h>

#include "../domain/rules.h"
#include "../http/errmap.h"
#include "../util/ids.h"
#include "../util/jsonout.h"
#include "admin_keys.h"
#include "app_errors.h"
#include "handlers.h"
#include "idem.h"
#include "input.h"
#include "records.h"
#include "views.h"

void fin_h_admin_get_score(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  struct fin_user u = {0};
  struct fin_app_error e = {0};
  enum fin_status st = fin_app_get_user(c, q->params[0], &u, &e);
  if (st == FIN_NOT_FOUND) return fin_resp_fail(r, FIN_E_USER_NOT_FOUND);
  if (st != FIN_OK) return fin_app_fail(r, &e);
  json_t *view = fin_json_score_view(c, &u, &e);
  if (view)
    fin_resp_json(r, 200, view);
  else
    fin_app_fail(r, &e);
  fin_user_clear(&u);
}

/* Step 3 of behaviour.md §1.14: true with *score and *reason set when valid, else r is
 * answered. */
static bool valid(const struct fin_req *q, int *score, const char **reason, struct fin_resp *r) {
  const json_t *b = json_is_object(q->body) ? q->body : NULL;
  const json_t *s = b ? json_object_get(b, "score") : NULL;
  const json_t *why = b ? json_object_get(b, "reason") : NULL;
  struct fin_msgs m = {0};
  fin_check_score(s, score, &m);
  if (!json_is_string(why) || fin_blank(json_string_value(why)))
    fin_msgs_add(&m, "reason is required");
  else if (fin_js_length(json_string_value(why)) > 500)
    fin_msgs_add(&m, "reason must be at most 500 characters");
  if (q->principal->email == NULL || q->principal->email[0] == '\0')
    fin_msgs_add(&m, "adminEmail is required");
  if (m.count) {
    fin_resp_failf(r, FIN_E_VALIDATION, "%s", m.text);
    return false;
  }
  *reason = json_string_value(why);
  return true;
}

/* The response after the change: the new entry first, then <= 9 older ones. */
static json_t *after_view(struct fin_container *c, const struct fin_user *u,
                          const struct fin_score *entry, struct fin_app_error *e) {
  json_t *view = fin_json_score_view(c, u, e);
  if (view == NULL) return NULL;
  json_t *hist = json_object_get(view, "history");
  while (json_array_size(hist) >= 10)
    json_array_remove(hist, json_array_size(hist) - 1);
  json_array_insert_new(hist, 0,
                        json_pack("{s:i,s:i,s:i,s:s,s:s,s:o}", "value", entry->value,
                                  "previousValue", entry->previous_value, "delta", entry->delta,
                                  "reason", entry->reason, "source", "admin", "timestamp",
                                  fin_json_iso(entry->timestamp)));
  return view;
}

/* One score change: what the admin asked for, under which key. */
struct change {
  const struct fin_principal *admin;
  const char *hash, *fp; /* admin key hash and request fingerprint */
  int score;
  const char *reason;
};

/* What the change commits besides the score: its event, its audit entry
 * and the idempotency record holding the answer. */
struct records {
  struct fin_event ev;
  struct fin_audit audit;
  struct fin_idem idem;
};

/* Fills rec for the change from `u` (as read) to entry; FIN_OK or why not
 * (records.h): then nothing may be committed. */
static enum fin_status fill_records(struct fin_container *c, const struct change *ch,
                                    const struct fin_user *u, const struct fin_score *entry,
                                    const json_t *body, struct records *rec) {
  fin_ms now = entry->timestamp;
  const char *prev_tier = fin_tier_of(fin_rules_of(c), u->score);
  const char *new_tier = fin_tier_of(fin_rules_of(c), ch->score);
  char rid[48];
  snprintf(rid, sizeof rid, "score-adjust-%lld", (long long)now);
  enum fin_status st = fin_event_fill(
      &rec->ev, "score.changed", "score", u->ecosystem_id, u->ecosystem_id,
      json_pack("{s:s,s:i,s:i,s:i,s:s,s:s,s:s,s:s,s:s}", "ecosystemId", u->ecosystem_id,
                "previousScore", u->score, "newScore", ch->score, "delta", entry->delta,
                "previousTier", prev_tier, "newTier", new_tier, "reason", ch->reason, "source",
                "admin", "adminId", ch->admin->ecosystem_id),
      now);
  if (st == FIN_OK)
    st = fin_audit_fill(
        &rec->audit, ch->admin->ecosystem_id, ch->admin->email, "score.adjusted", "user",
        u->ecosystem_id, NULL, json_pack("{s:i,s:s}", "score", u->score, "tier", prev_tier),
        json_pack("{s:i,s:s}", "score", ch->score, "tier", new_tier), ch->reason, rid, now);
  size_t len;
  if (st == FIN_OK)
    st = fin_idem_fill(&rec->idem, ch->admin->ecosystem_id, ch->hash, ch->fp, OP_ADMIN,
                       fin_json_dump(body, &len), 200, now, fin_rules_of(c));
  return st;
}

/* Commits the change (score, history entry, records) and answers r; body
 * is the answer (stolen). */
static void commit_change(struct fin_container *c, const struct change *ch,
                          const struct fin_user *u, const struct fin_score *entry, json_t *body,
                          struct fin_resp *r) {
  struct records rec = {0};
  struct fin_err pe = {0};
  enum fin_status st = fill_records(c, ch, u, entry, body, &rec);
  if (st == FIN_OK) {
    const char *new_tier = fin_tier_of(fin_rules_of(c), ch->score);
    struct fin_write w[5];
    w[0].kind = FIN_W_USER_SCORE;
    w[0].u.score =
        (typeof(w[0].u.score)){u->ecosystem_id, ch->score, new_tier, entry->timestamp, entry};
    w[1].kind = FIN_W_AUDIT_APPEND, w[1].u.audit = &rec.audit;
    w[2].kind = FIN_W_EVENT_APPEND, w[2].u.event = &rec.ev;
    w[3].kind = FIN_W_IDEM_PUT, w[3].u.idem = (typeof(w[0].u.idem)){&rec.idem, entry->timestamp};
    /* bumps the user's revision, so a payment that read the score before
     * this change fails its commit and reads again (payments.c) */
    w[4].kind = FIN_W_USER_CARD_SLOT;
    w[4].u.slot = (typeof(w[0].u.slot)){u->ecosystem_id, -1};
    st = fin_app_commit(c, w, 5, &pe);
  } else { /* a record that could not be filled is never committed */
    fin_err_set(&pe, st, "score records not filled: no id (random source) or no memory");
  }
  if (st == FIN_OK) {
    fin_resp_json(r, 200, body);
    body = NULL;
  } else if (st == FIN_EXISTS && pe.failed_write == 3) {
    fin_admin_replay(c, ch->admin->ecosystem_id, ch->hash, ch->fp, r);
  } else if (st == FIN_NOT_FOUND) {
    fin_resp_fail(r, FIN_E_USER_NOT_FOUND);
  } else {
    struct fin_app_error e = {0};
    fin_app_error_from_port(&e, st, &pe, "adjust score");
    fin_app_fail(r, &e);
  }
  json_decref(body);
  fin_event_clear(&rec.ev);
  fin_audit_clear(&rec.audit);
  fin_idem_clear(&rec.idem);
}

static void adjust(struct fin_container *c, const struct fin_req *q, const struct change *ch,
                   struct fin_resp *r) {
  struct fin_user u = {0};
  struct fin_app_error e = {0};
  enum fin_status st = fin_app_get_user(c, q->params[0], &u, &e);
  if (st == FIN_NOT_FOUND) return fin_resp_fail(r, FIN_E_USER_NOT_FOUND);
  if (st != FIN_OK) return fin_app_fail(r, &e);
  fin_ms now = fin_app_now(c);
  struct fin_score entry = {.value = ch->score,
                            .previous_value = u.score,
                            .delta = ch->score - u.score,
                            .timestamp = now};
  bool oom = false;
  entry.ecosystem_id = fin_own(u.ecosystem_id, &oom);
  entry.reason = fin_own(ch->reason, &oom);
  entry.source_id = fin_own(ch->admin->ecosystem_id, &oom);
  fin_strlcpy(entry.source, "admin", sizeof entry.source);
  struct fin_user after = u; /* a view of u with the new score: its strings stay u's */
  after.score = ch->score;
  fin_strlcpy(after.tier, fin_tier_of(fin_rules_of(c), ch->score), sizeof after.tier);
  json_t *body = NULL;
  if (fin_uuid_v7(entry.score_id) != 0)
    fin_resp_fail(r, FIN_E_RANDOM_UNAVAILABLE);
  else if (oom)
    fin_resp_fail(r, FIN_E_INTERNAL);
  else if ((body = after_view(c, &after, &entry, &e)) == NULL)
    fin_app_fail(r, &e);
  else
    commit_change(c, ch, &u, &entry, body, r);
  fin_score_clear(&entry);
  fin_user_clear(&u);
}

void fin_h_admin_patch_score(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  const char *key = fin_require_key(q, r);
  if (key == NULL) return;
  char hash[65], fp[65];
  if (fin_idem_fingerprint("adjust-score", q, fp) != FIN_OK)
    return fin_resp_fail(r, FIN_E_INTERNAL);
  fin_admin_key_hash("adjust-score", q->params[0], key, hash);
  struct change ch = {.admin = q->principal, .hash = hash, .fp = fp};
  fin_idem_lock(q->principal->ecosystem_id, hash);
  if (!fin_admin_replay(c, q->principal->ecosystem_id, hash, fp, r) &&
      valid(q, &ch.score, &ch.reason, r))
    adjust(c, q, &ch, r);
  fin_idem_unlock(q->principal->ecosystem_id, hash);
}
