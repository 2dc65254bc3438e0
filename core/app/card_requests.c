/* card_requests.c - POST /v1/cards/requests and GET /v1/cards/requests/:id
 * (behaviour.md §1.8, §1.9, §4.3, §4.4, §5). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/rules.h"
#include "../http/errmap.h"
#include "../util/ids.h"
#include "../util/jsonout.h"
#include "app_errors.h"
#include "eligibility.h"
#include "handlers.h"
#include "idem.h"
#include "input.h"
#include "records.h"
#include "views.h"

#define OP_REQUEST_CARD "request-card"

/* One card request: who asks for what, under which idempotency key. */
struct ask {
  const char *eco, *product, *key;
  char hash[65]; /* key hash */
  char fp[65];   /* request fingerprint (fin_idem_fingerprint) */
};

/* Re-reads the stored request (and its card) to answer; status_override is
 * the status cached at first execution on replays (quirk kept, behaviour.md §1.8). */
static void answer(struct fin_container *c, const char *eco, const char *request_id,
                   const char *status_override, int http, struct fin_resp *r) {
  struct fin_card_request req = {0};
  struct fin_card card = {0};
  struct fin_err pe = {0};
  struct fin_app_error e = {0};
  enum fin_status st = c->requests.ops->get(c->requests.self, eco, request_id, &req, &pe);
  if (st == FIN_NOT_FOUND) {
    fin_resp_failf(r, FIN_E_CARD_REQUEST_NOT_FOUND, "CardRequest not found: %s", request_id);
    return;
  }
  if (st != FIN_OK) {
    fin_app_error_from_port(&e, st, &pe, "read card request");
    fin_app_fail(r, &e);
    return;
  }
  bool has_card = false;
  if (req.resulting_card_id[0]) {
    st = fin_app_get_card(c, eco, req.resulting_card_id, &card, &e);
    if (st != FIN_OK && st != FIN_NOT_FOUND) {
      fin_app_fail(r, &e);
      goto done;
    }
    has_card = st == FIN_OK;
  }
  fin_resp_json(r, http,
                json_pack("{s:o}", "request",
                          fin_json_request(&req, status_override, has_card ? &card : NULL)));
done:
  fin_card_request_clear(&req);
  fin_card_clear(&card);
}

static void replay(struct fin_container *c, const struct ask *a, const struct fin_idem *rec,
                   struct fin_resp *r) {
  if (strcmp(rec->operation, OP_REQUEST_CARD) != 0) {
    fin_resp_fail(r, FIN_E_OPERATION_MISMATCH);
    return;
  }
  if (!fin_idem_same_request(rec, a->fp)) return fin_idem_refuse_reuse(r);
  json_t *sum = json_loads(rec->response, 0, NULL);
  const char *rid = json_string_value(json_object_get(sum, "requestId"));
  const char *status = json_string_value(json_object_get(sum, "status"));
  if (rid == NULL)
    fin_resp_fail(r, FIN_E_INTERNAL);
  else
    answer(c, a->eco, rid, status, 200, r);
  json_decref(sum);
}

static json_t *requested_payload(const struct fin_card_request *q) {
  return json_pack("{s:s,s:s,s:s,s:i,s:s,s:s}", "requestId", q->request_id, "ecosystemId",
                   q->ecosystem_id, "productId", q->product_id, "scoreAtRequest",
                   q->score_at_request, "tierAtRequest", q->tier_at_request, "idempotencyKey",
                   q->idempotency_key);
}

static json_t *approved_payload(const struct fin_card_request *q, const struct fin_card *card) {
  return json_pack("{s:s,s:s,s:s,s:s,s:f,s:s,s:i,s:s}", "requestId", q->request_id, "cardId",
                   card->card_id, "ecosystemId", q->ecosystem_id, "productId", q->product_id,
                   "approvedLimit", card->limit, "source", "auto", "scoreAtApproval",
                   card->score_at_approval, "tierAtApproval", q->tier_at_request);
}

/* One card request being issued: the row, its card when auto-approved, the
 * records that go with it (each owns its strings), and the writes of its
 * one commit. */
struct issue {
  struct fin_card_request q;
  struct fin_card card;
  struct fin_event ev;
  struct fin_idem idem;
  struct fin_write w[6];
  size_t n;
  fin_ms now;
};

