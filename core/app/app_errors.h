/* app_errors.h - an API error on its way from a service to the response.
 *
 * Ports answer enum fin_status (core/ports/errors.h). A service that fails
 * names the API error (enum fin_api_err, core/http/errmap.h) in a struct
 * fin_app_error, optionally with a message of its own and details; the
 * handler answers it with fin_app_fail(). Handlers that answer directly
 * call fin_resp_fail()/fin_resp_failf().
 *
 * So in core/app: a step that can fail returns enum fin_status (FIN_OK or
 * why not) and, when the failure is an answer, fills a struct fin_app_error.
 * A step that may answer the request itself returns bool, its name saying
 * which way: fin_admin_replay, answered_by_key, refused_by_card: true when
 * r was answered; valid, eligible, fin_app_caller: true when the request
 * goes on. The id generators of ids.h keep their 0/-1.
 */
#ifndef FIN_APP_ERRORS_H
#define FIN_APP_ERRORS_H

#include <jansson.h>

#include "../http/errmap.h"
#include "../ports/errors.h"

struct fin_resp;

/* Zeroed it is FIN_E_INTERNAL with the table's message. */
struct fin_app_error {
  enum fin_api_err err;
  char msg[512];   /* "" = the table's default message */
  json_t *details; /* owned, optional */
};
/* Names the error, with the table's message (set) or one of its own (setf). */
void fin_app_error_set(struct fin_app_error *e, enum fin_api_err err);
void fin_app_error_setf(struct fin_app_error *e, enum fin_api_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The message the client will read (e->msg, or the table's). Borrowed. */
const char *fin_app_error_message(const struct fin_app_error *e);
/* Maps a port status to an API error and logs it: FIN_UNAVAILABLE ->
 * FIN_E_DEPENDENCY_UNAVAILABLE, FIN_VERSION_CONFLICT -> FIN_E_VERSION_CONFLICT
 * with details, others -> FIN_E_INTERNAL. `what` names the operation for the
 * log and the message. */
void fin_app_error_from_port(struct fin_app_error *e, enum fin_status st, const struct fin_err *pe,
                             const char *what);
/* Answers the error on r; the details move into r. */
void fin_app_fail(struct fin_resp *r, struct fin_app_error *e);
/* Releases the details and zeroes e. */
void fin_app_error_clear(struct fin_app_error *e);

#endif
