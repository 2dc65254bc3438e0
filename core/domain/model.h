/* model.h - the stored entities of the financial API.
 *
 * Plain structs shared by the domain, the ports and every adapter. Strings that
 * come from clients or tokens are heap `char *` owned by the struct; ids the
 * server generates (UUID v7, 36 chars) are inline `fin_id` arrays. Times are
 * epoch milliseconds (UTC). Money is a double of dollars (behaviour.md §0.6).
 *
 * Ownership: a struct filled by a port or by *_copy() owns its strings; release
 * them with the matching *_clear() (safe on a zeroed struct, idempotent).
 */
#ifndef FIN_MODEL_H
#define FIN_MODEL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef char fin_id[40]; /* UUID string, NUL-terminated; "" when absent */
typedef int64_t fin_ms;  /* epoch milliseconds; 0 when absent */

/* ---- users and scores ---- */
struct fin_card_summary {
  int active_cards;
  double total_balance;
  double total_limit;
};

struct fin_user {
  char *ecosystem_id;
  char *firebase_uid;
  char *email;
  char *role;      /* any string the token carried; "admin" has meaning */
  char status[16]; /* active | disabled */
  int score;       /* currentScore 0..1000 */
  char tier[8];    /* low | medium | high (stored, derived from score) */
  struct fin_card_summary summary;
  fin_ms created_at, updated_at, last_login_at;
  int64_t card_rev; /* +1 per card, request or score change (store.h USER_CARD_SLOT) */
};

struct fin_score {
  fin_id score_id;
  char *ecosystem_id;
  int value, previous_value, delta;
  char *reason;
  char source[8];            /* system | admin */
  char *source_id;           /* admin id, optional */
  char *related_entity_type; /* "transaction", optional */
  char *related_entity_id;   /* optional */
  fin_ms timestamp;
};

/* ---- cards ---- */
struct fin_card {
  fin_id card_id;
  char *ecosystem_id;
  char *product_id; /* always "default-credit-card" for API-created cards */
  char status[12];  /* active | suspended | cancelled */
  double limit, balance, available_credit, minimum_payment;
  fin_ms next_due_date;
  int64_t version;     /* starts at 1, +1 per balance change */
  char approved_by[8]; /* auto | admin */
  int score_at_approval;
  fin_ms created_at, updated_at, activated_at;
};

/* ---- card requests ---- */
struct fin_decision {
  bool present;
  char outcome[12]; /* approved | rejected */
  char source[8];   /* auto | admin */
  char *admin_id;   /* optional */
  char *reason;     /* optional */
  bool has_approved_limit;
  double approved_limit;
  fin_ms decided_at;
};

struct fin_card_request {
  fin_id request_id;
  char *ecosystem_id;
  char *product_id;
  char *idempotency_key;
  char status[12]; /* pending | approved | rejected */
  int score_at_request;
  char tier_at_request[8];
  struct fin_decision decision;
  fin_id resulting_card_id; /* "" when none */
  fin_ms created_at, updated_at, expires_at;
};

/* ---- transactions ---- */
struct fin_txn {
  fin_id transaction_id;
  char *ecosystem_id;
  fin_id card_id;
  char type[10]; /* purchase | payment */
  double amount;
  char *merchant;         /* completed purchases only */
  char payment_status[8]; /* on_time | late | "" */
  int days_overdue;       /* late payments only, else 0 */
  bool has_score_impact;
  int score_impact; /* completed payments: unclamped delta */
  char *idempotency_key;
  char status[10]; /* completed | failed */
  char *failure_reason;
  fin_ms timestamp, processed_at;
};

/* ---- idempotency ---- */
struct fin_idem {
  char *ecosystem_id;
  char key_hash[65];  /* lowercase hex SHA-256 of the raw header value */
  char operation[24]; /* request-card | make-purchase | make-payment | admin-operation */
  char *response;     /* JSON text: internal summary (user ops) or exact body (admin ops) */
  /* Hex SHA-256 of the request that stored it (operation, path parameters,
   * canonical body); "" for records written before fingerprints existed. */
  char fingerprint[65];
  int status_code;
  fin_ms created_at, expires_at;
};

/* ---- outbox ---- */
struct fin_event {
  fin_id event_id;
  char *event_type;
  char *entity_type;
  char *entity_id;
  char *ecosystem_id;
  int64_t sequence; /* 0 = let the store allocate */
  json_t *payload;  /* owned reference (object) */
  char status[12];  /* pending | sent | failed | dead_letter */
  int retry_count;
  char *last_error;
  fin_ms next_retry_at, created_at, sent_at;
};

