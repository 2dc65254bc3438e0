/* webhooks.c - WPP-Connect webhook and its health check (behaviour.md
 * §1.19, §1.20, §9.4). */
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/rules.h"
#include "../http/errmap.h"
#include "../util/ids.h"
#include "../util/log.h"
#include "../util/text.h"
#include "../util/timefmt.h"
#include "app_errors.h"
#include "decisions.h"
#include "handlers.h"
#include "records.h"
#include "whatsapp_parse.h"

/* ---- GET /webhooks/wpp-connect/health --------------------------------- */

void fin_h_wpp_health(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  char iso[32];
  fin_iso(fin_app_now(c), iso);
  json_t *wa = json_object();
  bool connected = false;
  char *session = NULL;
  if (c->messenger.ops != NULL && c->messenger.ops->status != NULL) {
    struct fin_err pe = {0};
    if (c->messenger.ops->status(c->messenger.self, &connected, &session, &pe) != FIN_OK) {
      connected = false; /* any failure reads as disconnected */
      free(session);
      session = NULL;
    }
  }
  json_object_set_new_nocheck(wa, "connected", json_boolean(connected));
  if (session != NULL) json_object_set_new_nocheck(wa, "session", json_string(session));
  free(session);
  json_t *body = json_object();
  json_object_set_new_nocheck(body, "status", json_string("ok"));
  json_object_set_new_nocheck(body, "timestamp", json_string(iso));
  json_object_set_new_nocheck(body, "whatsapp", wa);
  fin_resp_json(r, 200, body);
}

/* ---- POST /webhooks/wpp-connect --------------------------------------- */

/* {"ok","action"[,"requestId"][,"reason"][,"error"]} with absent keys omitted. */
static void answer(struct fin_resp *r, int status, bool ok, const char *action,
                   const char *request_id, const char *reason, const char *error) {
  json_t *b = json_object();
  json_object_set_new_nocheck(b, "ok", json_boolean(ok));
  json_object_set_new_nocheck(b, "action", json_string(action));
  if (request_id != NULL) json_object_set_new_nocheck(b, "requestId", json_string(request_id));
  if (reason != NULL) json_object_set_new_nocheck(b, "reason", json_string(reason));
  if (error != NULL) json_object_set_new_nocheck(b, "error", json_string(error));
  fin_resp_json(r, status, b);
}

/* The webhook's own error body (not the envelope), with the table's status. */
static void answer_error(struct fin_resp *r, enum fin_api_err err, const char *error) {
  answer(r, fin_api_err_status(err), false, "error", NULL, NULL, error);
}

/* A port failure before any decision: the message of the mapped error. */
static void answer_port_error(struct fin_resp *r, enum fin_status st, const struct fin_err *pe,
                              const char *what) {
  struct fin_app_error e = {0};
  fin_app_error_from_port(&e, st, pe, what);
  answer_error(r, e.err, fin_app_error_message(&e));
  fin_app_error_clear(&e);
}

/* Compares digests of the presented and configured secrets in constant time:
 * neither the position of the first difference nor the secret's length
 * shows in the timing. */
