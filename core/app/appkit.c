/* appkit.c - error mapping, idempotency and commit helpers for handlers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../util/codec.h"
#include "../util/ids.h"
#include "../util/log.h"
#include "../util/stripes.h"
#include "../util/timefmt.h"
#include "appkit.h"

void fin_app_error_set(struct fin_app_error *e, enum fin_api_err err) {
  if (e == NULL) return;
  e->err = err;
  e->msg[0] = '\0';
}

void fin_app_error_setf(struct fin_app_error *e, enum fin_api_err err, const char *fmt, ...) {
  if (e == NULL) return;
  e->err = err;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
}

const char *fin_app_error_message(const struct fin_app_error *e) {
  return e->msg[0] != '\0' ? e->msg : fin_api_err_message(e->err);
}

void fin_app_error_clear(struct fin_app_error *e) {
  if (e == NULL) return;
  json_decref(e->details);
  memset(e, 0, sizeof *e);
}

void fin_app_error_from_port(struct fin_app_error *e, enum fin_status st, const struct fin_err *pe,
                             const char *what) {
  char esc[300];
  fin_log("error", "port_failure", "\"operation\":\"%s\",\"status\":\"%s\",\"detail\":\"%s\"", what,
          fin_status_name(st), fin_log_esc(pe ? pe->msg : "", esc, sizeof esc));
  if (st == FIN_UNAVAILABLE) {
    fin_app_error_setf(e, FIN_E_DEPENDENCY_UNAVAILABLE,
                       "A required service is unavailable (%s); please retry later", what);
  } else if (st == FIN_VERSION_CONFLICT && pe != NULL) {
    fin_app_error_setf(e, FIN_E_VERSION_CONFLICT,
                       "Concurrent modification detected for card %s. Expected version %lld, got "
                       "%lld",
                       pe->card_id, (long long)pe->expected_version, (long long)pe->actual_version);
    json_decref(e->details);
    e->details = json_pack("{s:s,s:I,s:I}", "cardId", pe->card_id, "expectedVersion",
                           (json_int_t)pe->expected_version, "actualVersion",
                           (json_int_t)pe->actual_version);
  } else {
    fin_app_error_set(e, FIN_E_INTERNAL);
  }
}

void fin_app_fail(struct fin_resp *r, struct fin_app_error *e) {
  if (e->msg[0] != '\0')
    fin_resp_failf(r, e->err, "%s", e->msg);
  else
    fin_resp_fail(r, e->err);
  if (e->details != NULL) {
    json_decref(r->err_details);
    r->err_details = e->details;
    e->details = NULL;
  }
}

fin_ms fin_app_now(struct fin_container *c) {
  return c->clock.ops->now(c->clock.self);
}

void fin_idem_hash(const char *key, char out[65]) {
  fin_sha256_hex(key, strlen(key), out);
}

enum fin_status fin_idem_lookup(struct fin_container *c, const char *scope, const char *hash,
                                struct fin_idem *out, struct fin_err *pe) {
  return c->idem.ops->get(c->idem.self, scope, hash, fin_app_now(c), out, pe);
}

enum fin_status fin_idem_find(struct fin_container *c, const char *scope, const char *hash,
                              struct fin_idem *out, struct fin_resp *r) {
  struct fin_err pe = {0};
  enum fin_status st = fin_idem_lookup(c, scope, hash, out, &pe);
  if (st != FIN_OK && st != FIN_NOT_FOUND) {
    struct fin_app_error e = {0};
    fin_app_error_from_port(&e, st, &pe, "read idempotency record");
    fin_app_fail(r, &e);
  }
  return st;
}

void fin_idem_lock(const char *scope, const char *hash) {
  fin_stripe_lock(FIN_STRIPES_IDEM, scope, hash);
}

void fin_idem_unlock(const char *scope, const char *hash) {
  fin_stripe_unlock(FIN_STRIPES_IDEM, scope, hash);
}

int fin_idem_fill(struct fin_idem *rec, const char *scope, const char *hash,
                  const char *fingerprint, const char *operation, char *response_text, int status,
                  fin_ms now, const struct fin_rules *rules) {
  memset(rec, 0, sizeof *rec);
  rec->ecosystem_id = fin_strdup(scope);
  rec->response = response_text;
  if (rec->ecosystem_id == NULL || response_text == NULL) {
    fin_idem_clear(rec);
    return -1;
  }
  fin_strlcpy(rec->key_hash, hash, sizeof rec->key_hash);
  if (fingerprint != NULL) fin_strlcpy(rec->fingerprint, fingerprint, sizeof rec->fingerprint);
  fin_strlcpy(rec->operation, operation, sizeof rec->operation);
  rec->status_code = status;
  rec->created_at = now;
  rec->expires_at = now + rules->idempotency_ttl_ms;
  return 0;
}

int fin_event_fill(struct fin_event *ev, const char *type, const char *entity_type,
                   const char *entity_id, const char *eco, json_t *payload, fin_ms now) {
  memset(ev, 0, sizeof *ev);
  if (fin_uuid_v7(ev->event_id) != 0) {
    json_decref(payload);
    return -1;
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
    return -1;
  }
  return 0;
}

int fin_audit_fill(struct fin_audit *a, const char *admin_id, const char *admin_email,
                   const char *action, const char *target_type, const char *target_id,
                   const char *target_eco, json_t *prev, json_t *next, const char *reason,
                   const char *request_id, fin_ms now) {
  memset(a, 0, sizeof *a);
  if (fin_uuid_v7(a->log_id) != 0) {
    json_decref(prev);
    json_decref(next);
    return -1;
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
    return -1;
  }
  return 0;
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
