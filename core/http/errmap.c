/* errmap.c - the one table from API error to HTTP status, error code and
 * default message (errmap.h); the envelope itself is built by reply.c. */
#include "errmap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "http.h"

struct row {
  int status;
  const char *code;
  const char *message;
  bool no_meta;
};

#define ROW(s, c, m)                                                                               \
  { .status = (s), .code = (c), .message = (m) }
/* the envelope without "meta" (webhook authentication, behaviour.md §1.20) */
#define NO_META(s, c, m)                                                                           \
  { .status = (s), .code = (c), .message = (m), .no_meta = true }

static const struct row TABLE[] = {
    [FIN_E_INTERNAL] = ROW(500, "INTERNAL_ERROR", "An unexpected error occurred"),
    [FIN_E_TXN_MISSING] = ROW(500, "INTERNAL_ERROR", "Transaction not found after creation"),
    [FIN_E_VALIDATION] = ROW(400, "VALIDATION_ERROR", "Validation failed"),
    [FIN_E_INVALID_JSON] = ROW(400, "VALIDATION_ERROR", "Invalid JSON body"),
    [FIN_E_CONTENT_TYPE] = ROW(400, "VALIDATION_ERROR", "Content-Type must be application/json"),
    [FIN_E_AMBIGUOUS_FRAMING] =
        ROW(400, "VALIDATION_ERROR", "Transfer-Encoding and Content-Length must not both be sent"),
    [FIN_E_IDEM_KEY_REQUIRED] = ROW(400, "VALIDATION_ERROR", "Idempotency-Key header is required"),
    [FIN_E_IDEM_KEY_NOT_UTF8] = ROW(400, "VALIDATION_ERROR", "Idempotency-Key must be valid UTF-8"),
    [FIN_E_AMOUNT_NOT_POSITIVE] = ROW(400, "VALIDATION_ERROR", "amount must be a positive number"),
    [FIN_E_CARD_INACTIVE] =
        ROW(400, "VALIDATION_ERROR", "Card is not active, cannot process purchase"),
    [FIN_E_NO_BALANCE] = ROW(400, "VALIDATION_ERROR", "No balance to pay"),
    [FIN_E_PAYMENT_EXCEEDS_BALANCE] =
        ROW(400, "VALIDATION_ERROR", "Payment amount exceeds balance"),
    [FIN_E_REQUEST_COOLDOWN] =
        ROW(400, "VALIDATION_ERROR",
            "Card request rejected recently. Please wait before applying again."),
    [FIN_E_CLEANUP_TOKEN_INVALID] = ROW(400, "VALIDATION_ERROR", "Invalid confirmation token"),
    [FIN_E_CLEANUP_TOKEN_EXPIRED] = ROW(400, "VALIDATION_ERROR", "Confirmation token has expired"),
    [FIN_E_CLEANUP_TOKEN_FOREIGN] =
        ROW(400, "VALIDATION_ERROR", "Confirmation token was issued to a different admin"),
    [FIN_E_LIMIT_EXCEEDS_POLICY] = ROW(400, "LIMIT_EXCEEDS_POLICY", "Limit exceeds policy"),
    [FIN_E_AUTH_MISSING] = ROW(401, "INVALID_TOKEN", "Missing or invalid authorization header"),
    [FIN_E_TOKEN_INVALID] = ROW(401, "INVALID_TOKEN", "Authentication token is invalid"),
    [FIN_E_TOKEN_EXPIRED] = ROW(401, "TOKEN_EXPIRED", "Authentication token has expired"),
    [FIN_E_WEBHOOK_SECRET_MISSING] = NO_META(401, "UNAUTHORIZED", "Missing webhook secret header"),
    [FIN_E_WEBHOOK_SECRET_INVALID] = NO_META(401, "INVALID_SECRET", "Invalid webhook secret"),
    [FIN_E_INSUFFICIENT_CREDIT] =
        ROW(402, "INSUFFICIENT_CREDIT", "Purchase amount exceeds available credit"),
    [FIN_E_ACCOUNT_DISABLED] = ROW(403, "ACCOUNT_DISABLED", "Account has been disabled"),
    [FIN_E_ADMIN_REQUIRED] = ROW(403, "FORBIDDEN", "Admin access required"),
    [FIN_E_ROUTE_NOT_FOUND] = ROW(404, "NOT_FOUND", "Route not found"),
    [FIN_E_USER_NOT_FOUND] = ROW(404, "NOT_FOUND", "User not found"),
    [FIN_E_CARD_NOT_FOUND] = ROW(404, "NOT_FOUND", "Card not found"),
    [FIN_E_CARD_REQUEST_NOT_FOUND] = ROW(404, "NOT_FOUND", "Card request not found"),
    [FIN_E_OPENAPI_NOT_FOUND] = ROW(404, "NOT_FOUND", "OpenAPI document not found"),
    [FIN_E_OPERATION_MISMATCH] =
        ROW(409, "REQUEST_ALREADY_PROCESSED", "Idempotency key used for different operation"),
    [FIN_E_REQUEST_NOT_PENDING] = ROW(409, "REQUEST_ALREADY_PROCESSED", "Request is not pending"),
    [FIN_E_CARD_EXISTS] = ROW(409, "CARD_ALREADY_EXISTS", "User already has an active credit card"),
    [FIN_E_CARD_REQUEST_EXISTS] =
        ROW(409, "CARD_REQUEST_EXISTS", "User has a pending card request"),
    [FIN_E_VERSION_CONFLICT] = ROW(409, "VERSION_CONFLICT", "Concurrent modification detected"),
    [FIN_E_CARDS_CHANGED] =
        ROW(409, "VERSION_CONFLICT", "The user's cards changed concurrently. Please retry."),
    [FIN_E_PAYLOAD_TOO_LARGE] = ROW(413, "PAYLOAD_TOO_LARGE", "Request body too large"),
    [FIN_E_URI_TOO_LONG] =
        ROW(414, "URI_TOO_LONG", "Request target too long or too many parameters"),
    [FIN_E_IDEM_KEY_REUSED] =
        ROW(422, "IDEMPOTENCY_KEY_REUSED",
            "Idempotency-Key was already used with a different request; use a "
            "new key for a new request"),
    [FIN_E_RATE_LIMITED] = ROW(429, "SERVICE_UNAVAILABLE", "Rate limit exceeded, please slow down"),
    [FIN_E_CLEANUP_RATE_LIMITED] =
        ROW(429, "SERVICE_UNAVAILABLE", "Cleanup can only be performed once per minute"),
    [FIN_E_DEPENDENCY_UNAVAILABLE] =
        ROW(503, "DEPENDENCY_UNAVAILABLE", "A required service is unavailable; please retry later"),
    [FIN_E_RANDOM_UNAVAILABLE] = ROW(503, "DEPENDENCY_UNAVAILABLE",
                                     "A required service is unavailable (random source); please "
                                     "retry later"),
    [FIN_E_AUTH_UNAVAILABLE] =
        ROW(503, "DEPENDENCY_UNAVAILABLE", "Authentication provider unavailable"),
    [FIN_E_WEBHOOK_NOT_CONFIGURED] =
        ROW(503, "SERVICE_UNAVAILABLE", "Webhook secret not configured"),
};

