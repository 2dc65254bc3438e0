/* errors.h - the one error value every port and service returns.
 *
 * Functions return `enum fin_status` (FIN_OK == 0) and may fill an optional
 * `struct fin_err *` with detail. The enum only grows. Above the ports a
 * service turns a status into an API error (enum fin_api_err, through
 * fin_app_error_from_port in core/app/app_errors.h), and one table in the
 * HTTP layer (core/http/errmap.c) gives each API error its status and envelope.
 */
#ifndef FIN_ERRORS_H
#define FIN_ERRORS_H

#include <stdarg.h>
#include <stdint.h>

enum fin_status {
  FIN_OK = 0,
  FIN_NOT_FOUND,        /* a read or a conditional update found no row */
  FIN_VERSION_CONFLICT, /* card version check failed (expected/actual set) */
  FIN_EXISTS,           /* a put-if-absent lost: the row already exists */
  FIN_PRECONDITION,     /* a condition of a commit failed (e.g. request not pending) */
  FIN_UNAVAILABLE,      /* a dependency is down or timed out -> 503 */
  FIN_INVALID,          /* the caller passed something unusable */
  FIN_NOMEM,
  FIN_INTERNAL,
};

struct fin_err {
  enum fin_status code;
  char msg[256];
  /* FIN_VERSION_CONFLICT detail */
  char card_id[40];
  int64_t expected_version, actual_version;
  /* FIN_PRECONDITION / FIN_EXISTS: index of the failing write in a commit */
  int failed_write;
};

/* Set code and printf-style message on e (e may be NULL). Returns code. */
enum fin_status fin_err_set(struct fin_err *e, enum fin_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

const char *fin_status_name(enum fin_status s);

#endif
