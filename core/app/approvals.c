/* approvals.c - admin decisions on pending card requests (behaviour.md
 * §4.9, §1.16, §1.17, §9.4). Shared by the HTTP admin routes and WhatsApp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/rules.h"
#include "../http/errmap.h"
#include "../util/ids.h"
#include "../util/jsnum.h"
#include "../util/jsonout.h"
#include "app_errors.h"
#include "decisions.h"
#include "idem.h"
#include "input.h"
#include "records.h"
#include "views.h"

/* Loads the request (any owner) while it is pending: FIN_OK, or the
 * failing status with e filled (FIN_PRECONDITION: not pending). */
static enum fin_status load_pending(struct fin_container *c, const char *request_id,
                                    struct fin_card_request *req, struct fin_app_error *e) {
  struct fin_err pe = {0};
  enum fin_status st = c->requests.ops->get_any(c->requests.self, request_id, req, &pe);
  if (st == FIN_NOT_FOUND) {
    fin_app_error_setf(e, FIN_E_CARD_REQUEST_NOT_FOUND, "Card request not found: %s", request_id);
    return st;
  }
  if (st != FIN_OK) {
    fin_app_error_from_port(e, st, &pe, "read card request");
    return st;
  }
  if (strcmp(req->status, "pending") != 0) {
    fin_app_error_setf(e, FIN_E_REQUEST_NOT_PENDING, "Request is not pending (status: %s)",
                       req->status);
    return FIN_PRECONDITION;
  }
  return FIN_OK;
}

/* The request's owner: FIN_OK, or the failing status with e filled. */
static enum fin_status load_owner(struct fin_container *c, const char *eco, struct fin_user *owner,
                                  struct fin_app_error *e) {
  struct fin_err pe = {0};
  enum fin_status st = c->users.ops->get(c->users.self, eco, owner, &pe);
  if (st == FIN_NOT_FOUND)
    fin_app_error_set(e, FIN_E_USER_NOT_FOUND);
  else if (st != FIN_OK)
    fin_app_error_from_port(e, st, &pe, "read user");
  return st;
}

/* Maps the commit result. `idem_index` is the IDEM_PUT position or -1. */
static enum fin_decide_result commit_result(enum fin_status st, const struct fin_err *pe,
                                            int idem_index, struct fin_app_error *e) {
  if (st == FIN_OK) return FIN_DECIDED;
  if (st == FIN_EXISTS && pe->failed_write == idem_index) return FIN_DECIDE_IDEM_RACE;
  if (st == FIN_EXISTS) {
    /* A fresh id (the new card's) already exists: an earlier attempt of
     * this very commit landed and its answer was lost, so the store's
     * resend met it. The outcome is this decision; its record tells it. */
    fin_app_error_setf(e, FIN_E_DEPENDENCY_UNAVAILABLE,
                       "A required service is unavailable (commit decision: outcome unknown); "
                       "please retry later");
    return FIN_DECIDE_FAILED;
  }
  if (st == FIN_PRECONDITION || st == FIN_NOT_FOUND) {
    /* Someone decided (or deleted) the request between our read and commit. */
    fin_app_error_setf(e, FIN_E_REQUEST_NOT_PENDING,
                       "Request is not pending (status: changed concurrently)");
    return FIN_DECIDE_FAILED;
  }
  fin_app_error_from_port(e, st, pe, "commit decision");
  return FIN_DECIDE_FAILED;
}

/* One decision's commit: the entity writes, then the records every
 * decision carries (audit entry, event, and for HTTP the idempotency record
 * holding the answer), all or nothing. */
struct decision {
  struct fin_write w[8];
  size_t n;
  struct fin_event ev;
  struct fin_audit audit;
  struct fin_idem idem; /* filled when the input has an idempotency scope */
  json_t *body;         /* the answer (owned) */
  fin_ms now;
};

static char *dump_body(const json_t *body) {
  size_t len;
  return fin_json_dump(body, &len);
}

/* The idempotency record of an HTTP decision; none for WhatsApp. */
static enum fin_status fill_idem(struct fin_container *c, const struct fin_decision_input *in,
                                 struct decision *d) {
  if (in->idem_scope == NULL) return FIN_OK;
  return fin_idem_fill(&d->idem, in->idem_scope, in->idem_hash, in->idem_fingerprint,
                       in->idem_operation, dump_body(d->body), 200, d->now, fin_rules_of(c));
}

/* Commits d when its records were filled (`filled` is the status of the
 * fills: anything else commits nothing, no half-filled record is stored)
 * and maps the result; *body_out gets the answer when decided. Releases
 * what d holds. */
