/* ent_order.h - qsort comparators for lists that stores without a suitable
 * index order in memory (outbox events, audit logs). Ties always end on an
 * id, so pages are stable.
 */
#ifndef FIN_ENT_ORDER_H
#define FIN_ENT_ORDER_H

/* struct fin_event: created_at, then sequence, then event id. */
int ent_event_by_created(const void *a, const void *b);
/* struct fin_event: next_retry_at, then as ent_event_by_created. */
int ent_event_by_retry(const void *a, const void *b);
/* struct fin_event: ascending sequence. */
int ent_event_by_sequence(const void *a, const void *b);
/* struct fin_audit: newest first (timestamp desc, then log id desc). */
int ent_audit_newest(const void *a, const void *b);

#endif
