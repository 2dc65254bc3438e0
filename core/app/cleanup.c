/* cleanup.c - POST /v1/admin/cleanup: two-step reset with a confirmation
 * token (behaviour.md §1.18, §4.11; deviation 10: every store is wiped and the
 * counts are real; audit logs survive). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../http/errmap.h"
#include "../util/ids.h"
#include "../util/log.h"
#include "../util/timefmt.h"
#include "app_errors.h"
#include "handlers.h"
#include "outbox_worker.h"
#include "records.h"

/* ---- confirmation tokens (process memory) ----------------------------- */

/* Outstanding tokens are bounded; when full, expired ones go first, then the
 * oldest. Expired tokens otherwise stay until presented ("has expired"). */
#define MAX_TOKENS 256

struct token {
  char id[37];
  char *admin; /* owned */
  fin_ms expires_at;
};

static pthread_mutex_t tokens_mu = PTHREAD_MUTEX_INITIALIZER;
static struct token tokens[MAX_TOKENS];
static size_t n_tokens;

static void token_remove(size_t i) {
  free(tokens[i].admin);
  tokens[i] = tokens[--n_tokens];
  memset(&tokens[n_tokens], 0, sizeof tokens[n_tokens]);
}

/* Under tokens_mu: frees one slot. */
static void token_evict(fin_ms now) {
  size_t victim = 0;
  for (size_t i = 0; i < n_tokens; i++) {
    if (tokens[i].expires_at < now) {
      victim = i;
      break;
    }
    if (tokens[i].expires_at < tokens[victim].expires_at) victim = i;
  }
  token_remove(victim);
}

/* Mints a token for admin: FIN_OK, FIN_NOMEM, or FIN_UNAVAILABLE when the
 * random source failed (a token from zeroed bytes would be guessable). */
static enum fin_status token_mint(const char *admin, fin_ms now, fin_ms ttl, char id[37],
                                  fin_ms *expires) {
  char fresh[37];
  if (fin_uuid_v4(fresh) != 0) return FIN_UNAVAILABLE;
  char *owner = strdup(admin);
  if (owner == NULL) return FIN_NOMEM;
  pthread_mutex_lock(&tokens_mu);
  if (n_tokens == MAX_TOKENS) token_evict(now);
  struct token *t = &tokens[n_tokens++];
  memcpy(t->id, fresh, sizeof fresh);
  t->admin = owner;
  t->expires_at = now + ttl;
  memcpy(id, t->id, 37);
  *expires = t->expires_at;
  pthread_mutex_unlock(&tokens_mu);
  return FIN_OK;
}

enum token_check { TOKEN_OK, TOKEN_UNKNOWN, TOKEN_EXPIRED, TOKEN_OTHER_ADMIN };

/* Checks and, when valid, consumes the token (single use). */
static enum token_check token_take(const char *id, const char *admin, fin_ms now) {
  enum token_check res = TOKEN_UNKNOWN;
  pthread_mutex_lock(&tokens_mu);
  for (size_t i = 0; i < n_tokens; i++) {
    if (strcmp(tokens[i].id, id) != 0) continue;
    if (tokens[i].expires_at < now) {
      token_remove(i); /* deleted on detection */
      res = TOKEN_EXPIRED;
    } else if (strcmp(tokens[i].admin, admin) != 0) {
      res = TOKEN_OTHER_ADMIN; /* not consumed */
    } else {
      token_remove(i);
      res = TOKEN_OK;
    }
    break;
  }
  pthread_mutex_unlock(&tokens_mu);
  return res;
}

/* ---- the wipe ---------------------------------------------------------- */

struct counts {
  long users, scores, cards, requests, txns, idem, events, wa_out, wa_in, trackers;
};

/* Runs one delete_all/clear when the port is wired. Returns the status. */
#define WIPE(port, method, out)                                                                    \
  do {                                                                                             \
    if (st == FIN_OK && c->port.ops != NULL) {                                                     \
      what = "clear " #port;                                                                       \
      st = c->port.ops->method(c->port.self, &(out), pe);                                          \
    }                                                                                              \
  } while (0)

static enum fin_status wipe(struct fin_container *c, struct counts *n, const char **whatp,
                            struct fin_err *pe) {
  enum fin_status st = FIN_OK;
  const char *what = "";
  /* No outbox batch may run on events (or send messages) that vanish here. */
  fin_outbox_lock();
  WIPE(users, delete_all, n->users);
  WIPE(scores, delete_all, n->scores);
  WIPE(cards, delete_all, n->cards);
  WIPE(requests, delete_all, n->requests);
  WIPE(txns, delete_all, n->txns);
  WIPE(idem, delete_all, n->idem);
  WIPE(outbox, clear, n->events);
  WIPE(wa_notifications, delete_all, n->wa_out);
  WIPE(wa_inbound, delete_all, n->wa_in);
  WIPE(approvals, delete_all, n->trackers);
  fin_outbox_unlock();
  *whatp = what;
  return st;
}

