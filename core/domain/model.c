/* model.c - release and deep-copy the entities of model.h.
 *
 * Every *_copy starts from a bitwise copy of the source, then replaces each
 * owned pointer with its own duplicate. On allocation failure the fields not
 * yet duplicated are set to NULL before the matching *_clear runs, so dst
 * never frees memory that belongs to src. */
#include "model.h"

#include <stdlib.h>
#include <string.h>

char *fin_strdup(const char *s) {
  return s ? strdup(s) : NULL;
}

void fin_strlcpy(char *dst, const char *src, size_t size) {
  if (dst == NULL || size == 0) return;
  size_t n = src ? strnlen(src, size - 1) : 0;
  if (n) memcpy(dst, src, n);
  dst[n] = '\0';
}

/* Duplicates every string field in place (they still point into src).
 * Returns 0, or -1 after setting the fields it did not duplicate to NULL. */
static int dup_fields(char **const *fields, size_t n) {
  size_t i = 0;
  for (; i < n; i++) {
    char **f = fields[i];
    if (*f == NULL) continue;
    char *copy = strdup(*f);
    if (copy == NULL) break;
    *f = copy;
  }
  if (i == n) return 0;
  for (; i < n; i++)
    *fields[i] = NULL;
  return -1;
}
#define DUP_FIELDS(...)                                                                            \
  dup_fields((char **const[]){__VA_ARGS__}, sizeof((char **const[]){__VA_ARGS__}) / sizeof(char **))

/* A deep copy of a JSON value (NULL stays NULL). Returns 0 or -1. */
static int dup_json(json_t **v) {
  if (*v == NULL) return 0;
  *v = json_deep_copy(*v);
  return *v ? 0 : -1;
}

/* ---- users ---- */
void fin_user_clear(struct fin_user *u) {
  if (u == NULL) return;
  free(u->ecosystem_id), free(u->firebase_uid), free(u->email), free(u->role);
  memset(u, 0, sizeof *u);
}

int fin_user_copy(struct fin_user *d, const struct fin_user *s) {
  *d = *s;
  if (DUP_FIELDS(&d->ecosystem_id, &d->firebase_uid, &d->email, &d->role) == 0) return 0;
  fin_user_clear(d);
  return -1;
}

/* ---- scores ---- */
void fin_score_clear(struct fin_score *s) {
  if (s == NULL) return;
  free(s->ecosystem_id), free(s->reason), free(s->source_id);
  free(s->related_entity_type), free(s->related_entity_id);
  memset(s, 0, sizeof *s);
}

int fin_score_copy(struct fin_score *d, const struct fin_score *s) {
  *d = *s;
  if (DUP_FIELDS(&d->ecosystem_id, &d->reason, &d->source_id, &d->related_entity_type,
                 &d->related_entity_id) == 0)
    return 0;
  fin_score_clear(d);
  return -1;
}

/* ---- cards ---- */
void fin_card_clear(struct fin_card *c) {
  if (c == NULL) return;
  free(c->ecosystem_id), free(c->product_id);
  memset(c, 0, sizeof *c);
}

int fin_card_copy(struct fin_card *d, const struct fin_card *s) {
  *d = *s;
  if (DUP_FIELDS(&d->ecosystem_id, &d->product_id) == 0) return 0;
  fin_card_clear(d);
  return -1;
}

/* ---- card requests ---- */
void fin_card_request_clear(struct fin_card_request *r) {
  if (r == NULL) return;
  free(r->ecosystem_id), free(r->product_id), free(r->idempotency_key);
  free(r->decision.admin_id), free(r->decision.reason);
  memset(r, 0, sizeof *r);
}

int fin_card_request_copy(struct fin_card_request *d, const struct fin_card_request *s) {
  *d = *s;
  if (DUP_FIELDS(&d->ecosystem_id, &d->product_id, &d->idempotency_key, &d->decision.admin_id,
                 &d->decision.reason) == 0)
    return 0;
  fin_card_request_clear(d);
  return -1;
}

/* ---- transactions ---- */
void fin_txn_clear(struct fin_txn *t) {
  if (t == NULL) return;
  free(t->ecosystem_id), free(t->merchant), free(t->idempotency_key), free(t->failure_reason);
  memset(t, 0, sizeof *t);
}

int fin_txn_copy(struct fin_txn *d, const struct fin_txn *s) {
  *d = *s;
  if (DUP_FIELDS(&d->ecosystem_id, &d->merchant, &d->idempotency_key, &d->failure_reason) == 0)
    return 0;
  fin_txn_clear(d);
  return -1;
}

/* ---- idempotency ---- */
void fin_idem_clear(struct fin_idem *i) {
  if (i == NULL) return;
  free(i->ecosystem_id), free(i->response);
  memset(i, 0, sizeof *i);
}

int fin_idem_copy(struct fin_idem *d, const struct fin_idem *s) {
  *d = *s;
  if (DUP_FIELDS(&d->ecosystem_id, &d->response) == 0) return 0;
  fin_idem_clear(d);
  return -1;
}