static enum fin_decide_result commit_decision(struct fin_container *c,
                                              const struct fin_decision_input *in,
                                              struct decision *d, enum fin_status filled,
                                              json_t **body_out, struct fin_app_error *e) {
  struct fin_err pe = {0};
  int idem_index = -1;
  enum fin_status st = filled;
  if (st == FIN_OK) {
    d->w[d->n].kind = FIN_W_AUDIT_APPEND, d->w[d->n++].u.audit = &d->audit;
    d->w[d->n].kind = FIN_W_EVENT_APPEND, d->w[d->n++].u.event = &d->ev;
    if (in->idem_scope != NULL) {
      idem_index = (int)d->n;
      d->w[d->n].kind = FIN_W_IDEM_PUT;
      d->w[d->n++].u.idem = (typeof(d->w[0].u.idem)){&d->idem, d->now};
    }
    st = fin_app_commit(c, d->w, d->n, &pe);
  } else {
    fin_err_set(&pe, st, "decision records not filled: no id (random source) or no memory");
  }
  enum fin_decide_result rc = commit_result(st, &pe, idem_index, e);
  if (rc == FIN_DECIDED && body_out != NULL) {
    *body_out = d->body;
    d->body = NULL;
  }
  json_decref(d->body);
  fin_event_clear(&d->ev);
  fin_audit_clear(&d->audit);
  fin_idem_clear(&d->idem);
  return rc;
}

/* The decision an admin made, as the request will store it: it owns copies
 * of the admin id and the reason (reason NULL: none), released by
 * decision_clear. FIN_OK or FIN_NOMEM. */
static enum fin_status decision_of(const struct fin_decision_input *in, const char *outcome,
                                   const char *reason, fin_ms now, struct fin_decision *d) {
  *d = (struct fin_decision){.present = true, .decided_at = now};
  fin_strlcpy(d->outcome, outcome, sizeof d->outcome);
  fin_strlcpy(d->source, "admin", sizeof d->source);
  bool oom = false;
  d->admin_id = fin_own(in->admin_id, &oom);
  d->reason = fin_own(reason, &oom);
  return oom ? FIN_NOMEM : FIN_OK;
}

static void decision_clear(struct fin_decision *d) {
  free(d->admin_id);
  free(d->reason);
  memset(d, 0, sizeof *d);
}

static json_t *approved_event_payload(const struct fin_card_request *r, const struct fin_card *card,
                                      const struct fin_decision_input *in, const char *tier) {
  json_t *p = json_object();
  json_object_set_new(p, "requestId", json_string(r->request_id));
  json_object_set_new(p, "cardId", json_string(card->card_id));
  json_object_set_new(p, "ecosystemId", json_string(r->ecosystem_id));
  json_object_set_new(p, "productId", json_string(r->product_id ? r->product_id : ""));
  json_object_set_new(p, "approvedLimit", json_real(card->limit));
  json_object_set_new(p, "source", json_string("admin"));
  json_object_set_new(p, "adminId",
                      json_string(in->source_phone ? in->source_phone : in->admin_id));
  json_object_set_new(p, "scoreAtApproval", json_integer(card->score_at_approval));
  json_object_set_new(p, "tierAtApproval", json_string(tier));
  return p;
}

/* The owner's card summary once the new card exists: their other cards
 * plus this one. */
static enum fin_status summary_after(struct fin_container *c, const char *eco,
                                     const struct fin_card *card, struct fin_card_summary *sum,
                                     struct fin_app_error *e) {
  struct fin_card *cards = NULL;
  size_t n = 0;
  struct fin_err pe = {0};
  enum fin_status st = c->cards.ops->list_by_user(c->cards.self, eco, NULL, &cards, &n, &pe);
  if (st != FIN_OK && st != FIN_NOT_FOUND) {
    fin_app_error_from_port(e, st, &pe, "read cards");
    return st;
  }
  fin_summary_of(cards, n, sum);
  fin_card_list_free(cards, n);
  sum->active_cards++;
  sum->total_limit += card->limit;
  return FIN_OK;
}

/* The approval's records: card.approved event, audit entry, idempotency. */
static enum fin_status fill_approved(struct fin_container *c, const struct fin_decision_input *in,
                                     const struct fin_card_request *req,
                                     const struct fin_card *card, const char *tier,
                                     struct decision *d) {
  char reason[300];
  snprintf(reason, sizeof reason, "%s", in->audit_reason ? in->audit_reason : "Approved by admin");
  enum fin_status st =
      fin_event_fill(&d->ev, "card.approved", "card", card->card_id, req->ecosystem_id,
                     approved_event_payload(req, card, in, tier), d->now);
  if (st == FIN_OK)
    st = fin_audit_fill(&d->audit, in->admin_id, in->admin_email, "card_request.approved",
                        "card-request", req->request_id, req->ecosystem_id,
                        json_pack("{s:s}", "status", "pending"),
                        json_pack("{s:s,s:f,s:s}", "status", "approved", "limit", in->limit,
                                  "cardId", card->card_id),
                        reason, req->request_id, d->now);
  if (st == FIN_OK) st = fill_idem(c, in, d);
  return st;
}

