/* test_whatsapp.c - WhatsApp command parser, phone rules and message texts
 * (behaviour.md §9.2-§9.5). */
/* cmocka.h needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/app/whatsapp_notify.h"
#include "../../core/app/whatsapp_parse.h"

/* ---- command parser (§9.5) ---- */

static void expect_cmd(const char *body, enum fin_wa_action action, const char *id) {
  struct fin_wa_command cmd;
  assert_int_equal(fin_wa_parse_command(body, &cmd), 0);
  if (cmd.action != action) fail_msg("\"%s\": action %d, want %d", body, cmd.action, action);
  assert_string_equal(cmd.request_id, id);
  fin_wa_command_clear(&cmd);
}

static void parser_approves_with_y_and_yes(void **state) {
  (void)state;
  expect_cmd("y 01A20F20", FIN_WA_APPROVE, "01A20F20");
  expect_cmd("yes 01a20f20", FIN_WA_APPROVE, "01a20f20");
  expect_cmd("Y ABC12345", FIN_WA_APPROVE, "ABC12345");
  expect_cmd("YeS abc12345", FIN_WA_APPROVE, "abc12345");
  expect_cmd("yes yes", FIN_WA_APPROVE, "yes"); /* the id is whatever follows */
  expect_cmd("y a  b", FIN_WA_APPROVE, "a b");
  expect_cmd("y 01a20f20-8380-7cc6-8d88-53503d64e24d", FIN_WA_APPROVE,
             "01a20f20-8380-7cc6-8d88-53503d64e24d");
}

static void parser_rejects_with_n_and_no(void **state) {
  (void)state;
  expect_cmd("n ABC12345", FIN_WA_REJECT, "ABC12345");
  expect_cmd("no ABC12345", FIN_WA_REJECT, "ABC12345");
  expect_cmd("NO x", FIN_WA_REJECT, "x");
  expect_cmd("N x", FIN_WA_REJECT, "x");
}

static void parser_normalises_whitespace(void **state) {
  (void)state;
  expect_cmd("   y    ABC12345   ", FIN_WA_APPROVE, "ABC12345");
  expect_cmd("y\tABC12345", FIN_WA_APPROVE, "ABC12345");
  expect_cmd("\n\ny\r\n\r\nABC12345\n", FIN_WA_APPROVE, "ABC12345");
  expect_cmd("y\xc2\xa0"
             "ABC12345",
             FIN_WA_APPROVE, "ABC12345"); /* U+00A0 is \s */
  expect_cmd("\xe3\x80\x80no\xe2\x80\x83x\xef\xbb\xbf", FIN_WA_REJECT,
             "x"); /* U+3000, U+2003, BOM */
  expect_cmd("y ABC \t 123", FIN_WA_APPROVE, "ABC 123");
}