/* ---- outbox events ---- */
void fin_event_clear(struct fin_event *e) {
  if (e == NULL) return;
  free(e->event_type), free(e->entity_type), free(e->entity_id), free(e->ecosystem_id);
  free(e->last_error);
  json_decref(e->payload);
  memset(e, 0, sizeof *e);
}

int fin_event_copy(struct fin_event *d, const struct fin_event *s) {
  *d = *s;
  d->payload = NULL;
  if (DUP_FIELDS(&d->event_type, &d->entity_type, &d->entity_id, &d->ecosystem_id,
                 &d->last_error) != 0)
    goto fail;
  d->payload = s->payload;
  if (dup_json(&d->payload) != 0) goto fail;
  return 0;
fail:
  fin_event_clear(d);
  return -1;
}

/* ---- audit logs ---- */
void fin_audit_clear(struct fin_audit *a) {
  if (a == NULL) return;
  free(a->admin_ecosystem_id), free(a->admin_email), free(a->action), free(a->target_type);
  free(a->target_id), free(a->target_ecosystem_id), free(a->reason), free(a->request_id);
  json_decref(a->previous_value), json_decref(a->new_value);
  memset(a, 0, sizeof *a);
}

int fin_audit_copy(struct fin_audit *d, const struct fin_audit *s) {
  *d = *s;
  d->previous_value = d->new_value = NULL;
  if (DUP_FIELDS(&d->admin_ecosystem_id, &d->admin_email, &d->action, &d->target_type,
                 &d->target_id, &d->target_ecosystem_id, &d->reason, &d->request_id) != 0)
    goto fail;
  d->previous_value = s->previous_value;
  if (dup_json(&d->previous_value) != 0) goto fail;
  d->new_value = s->new_value;
  if (dup_json(&d->new_value) != 0) goto fail;
  return 0;
fail:
  fin_audit_clear(d);
  return -1;
}

/* ---- WhatsApp ---- */
void fin_wa_notification_clear(struct fin_wa_notification *n) {
  if (n == NULL) return;
  free(n->recipient_phone), free(n->message_content), free(n->related_entity_id);
  free(n->ecosystem_id), free(n->wpp_message_id), free(n->last_error);
  memset(n, 0, sizeof *n);
}

int fin_wa_notification_copy(struct fin_wa_notification *d, const struct fin_wa_notification *s) {
  *d = *s;
  if (DUP_FIELDS(&d->recipient_phone, &d->message_content, &d->related_entity_id, &d->ecosystem_id,
                 &d->wpp_message_id, &d->last_error) == 0)
    return 0;
  fin_wa_notification_clear(d);
  return -1;
}

void fin_wa_inbound_clear(struct fin_wa_inbound *m) {
  if (m == NULL) return;
  free(m->wpp_message_id), free(m->sender_phone), free(m->sender_name), free(m->raw_body);
  free(m->command_request_id), free(m->command_raw), free(m->processed_action);
  free(m->processing_error), free(m->related_request_id), free(m->related_ecosystem_id);
  memset(m, 0, sizeof *m);
}

int fin_wa_inbound_copy(struct fin_wa_inbound *d, const struct fin_wa_inbound *s) {
  *d = *s;
  if (DUP_FIELDS(&d->wpp_message_id, &d->sender_phone, &d->sender_name, &d->raw_body,
                 &d->command_request_id, &d->command_raw, &d->processed_action,
                 &d->processing_error, &d->related_request_id, &d->related_ecosystem_id) == 0)
    return 0;
  fin_wa_inbound_clear(d);
  return -1;
}

void fin_pending_approval_clear(struct fin_pending_approval *p) {
  if (p == NULL) return;
  free(p->ecosystem_id), free(p->responding_admin_phone);
  for (size_t i = 0; p->notification_ids != NULL && i < p->n_notification_ids; i++)
    free(p->notification_ids[i]);
  free(p->notification_ids);
  memset(p, 0, sizeof *p);
}

int fin_pending_approval_copy(struct fin_pending_approval *d,
                              const struct fin_pending_approval *s) {
  *d = *s;
  d->notification_ids = NULL;
  d->n_notification_ids = 0;
  if (DUP_FIELDS(&d->ecosystem_id, &d->responding_admin_phone) != 0) goto fail;
  if (s->n_notification_ids > 0 && s->notification_ids != NULL) {
    d->notification_ids = calloc(s->n_notification_ids, sizeof *d->notification_ids);
    if (d->notification_ids == NULL) goto fail;
    d->n_notification_ids = s->n_notification_ids;
    for (size_t i = 0; i < s->n_notification_ids; i++) {
      d->notification_ids[i] = fin_strdup(s->notification_ids[i]);
      if (s->notification_ids[i] != NULL && d->notification_ids[i] == NULL) goto fail;
    }
  }
  return 0;
fail:
  fin_pending_approval_clear(d);
  return -1;
}
