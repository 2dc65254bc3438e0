/* test_webhook.c - the WhatsApp webhook refuses an ambiguous short id: when
 * the store reports several open approvals for one short id, nothing is
 * decided and the admin is told the candidates. */
/* cmocka.h needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../core/app/handlers.h"
#include "../../core/http/pipeline.h"

#define ADMIN "5511999999999"
#define RID_A "01a20f20-40a0-7abc-8def-0123456789ab"
#define RID_B "01a20f20-40a1-7abc-8def-0123456789ac"

static struct {
  char asked_short[16];
  int sends;
  char *sent_text;
  char sent_phone[16];
} W;

static const char *header(void *ctx, const char *name) {
  (void)ctx;
  return strcasecmp(name, "X-Webhook-Secret") == 0 ? "s3cret" : NULL;
}

static enum fin_status tr_get(void *self, const char *id, struct fin_pending_approval *out,
                              struct fin_err *e) {
  (void)self, (void)id, (void)e;
  memset(out, 0, sizeof *out);
  return FIN_NOT_FOUND;
}

/* A store that (wrongly) holds two open approvals under one short id. */
static enum fin_status tr_find_short(void *self, const char *short_id,
                                     struct fin_pending_approval *out, size_t max, size_t *n,
                                     struct fin_err *e) {
  (void)self, (void)e;
  snprintf(W.asked_short, sizeof W.asked_short, "%s", short_id);
  const char *ids[2] = {RID_A, RID_B};
  for (size_t i = 0; i < 2 && i < max; i++) {
    memset(&out[i], 0, sizeof out[i]);
    snprintf(out[i].request_id, sizeof out[i].request_id, "%s", ids[i]);
    snprintf(out[i].short_id, sizeof out[i].short_id, "%s", short_id);
    snprintf(out[i].approval_status, sizeof out[i].approval_status, "pending");
    out[i].ecosystem_id = strdup("eco");
  }
  *n = 2;
  return FIN_OK;
}

static const struct fin_pending_approvals_ops approvals_ops = {.get = tr_get,
                                                               .find_short = tr_find_short};

static enum fin_status msg_send(void *self, const char *phone, const char *text, char **message_id,
                                struct fin_err *e) {
  (void)self, (void)e;
  W.sends++;
  snprintf(W.sent_phone, sizeof W.sent_phone, "%s", phone);
  free(W.sent_text);
  W.sent_text = strdup(text);
  *message_id = strdup("wpp-1");
  return FIN_OK;
}

static const struct fin_messenger_ops messenger_ops = {.send = msg_send};

static void ambiguous_short_id_is_refused(void **state) {
  (void)state;
  static char admin[] = ADMIN, secret[] = "s3cret";
  struct fin_container c;
  memset(&c, 0, sizeof c);
  c.approvals = (struct fin_pending_approvals){&approvals_ops, NULL};
  c.messenger = (struct fin_messenger){&messenger_ops, NULL};
  /* c.requests has no ops: reaching a decision would crash the test */
  c.whatsapp.admin_phones[0] = admin;
  c.whatsapp.webhook_secret = secret;

  struct fin_http_in in = {.method = "POST", .path = "/webhooks/wpp-connect", .header = header};
  json_t *body = json_pack("{s:s, s:s, s:{s:s, s:s, s:s, s:b, s:b}}", "event", "onmessage",
                           "session", "s", "data", "id", "m1", "body", "y abcd1234", "from",
                           ADMIN "@c.us", "fromMe", 0, "isGroupMsg", 0);
  struct fin_req q = {.method = "POST", .body = body, .has_body = true, .conn = &in};
  struct fin_resp r;
  memset(&r, 0, sizeof r);
  fin_h_wpp_webhook(&c, &q, &r);

  assert_string_equal(W.asked_short, "ABCD1234"); /* looked up in upper case */
  assert_int_equal(r.status, 200);
  const char *want =
      "Ambiguous id ABCD1234: it matches " RID_A ", " RID_B "; reply with the full request id";
  json_t *exp = json_pack("{s:b, s:s, s:s, s:s}", "ok", 0, "action", "error", "reason",
                          "ambiguous_id", "error", want);
  assert_true(json_equal(r.body, exp));
  /* the admin is told over WhatsApp too */
  assert_int_equal(W.sends, 1);
  assert_string_equal(W.sent_phone, ADMIN);
  assert_string_equal(W.sent_text, want);
  json_decref(exp);
  json_decref(r.body);
  json_decref(body);
  free(W.sent_text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ambiguous_short_id_is_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
