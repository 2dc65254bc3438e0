/* errmap.h - the errors the API answers, by name.
 *
 * Each error a client can meet has one name here, and one row in the table
 * of errmap.c: its HTTP status, its error code and its default message (the
 * envelope of behaviour.md §2.1). Handlers and services name the error, never
 * the status: fin_resp_fail(r, FIN_E_CARD_NOT_FOUND), or fin_resp_failf()
 * when the message carries values. Field checks whose message names the
 * field use FIN_E_VALIDATION with their own message.
 *
 * The enum only grows: add new errors just before FIN_E__COUNT, never
 * renumber. FIN_E_INTERNAL is zero, so an error value never set fails
 * closed as a 500.
 */
#ifndef FIN_ERRMAP_H
#define FIN_ERRMAP_H

#include <stdbool.h>

struct fin_resp;

enum fin_api_err {
  FIN_E_INTERNAL = 0,            /* 500 INTERNAL_ERROR */
  FIN_E_TXN_MISSING,             /* 500 INTERNAL_ERROR: a committed transaction reads as absent */
  FIN_E_VALIDATION,              /* 400 VALIDATION_ERROR: message of the check that failed */
  FIN_E_INVALID_JSON,            /* 400 VALIDATION_ERROR */
  FIN_E_CONTENT_TYPE,            /* 400 VALIDATION_ERROR: JSON route, other media type */
  FIN_E_AMBIGUOUS_FRAMING,       /* 400 VALIDATION_ERROR: Transfer-Encoding with Content-Length */
  FIN_E_IDEM_KEY_REQUIRED,       /* 400 VALIDATION_ERROR */
  FIN_E_IDEM_KEY_NOT_UTF8,       /* 400 VALIDATION_ERROR */
  FIN_E_AMOUNT_NOT_POSITIVE,     /* 400 VALIDATION_ERROR */
  FIN_E_CARD_INACTIVE,           /* 400 VALIDATION_ERROR: purchase on a card not active */
  FIN_E_NO_BALANCE,              /* 400 VALIDATION_ERROR: payment on a card owing nothing */
  FIN_E_PAYMENT_EXCEEDS_BALANCE, /* 400 VALIDATION_ERROR */
  FIN_E_REQUEST_COOLDOWN,        /* 400 VALIDATION_ERROR: card request inside the cooldown */
  FIN_E_CLEANUP_TOKEN_INVALID,   /* 400 VALIDATION_ERROR */
  FIN_E_CLEANUP_TOKEN_EXPIRED,   /* 400 VALIDATION_ERROR */
  FIN_E_CLEANUP_TOKEN_FOREIGN,   /* 400 VALIDATION_ERROR: issued to another admin */
  FIN_E_LIMIT_EXCEEDS_POLICY,    /* 400 LIMIT_EXCEEDS_POLICY */
  FIN_E_AUTH_MISSING,            /* 401 INVALID_TOKEN: no Bearer authorization header */
  FIN_E_TOKEN_INVALID,           /* 401 INVALID_TOKEN */
  FIN_E_TOKEN_EXPIRED,           /* 401 TOKEN_EXPIRED */
  FIN_E_WEBHOOK_SECRET_MISSING,  /* 401 UNAUTHORIZED, envelope without meta */
  FIN_E_WEBHOOK_SECRET_INVALID,  /* 401 INVALID_SECRET, envelope without meta */
  FIN_E_INSUFFICIENT_CREDIT,     /* 402 INSUFFICIENT_CREDIT */
  FIN_E_ACCOUNT_DISABLED,        /* 403 ACCOUNT_DISABLED */
  FIN_E_ADMIN_REQUIRED,          /* 403 FORBIDDEN */
  FIN_E_ROUTE_NOT_FOUND,         /* 404 NOT_FOUND */
  FIN_E_USER_NOT_FOUND,          /* 404 NOT_FOUND */
  FIN_E_CARD_NOT_FOUND,          /* 404 NOT_FOUND */
  FIN_E_CARD_REQUEST_NOT_FOUND,  /* 404 NOT_FOUND */
  FIN_E_OPENAPI_NOT_FOUND,       /* 404 NOT_FOUND */
  FIN_E_OPERATION_MISMATCH,      /* 409 REQUEST_ALREADY_PROCESSED: key of another operation */
  FIN_E_REQUEST_NOT_PENDING,     /* 409 REQUEST_ALREADY_PROCESSED */
  FIN_E_CARD_EXISTS,             /* 409 CARD_ALREADY_EXISTS */
  FIN_E_CARD_REQUEST_EXISTS,     /* 409 CARD_REQUEST_EXISTS */
  FIN_E_VERSION_CONFLICT,        /* 409 VERSION_CONFLICT: a card's version check failed */
  FIN_E_CARDS_CHANGED,           /* 409 VERSION_CONFLICT: a user's cards kept changing */
  FIN_E_PAYLOAD_TOO_LARGE,       /* 413 PAYLOAD_TOO_LARGE */
  FIN_E_URI_TOO_LONG,            /* 414 URI_TOO_LONG */
  FIN_E_IDEM_KEY_REUSED,         /* 422 IDEMPOTENCY_KEY_REUSED: same key, other request */
  FIN_E_RATE_LIMITED,            /* 429 SERVICE_UNAVAILABLE */
  FIN_E_CLEANUP_RATE_LIMITED,    /* 429 SERVICE_UNAVAILABLE */
  FIN_E_DEPENDENCY_UNAVAILABLE,  /* 503 DEPENDENCY_UNAVAILABLE: a port answered FIN_UNAVAILABLE */
  FIN_E_RANDOM_UNAVAILABLE,      /* 503 DEPENDENCY_UNAVAILABLE: no id could be made (ids.h) */
  FIN_E_AUTH_UNAVAILABLE,        /* 503 DEPENDENCY_UNAVAILABLE */
  FIN_E_WEBHOOK_NOT_CONFIGURED,  /* 503 SERVICE_UNAVAILABLE */
  FIN_E__COUNT                   /* not an error: the size of the table */
};

/* Sets the error envelope on r with the table's status, code and default
 * message; any body set before is dropped (details are kept: set them after). */
void fin_resp_fail(struct fin_resp *r, enum fin_api_err e);
/* The same with a message of its own, printf-style, for messages that
 * carry values. */
void fin_resp_failf(struct fin_resp *r, enum fin_api_err e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The table's row of e (FIN_E_INTERNAL's for a value out of range).
 * Strings are static. */
int fin_api_err_status(enum fin_api_err e);
const char *fin_api_err_code(enum fin_api_err e);
const char *fin_api_err_message(enum fin_api_err e);
/* true when the envelope carries no "meta" (webhook authentication). */
bool fin_api_err_no_meta(enum fin_api_err e);

#endif