static enum fin_decide_result approve_commit(struct fin_container *c,
                                             const struct fin_decision_input *in,
                                             struct fin_card_request *req,
                                             const struct fin_user *owner, json_t **body_out,
                                             struct fin_app_error *e) {
  struct decision d = {.now = fin_app_now(c)};
  const char *tier = fin_tier_of(fin_rules_of(c), owner->score);
  struct fin_card card;
  char card_id[40];
  if (fin_uuid_v7(card_id) != 0 || fin_card_open(&card, fin_rules_of(c), card_id, req->ecosystem_id,
                                                 in->limit, "admin", owner->score, d.now)) {
    fin_app_error_set(e, FIN_E_INTERNAL);
    return FIN_DECIDE_FAILED;
  }
  struct fin_card_summary sum;
  if (summary_after(c, req->ecosystem_id, &card, &sum, e) != FIN_OK) {
    fin_card_clear(&card);
    return FIN_DECIDE_FAILED;
  }
  /* a reason is kept only from WhatsApp, where it names the admin */
  struct fin_decision dec;
  enum fin_status made =
      decision_of(in, "approved", in->source_phone ? in->reason : NULL, d.now, &dec);
  dec.has_approved_limit = true;
  dec.approved_limit = in->limit;

  /* The request as it will read after the commit (for the response). */
  fin_strlcpy(req->status, "approved", sizeof req->status);
  fin_strlcpy(req->resulting_card_id, card.card_id, sizeof req->resulting_card_id);
  d.body = json_object();
  json_object_set_new(d.body, "request",
                      fin_json_admin_request(req, owner, d.now, true, "unknown"));
  json_object_set_new(d.body, "card", fin_json_card_summary(&card));

  d.w[d.n].kind = FIN_W_CARD_CREATE, d.w[d.n++].u.card = &card;
  /* Bumps the owner's card revision: a card request whose eligibility reads
   * straddle this decision must fail its commit (store.h USER_CARD_SLOT). */
  d.w[d.n].kind = FIN_W_USER_CARD_SLOT;
  d.w[d.n++].u.slot = (typeof(d.w[0].u.slot)){req->ecosystem_id, -1};
  d.w[d.n].kind = FIN_W_REQUEST_DECIDE;
  d.w[d.n++].u.decide = (typeof(d.w[0].u.decide)){
      req->ecosystem_id, req->request_id, "approved", &dec, card.card_id, d.now};
  d.w[d.n].kind = FIN_W_USER_SUMMARY;
  d.w[d.n++].u.summary = (typeof(d.w[0].u.summary)){req->ecosystem_id, sum, d.now};
  enum fin_status filled = made == FIN_OK ? fill_approved(c, in, req, &card, tier, &d) : made;
  enum fin_decide_result rc = commit_decision(c, in, &d, filled, body_out, e);
  decision_clear(&dec);
  fin_card_clear(&card);
  return rc;
}

enum fin_decide_result fin_approve_request(struct fin_container *c,
                                           const struct fin_decision_input *in, json_t **body_out,
                                           struct fin_app_error *e) {
  struct fin_card_request req = {0};
  struct fin_user owner = {0};
  enum fin_decide_result rc = FIN_DECIDE_FAILED;
  if (load_pending(c, in->request_id, &req, e) != FIN_OK) goto done;
  struct fin_msgs m = {0};
  if (!(in->limit >= fin_rules_of(c)->limit_min)) fin_msgs_add(&m, "limit must be at least $100");
  if (in->limit > fin_rules_of(c)->limit_max) fin_msgs_add(&m, "limit cannot exceed $10,000");
  if (in->admin_email == NULL || in->admin_email[0] == '\0')
    fin_msgs_add(&m, "adminEmail is required");
  if (m.count) {
    fin_app_error_setf(e, FIN_E_VALIDATION, "%s", m.text);
    goto done;
  }
  if (load_owner(c, req.ecosystem_id, &owner, e) != FIN_OK) goto done;
  const char *tier = fin_tier_of(fin_rules_of(c), owner.score);
  double max = fin_tier_max_limit(fin_rules_of(c), tier);
  if (in->limit > max) {
    char num[FIN_JSNUM_MAX];
    fin_jsnum(max, num);
    fin_app_error_setf(e, FIN_E_LIMIT_EXCEEDS_POLICY, "Limit exceeds policy for %s tier (max: $%s)",
                       tier, num);
    goto done;
  }
  rc = approve_commit(c, in, &req, &owner, body_out, e);
done:
  fin_card_request_clear(&req);
  fin_user_clear(&owner);
  return rc;
}

