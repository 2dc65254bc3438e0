/* mem_ports.h - the memory adapters as C ports.
 *
 * The Lua module fin.memory (mem_lua.h) is the usual way to get them; this
 * header is for C code that wires a memory container directly (tests).
 *
 * Every repository port and the store share one database: each constructor
 * takes its own reference on db (released by the port's destroy), so the
 * caller still owns the reference it passed in and drops it with
 * mem_db_unref(). A returned port with ops == NULL means out of memory.
 */
#ifndef FIN_MEM_PORTS_H
#define FIN_MEM_PORTS_H

#include <stddef.h>

#include "../../core/ports/repos.h"
#include "../../core/ports/services.h"
#include "../../core/ports/store.h"

struct mem_db;

/* A new empty database with one reference (NULL on OOM). */
struct mem_db *mem_db_new(void);
void mem_db_unref(struct mem_db *db);

struct fin_users mem_users_port(struct mem_db *db);
struct fin_scores mem_scores_port(struct mem_db *db);
struct fin_cards mem_cards_port(struct mem_db *db);
struct fin_card_requests mem_requests_port(struct mem_db *db);
struct fin_txns mem_txns_port(struct mem_db *db);
struct fin_idempotency mem_idem_port(struct mem_db *db);
struct fin_outbox mem_outbox_port(struct mem_db *db);
struct fin_audit_logs mem_audit_port(struct mem_db *db);
struct fin_wa_notifications mem_wa_notifications_port(struct mem_db *db);
struct fin_wa_inbound_repo mem_wa_inbound_port(struct mem_db *db);
struct fin_pending_approvals mem_approvals_port(struct mem_db *db);
struct fin_store mem_store_port(struct mem_db *db);

/* Accepts every event and keeps deep copies of the 1024 most recent. */
struct fin_publisher mem_publisher_new(void);
/* The next n publish() calls fail with FIN_UNAVAILABLE (0 = none). */
void mem_publisher_fail_next(struct fin_publisher *p, int n);
/* How many events were accepted so far. */
size_t mem_publisher_count(const struct fin_publisher *p);
/* A copy of the i-th accepted event (0 = the first ever) into *out (owned;
 * fin_event_clear). FIN_NOT_FOUND when i >= count or no longer kept. */
enum fin_status mem_publisher_get(const struct fin_publisher *p, size_t i, struct fin_event *out);

/* A key -> string map; keys and values are copied. */
struct fin_config mem_config_new(const char *const *keys, const char *const *values, size_t n);

/* The system clock (fin_now_ms). */
struct fin_clock mem_clock_new(void);
/* A clock that stays at `ms` until set or advanced (thread-safe). */
struct fin_clock mem_fake_clock_new(fin_ms ms);
void mem_fake_clock_set(struct fin_clock *c, fin_ms ms);
void mem_fake_clock_advance(struct fin_clock *c, fin_ms delta);

/* Records every send(phone, text) (the 1024 most recent are kept) and
 * succeeds with message id "mem-<n>"; status() reports connected = false,
 * session NULL. */
struct fin_messenger mem_messenger_new(void);
size_t mem_messenger_count(const struct fin_messenger *m);
/* Copies of the i-th message's phone and text (free()); 0 = the first ever.
 * FIN_NOT_FOUND when i >= count or no longer kept. */
enum fin_status mem_messenger_get(const struct fin_messenger *m, size_t i, char **phone,
                                  char **text);

#endif