/* An auto-approved request (behaviour.md §4.3): its card, the card.approved event, the
 * user's first card summary. *sum gets what the key's record stores. */
static enum fin_status fill_approved(struct fin_container *c, const struct fin_user *u,
                                     double limit, struct issue *is, json_t **sum) {
  struct fin_card_request *q = &is->q;
  char card_id[40];
  if (fin_uuid_v7(card_id) != 0) return FIN_UNAVAILABLE; /* random source failed (logged) */
  if (fin_card_open(&is->card, fin_rules_of(c), card_id, u->ecosystem_id, limit, "auto", u->score,
                    is->now))
    return FIN_NOMEM;
  fin_strlcpy(q->status, "approved", sizeof q->status);
  q->decision = (struct fin_decision){
      .present = true, .has_approved_limit = true, .approved_limit = limit, .decided_at = is->now};
  fin_strlcpy(q->decision.outcome, "approved", sizeof q->decision.outcome);
  fin_strlcpy(q->decision.source, "auto", sizeof q->decision.source);
  fin_strlcpy(q->resulting_card_id, is->card.card_id, sizeof q->resulting_card_id);
  *sum = json_pack("{s:s,s:s,s:f,s:s}", "status", "approved", "requestId", q->request_id, "limit",
                   limit, "cardId", is->card.card_id);
  is->w[is->n].kind = FIN_W_CARD_CREATE, is->w[is->n++].u.card = &is->card;
  struct fin_card_summary s = {.active_cards = 1, .total_limit = limit};
  is->w[is->n].kind = FIN_W_USER_SUMMARY;
  is->w[is->n++].u.summary = (typeof(is->w[0].u.summary)){u->ecosystem_id, s, is->now};
  return fin_event_fill(&is->ev, "card.approved", "card", is->card.card_id, u->ecosystem_id,
                        approved_payload(q, &is->card), is->now);
}

/* A request left for an admin: the card.requested event. */
static enum fin_status fill_pending(const struct fin_user *u, struct issue *is, json_t **sum) {
  struct fin_card_request *q = &is->q;
  fin_strlcpy(q->status, "pending", sizeof q->status);
  *sum = json_pack("{s:s,s:s}", "status", "pending", "requestId", q->request_id);
  return fin_event_fill(&is->ev, "card.requested", "cardRequest", q->request_id, u->ecosystem_id,
                        requested_payload(q), is->now);
}

/* Decides and stores the request atomically (behaviour.md §4.3). Returns the commit
 * status; on FIN_EXISTS at the idempotency write the caller replays. A
 * record that could not be filled commits nothing (its status, pe set). */
static enum fin_status decide_and_store(struct fin_container *c, const struct fin_user *u,
                                        const struct ask *a, char *request_id_out,
                                        struct fin_err *pe) {
  struct issue is = {.now = fin_app_now(c)};
  struct fin_card_request *q = &is.q;
  if (fin_uuid_v7(q->request_id) != 0) return fin_err_set(pe, FIN_UNAVAILABLE, "random source");
  bool oom = false;
  q->ecosystem_id = fin_own(u->ecosystem_id, &oom);
  q->product_id = fin_own(a->product, &oom);
  q->idempotency_key = fin_own(a->key, &oom);
  q->score_at_request = u->score;
  fin_strlcpy(q->tier_at_request, fin_tier_of(fin_rules_of(c), u->score),
              sizeof q->tier_at_request);
  q->created_at = q->updated_at = is.now;
  q->expires_at = is.now + (fin_ms)fin_rules_of(c)->request_expiry_days * 86400000LL;
  /* Eligibility was decided on this read of the user: the commit holds only
   * if no card or request of the user changed since (item 4 of the hardening). */
  is.w[is.n].kind = FIN_W_USER_CARD_SLOT;
  is.w[is.n++].u.slot = (typeof(is.w[0].u.slot)){u->ecosystem_id, u->card_rev};
  double limit = 0;
  json_t *sum = NULL;
  enum fin_status st = FIN_NOMEM;
  if (!oom)
    st = fin_auto_approve(fin_rules_of(c), u->score, &limit) ? fill_approved(c, u, limit, &is, &sum)
                                                             : fill_pending(u, &is, &sum);
  if (st == FIN_OK && sum == NULL) st = FIN_NOMEM;
  size_t len;
  if (st == FIN_OK) /* takes the text, even when it is NULL (no memory) */
    st = fin_idem_fill(&is.idem, u->ecosystem_id, a->hash, a->fp, OP_REQUEST_CARD,
                       fin_json_dump(sum, &len), 200, is.now, fin_rules_of(c));
  json_decref(sum);
  if (st == FIN_OK) {
    is.w[is.n].kind = FIN_W_REQUEST_CREATE, is.w[is.n++].u.request = q;
    is.w[is.n].kind = FIN_W_EVENT_APPEND, is.w[is.n++].u.event = &is.ev;
    is.w[is.n].kind = FIN_W_IDEM_PUT;
    is.w[is.n++].u.idem = (typeof(is.w[0].u.idem)){&is.idem, is.now};
    st = fin_app_commit(c, is.w, is.n, pe);
    if (st == FIN_EXISTS && pe->failed_write != (int)is.n - 1) st = FIN_INTERNAL;
  } else {
    fin_err_set(pe, st, "card request records not filled: no id (random source) or no memory");
  }
  fin_strlcpy(request_id_out, q->request_id, sizeof(fin_id));
  fin_card_request_clear(q);
  fin_card_clear(&is.card);
  fin_event_clear(&is.ev);
  fin_idem_clear(&is.idem);
  return st;
}

