/* records.c - events, audit entries, card summaries and the commit (records.h). */
#include "records.h"

#include <string.h>

#include "../domain/rules.h"
#include "../util/ids.h"

fin_ms fin_app_now(struct fin_container *c) {
  return c->clock.ops->now(c->clock.self);
}

enum fin_status fin_event_fill(struct fin_event *ev, const char *type, const char *entity_type,
                               const char *entity_id, const char *eco, json_t *payload,
                               fin_ms now) {
  memset(ev, 0, sizeof *ev);
  if (fin_uuid_v7(ev->event_id) != 0) {
    json_decref(payload);
    return FIN_UNAVAILABLE;
  }
  ev->event_type = fin_strdup(type);
  ev->entity_type = fin_strdup(entity_type);
  ev->entity_id = fin_strdup(entity_id);
  ev->ecosystem_id = fin_strdup(eco);
  ev->payload = payload;
  fin_strlcpy(ev->status, "pending", sizeof ev->status);
  ev->created_at = ev->next_retry_at = now;
  if (!ev->event_type || !ev->entity_type || !ev->entity_id || !ev->ecosystem_id || !payload) {
    fin_event_clear(ev);
    return FIN_NOMEM;
  }
  return FIN_OK;
}

enum fin_status fin_audit_fill(struct fin_audit *a, const char *admin_id, const char *admin_email,
                               const char *action, const char *target_type, const char *target_id,
                               const char *target_eco, json_t *prev, json_t *next,
                               const char *reason, const char *request_id, fin_ms now) {
  memset(a, 0, sizeof *a);
  if (fin_uuid_v7(a->log_id) != 0) {
    json_decref(prev);
    json_decref(next);
    return FIN_UNAVAILABLE;
  }
  a->admin_ecosystem_id = fin_strdup(admin_id);
  a->admin_email = fin_strdup(admin_email);
  a->action = fin_strdup(action);
  a->target_type = fin_strdup(target_type);
  a->target_id = fin_strdup(target_id);
  a->target_ecosystem_id = fin_strdup(target_eco);
  a->previous_value = prev;
  a->new_value = next;
  a->reason = fin_strdup(reason);
  a->request_id = fin_strdup(request_id);
  a->timestamp = now;
  if (!a->admin_ecosystem_id || !a->admin_email || !a->action || !a->target_type || !a->target_id ||
      !a->reason || !a->request_id) {
    fin_audit_clear(a);
    return FIN_NOMEM;
  }
  return FIN_OK;
}

char *fin_own(const char *s, bool *oom) {
  char *copy = fin_strdup(s);
  if (s != NULL && copy == NULL) *oom = true;
  return copy;
}

enum fin_status fin_app_commit(struct fin_container *c, struct fin_write *w, size_t n,
                               struct fin_err *pe) {
  return c->store.ops->commit(c->store.self, w, n, pe);
}

void fin_summary_of(const struct fin_card *cards, size_t n, struct fin_card_summary *s) {
  memset(s, 0, sizeof *s);
  int64_t balance = 0, limit = 0; /* cents: sums never drift */
  for (size_t i = 0; i < n; i++) {
    if (strcmp(cards[i].status, "active") != 0) continue;
    s->active_cards++;
    balance += fin_cents(cards[i].balance);
    limit += fin_cents(cards[i].limit);
  }
  s->total_balance = fin_dollars(balance);
  s->total_limit = fin_dollars(limit);
}
