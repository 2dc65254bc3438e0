/* errors.c - the error value of every port and service (errors.h). */
#include "errors.h"

#include <stdio.h>

enum fin_status fin_err_set(struct fin_err *e, enum fin_status code, const char *fmt, ...) {
  if (e == NULL) return code;
  e->code = code;
  if (fmt == NULL) {
    e->msg[0] = '\0';
    return code;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return code;
}

/* One table, indexed by code; the enum only grows, so add new names last. */
static const char *const NAMES[] = {
    [FIN_OK] = "OK",
    [FIN_NOT_FOUND] = "NOT_FOUND",
    [FIN_VERSION_CONFLICT] = "VERSION_CONFLICT",
    [FIN_EXISTS] = "EXISTS",
    [FIN_PRECONDITION] = "PRECONDITION_FAILED",
    [FIN_UNAVAILABLE] = "UNAVAILABLE",
    [FIN_INVALID] = "INVALID",
    [FIN_NOMEM] = "NOMEM",
    [FIN_INTERNAL] = "INTERNAL",
};

const char *fin_status_name(enum fin_status s) {
  if ((unsigned)s < sizeof NAMES / sizeof NAMES[0] && NAMES[s] != NULL) return NAMES[s];
  return "UNKNOWN";
}