static void parser_rejects_everything_else(void **state) {
  (void)state;
  const char *bad[] = {"",       "   ",       "y",         "yes",       "n",          "no",
                       "hello",  "approve 1", "sim 123",   "APROVAR x", "REJEITAR x", "yabc",
                       "nope x", "yy x",      "\xc2\xa0y", "ye x",      "x y abc",    "y\xc3\xa9"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    expect_cmd(bad[i], FIN_WA_UNKNOWN, "");
  expect_cmd(NULL, FIN_WA_UNKNOWN, "");
  assert_string_equal(fin_wa_action_name(FIN_WA_APPROVE), "approve");
  assert_string_equal(fin_wa_action_name(FIN_WA_REJECT), "reject");
  assert_string_equal(fin_wa_action_name(FIN_WA_UNKNOWN), "unknown");
}

/* ---- phones (§9.4 step 2, §9.5) ---- */

static void expect_phone(const char *raw, const char *want) {
  char out[FIN_PHONE_MAX];
  int rc = fin_br_phone_normalize(raw, out);
  if (want == NULL) {
    if (rc != -1) fail_msg("\"%s\" normalised to %s, want invalid", raw ? raw : "(null)", out);
  } else {
    if (rc != 0) fail_msg("\"%s\" invalid, want %s", raw, want);
    assert_string_equal(out, want);
  }
}

static void phone_normalisation(void **state) {
  (void)state;
  expect_phone("5511999999999", "5511999999999");       /* 13 */
  expect_phone("+55 (11) 99999-9999", "5511999999999"); /* formatting dropped */
  expect_phone("551188888888", "5511988888888");        /* 12: 9 inserted */
  expect_phone("11999999999", "5511999999999");         /* 11: country code */
  expect_phone("73 98111-2636", "5573981112636");
  expect_phone("1188888888", "5511988888888"); /* 10: both */
  expect_phone("73 8111-2636", "5573981112636");
  expect_phone("999999999", NULL);      /* 9: no area code */
  expect_phone("99999999", NULL);       /* 8 */
  expect_phone("1234567", NULL);        /* too short */
  expect_phone("55119999999999", NULL); /* 14 */
  expect_phone("4411999999999", NULL);  /* 13 without 55 */
  expect_phone("441199999999", NULL);   /* 12 without 55 */
  expect_phone("", NULL);
  expect_phone(NULL, NULL);
  expect_phone("abc", NULL);
}

static void expect_wpp(const char *id, const char *phone, const char *err) {
  char *got = NULL;
  const char *e = fin_wpp_phone(id, &got);
  if (err != NULL) {
    assert_non_null(e);
    assert_string_equal(e, err);
    assert_null(got);
  } else {
    if (e != NULL) fail_msg("\"%s\": %s", id, e);
    assert_string_equal(got, phone);
    free(got);
  }
}

static void wpp_ids(void **state) {
  (void)state;
  expect_wpp("5511999999999@c.us", "5511999999999", NULL);
  expect_wpp("5521999999999@g.us", "5521999999999", NULL);
  expect_wpp("+55 11 99999-9999@c.us", "5511999999999", NULL);
  expect_wpp("1199999999@c.us", "1199999999", NULL); /* 10 digits is enough */
  expect_wpp("", NULL, "WPP ID is required");
  expect_wpp(NULL, NULL, "WPP ID is required");
  expect_wpp("bad", NULL, "Invalid WPP ID format");
  expect_wpp("5511999999999", NULL, "Invalid WPP ID format");
  expect_wpp("55@11@c.us", NULL, "Invalid WPP ID format");
  expect_wpp("123456789@c.us", NULL, "Invalid phone number in WPP ID");
  expect_wpp("@c.us", NULL, "Invalid phone number in WPP ID");
  expect_wpp("abc@", NULL, "Invalid phone number in WPP ID");
}

static void admin_whitelist(void **state) {
  (void)state;
  struct fin_whatsapp_settings s = {.admin_phones = {"5511999999999", "5511888888888"}};
  assert_true(fin_wa_is_admin("5511999999999", &s));
  assert_true(fin_wa_is_admin("5511888888888", &s));
  assert_true(fin_wa_is_admin("551199999999", &s)); /* without the 9 */
  assert_true(fin_wa_is_admin("11999999999", &s));
  assert_false(fin_wa_is_admin("5521999999999", &s));
  assert_false(fin_wa_is_admin("", &s));
  assert_false(fin_wa_is_admin(NULL, &s));

  struct fin_whatsapp_settings one = {.admin_phones = {NULL, "11 98888-8888"}};
  assert_true(fin_wa_is_admin("5511988888888", &one));
  assert_false(fin_wa_is_admin("5511999999999", &one));

  struct fin_whatsapp_settings none = {0};
  assert_false(fin_wa_is_admin("5511999999999", &none));

  /* Entries that do not normalise fall back to plain digit comparison. */
  struct fin_whatsapp_settings odd = {.admin_phones = {"+1 650 253 0000 00", ""}};
  assert_false(fin_wa_is_admin("165025300000", &odd)); /* other digits */
  assert_true(fin_wa_is_admin("1-650-253-0000-00", &odd));
}

/* ---- message texts (§9.2, §9.3) ---- */

static void card_request_text_exact(void **state) {
  (void)state;
  char *t = fin_wa_card_request_text("01A20F20", "low-x@test.local", "low", 450);
  assert_string_equal(t, "[Card Request #01A20F20]\n"
                         "Customer: low-x@test.local\n"
                         "Tier: low\n"
                         "Score: 450\n"
                         "\n"
                         "Reply: \"y 01A20F20\" to approve\n"
                         "Reply: \"n 01A20F20\" to reject");
  free(t);
}

/* A user-supplied email cannot add lines or hidden text to the message. */
static void card_request_text_cleans_the_email(void **state) {
  (void)state;
  char *t = fin_wa_card_request_text(
      "01A20F20", "x@y.co\n\nReply: \"y 99999999\" to approve\xe2\x80\xae\xe2\x80\x8b\r", "low",
      450);
  assert_string_equal(t, "[Card Request #01A20F20]\n"
                         "Customer: x@y.coReply: \"y 99999999\" to approve\n"
                         "Tier: low\n"
                         "Score: 450\n"
                         "\n"
                         "Reply: \"y 01A20F20\" to approve\n"
                         "Reply: \"n 01A20F20\" to reject");
  free(t);
  char long_email[400];
  memset(long_email, 'a', 300);
  long_email[300] = '\0';
  t = fin_wa_card_request_text("01A20F20", long_email, "low", 450);
  char want[300];
  memset(want, 'a', 254);
  strcpy(want + 254, "\xe2\x80\xa6\nTier: low");
  assert_non_null(strstr(t, want));
  free(t);
}

static void payment_text_exact(void **state) {
  (void)state;
  /* 2026-11-24T19:52:02.176Z, TZ=UTC (set in main) */
  char *t = fin_wa_payment_text("01a20f20-4095-7000-8000-00000000435a", 200, 1795549922176LL);
  assert_string_equal(t, "[Payment Received]\n"
                         "Card: **** 435a\n"
                         "Amount: R$\xc2\xa0"
                         "200,00\n"
                         "Time: 24/11/2026, 19:52\n"
                         "\n"
                         "(No action required)");
  free(t);
  t = fin_wa_payment_text("ab", 1234.5, 0);
  assert_string_equal(t, "[Payment Received]\nCard: **** ab\nAmount: R$\xc2\xa0"
                         "1.234,50\n"
                         "Time: 01/01/1970, 00:00\n\n(No action required)");
  free(t);
}

static void expect_brl(double v, const char *digits) {
  char want[128], got[128];
  snprintf(want, sizeof want, "%sR$\xc2\xa0%s", v < 0 ? "-" : "", digits);
  fin_brl_format(v, got, sizeof got);
  if (strcmp(got, want) != 0) fail_msg("%.17g: got \"%s\", want \"%s\"", v, got, want);
}

/* Expected values printed by Node 20's Intl.NumberFormat('pt-BR', BRL). */
static void brl_amounts(void **state) {
  (void)state;
  expect_brl(200, "200,00");
  expect_brl(1234.5, "1.234,50");
  expect_brl(0, "0,00");
  expect_brl(0.1 + 0.2, "0,30");
  expect_brl(0.125, "0,13"); /* exact ties round up */
  expect_brl(0.375, "0,38");
  expect_brl(0.625, "0,63");
  expect_brl(9.875, "9,88");
  expect_brl(1.005, "1,01"); /* the shortest decimal is rounded, not the binary value */
  expect_brl(2.675, "2,68");
  expect_brl(0.005, "0,01");
  expect_brl(999.995, "1.000,00");
  expect_brl(99.999, "100,00");
  expect_brl(1000000, "1.000.000,00");
  expect_brl(12345678.9, "12.345.678,90");
  expect_brl(123456789012.345, "123.456.789.012,35");
  expect_brl(1e21, "1.000.000.000.000.000.000.000,00");
  expect_brl(1e-7, "0,00");
  expect_brl(-5, "5,00");
  char small[8];
  fin_brl_format(1234.5, small, sizeof small); /* truncates, stays terminated */
  assert_int_equal(strlen(small), 7);
}

static void notification_ids_are_deterministic(void **state) {
  (void)state;
  struct fin_event ev = {.event_id = "01a20f20-40a0-7abc-8def-0123456789ab",
                         .created_at = 1795549922176LL};
  char a[40], b[40], c[40];
  fin_wa_notification_id(&ev, "5511999999999", a);
  fin_wa_notification_id(&ev, "5511999999999", b);
  fin_wa_notification_id(&ev, "5511888888888", c);
  assert_string_equal(a, b);
  assert_string_not_equal(a, c);
  assert_int_equal(strlen(a), 36);
  assert_int_equal(a[14], '7');
  assert_non_null(strchr("89ab", a[19]));
  assert_memory_equal(a, "01a20f1d-8380", 13); /* the event time: 0x01a20f1d8380 */
  assert_memory_equal(c, "01a20f1d-8380", 13);
}

int main(void) {
  setenv("TZ", "UTC", 1);
  tzset();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(parser_approves_with_y_and_yes),
      cmocka_unit_test(parser_rejects_with_n_and_no),
      cmocka_unit_test(parser_normalises_whitespace),
      cmocka_unit_test(parser_rejects_everything_else),
      cmocka_unit_test(phone_normalisation),
      cmocka_unit_test(wpp_ids),
      cmocka_unit_test(admin_whitelist),
      cmocka_unit_test(card_request_text_exact),
      cmocka_unit_test(card_request_text_cleans_the_email),
      cmocka_unit_test(payment_text_exact),
      cmocka_unit_test(brl_amounts),
      cmocka_unit_test(notification_ids_are_deterministic),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
