/* ent_order.c - list comparators (see ent_order.h). */
#include "ent_order.h"

#include <string.h>

#include "../../core/domain/model.h"

int ent_event_by_created(const void *a, const void *b) {
  const struct fin_event *x = a, *y = b;
  if (x->created_at != y->created_at) return x->created_at < y->created_at ? -1 : 1;
  if (x->sequence != y->sequence) return x->sequence < y->sequence ? -1 : 1;
  return strcmp(x->event_id, y->event_id);
}

int ent_event_by_retry(const void *a, const void *b) {
  const struct fin_event *x = a, *y = b;
  if (x->next_retry_at != y->next_retry_at) return x->next_retry_at < y->next_retry_at ? -1 : 1;
  return ent_event_by_created(a, b);
}

int ent_event_by_sequence(const void *a, const void *b) {
  const struct fin_event *x = a, *y = b;
  return x->sequence < y->sequence ? -1 : x->sequence > y->sequence;
}

int ent_audit_newest(const void *a, const void *b) {
  const struct fin_audit *x = a, *y = b;
  if (x->timestamp != y->timestamp) return x->timestamp > y->timestamp ? -1 : 1;
  return -strcmp(x->log_id, y->log_id);
}
