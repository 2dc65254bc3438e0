/* records.h - what a business commit writes besides the entities: outbox
 * events and audit entries, the user's card summary, and the commit itself
 * (store.h), stamped with the wired clock. */
#ifndef FIN_RECORDS_H
#define FIN_RECORDS_H

#include <jansson.h>
#include <stddef.h>

#include "../domain/model.h"
#include "../ports/store.h"
#include "container.h"

/* Now, from the wired clock. */
fin_ms fin_app_now(struct fin_container *c);

/* Fills an outbox event (sequence 0 = the store allocates); steals payload. */
int fin_event_fill(struct fin_event *ev, const char *type, const char *entity_type,
                   const char *entity_id, const char *eco, json_t *payload, fin_ms now);
/* Fills an audit record; steals prev/next JSON. */
int fin_audit_fill(struct fin_audit *a, const char *admin_id, const char *admin_email,
                   const char *action, const char *target_type, const char *target_id,
                   const char *target_eco, json_t *prev, json_t *next, const char *reason,
                   const char *request_id, fin_ms now);

/* The denormalised card summary of a user from their cards: the active
 * ones, their balances and limits (summed in cents). */
void fin_summary_of(const struct fin_card *cards, size_t n, struct fin_card_summary *s);

/* Sends the writes to the store port as one all-or-nothing commit
 * (store.h): FIN_OK, or the status of the first failing write with pe set. */
enum fin_status fin_app_commit(struct fin_container *c, struct fin_write *w, size_t n,
                               struct fin_err *pe);

#endif