/* Body checks of behaviour.md §1.8 step 3; returns the product id (owned) or NULL with r set. */
static char *product_of(const struct fin_req *q, struct fin_resp *r) {
  const json_t *v = json_is_object(q->body) ? json_object_get(q->body, "productId") : NULL;
  if (v == NULL) {
    fin_resp_failf(r, FIN_E_VALIDATION, "productId is required");
    return NULL;
  }
  if (json_is_null(v)) return fin_strdup("default-credit-card");
  if (json_is_string(v)) return fin_strdup(json_string_value(v));
  size_t len;
  return fin_json_dump(v, &len); /* numbers etc. are kept as their JSON text */
}

/* True when the user may request a card now (behaviour.md §4.4), else r is answered. */
enum eligibility { ELIGIBLE, HOLDS_ONE, REFUSED };

/* Answers r unless the user may ask for a card; HOLDS_ONE: refused because
 * of a card or a pending request the user has. */
static enum eligibility eligible(struct fin_container *c, const char *eco, struct fin_resp *r) {
  struct fin_eligibility_info el;
  struct fin_app_error e = {0};
  if (fin_check_eligibility(c, eco, &el, &e) != FIN_OK) {
    fin_app_fail(r, &e);
    return REFUSED;
  }
  if (el.result == FIN_HAS_ACTIVE_CARD)
    fin_resp_fail(r, FIN_E_CARD_EXISTS);
  else if (el.result == FIN_HAS_PENDING)
    fin_resp_fail(r, FIN_E_CARD_REQUEST_EXISTS);
  else if (el.result == FIN_IN_COOLDOWN)
    fin_resp_failf(r, FIN_E_REQUEST_COOLDOWN,
                   "Card request rejected recently. Please wait %d days before applying again.",
                   el.cooldown_days);
  if (el.result == FIN_ELIGIBLE) return ELIGIBLE;
  return el.result == FIN_HAS_ACTIVE_CARD || el.result == FIN_HAS_PENDING ? HOLDS_ONE : REFUSED;
}

enum attempt { ISSUED, STALE };

/* After a commit that failed on a condition, or whose answer was lost: this
 * key's own request may be what is stored (a concurrent duplicate, or the
 * lost commit itself), and then it is replayed; otherwise a condition means
 * the reads are stale (re-run them: the next round sees the winner), and a
 * lost answer stays unknown (503, retryable with the same key). */
static enum attempt resolve(struct fin_container *c, const struct ask *a, enum fin_status st,
                            struct fin_err *pe, struct fin_resp *r) {
  struct fin_idem rec = {0};
  struct fin_err le = {0};
  enum fin_status found = fin_idem_lookup(c, a->eco, a->hash, &rec, &le);
  enum attempt out = ISSUED;
  if (found == FIN_OK) {
    replay(c, a, &rec, r);
  } else if (found == FIN_NOT_FOUND && st != FIN_UNAVAILABLE) {
    out = STALE;
  } else {
    struct fin_app_error e = {0};
    fin_app_error_from_port(&e, found == FIN_NOT_FOUND ? st : found,
                            found == FIN_NOT_FOUND ? pe : &le, "store card request");
    fin_app_fail(r, &e);
  }
  fin_idem_clear(&rec);
  return out;
}

