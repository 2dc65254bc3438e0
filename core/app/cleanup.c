/* cleanup.c - POST /v1/admin/cleanup: two-step reset with a confirmation
 * token (behaviour.md §1.18, §4.11; deviation 10: every store is wiped and the
 * counts are real; audit logs survive). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../http/errmap.h"
#include "../util/ids.h"
#include "../util/log.h"
#include "../util/timefmt.h"
#include "app_errors.h"
#include "cleanup_token.h"
#include "handlers.h"
#include "outbox_worker.h"
#include "records.h"

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
  long long t0 = fin_mono_ms();
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
  duration_text(fin_mono_ms() - t0, duration, sizeof duration);
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
  struct fin_err pe = {0};
  if (tok == NULL) { /* step 1: mint */
    char id[37], iso[32];
    fin_ms expires;
    enum fin_status minted =
        cleanup_token_mint(c, admin, now, fin_rules_of(c)->cleanup_token_ttl_ms, id, &expires, &pe);
    if (minted != FIN_OK) {
      struct fin_app_error e = {0};
      fin_app_error_from_port(&e, minted, &pe, "issue cleanup token");
      return fin_app_fail(r, &e);
    }
    json_t *body = json_object();
    json_object_set_new_nocheck(
        body, "message",
        json_string("Confirmation required. Include the token in your next request."));
    json_object_set_new_nocheck(body, "confirmationToken", json_string(id));
    json_object_set_new_nocheck(body, "expiresAt", json_string(fin_iso(expires, iso)));
    return fin_resp_json(r, 400, body);
  }
  /* A non-string token matches nothing, like a Map lookup with it would. */
  enum cleanup_token_check check = CLEANUP_TOKEN_UNKNOWN;
  enum fin_status st = json_is_string(tok)
                           ? cleanup_token_take(c, json_string_value(tok), admin, now, &check, &pe)
                           : FIN_OK;
  if (st != FIN_OK) {
    struct fin_app_error e = {0};
    fin_app_error_from_port(&e, st, &pe, "check cleanup token");
    return fin_app_fail(r, &e);
  }
  switch (check) {
  case CLEANUP_TOKEN_UNKNOWN:
    return fin_resp_fail(r, FIN_E_CLEANUP_TOKEN_INVALID);
  case CLEANUP_TOKEN_EXPIRED:
    return fin_resp_fail(r, FIN_E_CLEANUP_TOKEN_EXPIRED);
  case CLEANUP_TOKEN_OTHER_ADMIN:
    return fin_resp_fail(r, FIN_E_CLEANUP_TOKEN_FOREIGN);
  case CLEANUP_TOKEN_OK:
    break;
  }
  run_cleanup(c, admin, r);
}
