/* repos.h - the repository ports.
 *
 * Each port is `struct fin_X { const struct fin_X_ops *ops; void *self; }`,
 * released with ops->destroy(self). The container owns the ports; services
 * borrow them. Every implementation (memory, DynamoDB, Firestore) keeps the
 * semantics written here; tests/conformance checks them.
 *
 * Common rules
 *  - Every method may return FIN_UNAVAILABLE (dependency down / timeout) or
 *    FIN_INTERNAL; detail goes into the optional `struct fin_err *`.
 *  - Reads that find nothing return FIN_NOT_FOUND and leave *out zeroed.
 *  - Outputs are deep copies owned by the caller: release each element with the
 *    model's *_clear(), and list arrays with free() (see fin_*_list_free).
 *  - Updates never create partial rows: an update of a missing row is
 *    FIN_NOT_FOUND.
 *  - Pagination: `cursor` is an opaque string produced by the same adapter
 *    (NULL/"" = first page). An unknown or malformed cursor means "first page"
 *    (never an error). `limit` is already normalised by the caller (1..100).
 *    `next_cursor` is set (owned, free()) iff has_more; walking pages returns
 *    every matching item exactly once, in order, and the limit applies after
 *    filters.
 *  - All business writes that must be atomic go through the store port
 *    (store.h); repositories only carry reads and maintenance writes.
 */
#ifndef FIN_REPOS_H
#define FIN_REPOS_H

#include "../domain/model.h"
#include "errors.h"

struct fin_page {
  char *next_cursor; /* owned; NULL when !has_more */
  bool has_more;
  long total_count; /* card requests only; -1 elsewhere */
};
void fin_page_clear(struct fin_page *p);

/* ---- users ---- */
struct fin_users_ops {
  enum fin_status (*get)(void *self, const char *ecosystem_id, struct fin_user *out,
                         struct fin_err *e);
  /* Every user, any order (cleanup counts, seeding checks). */
  enum fin_status (*list_all)(void *self, struct fin_user **out, size_t *n, struct fin_err *e);
  /* Deletes every user; *deleted = how many there were. */
  enum fin_status (*delete_all)(void *self, long *deleted, struct fin_err *e);
  void (*destroy)(void *self);
};
struct fin_users {
  const struct fin_users_ops *ops;
  void *self;
};

/* ---- score history ---- */
struct fin_scores_ops {
  /* Newest first; at most `limit` (<= 0: all). */
  enum fin_status (*list)(void *self, const char *ecosystem_id, int limit, struct fin_score **out,
                          size_t *n, struct fin_err *e);
  enum fin_status (*delete_all)(void *self, long *deleted, struct fin_err *e);
  void (*destroy)(void *self);
};
struct fin_scores {
  const struct fin_scores_ops *ops;
  void *self;
};

/* ---- cards ---- */
struct fin_cards_ops {
  enum fin_status (*get)(void *self, const char *ecosystem_id, const char *card_id,
                         struct fin_card *out, struct fin_err *e);
  /* The user's cards in creation order (oldest first); status NULL = any. */
  enum fin_status (*list_by_user)(void *self, const char *ecosystem_id, const char *status,
                                  struct fin_card **out, size_t *n, struct fin_err *e);
  enum fin_status (*delete_all)(void *self, long *deleted, struct fin_err *e);
  void (*destroy)(void *self);
};
struct fin_cards {
  const struct fin_cards_ops *ops;
  void *self;
};

/* ---- card requests ---- */
enum fin_sort { FIN_SORT_OLDEST = 0, FIN_SORT_NEWEST = 1 };

struct fin_card_requests_ops {
  enum fin_status (*get)(void *self, const char *ecosystem_id, const char *request_id,
                         struct fin_card_request *out, struct fin_err *e);
  /* Finds a request by id among all users (admin routes have no owner). */
  enum fin_status (*get_any)(void *self, const char *request_id, struct fin_card_request *out,
                             struct fin_err *e);
  /* The user's pending request, if any (the oldest when several). */
  enum fin_status (*find_pending_by_user)(void *self, const char *ecosystem_id,
                                          struct fin_card_request *out, struct fin_err *e);
  /* The user's rejected requests whose updated_at >= since (cooldown). */
  enum fin_status (*list_rejected_by_user)(void *self, const char *ecosystem_id, fin_ms since,
                                           struct fin_card_request **out, size_t *n,
                                           struct fin_err *e);
  /* The requests of all users whose status is `status` (exact match; the
   * admin list asks for pending, approved or rejected), ordered by
   * created_at (ties: request_id), reversed for FIN_SORT_NEWEST, paged. The
   * cursor is the id of the last request returned; a request that changed
   * status since is placed by its (created_at, id), an unknown cursor means
   * the first page. page->total_count = all requests with that status. */
  enum fin_status (*list_by_status)(void *self, const char *status, enum fin_sort sort,
                                    const char *cursor, int limit, struct fin_card_request **out,
                                    size_t *n, struct fin_page *page, struct fin_err *e);
  enum fin_status (*delete_all)(void *self, long *deleted, struct fin_err *e);
  void (*destroy)(void *self);
};
struct fin_card_requests {
  const struct fin_card_requests_ops *ops;
  void *self;
};