/* One read-check-commit round; STALE when the user's cards or requests
 * changed between the eligibility reads and the commit. */
static enum attempt try_issue(struct fin_container *c, const struct ask *a, struct fin_resp *r) {
  const char *eco = a->eco;
  struct fin_user u = {0};
  struct fin_app_error e = {0};
  enum attempt out = ISSUED;
  enum fin_status st = fin_app_get_user(c, eco, &u, &e); /* first: its card_rev guards the rest */
  if (st == FIN_NOT_FOUND) {
    fin_resp_fail(r, FIN_E_USER_NOT_FOUND);
    return ISSUED;
  }
  if (st != FIN_OK) {
    fin_app_fail(r, &e);
    return ISSUED;
  }
  enum eligibility el = eligible(c, eco, r);
  if (el == HOLDS_ONE) {
    /* The card or request may be this key's own, made by a concurrent first
     * use of the key on another instance (one instance queues those on
     * fin_idem_lock): then it is replayed, not refused. */
    struct fin_idem rec = {0};
    struct fin_err le = {0};
    if (fin_idem_lookup(c, a->eco, a->hash, &rec, &le) == FIN_OK) replay(c, a, &rec, r);
    fin_idem_clear(&rec);
  } else if (el == ELIGIBLE) {
    fin_id rid;
    struct fin_err pe = {0};
    st = decide_and_store(c, &u, a, rid, &pe);
    if (st == FIN_OK) {
      answer(c, eco, rid, NULL, 201, r);
    } else if (st == FIN_VERSION_CONFLICT || st == FIN_EXISTS || st == FIN_UNAVAILABLE) {
      out = resolve(c, a, st, &pe, r);
    } else {
      fin_app_error_from_port(&e, st, &pe, "store card request");
      fin_app_fail(r, &e);
    }
  }
  fin_user_clear(&u);
  return out;
}

/* A stale round is re-run from the reads: the next one sees the card or
 * request that won and answers 409, as a sequential request would. */
#define ISSUE_ATTEMPTS 8

static void execute(struct fin_container *c, const struct ask *a, struct fin_resp *r) {
  for (int i = 0; i < ISSUE_ATTEMPTS; i++)
    if (try_issue(c, a, r) == ISSUED) return;
  fin_resp_fail(r, FIN_E_CARDS_CHANGED);
}

void fin_h_request_card(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  const char *eco = q->principal->ecosystem_id;
  const char *key = fin_require_key(q, r);
  if (key == NULL) return;
  char *product = product_of(q, r);
  if (product == NULL) return;
  struct fin_msgs m = {0};
  fin_check_user_key(key, fin_rules_of(c)->key_max_len, &m);
  if (m.count) {
    fin_resp_failf(r, FIN_E_VALIDATION, "%s", m.text);
    free(product);
    return;
  }
  struct ask a = {.eco = eco, .product = product, .key = key};
  if (fin_idem_fingerprint(OP_REQUEST_CARD, q, a.fp) != FIN_OK) {
    fin_resp_fail(r, FIN_E_INTERNAL);
    free(product);
    return;
  }
  fin_idem_hash(key, a.hash);
  struct fin_idem rec = {0};
  struct fin_err pe = {0};
  fin_idem_lock(eco, a.hash);
  enum fin_status st = fin_idem_lookup(c, eco, a.hash, &rec, &pe);
  if (st == FIN_OK) {
    replay(c, &a, &rec, r);
  } else if (st == FIN_NOT_FOUND) {
    execute(c, &a, r);
  } else {
    struct fin_app_error e = {0};
    fin_app_error_from_port(&e, st, &pe, "read idempotency record");
    fin_app_fail(r, &e);
  }
  fin_idem_unlock(eco, a.hash);
  fin_idem_clear(&rec);
  free(product);
}

void fin_h_get_card_request(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  answer(c, q->principal->ecosystem_id, q->params[0], NULL, 200, r);
}