static long long mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* `${(ms / 1000).toFixed(1)}s`: exact ties (odd multiples of 0.25 s) round
 * up as toFixed does; printf rounds every other value the same way. */
static void duration_text(long long ms, char *buf, size_t size) {
  if (ms < 0) ms = 0;
  if (ms % 250 == 0 && (ms / 250) % 2 == 1) {
    long long tenths = (ms + 50) / 100;
    snprintf(buf, size, "%lld.%llds", tenths / 10, tenths % 10);
  } else {
    snprintf(buf, size, "%.1fs", (double)ms / 1000.0);
  }
}

static void run_cleanup(struct fin_container *c, const char *admin, struct fin_resp *r) {
  long long t0 = mono_ms();
  struct counts n = {0};
  struct fin_err pe = {0};
  const char *what = "";
  enum fin_status st = wipe(c, &n, &what, &pe);
  if (st != FIN_OK) {
    struct fin_app_error e = {0};
    fin_app_error_from_port(&e, st, &pe, what);
    return fin_app_fail(r, &e);
  }
  char duration[32];
  duration_text(mono_ms() - t0, duration, sizeof duration);
  char esc[200];
  fin_log("info", "cleanup_completed",
          "\"admin\":\"%s\",\"users\":%ld,\"scores\":%ld,\"cards\":%ld,\"cardRequests\":%ld,"
          "\"transactions\":%ld,\"idempotency\":%ld,\"events\":%ld,\"waNotifications\":%ld,"
          "\"waInbound\":%ld,\"approvalTrackers\":%ld,\"duration\":\"%s\"",
          fin_log_esc(admin, esc, sizeof esc), n.users, n.scores, n.cards, n.requests, n.txns,
          n.idem, n.events, n.wa_out, n.wa_in, n.trackers, duration);
  json_t *counts = json_object();
  json_object_set_new_nocheck(counts, "users", json_integer(n.users));
  json_object_set_new_nocheck(counts, "cards", json_integer(n.cards));
  json_object_set_new_nocheck(counts, "transactions", json_integer(n.txns));
  json_object_set_new_nocheck(counts, "cardRequests", json_integer(n.requests));
  json_object_set_new_nocheck(counts, "events", json_integer(n.events));
  json_t *body = json_object();
  json_object_set_new_nocheck(body, "status", json_string("completed"));
  json_object_set_new_nocheck(body, "deletedCounts", counts);
  json_object_set_new_nocheck(body, "duration", json_string(duration));
  fin_resp_json(r, 200, body);
}

void fin_h_admin_cleanup(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  const char *admin = q->principal != NULL && q->principal->ecosystem_id != NULL
                          ? q->principal->ecosystem_id
                          : "unknown";
  fin_ms now = fin_app_now(c);
  const json_t *tok =
      json_is_object(q->body) ? json_object_get(q->body, "confirmationToken") : NULL;
  if (tok == NULL) { /* step 1: mint */
    char id[37], iso[32];
    fin_ms expires;
    enum fin_status minted =
        token_mint(admin, now, fin_rules_of(c)->cleanup_token_ttl_ms, id, &expires);
    if (minted == FIN_UNAVAILABLE) return fin_resp_fail(r, FIN_E_RANDOM_UNAVAILABLE);
    if (minted != FIN_OK) return fin_resp_fail(r, FIN_E_INTERNAL);
    json_t *body = json_object();
    json_object_set_new_nocheck(
        body, "message",
        json_string("Confirmation required. Include the token in your next request."));
    json_object_set_new_nocheck(body, "confirmationToken", json_string(id));
    json_object_set_new_nocheck(body, "expiresAt", json_string(fin_iso(expires, iso)));
    return fin_resp_json(r, 400, body);
  }
  /* A non-string token matches nothing, like a Map lookup with it would. */
  switch (json_is_string(tok) ? token_take(json_string_value(tok), admin, now) : TOKEN_UNKNOWN) {
  case TOKEN_UNKNOWN:
    return fin_resp_fail(r, FIN_E_CLEANUP_TOKEN_INVALID);
  case TOKEN_EXPIRED:
    return fin_resp_fail(r, FIN_E_CLEANUP_TOKEN_EXPIRED);
  case TOKEN_OTHER_ADMIN:
    return fin_resp_fail(r, FIN_E_CLEANUP_TOKEN_FOREIGN);
  case TOKEN_OK:
    break;
  }
  run_cleanup(c, admin, r);
}