/* ---- transactions ---- */
struct fin_txns_ops {
  enum fin_status (*get)(void *self, const char *ecosystem_id, const char *card_id,
                         const char *transaction_id, struct fin_txn *out, struct fin_err *e);
  /* Newest first (timestamp desc; equal timestamps: later insert first);
   * type NULL = any, else exact match (applied before paging). Transaction
   * ids are fin_uuid_v7_at(timestamp), so a store keyed by id (DynamoDB)
   * gets this order from descending ids. */
  enum fin_status (*list_by_card)(void *self, const char *ecosystem_id, const char *card_id,
                                  const char *type, const char *cursor, int limit,
                                  struct fin_txn **out, size_t *n, struct fin_page *page,
                                  struct fin_err *e);
  enum fin_status (*delete_all)(void *self, long *deleted, struct fin_err *e);
  void (*destroy)(void *self);
};
struct fin_txns {
  const struct fin_txns_ops *ops;
  void *self;
};

/* ---- idempotency ---- */
struct fin_idempotency_ops {
  /* A record whose expires_at <= now counts as absent (FIN_NOT_FOUND). */
  enum fin_status (*get)(void *self, const char *ecosystem_id, const char *key_hash, fin_ms now,
                         struct fin_idem *out, struct fin_err *e);
  enum fin_status (*delete_expired)(void *self, fin_ms now, long *deleted, struct fin_err *e);
  enum fin_status (*delete_all)(void *self, long *deleted, struct fin_err *e);
  void (*destroy)(void *self);
};
struct fin_idempotency {
  const struct fin_idempotency_ops *ops;
  void *self;
};

/* ---- outbox ---- */
/* The most events claim_many and mark_sent_many take at once. */
#define FIN_OUTBOX_MANY 25
struct fin_outbox_ops {
  /* status pending, oldest created_at first (ties: sequence, then event id). */
  enum fin_status (*find_pending)(void *self, int limit, struct fin_event **out, size_t *n,
                                  struct fin_err *e);
  /* status failed and next_retry_at <= now, earliest next_retry_at first. */
  enum fin_status (*find_retry)(void *self, fin_ms now, int limit, struct fin_event **out,
                                size_t *n, struct fin_err *e);
  enum fin_status (*get)(void *self, const char *event_id, struct fin_event *out,
                         struct fin_err *e);
  /* Leases the event to `owner` (an instance id) until lease_until, when
   * it is pending or failed and no other owner's lease runs at `now` (an
   * expired lease counts as none; the same owner may renew). FIN_OK: the
   * caller delivers it; FIN_PRECONDITION: another instance has it, or it
   * left pending/failed meanwhile; FIN_NOT_FOUND: no such event. The lease
   * is what makes delivery happen once across instances sharing a store;
   * mark_sent, mark_failed and mark_dead end it. */
  enum fin_status (*claim)(void *self, const char *event_id, const char *owner, fin_ms now,
                           fin_ms lease_until, struct fin_err *e);
  enum fin_status (*mark_sent)(void *self, const char *event_id, fin_ms now, struct fin_err *e);
  /* Optional (NULL: one claim, or one mark, per event). Both act on all n
   * events (n <= FIN_OUTBOX_MANY) or on none: FIN_OK when every one was
   * leased (or marked sent) in one write; FIN_PRECONDITION when any of them
   * could not be, and then nothing was written, so the caller goes event by
   * event; any other status is the store's failure (an unknown outcome is
   * harmless: a lease of this owner may be taken again, a mark is final). */
  enum fin_status (*claim_many)(void *self, const char *const *event_ids, size_t n,
                                const char *owner, fin_ms now, fin_ms lease_until,
                                struct fin_err *e);
  enum fin_status (*mark_sent_many)(void *self, const char *const *event_ids, size_t n, fin_ms now,
                                    struct fin_err *e);
  /* retry_count += 1, status failed, last_error, next_retry_at = retry_at. */
  enum fin_status (*mark_failed)(void *self, const char *event_id, const char *error,
                                 fin_ms retry_at, struct fin_err *e);
  enum fin_status (*mark_dead)(void *self, const char *event_id, const char *error,
                               struct fin_err *e);
  /* Deletes every event and resets every sequence counter. */
  enum fin_status (*clear)(void *self, long *deleted, struct fin_err *e);
  /* All events (any status) of one sequence key, ascending sequence. */
  enum fin_status (*list_by_entity)(void *self, const char *ecosystem_id, const char *entity_type,
                                    const char *entity_id, struct fin_event **out, size_t *n,
                                    struct fin_err *e);
  void (*destroy)(void *self);
};
struct fin_outbox {
  const struct fin_outbox_ops *ops;
  void *self;
};

