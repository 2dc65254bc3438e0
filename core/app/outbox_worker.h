/* outbox_worker.h - the in-process outbox processor (behaviour.md
 * §7.4; deviation 16).
 *
 * One background thread per process. Every c->rules.outbox_interval_ms it runs
 * a batch: find_pending(outbox_batch), then find_retry(now, outbox_retry_batch).
 * Each event goes to the in-process subscribers (card.requested and
 * transaction.payment -> WhatsApp, whatsapp_notify.h), then to
 * c->publisher; it is marked sent only after both succeed. A failure marks it
 * failed with backoff min(base * 2^(n-1), max), n = the new retry count, while
 * its retry count is below outbox_max_retries; after that it is dead-lettered.
 *
 * Delivery is at least once (a crash between publish and mark_sent publishes
 * again); the WhatsApp subscribers de-duplicate their own messages, and
 * event consumers de-duplicate by eventId (in the EventBridge detail).
 * Batches are serialised process-wide. Across processes sharing one store,
 * each event is claimed (the outbox port's claim: a 60 s lease) before it
 * is delivered, so one instance publishes it and runs its subscribers; when
 * a claim fails, the entity's later events in the batch wait for the next
 * one, which keeps each entity's events in sequence order (docs/deploy.md).
 */
#ifndef FIN_OUTBOX_WORKER_H
#define FIN_OUTBOX_WORKER_H

#include "container.h"

/* Starts the thread; c is borrowed until fin_outbox_worker_stop() returns.
 * Returns 0, or -1 when already running or the thread cannot start. */
int fin_outbox_worker_start(struct fin_container *c);
/* Wakes the thread at once, lets it finish the current batch, joins it.
 * Safe when not running; concurrent callers all return after the join.
 * Must not be called from inside a batch (a subscriber). */
void fin_outbox_worker_stop(void);

/* Runs one batch now (the thread calls this). *processed = events marked sent,
 * *failed = events marked failed or dead (either may be NULL). Returns 0, or
 * -1 when reading the outbox failed (logged). */
int fin_outbox_run_once(struct fin_container *c, int *processed, int *failed);

/* Delivers one event to the in-process subscribers only. */
enum fin_status fin_outbox_deliver(struct fin_container *c, const struct fin_event *ev,
                                   struct fin_err *e);

/* Delay after the n-th failure (n >= 1): min(base * 2^(n-1), max). */
long fin_outbox_backoff_ms(const struct fin_rules *r, int n);

/* Holds off batches (cleanup wipes the stores between lock and unlock, so no
 * batch works on events that no longer exist). Not recursive. */
void fin_outbox_lock(void);
void fin_outbox_unlock(void);

#endif
