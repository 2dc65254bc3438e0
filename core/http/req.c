/* req.c - the handler-facing helpers declared in http.h. */
#include <stdlib.h>

#include "errmap.h"
#include "http.h"
#include "pipeline.h"

const char *fin_req_header(const struct fin_req *r, const char *name) {
  const struct fin_http_in *in = r ? r->conn : NULL;
  if (in == NULL || in->header == NULL || name == NULL) return NULL;
  return in->header(in->ctx, name);
}

const char *fin_req_query(const struct fin_req *r, const char *name) {
  const struct fin_http_in *in = r ? r->conn : NULL;
  if (in == NULL || in->query == NULL || name == NULL) return NULL;
  return in->query(in->ctx, name);
}

/* Forgets whatever answer r held; the setters below then write one kind of body. */
static void resp_reset(struct fin_resp *r, int status) {
  json_decref(r->body);
  r->body = NULL;
  free(r->text);
  r->text = NULL;
  r->raw = NULL;
  json_decref(r->err_details);
  r->err_details = NULL;
  r->err_code = NULL;
  r->status = status;
}

void fin_resp_raw(struct fin_resp *r, int status, const char *content_type, const char *data,
                  size_t len) {
  resp_reset(r, status);
  r->raw = data ? data : "";
  r->raw_len = data ? len : 0;
  r->raw_type = content_type ? content_type : "application/octet-stream";
}

void fin_resp_json(struct fin_resp *r, int status, json_t *body) {
  if (r->body == body) r->body = NULL; /* keep the caller's reference alive through the reset */
  resp_reset(r, status);
  r->body = body;
  if (body == NULL) fin_resp_fail(r, FIN_E_INTERNAL);
}

void fin_resp_text(struct fin_resp *r, int status, char *text, size_t len) {
  if (r->text == text) r->text = NULL;
  resp_reset(r, status);
  r->text = text;
  r->text_len = len;
  if (text == NULL) fin_resp_fail(r, FIN_E_INTERNAL);
}