static json_t *rejected_event_payload(const struct fin_card_request *r,
                                      const struct fin_decision_input *in) {
  json_t *p = json_object();
  json_object_set_new(p, "requestId", json_string(r->request_id));
  json_object_set_new(p, "ecosystemId", json_string(r->ecosystem_id));
  json_object_set_new(p, "productId", json_string(r->product_id ? r->product_id : ""));
  json_object_set_new(p, "reason", json_string(in->reason ? in->reason : "Request rejected"));
  json_object_set_new(p, "source", json_string("admin"));
  json_object_set_new(p, "adminId",
                      json_string(in->source_phone ? in->source_phone : in->admin_id));
  json_object_set_new(p, "scoreAtRequest", json_integer(r->score_at_request));
  return p;
}

/* The rejection's records: card.rejected event, audit entry, idempotency. */
static enum fin_status fill_rejected(struct fin_container *c, const struct fin_decision_input *in,
                                     const struct fin_card_request *req, struct decision *d) {
  enum fin_status st = fin_event_fill(&d->ev, "card.rejected", "cardRequest", req->request_id,
                                      req->ecosystem_id, rejected_event_payload(req, in), d->now);
  if (st == FIN_OK)
    st = fin_audit_fill(&d->audit, in->admin_id, in->admin_email, "card_request.rejected",
                        "card-request", req->request_id, req->ecosystem_id,
                        json_pack("{s:s}", "status", "pending"),
                        json_pack("{s:s}", "status", "rejected"),
                        in->audit_reason ? in->audit_reason : in->reason, req->request_id, d->now);
  if (st == FIN_OK) st = fill_idem(c, in, d);
  return st;
}

static enum fin_decide_result reject_commit(struct fin_container *c,
                                            const struct fin_decision_input *in,
                                            struct fin_card_request *req,
                                            const struct fin_user *owner, json_t **body_out,
                                            struct fin_app_error *e) {
  struct decision d = {.now = fin_app_now(c)};
  struct fin_decision dec;
  enum fin_status made = decision_of(in, "rejected", in->reason, d.now, &dec);
  fin_strlcpy(req->status, "rejected", sizeof req->status);
  d.body = json_object();
  json_object_set_new(d.body, "request",
                      fin_json_admin_request(req, owner, d.now, true, "unknown"));

  d.w[d.n].kind = FIN_W_REQUEST_DECIDE;
  d.w[d.n++].u.decide =
      (typeof(d.w[0].u.decide)){req->ecosystem_id, req->request_id, "rejected", &dec, NULL, d.now};
  d.w[d.n].kind = FIN_W_USER_CARD_SLOT; /* as in approve_commit */
  d.w[d.n++].u.slot = (typeof(d.w[0].u.slot)){req->ecosystem_id, -1};
  enum fin_status filled = made == FIN_OK ? fill_rejected(c, in, req, &d) : made;
  enum fin_decide_result rc = commit_decision(c, in, &d, filled, body_out, e);
  decision_clear(&dec);
  return rc;
}

enum fin_decide_result fin_reject_request(struct fin_container *c,
                                          const struct fin_decision_input *in, json_t **body_out,
                                          struct fin_app_error *e) {
  struct fin_card_request req = {0};
  struct fin_user owner = {0};
  enum fin_decide_result rc = FIN_DECIDE_FAILED;
  if (load_pending(c, in->request_id, &req, e) != FIN_OK) goto done;
  /* after the lookup, so an unknown or decided request answers 404/409
   * whatever the reason says (behaviour.md §1.17 step 6) */
  struct fin_msgs m = {0};
  if (in->reason == NULL || fin_blank(in->reason))
    fin_msgs_add(&m, "reason is required");
  else if (fin_js_length(in->reason) > 500)
    fin_msgs_add(&m, "reason must be at most 500 characters");
  if (in->admin_email == NULL || in->admin_email[0] == '\0')
    fin_msgs_add(&m, "adminEmail is required");
  if (m.count) {
    fin_app_error_setf(e, FIN_E_VALIDATION, "%s", m.text);
    goto done;
  }
  if (load_owner(c, req.ecosystem_id, &owner, e) != FIN_OK) goto done;
  rc = reject_commit(c, in, &req, &owner, body_out, e);
done:
  fin_card_request_clear(&req);
  fin_user_clear(&owner);
  return rc;
}
