/* test_eb_publisher.c - the EventBridge publisher (adapters/aws/eb_publisher.c)
 * against a fake EventBridge: PutEvents answers 200 even when some entries
 * were refused, so each event's fate comes from its own entry. An event whose
 * entry carries an ErrorCode, or lacks an EventId, or is missing, must fail,
 * else the outbox would mark it sent and it would be lost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../adapters/aws/eb_publisher.h"

#include "fake_http.h"

#define N_EVENTS 12

static struct fin_event events[N_EVENTS];
static const struct fin_event *ptrs[N_EVENTS];

static struct fin_publisher publisher_on(int port) {
  char url[64], err[256] = "";
  snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
  struct eb_cfg cfg = {.aws = {.endpoint = url,
                               .region = "us-east-1",
                               .access_key_id = "AKIDTEST",
                               .secret_access_key = "secret",
                               .timeout_ms = 2000,
                               .connect_timeout_ms = 500,
                               .max_retries = -1}};
  struct fin_publisher p = eb_publisher_new(&cfg, err, sizeof err);
  if (p.ops == NULL) fail_msg("eb_publisher_new: %s", err);
  return p;
}

static int setup(void **state) {
  (void)state;
  for (int i = 0; i < N_EVENTS; i++) {
    memset(&events[i], 0, sizeof events[i]);
    snprintf(events[i].event_id, sizeof events[i].event_id, "ev-%d", i);
    events[i].event_type = "transaction.purchase";
    events[i].payload = json_pack("{s:i}", "n", i);
    events[i].created_at = 1700000000000;
    ptrs[i] = &events[i];
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  for (int i = 0; i < N_EVENTS; i++)
    json_decref(events[i].payload);
  return 0;
}

/* publish_many of n events against `answers`; errs gets each event's fate */
static int publish(const char *const *answers, int n_answers, size_t n, struct fin_err *errs) {
  struct fake f;
  fake_start(&f, answers, n_answers);
  struct fin_publisher p = publisher_on(f.port);
  for (size_t i = 0; i < n; i++)
    errs[i] = (struct fin_err){.code = FIN_INTERNAL};
  p.ops->publish_many(p.self, ptrs, n, errs);
  p.ops->destroy(p.self);
  int requests = fake_requests(&f);
  fake_stop(&f);
  return requests;
}

/* The Detail consumers read: amounts as JavaScript writes them (1234.56,
 * 0.1, 5), not jansson's 17 digits (1234.5599999999999). */
static void detail_numbers_read_as_written(void **state) {
  (void)state;
  static const char *const ok[] = {"200|{\"Entries\":[{\"EventId\":\"e0\"}]}"};
  json_decref(events[0].payload);
  events[0].payload =
      json_pack("{s:f,s:f,s:f,s:s}", "amount", 1234.56, "fee", 0.1, "limit", 5.0, "cardId", "c1");
  struct fake f;
  fake_start(&f, ok, 1);
  struct fin_publisher p = publisher_on(f.port);
  struct fin_err errs[1] = {{.code = FIN_INTERNAL}};
  p.ops->publish_many(p.self, ptrs, 1, errs);
  p.ops->destroy(p.self);
  assert_int_equal(errs[0].code, FIN_OK);
  json_t *req = json_loads(strstr(f.last, "\r\n\r\n") + 4, 0, NULL);
  fake_stop(&f);
  const char *detail = json_string_value(
      json_object_get(json_array_get(json_object_get(req, "Entries"), 0), "Detail"));
  assert_non_null(detail);
  assert_non_null(strstr(detail, "\"payload\":{\"amount\":1234.56,\"fee\":0.1,\"limit\":5,"));
  json_decref(req);
}

static void a_refused_entry_fails_alone(void **state) {
  (void)state;
  static const char *const answers[] = {
      "200|{\"FailedEntryCount\":1,\"Entries\":[{\"EventId\":\"a\"},"
      "{\"ErrorCode\":\"InternalFailure\",\"ErrorMessage\":\"try later\"},{\"EventId\":\"c\"}]}"};
  struct fin_err errs[3];
  assert_int_equal(publish(answers, 1, 3, errs), 1);
  assert_int_equal(errs[0].code, FIN_OK);
  assert_int_equal(errs[1].code, FIN_UNAVAILABLE);
  assert_non_null(strstr(errs[1].msg, "InternalFailure"));
  assert_int_equal(errs[2].code, FIN_OK);
}

static void entries_without_an_id_or_missing_fail(void **state) {
  (void)state;
  /* the second entry has no EventId, the third is not there at all */
  static const char *const answers[] = {
      "200|{\"FailedEntryCount\":0,\"Entries\":[{\"EventId\":\"a\"},{}]}"};
  struct fin_err errs[3];
  assert_int_equal(publish(answers, 1, 3, errs), 1);
  assert_int_equal(errs[0].code, FIN_OK);
  assert_int_equal(errs[1].code, FIN_UNAVAILABLE);
  assert_int_equal(errs[2].code, FIN_UNAVAILABLE);
}

static void twelve_events_take_two_requests_each_answer_in_place(void **state) {
  (void)state;
  char ten[1024] = "200|{\"FailedEntryCount\":0,\"Entries\":[";
  for (int i = 0; i < 10; i++)
    snprintf(ten + strlen(ten), sizeof ten - strlen(ten), "%s{\"EventId\":\"id-%d\"}", i ? "," : "",
             i);
  strcat(ten, "]}");
  const char *answers[] = {
      ten, "200|{\"FailedEntryCount\":1,\"Entries\":[{\"ErrorCode\":\"ThrottlingException\"},"
           "{\"EventId\":\"id-11\"}]}"};
  struct fin_err errs[N_EVENTS];
  assert_int_equal(publish(answers, 2, N_EVENTS, errs), 2);
  for (int i = 0; i < 10; i++)
    assert_int_equal(errs[i].code, FIN_OK);
  assert_int_equal(errs[10].code, FIN_UNAVAILABLE);
  assert_int_equal(errs[11].code, FIN_OK);
}

static void a_failed_request_fails_every_event(void **state) {
  (void)state;
  static const char *const answers[] = {
      "500|{\"__type\":\"InternalException\",\"message\":\"boom\"}"};
  struct fin_err errs[3];
  assert_int_equal(publish(answers, 1, 3, errs), 1);
  for (int i = 0; i < 3; i++)
    assert_int_not_equal(errs[i].code, FIN_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(detail_numbers_read_as_written, setup, teardown),
      cmocka_unit_test_setup_teardown(a_refused_entry_fails_alone, setup, teardown),
      cmocka_unit_test_setup_teardown(entries_without_an_id_or_missing_fail, setup, teardown),
      cmocka_unit_test_setup_teardown(twelve_events_take_two_requests_each_answer_in_place, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(a_failed_request_fails_every_event, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
