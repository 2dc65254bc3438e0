/* model.c - release and deep-copy the entities of model.h. */
#include "model.h"

#include <stdlib.h>
#include <string.h>

char *fin_strdup(const char *s) {
  return s ? strdup(s) : NULL;
}

void fin_strlcpy(char *dst, const char *src, size_t size) {
  if (size == 0) return;
  size_t n = src ? strlen(src) : 0;
  if (n >= size) n = size - 1;
  if (n) memcpy(dst, src, n);
  dst[n] = '\0';
}

/* Duplicates *field in place; returns false on OOM (the field is then NULL). */
static bool dup(char **field) {
  if (*field == NULL) return true;
  *field = strdup(*field);
  return *field != NULL;
}

static bool dup_json(json_t **v) {
  if (*v != NULL) json_incref(*v); /* entities never mutate payloads after creation */
  return true;
}

void fin_user_clear(struct fin_user *u) {
  if (!u) return;
  free(u->ecosystem_id), free(u->firebase_uid), free(u->email), free(u->role);
  memset(u, 0, sizeof *u);
}
int fin_user_copy(struct fin_user *d, const struct fin_user *s) {
  *d = *s;
  d->firebase_uid = d->email = d->role = NULL;
  if (!dup(&d->ecosystem_id)) goto fail;
  d->firebase_uid = s->firebase_uid, d->email = s->email, d->role = s->role;
  if (!dup(&d->firebase_uid) || !dup(&d->email) || !dup(&d->role)) goto fail;
  return 0;
fail:
  fin_user_clear(d);
  return -1;
}

void fin_score_clear(struct fin_score *s) {
  if (!s) return;
  free(s->ecosystem_id), free(s->reason), free(s->source_id);
  free(s->related_entity_type), free(s->related_entity_id);
  memset(s, 0, sizeof *s);
}
int fin_score_copy(struct fin_score *d, const struct fin_score *s) {
  *d = *s;
  char **f[] = {&d->ecosystem_id, &d->reason, &d->source_id, &d->related_entity_type,
                &d->related_entity_id};
  bool ok = true;
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    if (ok)
      ok = dup(f[i]);
    else
      *f[i] = NULL;
  if (ok) return 0;
  fin_score_clear(d);
  return -1;
}

void fin_card_clear(struct fin_card *c) {
  if (!c) return;
  free(c->ecosystem_id), free(c->product_id);
  memset(c, 0, sizeof *c);
}
int fin_card_copy(struct fin_card *d, const struct fin_card *s) {
  *d = *s;
  d->product_id = NULL;
  if (!dup(&d->ecosystem_id)) goto fail;
  d->product_id = s->product_id;
  if (!dup(&d->product_id)) goto fail;
  return 0;
fail:
  fin_card_clear(d);
  return -1;
}

static void decision_clear(struct fin_decision *x) {
  free(x->admin_id), free(x->reason);
}

void fin_card_request_clear(struct fin_card_request *r) {
  if (!r) return;
  free(r->ecosystem_id), free(r->product_id), free(r->idempotency_key);
  decision_clear(&r->decision);
  memset(r, 0, sizeof *r);
}
int fin_card_request_copy(struct fin_card_request *d, const struct fin_card_request *s) {
  *d = *s;
  char **f[] = {&d->ecosystem_id, &d->product_id, &d->idempotency_key, &d->decision.admin_id,
                &d->decision.reason};
  bool ok = true;
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    if (ok)
      ok = dup(f[i]);
    else
      *f[i] = NULL;
  if (ok) return 0;
  fin_card_request_clear(d);
  return -1;
}

void fin_txn_clear(struct fin_txn *t) {
  if (!t) return;
  free(t->ecosystem_id), free(t->merchant), free(t->idempotency_key), free(t->failure_reason);
  memset(t, 0, sizeof *t);
}
int fin_txn_copy(struct fin_txn *d, const struct fin_txn *s) {
  *d = *s;
  char **f[] = {&d->ecosystem_id, &d->merchant, &d->idempotency_key, &d->failure_reason};
  bool ok = true;
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    if (ok)
      ok = dup(f[i]);
    else
      *f[i] = NULL;
  if (ok) return 0;
  fin_txn_clear(d);
  return -1;
}

void fin_idem_clear(struct fin_idem *i) {
  if (!i) return;
  free(i->ecosystem_id), free(i->response);
  memset(i, 0, sizeof *i);
}
int fin_idem_copy(struct fin_idem *d, const struct fin_idem *s) {
  *d = *s;
  d->response = NULL;
  if (!dup(&d->ecosystem_id)) goto fail;
  d->response = s->response;
  if (!dup(&d->response)) goto fail;
  return 0;
fail:
  fin_idem_clear(d);
  return -1;
}

