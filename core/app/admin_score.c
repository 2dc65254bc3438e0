/* admin_score.c - GET/PATCH /v1/admin/users/:userSlug/score (§1.13, §1.14, §4.8). */
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

/* Step 4 of §1.14; returns 0 with *score set when valid. */
static int validate(const struct fin_req *q, int *score, const char **reason, struct fin_resp *r) {
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
    return -1;
  }
  *reason = json_string_value(why);
  return 0;
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

static void adjust(struct fin_container *c, const struct fin_req *q, const char *hash,
                   const char *fp, int score, const char *reason, struct fin_resp *r) {
  const struct fin_principal *admin = q->principal;
  struct fin_user u = {0};
  struct fin_app_error e = {0};
  enum fin_status st = fin_app_get_user(c, q->params[0], &u, &e);
  if (st == FIN_NOT_FOUND) return fin_resp_fail(r, FIN_E_USER_NOT_FOUND);
  if (st != FIN_OK) return fin_app_fail(r, &e);
  fin_ms now = fin_app_now(c);
  const char *prev_tier = fin_tier_of(fin_rules_of(c), u.score);
  const char *new_tier = fin_tier_of(fin_rules_of(c), score);
  struct fin_score entry = {
      .value = score, .previous_value = u.score, .delta = score - u.score, .timestamp = now};
  if (fin_uuid_v7(entry.score_id) != 0) {
    fin_user_clear(&u);
    return fin_resp_fail(r, FIN_E_RANDOM_UNAVAILABLE);
  }
  entry.ecosystem_id = u.ecosystem_id;
  entry.reason = (char *)reason;
  entry.source_id = admin->ecosystem_id;
  fin_strlcpy(entry.source, "admin", sizeof entry.source);
  struct fin_user after = u;
  after.score = score;
  fin_strlcpy(after.tier, new_tier, sizeof after.tier);
  json_t *body = after_view(c, &after, &entry, &e);
  if (body == NULL) {
    fin_user_clear(&u);
    return fin_app_fail(r, &e);
  }
  char rid[48];
  snprintf(rid, sizeof rid, "score-adjust-%lld", (long long)now);
  struct fin_event ev;
  struct fin_audit audit;
  struct fin_idem idem;
  size_t len;
  fin_event_fill(&ev, "score.changed", "score", u.ecosystem_id, u.ecosystem_id,
                 json_pack("{s:s,s:i,s:i,s:i,s:s,s:s,s:s,s:s,s:s}", "ecosystemId", u.ecosystem_id,
                           "previousScore", u.score, "newScore", score, "delta", entry.delta,
                           "previousTier", prev_tier, "newTier", new_tier, "reason", reason,
                           "source", "admin", "adminId", admin->ecosystem_id),
                 now);
  fin_audit_fill(&audit, admin->ecosystem_id, admin->email, "score.adjusted", "user",
                 u.ecosystem_id, NULL, json_pack("{s:i,s:s}", "score", u.score, "tier", prev_tier),
                 json_pack("{s:i,s:s}", "score", score, "tier", new_tier), reason, rid, now);
  fin_idem_fill(&idem, admin->ecosystem_id, hash, fp, OP_ADMIN, fin_json_dump(body, &len), 200, now,
                fin_rules_of(c));
  struct fin_write w[4];
  w[0].kind = FIN_W_USER_SCORE;
  w[0].u.score = (typeof(w[0].u.score)){u.ecosystem_id, score, new_tier, now, &entry};
  w[1].kind = FIN_W_AUDIT_APPEND, w[1].u.audit = &audit;
  w[2].kind = FIN_W_EVENT_APPEND, w[2].u.event = &ev;
  w[3].kind = FIN_W_IDEM_PUT, w[3].u.idem = (typeof(w[0].u.idem)){&idem, now};
  struct fin_err pe = {0};
  /* a record that could not be filled (no id, no memory) is never committed */
  if (ev.event_type == NULL || audit.action == NULL || idem.response == NULL)
    st = fin_err_set(&pe, FIN_UNAVAILABLE, "no event or audit id (random source) or no memory");
  else
    st = fin_app_commit(c, w, 4, &pe);
  if (st == FIN_OK) {
    fin_resp_json(r, 200, body);
    body = NULL;
  } else if (st == FIN_EXISTS && pe.failed_write == 3) {
    fin_admin_replay(c, admin->ecosystem_id, hash, fp, r);
  } else if (st == FIN_NOT_FOUND) {
    fin_resp_fail(r, FIN_E_USER_NOT_FOUND);
  } else {
    fin_app_error_from_port(&e, st, &pe, "adjust score");
    fin_app_fail(r, &e);
  }
  json_decref(body);
  fin_event_clear(&ev);
  fin_audit_clear(&audit);
  fin_idem_clear(&idem);
  fin_user_clear(&u);
}

void fin_h_admin_patch_score(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  const char *key = fin_require_key(q, r);
  if (key == NULL) return;
  char hash[65], fp[65];
  if (fin_idem_fingerprint("adjust-score", q, fp)) return fin_resp_fail(r, FIN_E_INTERNAL);
  fin_admin_key_hash("adjust-score", q->params[0], key, hash);
  int score = 0;
  const char *reason = NULL;
  fin_idem_lock(q->principal->ecosystem_id, hash);
  if (!fin_admin_replay(c, q->principal->ecosystem_id, hash, fp, r) &&
      !validate(q, &score, &reason, r))
    adjust(c, q, hash, fp, score, reason, r);
  fin_idem_unlock(q->principal->ecosystem_id, hash);
}