static bool secret_matches(const char *given, const char *want) {
  unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
  SHA256((const unsigned char *)given, strlen(given), a);
  SHA256((const unsigned char *)want, strlen(want), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

/* Returns true when the request may proceed; otherwise r is answered.
 * Fails closed: without a configured secret nobody may post (an admin's
 * phone number is no credential), in every environment. */
static bool check_secret(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  const char *secret = c->whatsapp.webhook_secret;
  if (secret == NULL || secret[0] == '\0') {
    fin_log("warn", "webhook_secret_not_configured", "\"check\":\"refused\"");
    fin_resp_fail(r, FIN_E_WEBHOOK_NOT_CONFIGURED);
    return false;
  }
  const char *given = fin_req_header(q, "X-Webhook-Secret");
  if (given == NULL) {
    fin_resp_fail(r, FIN_E_WEBHOOK_SECRET_MISSING);
    return false;
  }
  if (!secret_matches(given, secret)) {
    fin_resp_fail(r, FIN_E_WEBHOOK_SECRET_INVALID);
    return false;
  }
  return true;
}

static bool is_string(const json_t *o, const char *k) {
  return json_is_string(json_object_get(o, k));
}

static bool is_bool(const json_t *o, const char *k) {
  return json_is_boolean(json_object_get(o, k));
}

/* The body checks of behaviour.md §1.20 step 3, in order; NULL when the body is usable. */
static const char *validate(const struct fin_req *q) {
  const json_t *b = q->body;
  if (!q->has_body || !(json_is_object(b) || json_is_array(b)))
    return "Request body must be an object";
  if (!is_string(b, "event")) return "Missing or invalid event field";
  if (!is_string(b, "session")) return "Missing or invalid session field";
  const json_t *data = json_object_get(b, "data");
  if (!(json_is_object(data) || json_is_array(data))) return "Missing or invalid data field";
  if (strcmp(json_string_value(json_object_get(b, "event")), "onmessage") != 0) return NULL;
  if (!is_string(data, "id")) return "Missing or invalid data.id field";
  if (!is_string(data, "body")) return "Missing or invalid data.body field";
  if (!is_string(data, "from")) return "Missing or invalid data.from field";
  if (!is_bool(data, "fromMe")) return "Missing or invalid data.fromMe field";
  if (!is_bool(data, "isGroupMsg")) return "Missing or invalid data.isGroupMsg field";
  return NULL;
}

/* One inbound message being processed (strings borrowed from the request). */
struct inbound {
  const char *wpp_id;
  const char *phone;
  const char *name; /* NULL when the sender has none */
  const char *raw;
  bool whitelisted;
  const struct fin_wa_command *cmd; /* NULL before parsing */
};

/* Saves the inbound record (behaviour.md §9.6). Returns the port status. */
static enum fin_status record(struct fin_container *c, const struct inbound *in, const char *status,
                              const char *action, const char *error, const char *request_id,
                              const char *eco, struct fin_err *pe) {
  if (c->wa_inbound.ops == NULL) return FIN_OK;
  fin_ms now = fin_app_now(c);
  struct fin_wa_inbound m = {
      .from_whitelisted_admin = in->whitelisted, .received_at = now, .processed_at = now};
  if (fin_uuid_v7(m.message_id) != 0)
    return fin_err_set(pe, FIN_UNAVAILABLE, "no message id: random source failed");
  bool oom = false; /* m owns copies of its strings */
  m.wpp_message_id = fin_own(in->wpp_id, &oom);
  m.sender_phone = fin_own(in->phone, &oom);
  m.sender_name = fin_own(in->name, &oom);
  m.raw_body = fin_own(in->raw, &oom);
  if (in->cmd != NULL) {
    m.has_command = true;
    fin_strlcpy(m.command_action, fin_wa_action_name(in->cmd->action), sizeof m.command_action);
    m.command_request_id = fin_own(in->cmd->request_id, &oom);
    m.command_raw = fin_own(in->raw, &oom);
  }
  fin_strlcpy(m.processed_status, status, sizeof m.processed_status);
  m.processed_action = fin_own(action, &oom);
  m.processing_error = fin_own(error, &oom);
  m.related_request_id = fin_own(request_id, &oom);
  m.related_ecosystem_id = fin_own(eco, &oom);
  enum fin_status st = oom ? fin_err_set(pe, FIN_NOMEM, "out of memory")
                           : c->wa_inbound.ops->save(c->wa_inbound.self, &m, pe);
  fin_wa_inbound_clear(&m);
  return st;
}

/* Records and answers an "ignored" outcome; a failed save answers an error. */
static void ignore_recorded(struct fin_container *c, const struct inbound *in, const char *status,
                            const char *reason, const char *request_id, const char *eco,
                            struct fin_resp *r) {
  struct fin_err pe = {0};
  enum fin_status st = record(c, in, status, reason, NULL, request_id, eco, &pe);
  if (st != FIN_OK) return answer_port_error(r, st, &pe, "save inbound message");
  answer(r, 200, true, "ignored", request_id, reason, NULL);
}

/* After a decision the record is an audit trail: a failed save is logged. */
static void record_after(struct fin_container *c, const struct inbound *in, const char *status,
                         const char *action, const char *error, const char *request_id,
                         const char *eco) {
  struct fin_err pe = {0};
  enum fin_status st = record(c, in, status, action, error, request_id, eco, &pe);
  if (st != FIN_OK) {
    char esc[300];
    fin_log("error", "whatsapp_inbound_not_recorded",
            "\"requestId\":\"%s\",\"status\":\"%s\",\"detail\":\"%s\"",
            request_id ? request_id : "", fin_status_name(st),
            fin_log_esc(pe.msg, esc, sizeof esc));
  }
}

/* The pending tracker for `id` into *t. FIN_NOT_FOUND when there is none or
 * it is no longer pending (expiry is not checked, as in the original). */
static enum fin_status pending_tracker(struct fin_container *c, const char *id,
                                       struct fin_pending_approval *t, struct fin_err *pe) {
  enum fin_status st = c->approvals.ops->get(c->approvals.self, id, t, pe);
  if (st == FIN_OK && strcmp(t->approval_status, "pending") != 0) {
    fin_pending_approval_clear(t);
    return FIN_NOT_FOUND;
  }
  return st;
}

/* How many holders of one short id are named in an ambiguity refusal. */
#define MAX_CANDIDATES 4

/* "Ambiguous id X: it matches A, B; reply with the full request id" (malloc'd). */
static char *ambiguity_message(const char *short_id, const struct fin_pending_approval *cands,
                               size_t n) {
  size_t len = 96 + strlen(short_id);
  for (size_t i = 0; i < n; i++)
    len += strlen(cands[i].request_id) + 2;
  char *msg = malloc(len);
  if (msg == NULL) return NULL;
  int k = snprintf(msg, len, "Ambiguous id %s: it matches ", short_id);
  for (size_t i = 0; i < n && k > 0 && (size_t)k < len; i++)
    k += snprintf(msg + k, len - (size_t)k, "%s%s", i ? ", " : "", cands[i].request_id);
  if (k > 0 && (size_t)k < len)
    snprintf(msg + k, len - (size_t)k, "; reply with the full request id");
  return msg;
}

/* §9.4 step 5: the exact request id, else a short id (8 characters, any case)
 * among the pending trackers, looked up in the store. Several holders are
 * never guessed between: FIN_EXISTS with *ambiguous naming them (malloc'd). */
static enum fin_status find_tracker(struct fin_container *c, const char *id,
                                    struct fin_pending_approval *t, char **ambiguous,
                                    struct fin_err *pe) {
  enum fin_status st = pending_tracker(c, id, t, pe);
  if (st != FIN_NOT_FOUND) return st;
  if (strlen(id) != FIN_SHORT_ID_MAX - 1) return FIN_NOT_FOUND;
  char up[FIN_SHORT_ID_MAX];
  for (size_t i = 0; i < sizeof up; i++)
    up[i] = id[i] >= 'a' && id[i] <= 'z' ? (char)(id[i] - 'a' + 'A') : id[i];
  struct fin_pending_approval cands[MAX_CANDIDATES] = {0};
  size_t n = 0;
  st = c->approvals.ops->find_short(c->approvals.self, up, cands, MAX_CANDIDATES, &n, pe);
  if (st != FIN_OK) return st;
  size_t got = n < MAX_CANDIDATES ? n : MAX_CANDIDATES;
  if (n == 1) {
    *t = cands[0];
    return FIN_OK;
  }
  if (n > 1) *ambiguous = ambiguity_message(up, cands, got);
  for (size_t i = 0; i < got; i++)
    fin_pending_approval_clear(&cands[i]);
  if (n == 0) return FIN_NOT_FOUND;
  return *ambiguous != NULL ? FIN_EXISTS : fin_err_set(pe, FIN_NOMEM, "out of memory");
}

/* Characters of a sender's display name kept in a decision's reason. */
#define SENDER_NAME_MAX 64

/* §9.4 step 7: approve or reject through the admin services. */
static void decide(struct fin_container *c, const struct inbound *in,
                   const struct fin_pending_approval *t, const struct fin_card_request *req,
                   struct fin_resp *r) {
  bool approve = in->cmd->action == FIN_WA_APPROVE;
  /* The sender's display name is whatever the sender typed: cleaned before
   * it becomes the reason the customer and the audit log read. */
  char *who = fin_text_clean(in->name != NULL ? in->name : in->phone, SENDER_NAME_MAX);
  char *reason = NULL, *email = NULL;
  if (who == NULL ||
      asprintf(&reason, "%s via WhatsApp by %s", approve ? "Approved" : "Rejected", who) < 0)
    reason = NULL;
  free(who);
  if (asprintf(&email, "whatsapp:%s", in->phone) < 0) email = NULL;
  if (reason == NULL || email == NULL) {
    free(reason);
    free(email);
    return answer_error(r, FIN_E_INTERNAL, "Out of memory");
  }
  struct fin_decision_input d = {
      .admin_id = in->phone,
      .admin_email = email,
      .request_id = t->request_id,
      .limit = approve ? fin_whatsapp_limit(fin_rules_of(c), req->tier_at_request) : 0,
      .reason = reason,
      .audit_reason = reason,
      .source_phone = in->phone,
  };
  struct fin_app_error e = {0};
  enum fin_decide_result rc =
      approve ? fin_approve_request(c, &d, NULL, &e) : fin_reject_request(c, &d, NULL, &e);
  free(reason);
  free(email);
  if (rc != FIN_DECIDED) {
    const char *msg = fin_app_error_message(&e);
    record_after(c, in, "error", "error", msg, t->request_id, t->ecosystem_id);
    answer(r, 200, false, "error", t->request_id, NULL, msg);
    fin_app_error_clear(&e);
    return;
  }
  const char *outcome = approve ? "approved" : "rejected";
  struct fin_err pe = {0};
  enum fin_status st = c->approvals.ops->decide(c->approvals.self, t->request_id, outcome,
                                                in->phone, fin_app_now(c), &pe);
  if (st != FIN_OK) {
    char esc[300];
    fin_log("warn", "whatsapp_tracker_not_updated",
            "\"requestId\":\"%s\",\"status\":\"%s\",\"detail\":\"%s\"", t->request_id,
            fin_status_name(st), fin_log_esc(pe.msg, esc, sizeof esc));
  }
  record_after(c, in, "processed", outcome, NULL, t->request_id, t->ecosystem_id);
  fin_log("info", "whatsapp_decision", "\"requestId\":\"%s\",\"outcome\":\"%s\"", t->request_id,
          outcome);
  answer(r, 200, true, outcome, t->request_id, NULL, NULL);
}

/* Several open approvals answer to the id: nothing is decided; the admin is
 * told the candidates (in the answer and, best effort, over WhatsApp). */
static void refuse_ambiguous(struct fin_container *c, const struct inbound *in, const char *msg,
                             struct fin_resp *r) {
  record_after(c, in, "processed", "ambiguous_id", msg, NULL, NULL);
  if (c->messenger.ops != NULL) {
    char *wpp_id = NULL;
    struct fin_err se = {0};
    c->messenger.ops->send(c->messenger.self, in->phone, msg, &wpp_id, &se);
    free(wpp_id);
  }
  fin_log("warn", "whatsapp_ambiguous_id", NULL);
  answer(r, 200, false, "error", NULL, "ambiguous_id", msg);
}

/* §9.4 steps 4-7 for a whitelisted admin. */
static void handle_command(struct fin_container *c, struct inbound *in, struct fin_resp *r) {
  struct fin_wa_command cmd;
  if (fin_wa_parse_command(in->raw, &cmd) != 0)
    return answer_error(r, FIN_E_INTERNAL, "Out of memory");
  in->cmd = &cmd;
  struct fin_pending_approval t = {0};
  struct fin_card_request req = {0};
  struct fin_err pe = {0};
  enum fin_status st;
  if (cmd.action == FIN_WA_UNKNOWN || cmd.request_id[0] == '\0') {
    ignore_recorded(c, in, "ignored", "invalid_command", NULL, NULL, r);
    goto done;
  }
  char *ambiguous = NULL;
  st = find_tracker(c, cmd.request_id, &t, &ambiguous, &pe);
  if (st == FIN_EXISTS) {
    refuse_ambiguous(c, in, ambiguous, r);
    free(ambiguous);
    goto done;
  }
  if (st == FIN_NOT_FOUND) {
    ignore_recorded(c, in, "processed", "request_not_found", NULL, NULL, r);
    goto done;
  }
  if (st != FIN_OK) {
    answer_port_error(r, st, &pe, "find approval tracker");
    goto done;
  }
  st = c->requests.ops->get(c->requests.self, t.ecosystem_id, t.request_id, &req, &pe);
  if (st == FIN_NOT_FOUND) { /* §9.4 step 6: nothing recorded */
    answer(r, 200, true, "ignored", NULL, "request_not_found", NULL);
    goto done;
  }
  if (st != FIN_OK) {
    answer_port_error(r, st, &pe, "read card request");
    goto done;
  }
  if (strcmp(req.status, "pending") != 0) {
    ignore_recorded(c, in, "processed", "already_processed", t.request_id, t.ecosystem_id, r);
    goto done;
  }
  decide(c, in, &t, &req, r);
done:
  fin_card_request_clear(&req);
  fin_pending_approval_clear(&t);
  fin_wa_command_clear(&cmd);
  in->cmd = NULL;
}

/* sender.pushname, else sender.name (strings only). */
static const char *sender_name(const json_t *data) {
  const json_t *sender = json_object_get(data, "sender");
  const json_t *v = json_object_get(sender, "pushname");
  if (!json_is_string(v)) v = json_object_get(sender, "name");
  return json_is_string(v) ? json_string_value(v) : NULL;
}

void fin_h_wpp_webhook(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  if (!check_secret(c, q, r)) return;
  const char *invalid = validate(q);
  if (invalid != NULL) return answer_error(r, FIN_E_VALIDATION, invalid);

  const json_t *data = json_object_get(q->body, "data");
  if (strcmp(json_string_value(json_object_get(q->body, "event")), "onmessage") != 0)
    return answer(r, 200, true, "ignored", NULL, "non_message_event", NULL);
  if (json_is_true(json_object_get(data, "fromMe")))
    return answer(r, 200, true, "ignored", NULL, "from_self", NULL);
  if (json_is_true(json_object_get(data, "isGroupMsg")))
    return answer(r, 200, true, "ignored", NULL, "group_message", NULL);

  char *phone = NULL;
  const char *bad = fin_wpp_phone(json_string_value(json_object_get(data, "from")), &phone);
  if (bad != NULL) /* the sender's id is the client's input: a 400 unless OOM */
    return answer_error(r, strcmp(bad, "Out of memory") == 0 ? FIN_E_INTERNAL : FIN_E_VALIDATION,
                        bad);
  struct inbound in = {
      .wpp_id = json_string_value(json_object_get(data, "id")),
      .phone = phone,
      .name = sender_name(data),
      .raw = json_string_value(json_object_get(data, "body")),
  };
  in.whitelisted = fin_wa_is_admin(phone, &c->whatsapp);
  if (!in.whitelisted)
    ignore_recorded(c, &in, "ignored", "not_whitelisted", NULL, NULL, r);
  else
    handle_command(c, &in, r);
  free(phone);
}