/* ---- audit logs ---- */
struct fin_audit_ops {
  /* Newest first, paged like the other lists. */
  enum fin_status (*find_by_target)(void *self, const char *target_type, const char *target_id,
                                    const char *cursor, int limit, struct fin_audit **out,
                                    size_t *n, struct fin_page *page, struct fin_err *e);
  enum fin_status (*clear)(void *self, long *deleted, struct fin_err *e);
  void (*destroy)(void *self);
};
struct fin_audit_logs {
  const struct fin_audit_ops *ops;
  void *self;
};

/* ---- WhatsApp notifications (non-transactional, best effort) ---- */
struct fin_wa_notifications_ops {
  enum fin_status (*save)(void *self, const struct fin_wa_notification *n, struct fin_err *e);
  enum fin_status (*get)(void *self, const char *notification_id, struct fin_wa_notification *out,
                         struct fin_err *e);
  enum fin_status (*update_status)(void *self, const char *notification_id, const char *status,
                                   const char *wpp_message_id, const char *error, fin_ms now,
                                   struct fin_err *e);
  enum fin_status (*delete_all)(void *self, long *deleted, struct fin_err *e);
  void (*destroy)(void *self);
};
struct fin_wa_notifications {
  const struct fin_wa_notifications_ops *ops;
  void *self;
};

/* ---- WhatsApp inbound messages ---- */
struct fin_wa_inbound_ops {
  enum fin_status (*save)(void *self, const struct fin_wa_inbound *m, struct fin_err *e);
  enum fin_status (*get)(void *self, const char *message_id, struct fin_wa_inbound *out,
                         struct fin_err *e);
  enum fin_status (*delete_all)(void *self, long *deleted, struct fin_err *e);
  void (*destroy)(void *self);
};
struct fin_wa_inbound_repo {
  const struct fin_wa_inbound_ops *ops;
  void *self;
};

/* ---- pending approvals (WhatsApp trackers, keyed by request id) ---- */
struct fin_pending_approvals_ops {
  /* Upsert. A pending tracker with a short id claims it: FIN_EXISTS (and
   * nothing saved) when another pending tracker holds that short id. */
  enum fin_status (*save)(void *self, const struct fin_pending_approval *p, struct fin_err *e);
  /* The pending trackers holding `short_id` (exact, upper case): up to `max`
   * copied into out (caller clears each), *n = how many the store found. */
  enum fin_status (*find_short)(void *self, const char *short_id, struct fin_pending_approval *out,
                                size_t max, size_t *n, struct fin_err *e);
  enum fin_status (*get)(void *self, const char *request_id, struct fin_pending_approval *out,
                         struct fin_err *e);
  /* Conditional: only a tracker still `pending` moves to status; else
   * FIN_PRECONDITION (someone else decided first); missing: FIN_NOT_FOUND. */
  enum fin_status (*decide)(void *self, const char *request_id, const char *status,
                            const char *admin_phone, fin_ms now, struct fin_err *e);
  enum fin_status (*delete_all)(void *self, long *deleted, struct fin_err *e);
  void (*destroy)(void *self);
};
struct fin_pending_approvals {
  const struct fin_pending_approvals_ops *ops;
  void *self;
};

/* free() an array returned by a list method after clearing each element. */
void fin_user_list_free(struct fin_user *a, size_t n);
void fin_score_list_free(struct fin_score *a, size_t n);
void fin_card_list_free(struct fin_card *a, size_t n);
void fin_card_request_list_free(struct fin_card_request *a, size_t n);
void fin_txn_list_free(struct fin_txn *a, size_t n);
void fin_event_list_free(struct fin_event *a, size_t n);
void fin_audit_list_free(struct fin_audit *a, size_t n);

#endif