void fin_event_clear(struct fin_event *e) {
  if (!e) return;
  free(e->event_type), free(e->entity_type), free(e->entity_id), free(e->ecosystem_id);
  free(e->last_error);
  json_decref(e->payload);
  memset(e, 0, sizeof *e);
}
int fin_event_copy(struct fin_event *d, const struct fin_event *s) {
  *d = *s;
  d->payload = NULL;
  char **f[] = {&d->event_type, &d->entity_type, &d->entity_id, &d->ecosystem_id, &d->last_error};
  bool ok = true;
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    if (ok)
      ok = dup(f[i]);
    else
      *f[i] = NULL;
  if (!ok) {
    fin_event_clear(d);
    return -1;
  }
  d->payload = s->payload;
  dup_json(&d->payload);
  return 0;
}

void fin_audit_clear(struct fin_audit *a) {
  if (!a) return;
  free(a->admin_ecosystem_id), free(a->admin_email), free(a->action), free(a->target_type);
  free(a->target_id), free(a->target_ecosystem_id), free(a->reason), free(a->request_id);
  json_decref(a->previous_value), json_decref(a->new_value);
  memset(a, 0, sizeof *a);
}
int fin_audit_copy(struct fin_audit *d, const struct fin_audit *s) {
  *d = *s;
  d->previous_value = d->new_value = NULL;
  char **f[] = {&d->admin_ecosystem_id, &d->admin_email,         &d->action, &d->target_type,
                &d->target_id,          &d->target_ecosystem_id, &d->reason, &d->request_id};
  bool ok = true;
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    if (ok)
      ok = dup(f[i]);
    else
      *f[i] = NULL;
  if (!ok) {
    fin_audit_clear(d);
    return -1;
  }
  d->previous_value = s->previous_value, d->new_value = s->new_value;
  dup_json(&d->previous_value), dup_json(&d->new_value);
  return 0;
}

void fin_wa_notification_clear(struct fin_wa_notification *n) {
  if (!n) return;
  free(n->recipient_phone), free(n->message_content), free(n->related_entity_id);
  free(n->ecosystem_id), free(n->wpp_message_id), free(n->last_error);
  memset(n, 0, sizeof *n);
}
int fin_wa_notification_copy(struct fin_wa_notification *d, const struct fin_wa_notification *s) {
  *d = *s;
  char **f[] = {&d->recipient_phone, &d->message_content, &d->related_entity_id,
                &d->ecosystem_id,    &d->wpp_message_id,  &d->last_error};
  bool ok = true;
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    if (ok)
      ok = dup(f[i]);
    else
      *f[i] = NULL;
  if (ok) return 0;
  fin_wa_notification_clear(d);
  return -1;
}

void fin_wa_inbound_clear(struct fin_wa_inbound *m) {
  if (!m) return;
  free(m->wpp_message_id), free(m->sender_phone), free(m->sender_name), free(m->raw_body);
  free(m->command_request_id), free(m->command_raw), free(m->processed_action);
  free(m->processing_error), free(m->related_request_id), free(m->related_ecosystem_id);
  memset(m, 0, sizeof *m);
}
int fin_wa_inbound_copy(struct fin_wa_inbound *d, const struct fin_wa_inbound *s) {
  *d = *s;
  char **f[] = {
      &d->wpp_message_id,     &d->sender_phone,        &d->sender_name,      &d->raw_body,
      &d->command_request_id, &d->command_raw,         &d->processed_action, &d->processing_error,
      &d->related_request_id, &d->related_ecosystem_id};
  bool ok = true;
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    if (ok)
      ok = dup(f[i]);
    else
      *f[i] = NULL;
  if (ok) return 0;
  fin_wa_inbound_clear(d);
  return -1;
}

void fin_pending_approval_clear(struct fin_pending_approval *p) {
  if (!p) return;
  free(p->ecosystem_id), free(p->responding_admin_phone);
  for (size_t i = 0; i < p->n_notification_ids; i++)
    free(p->notification_ids[i]);
  free(p->notification_ids);
  memset(p, 0, sizeof *p);
}
int fin_pending_approval_copy(struct fin_pending_approval *d,
                              const struct fin_pending_approval *s) {
  *d = *s;
  d->responding_admin_phone = NULL;
  d->notification_ids = NULL;
  d->n_notification_ids = 0;
  if (!dup(&d->ecosystem_id)) goto fail;
  d->responding_admin_phone = s->responding_admin_phone;
  if (!dup(&d->responding_admin_phone)) goto fail;
  if (s->n_notification_ids) {
    d->notification_ids = calloc(s->n_notification_ids, sizeof(char *));
    if (!d->notification_ids) goto fail;
    for (size_t i = 0; i < s->n_notification_ids; i++) {
      d->notification_ids[i] = fin_strdup(s->notification_ids[i]);
      d->n_notification_ids = i + 1;
      if (s->notification_ids[i] && !d->notification_ids[i]) goto fail;
    }
  }
  return 0;
fail:
  fin_pending_approval_clear(d);
  return -1;
}
