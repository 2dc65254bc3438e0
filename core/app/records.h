/* records.h - what a business commit writes besides the entities: outbox
 * events and audit entries, the user's card summary, and the commit itself
 * (store.h), stamped with the wired clock. */
#ifndef FIN_RECORDS_H
#define FIN_RECORDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../domain/model.h"
#include "../ports/store.h"
#include "container.h"

/* Now, from the wired clock. */
fin_ms fin_app_now(struct fin_container *c);

/* The fill helpers make a record a commit can carry; the record owns copies
 * of the strings (clear it with the model's *_clear). They return FIN_OK;
 * FIN_UNAVAILABLE when no id could be made (the random source failed, ids.h
 * logged it); or FIN_NOMEM when a copy failed or a required part is NULL.
 * On failure the record is zeroed: a commit must not carry it, and the
 * caller answers the request instead of committing. */

/* An outbox event (sequence 0 = the store allocates); steals payload, even
 * on failure. */
enum fin_status fin_event_fill(struct fin_event *ev, const char *type, const char *entity_type,
                               const char *entity_id, const char *eco, json_t *payload, fin_ms now)
    __attribute__((warn_unused_result));
/* An audit record (target_eco optional); steals prev/next, even on failure. */
enum fin_status fin_audit_fill(struct fin_audit *a, const char *admin_id, const char *admin_email,
                               const char *action, const char *target_type, const char *target_id,
                               const char *target_eco, json_t *prev, json_t *next,
                               const char *reason, const char *request_id, fin_ms now)
    __attribute__((warn_unused_result));

/* An owned copy of s for a record's string field (NULL stays NULL): the
 * record then owns all its strings and its *_clear frees them. Sets *oom
 * when the copy failed, so a run of copies is checked once. */
char *fin_own(const char *s, bool *oom);

/* The denormalised card summary of a user from their cards: the active
 * ones, their balances and limits (summed in cents). */
void fin_summary_of(const struct fin_card *cards, size_t n, struct fin_card_summary *s);

/* Sends the writes to the store port as one all-or-nothing commit
 * (store.h): FIN_OK, or the status of the first failing write with pe set. */
enum fin_status fin_app_commit(struct fin_container *c, struct fin_write *w, size_t n,
                               struct fin_err *pe);

#endif
