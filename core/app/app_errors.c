/* app_errors.c - API errors from services to responses (app_errors.h). */
#include "app_errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../http/errmap.h"
#include "../http/http.h"
#include "../util/log.h"

void fin_app_error_set(struct fin_app_error *e, enum fin_api_err err) {
  if (e == NULL) return;
  e->err = err;
  e->msg[0] = '\0';
}

void fin_app_error_setf(struct fin_app_error *e, enum fin_api_err err, const char *fmt, ...) {
  if (e == NULL) return;
  e->err = err;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
}

const char *fin_app_error_message(const struct fin_app_error *e) {
  return e->msg[0] != '\0' ? e->msg : fin_api_err_message(e->err);
}

void fin_app_error_clear(struct fin_app_error *e) {
  if (e == NULL) return;
  json_decref(e->details);
  memset(e, 0, sizeof *e);
}

void fin_app_error_from_port(struct fin_app_error *e, enum fin_status st, const struct fin_err *pe,
                             const char *what) {
  char esc[300];
  fin_log("error", "port_failure", "\"operation\":\"%s\",\"status\":\"%s\",\"detail\":\"%s\"", what,
          fin_status_name(st), fin_log_esc(pe ? pe->msg : "", esc, sizeof esc));
  if (st == FIN_UNAVAILABLE) {
    fin_app_error_setf(e, FIN_E_DEPENDENCY_UNAVAILABLE,
                       "A required service is unavailable (%s); please retry later", what);
  } else if (st == FIN_VERSION_CONFLICT && pe != NULL) {
    fin_app_error_setf(e, FIN_E_VERSION_CONFLICT,
                       "Concurrent modification detected for card %s. Expected version %lld, got "
                       "%lld",
                       pe->card_id, (long long)pe->expected_version, (long long)pe->actual_version);
    json_decref(e->details);
    e->details = json_pack("{s:s,s:I,s:I}", "cardId", pe->card_id, "expectedVersion",
                           (json_int_t)pe->expected_version, "actualVersion",
                           (json_int_t)pe->actual_version);
  } else {
    fin_app_error_set(e, FIN_E_INTERNAL);
  }
}

void fin_app_fail(struct fin_resp *r, struct fin_app_error *e) {
  if (e->msg[0] != '\0')
    fin_resp_failf(r, e->err, "%s", e->msg);
  else
    fin_resp_fail(r, e->err);
  if (e->details != NULL) {
    json_decref(r->err_details);
    r->err_details = e->details;
    e->details = NULL;
  }
}