/* ---- audit ---- */
struct fin_audit {
  fin_id log_id;
  char *admin_ecosystem_id;
  char *admin_email;
  char *action;
  char *target_type;
  char *target_id;
  char *target_ecosystem_id; /* optional */
  json_t *previous_value;    /* optional, owned */
  json_t *new_value;         /* optional, owned */
  char *reason;
  char *request_id;
  fin_ms timestamp;
};

/* ---- WhatsApp ---- */
struct fin_wa_notification {
  fin_id notification_id;
  char *recipient_phone;
  char *message_content;
  char notification_type[24];   /* card_request_approval | payment_notification */
  char related_entity_type[16]; /* cardRequest | payment */
  char *related_entity_id;
  char *ecosystem_id;
  char delivery_status[12]; /* pending | sent | delivered | failed | dead_letter */
  char *wpp_message_id;
  int retry_count;
  char *last_error;
  fin_ms next_retry_at, created_at, sent_at, delivered_at;
};

struct fin_wa_inbound {
  fin_id message_id;
  char *wpp_message_id;
  char *sender_phone;
  char *sender_name;
  bool from_whitelisted_admin;
  char *raw_body;
  bool has_command;
  char command_action[8]; /* approve | reject | unknown */
  char *command_request_id;
  char *command_raw;
  char processed_status[12]; /* processed | ignored | error */
  char *processed_action;
  char *processing_error;
  char *related_request_id;
  char *related_ecosystem_id;
  fin_ms received_at, processed_at;
};

/* Room for a WhatsApp short id: 8 upper-case hex digits + NUL. */
#define FIN_SHORT_ID_MAX 9

struct fin_pending_approval {
  fin_id request_id;
  /* The id admins reply with: random, unique among pending trackers (the
   * store enforces it on save); "" for trackers made before short ids. */
  char short_id[FIN_SHORT_ID_MAX];
  char *ecosystem_id;
  char **notification_ids;
  size_t n_notification_ids;
  fin_ms notifications_sent_at;
  char approval_status[12]; /* pending | approved | rejected | expired */
  char *responding_admin_phone;
  fin_ms response_received_at;
  fin_ms expires_at, created_at, updated_at;
};

/* Release the strings (and JSON references) a struct owns, then zero it. */
void fin_user_clear(struct fin_user *u);
void fin_score_clear(struct fin_score *s);
void fin_card_clear(struct fin_card *c);
void fin_card_request_clear(struct fin_card_request *r);
void fin_txn_clear(struct fin_txn *t);
void fin_idem_clear(struct fin_idem *i);
void fin_event_clear(struct fin_event *e);
void fin_audit_clear(struct fin_audit *a);
void fin_wa_notification_clear(struct fin_wa_notification *n);
void fin_wa_inbound_clear(struct fin_wa_inbound *m);
void fin_pending_approval_clear(struct fin_pending_approval *p);

/* Deep copies: dst is overwritten (not cleared first) and owns its copy.
 * Return 0, or -1 on allocation failure (dst then holds nothing to free). */
int fin_user_copy(struct fin_user *dst, const struct fin_user *src);
int fin_score_copy(struct fin_score *dst, const struct fin_score *src);
int fin_card_copy(struct fin_card *dst, const struct fin_card *src);
int fin_card_request_copy(struct fin_card_request *dst, const struct fin_card_request *src);
int fin_txn_copy(struct fin_txn *dst, const struct fin_txn *src);
int fin_idem_copy(struct fin_idem *dst, const struct fin_idem *src);
int fin_event_copy(struct fin_event *dst, const struct fin_event *src);
int fin_audit_copy(struct fin_audit *dst, const struct fin_audit *src);
int fin_wa_notification_copy(struct fin_wa_notification *dst,
                             const struct fin_wa_notification *src);
int fin_wa_inbound_copy(struct fin_wa_inbound *dst, const struct fin_wa_inbound *src);
int fin_pending_approval_copy(struct fin_pending_approval *dst,
                              const struct fin_pending_approval *src);

/* strdup that accepts NULL (returns NULL). */
char *fin_strdup(const char *s);
/* Copy a NUL-terminated string into a fixed array, truncating. */
void fin_strlcpy(char *dst, const char *src, size_t size);

#endif
