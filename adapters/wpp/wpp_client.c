/* wpp_client.c - the WPP-Connect messenger (see wpp_client.h). */
#include "wpp_client.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/bgprobe.h"
#include "../../core/util/httpc.h"
#include "../../core/util/io.h"
#include "../../core/util/timefmt.h"

struct wpp {
  char *base, *secret, *session;
  pthread_mutex_t lock;
  char *token;
  int64_t token_expires;
  struct fin_bgprobe *health; /* the connection check, off the request threads */
};

#define HEALTH_MAX_AGE_MS 10000
#define SEND_TIMEOUT_MS 10000L
#define CHECK_TIMEOUT_MS 3000L /* a status check also delays shutdown by at most this */

/* One HTTP exchange; *status = HTTP status (0 on transport failure). On a
 * request fiber (the webhook's reply) only that fiber waits. */
static json_t *exchange(const char *url, const char *bearer, const char *body, long timeout_ms,
                        long *status) {
  char auth[1200];
  const char *h[] = {"Content-Type: application/json", NULL, NULL};
  if (bearer) {
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer);
    h[1] = auth;
  }
  struct fin_http_answer a;
  fin_http_call(&(struct fin_http_call){.url = url,
                                        .body = body,
                                        .headers = h,
                                        .timeout_ms = timeout_ms,
                                        .connect_timeout_ms = 2000L,
                                        .max_answer = 1 << 20},
                &a);
  *status = a.rc == CURLE_OK ? a.status : 0;
  json_t *j = a.body.p ? json_loads(a.body.p, 0, NULL) : NULL;
  free(a.body.p);
  return j;
}

/* The cached token, refreshed when missing or old. Returns a copy (free). */
static char *token(struct wpp *w, bool refresh, struct fin_err *e) {
  fin_io_lock(&w->lock); /* held across the token request */
  if (refresh || w->token == NULL || fin_now_ms() >= w->token_expires) {
    char url[1024];
    snprintf(url, sizeof url, "%s/api/%s/%s/generate-token", w->base, w->session, w->secret);
    long st;
    json_t *j = exchange(url, NULL, "{}", SEND_TIMEOUT_MS, &st);
    const char *t = json_string_value(json_object_get(j, "token"));
    free(w->token);
    w->token = t ? strdup(t) : NULL;
    w->token_expires = fin_now_ms() + 23LL * 3600 * 1000;
    json_decref(j);
    if (w->token == NULL)
      fin_err_set(e, FIN_UNAVAILABLE, "WPP token request failed (HTTP %ld)", st);
  }
  char *copy = w->token ? strdup(w->token) : NULL;
  pthread_mutex_unlock(&w->lock);
  return copy;
}

static enum fin_status wpp_send(void *self, const char *phone, const char *text, char **message_id,
                                struct fin_err *e) {
  struct wpp *w = self;
  *message_id = NULL;
  json_t *req = json_pack("{s:s,s:s}", "phone", phone, "message", text);
  char *body = json_dumps(req, JSON_COMPACT);
  json_decref(req);
  char url[1024];
  snprintf(url, sizeof url, "%s/api/%s/send-message", w->base, w->session);
  enum fin_status result = FIN_UNAVAILABLE;
  bool refresh = false;
  for (int attempt = 0; attempt < 4 && body; attempt++) {
    if (attempt > 0) fin_io_sleep_us(1000000L << (attempt - 1));
    char *t = token(w, refresh, e);
    if (t == NULL) continue;
    long st;
    json_t *j = exchange(url, t, body, SEND_TIMEOUT_MS, &st);
    free(t);
    if (st >= 200 && st < 300) {
      json_t *resp = json_object_get(j, "response");
      const char *id = json_string_value(
          json_object_get(json_is_array(resp) ? json_array_get(resp, 0) : resp, "id"));
      *message_id = id ? strdup(id) : NULL;
      json_decref(j);
      result = FIN_OK;
      break;
    }
    json_decref(j);
    refresh = st == 401;
    fin_err_set(e, FIN_UNAVAILABLE, "WPP send-message failed (HTTP %ld)", st);
    if (st >= 400 && st < 500 && st != 401) {
      result = FIN_INVALID;
      break;
    }
  }
  free(body);
  return result;
}

/* The real check, on the probe's thread: {"connected":bool[,"session":s]}. */
static json_t *check_status(void *self) {
  struct wpp *w = self;
  struct fin_err e = {0};
  char *t = token(w, false, &e);
  if (t == NULL) return json_pack("{s:b}", "connected", 0);
  char url[1024];
  snprintf(url, sizeof url, "%s/api/%s/check-connection-session", w->base, w->session);
  long st;
  json_t *j = exchange(url, t, NULL, CHECK_TIMEOUT_MS, &st);
  free(t);
  const char *s = json_string_value(json_object_get(j, "status"));
  const char *sess = json_string_value(json_object_get(j, "session"));
  bool connected = st == 200 && (json_is_true(json_object_get(j, "status")) ||
                                 (s && strcmp(s, "CONNECTED") == 0));
  json_t *r = json_pack("{s:b}", "connected", connected);
  if (sess != NULL && r != NULL) json_object_set_new(r, "session", json_string(sess));
  json_decref(j);
  return r;
}

/* The last check's answer, at once (the health route is unauthenticated:
 * it must not hold a request thread for the WPP server's timeout). Before
 * the first check ends the server reads as not connected. */
static enum fin_status wpp_status(void *self, bool *connected, char **session, struct fin_err *e) {
  struct wpp *w = self;
  *connected = false, *session = NULL;
  json_t *r = w->health ? fin_bgprobe_get(w->health) : NULL;
  const char *sess = json_string_value(json_object_get(r, "session"));
  *connected = json_is_true(json_object_get(r, "connected"));
  *session = sess ? strdup(sess) : NULL;
  json_decref(r);
  return FIN_OK;
}

static void wpp_destroy(void *self) {
  struct wpp *w = self;
  if (w == NULL) return;
  fin_bgprobe_free(w->health); /* first: its thread uses the fields below */
  free(w->base), free(w->secret), free(w->session), free(w->token);
  pthread_mutex_destroy(&w->lock);
  free(w);
}

static const struct fin_messenger_ops WPP = {wpp_send, wpp_status, wpp_destroy};

struct fin_messenger wpp_messenger_new(const char *base_url, const char *secret_key,
                                       const char *session) {
  struct wpp *w = calloc(1, sizeof *w);
  if (w == NULL) return (struct fin_messenger){NULL, NULL};
  pthread_mutex_init(&w->lock, NULL);
  w->base = strdup(base_url);
  w->secret = strdup(secret_key);
  w->session = strdup(session);
  if (!w->base || !w->secret || !w->session) {
    wpp_destroy(w);
    return (struct fin_messenger){NULL, NULL};
  }
  size_t n = strlen(w->base);
  while (n > 0 && w->base[n - 1] == '/')
    w->base[--n] = '\0';
  if ((w->health = fin_bgprobe_new(check_status, w, HEALTH_MAX_AGE_MS)) == NULL) {
    wpp_destroy(w);
    return (struct fin_messenger){NULL, NULL};
  }
  return (struct fin_messenger){&WPP, w};
}
