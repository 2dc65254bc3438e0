/* app_http.h - drives the real request pipeline and handlers of a
 * memory-mode container (memory_app.h) without a socket, for unit tests of
 * whole requests. Header-only: each test program includes it once, after
 * cmocka. The last answer is in app_out (status, raw body) and app_body
 * (parsed); app_http_release frees them at teardown. */
#ifndef FIN_TEST_APP_HTTP_H
#define FIN_TEST_APP_HTTP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../core/app/routes.h"
#include "../../core/http/pipeline.h"
#include "../../core/util/codec.h"
#include "memory_app.h"

static struct fin_container C;
static struct fin_http_out app_out;
static json_t *app_body;
static const char *app_headers[6][2];

static const char *app_hdr(void *ctx, const char *name) {
  (void)ctx;
  for (int i = 0; i < 6 && app_headers[i][0]; i++)
    if (strcasecmp(app_headers[i][0], name) == 0) return app_headers[i][1];
  return NULL;
}

static const char *app_no_query(void *ctx, const char *name) {
  (void)ctx, (void)name;
  return NULL;
}

/* "Bearer <dev token>" of memory mode for eco and role (free()). */
static char *token(const char *eco, const char *role) {
  char claims[128];
  snprintf(claims, sizeof claims, "{\"ecosystemId\":\"%s\",\"role\":\"%s\"}", eco, role);
  char *b64 = fin_b64_encode((const unsigned char *)claims, strlen(claims));
  char *t = malloc(strlen(b64) + 32);
  sprintf(t, "Bearer mock.%s.sig", b64);
  free(b64);
  return t;
}

/* Runs one request on C; rid NULL = let the server make the request id.
 * Returns the status. */
static int run(const char *method, const char *path, const char *auth, const char *key,
               const char *json, const char *rid) {
  memset(app_headers, 0, sizeof app_headers);
  int n = 0;
  if (auth) app_headers[n][0] = "Authorization", app_headers[n++][1] = auth;
  if (key) app_headers[n][0] = "Idempotency-Key", app_headers[n++][1] = key;
  if (json) app_headers[n][0] = "Content-Type", app_headers[n++][1] = "application/json";
  if (rid) app_headers[n][0] = "X-Request-ID", app_headers[n++][1] = rid;
  struct fin_http_in in = {.method = method,
                           .path = path,
                           .body = json,
                           .body_len = json ? strlen(json) : 0,
                           .client_ip = "127.0.0.1",
                           .header = app_hdr,
                           .query = app_no_query};
  fin_http_out_release(&app_out);
  struct fin_http_app app = fin_app_http(&C);
  fin_http_handle(&app, &in, &app_out);
  json_decref(app_body);
  app_body = app_out.body ? json_loadb(app_out.body, app_out.body_len, 0, NULL) : NULL;
  return app_out.status;
}

static void app_http_release(void) {
  fin_http_out_release(&app_out);
  json_decref(app_body);
  app_body = NULL;
}

#endif
