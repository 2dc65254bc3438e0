/* test_fs_client.c - the Firestore REST client against a loopback server:
 * an answer cut inside its headers or its body, or a 2xx without a JSON
 * document, is an unknown outcome (FIN_UNAVAILABLE), never an empty result
 * a caller would read as "no such document". */
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

#include "../../adapters/firebase/fs_client.h"
#include "../../adapters/firebase/fs_db.h"
#include "../../core/util/log.h"
#include "fake_http.h"

#define JSON_HEAD "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"

/* A client of the emulator at f. */
static struct fs *fs_on(const struct fake *f) {
  char host[32], err[256];
  snprintf(host, sizeof host, "127.0.0.1:%d", f->port);
  struct fs_cfg cfg = {.emulator_host = host, .project = "demo-test", .timeout_ms = 2000};
  struct fs *fs = fs_new(&cfg, err, sizeof err);
  if (fs == NULL) fail_msg("fs_new: %s", err);
  return fs;
}

static enum fin_status get_with(const char *answer, json_t **doc, struct fin_err *e) {
  const char *const answers[] = {answer};
  struct fake f;
  fake_start(&f, answers, 1);
  struct fs *fs = fs_on(&f);
  enum fin_status st = fs_call(fs, "GET", "/users/u1", NULL, doc, NULL, e);
  fs_unref(fs);
  assert_int_equal(fake_requests(&f), 1); /* sent once: a repeat could apply twice */
  fake_stop(&f);
  return st;
}

static void expect_unknown(const char *answer, const char *why) {
  json_t *doc = NULL;
  struct fin_err e = {0};
  assert_int_equal(get_with(answer, &doc, &e), FIN_UNAVAILABLE);
  assert_null(doc);
  if (strstr(e.msg, why) == NULL) fail_msg("message '%s' lacks '%s'", e.msg, why);
}

static void cut_answers_are_unknown_outcomes(void **state) {
  expect_unknown("RAW|" JSON_HEAD "Content-Le", "ended inside its headers");
  expect_unknown("RAW|" JSON_HEAD "Content-Length: 30\r\n\r\n{\"name\":\"x\"", "unavailable");
  expect_unknown("RAW|" JSON_HEAD "Content-Length: 0\r\n\r\n", "not JSON");
}

static void whole_answer_is_a_document(void **state) {
  json_t *doc = NULL;
  struct fin_err e = {0};
  assert_int_equal(get_with("200|{\"name\":\"x\"}", &doc, &e), FIN_OK);
  assert_string_equal(json_string_value(json_object_get(doc, "name")), "x");
  json_decref(doc);
}

/* A read of named fields sends them as the batchGet's mask (an outbox claim
 * reads three small fields of events whose payload is most of their size)
 * and still matches each answer to its path. */
static void field_reads_send_a_mask(void **state) {
  (void)state;
  static const char *const answers[] = {
      "200|[{\"missing\":\"projects/demo-test/databases/(default)/documents/outbox/e1\"},"
      "{\"found\":{\"name\":\"projects/demo-test/databases/(default)/documents/outbox/e2\","
      "\"updateTime\":\"2026-12-06T10:00:00.000001Z\",\"fields\":{\"status\":{\"stringValue\":"
      "\"pending\"}}}}]"};
  struct fake f;
  fake_start(&f, answers, 1);
  struct fs *fs = fs_on(&f);
  const char *const paths[] = {"outbox/e1", "outbox/e2"};
  const char *const fields[] = {"status", "leaseOwner", NULL};
  json_t *docs[2];
  struct fin_err e = {0};
  assert_int_equal(fs_read_fields(fs, paths, 2, fields, docs, &e), FIN_OK);
  assert_null(docs[0]);
  assert_non_null(docs[1]);
  assert_string_equal(json_string_value(json_object_get(docs[1], "updateTime")),
                      "2026-12-06T10:00:00.000001Z");
  json_t *sent = json_loads(strstr(f.last, "\r\n\r\n") + 4, 0, NULL);
  assert_non_null(sent);
  json_t *mask = json_object_get(json_object_get(sent, "mask"), "fieldPaths");
  assert_int_equal(json_array_size(mask), 2);
  assert_string_equal(json_string_value(json_array_get(mask, 0)), "status");
  assert_string_equal(json_string_value(json_array_get(mask, 1)), "leaseOwner");
  assert_null(json_object_get(sent, "newTransaction"));
  json_decref(sent);
  json_decref(docs[1]);
  fs_unref(fs);
  fake_stop(&f);
}

/* Ids Firestore cannot hold (reserved `__.*__`, over 1500 bytes, besides
 * "/", "." and "..") name no document: a read of one is "not found" without
 * asking, as the other stores answer for an unknown id. The service answers
 * a reserved id with 400 INVALID_ARGUMENT, which made GET /v1/cards/__x__ a
 * 500 in Firebase mode only. */
static void unholdable_ids_name_nothing(void **state) {
  (void)state;
  char long_id[1502];
  memset(long_id, 'x', sizeof long_id - 1);
  long_id[sizeof long_id - 1] = '\0'; /* 1501 bytes */
  const char *const bad[] = {"__x__", "____", "__.*__", "", "a/b", ".", "..", long_id};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char *p = fs_path(2, "users", bad[i]);
    if (p != NULL) fail_msg("fs_path accepted an id Firestore cannot hold: \"%.20s\"", bad[i]);
    p = fs_path(4, "users", "u1", "cards", bad[i]);
    if (p != NULL) fail_msg("fs_path accepted an id Firestore cannot hold: \"%.20s\"", bad[i]);
  }
  long_id[1500] = '\0'; /* 1500 bytes: the longest id */
  const char *const good[] = {"__", "___", "__a", "a__", "__a__b", "a__b__", "#cleanup", long_id};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    char *p = fs_path(2, "users", good[i]);
    if (p == NULL) fail_msg("fs_path refused a valid id: \"%.20s\"", good[i]);
    assert_int_equal(strlen(p), strlen("users/") + strlen(good[i]));
    free(p);
  }

  struct fake f;
  fake_start(&f, NULL, 0);
  struct fs *fs = fs_on(&f);
  json_t *doc = NULL;
  struct fin_err e = {0};
  char *p = fs_path(4, "users", "u1", "cards", "__x__");
  assert_int_equal(fs_read1(fs, p, &doc, &e), FIN_NOT_FOUND);
  assert_null(doc);
  free(p);
  assert_int_equal(fake_requests(&f), 0);
  fs_unref(fs);
  fake_stop(&f);
}

int main(void) {
  fin_log_set_enabled(0);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cut_answers_are_unknown_outcomes),
      cmocka_unit_test(whole_answer_is_a_document),
      cmocka_unit_test(field_reads_send_a_mask),
      cmocka_unit_test(unholdable_ids_name_nothing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