_Static_assert(sizeof TABLE / sizeof TABLE[0] == FIN_E__COUNT, "one row per enum fin_api_err");

static const struct row *row_of(enum fin_api_err e) {
  if ((unsigned)e >= FIN_E__COUNT || TABLE[e].code == NULL) return &TABLE[FIN_E_INTERNAL];
  return &TABLE[e];
}

int fin_api_err_status(enum fin_api_err e) {
  return row_of(e)->status;
}

const char *fin_api_err_code(enum fin_api_err e) {
  return row_of(e)->code;
}

const char *fin_api_err_message(enum fin_api_err e) {
  return row_of(e)->message;
}

bool fin_api_err_no_meta(enum fin_api_err e) {
  return row_of(e)->no_meta;
}

/* The only writer of the envelope fields: status and code come from the row. */
static void set_error(struct fin_resp *r, const struct row *row, const char *fmt, va_list ap) {
  json_decref(r->body);
  r->body = NULL;
  free(r->text);
  r->text = NULL;
  r->raw = NULL;
  r->status = row->status;
  r->err_code = row->code;
  r->err_no_meta = row->no_meta;
  vsnprintf(r->err_msg, sizeof r->err_msg, fmt, ap);
}

/* A va_list for set_error when the message is the row's own. */
static void set_error_v(struct fin_resp *r, const struct row *row, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  set_error(r, row, fmt, ap);
  va_end(ap);
}

void fin_resp_fail(struct fin_resp *r, enum fin_api_err e) {
  const struct row *row = row_of(e);
  set_error_v(r, row, "%s", row->message);
}

void fin_resp_failf(struct fin_resp *r, enum fin_api_err e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  set_error(r, row_of(e), fmt, ap);
  va_end(ap);
}
