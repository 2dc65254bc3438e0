/* errors.c - the error value of every port and service. */
#include "errors.h"

#include <stdio.h>
#include <string.h>

enum fin_status fin_err_set(struct fin_err *e, enum fin_status code, const char *fmt, ...) {
  if (e == NULL) return code;
  e->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return code;
}

const char *fin_status_name(enum fin_status s) {
  static const char *const names[] = {
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
  if ((unsigned)s < sizeof names / sizeof names[0] && names[s]) return names[s];
  return "UNKNOWN";
}
