/* test_outbox_claim.c - the outbox worker claims each event before it
 * delivers it (several instances may share one store): an event another
 * instance holds is left alone, and so are the later events of its entity,
 * so no instance overtakes another within an entity's sequence; once that
 * lease ends (its holder died), the events are delivered in order. On a
 * memory-mode container, "another instance" being a claim made here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../core/app/outbox_worker.h"
#include "../../core/app/records.h"
#include "../../core/util/ids.h"
#include "memory_app.h"

static struct fin_container C;

static void append(const char *entity, fin_ms created, fin_id id) {
  struct fin_event ev = {.event_type = "score.changed",
                         .entity_type = "user",
                         .entity_id = (char *)entity,
                         .ecosystem_id = (char *)entity,
                         .created_at = created,
                         .next_retry_at = created};
  assert_int_equal(fin_uuid_v7(ev.event_id), 0);
  ev.payload = json_pack("{s:s}", "ecosystemId", entity);
  struct fin_write w = {.kind = FIN_W_EVENT_APPEND, .u.event = &ev};
  struct fin_err e = {0};
  assert_int_equal(C.store.ops->commit(C.store.self, &w, 1, &e), FIN_OK);
  json_decref(ev.payload);
  memcpy(id, ev.event_id, sizeof(fin_id));
}

static const char *status_of(const fin_id id) {
  static char status[12];
  struct fin_event ev;
  struct fin_err e = {0};
  assert_int_equal(C.outbox.ops->get(C.outbox.self, id, &ev, &e), FIN_OK);
  memcpy(status, ev.status, sizeof status);
  fin_event_clear(&ev);
  return status;
}

static void held_events_wait_with_their_entity(void **state) {
  fin_ms t = fin_app_now(&C);
  fin_id x1, x2, y1;
  append("entity-x", t - 3, x1);
  append("entity-x", t - 2, x2);
  append("entity-y", t - 1, y1);
  struct fin_err e = {0};
  /* another instance is delivering x1 */
  assert_int_equal(C.outbox.ops->claim(C.outbox.self, x1, "other-instance", t, t + 60000, &e),
                   FIN_OK);
  int sent = 0, failed = 0;
  assert_int_equal(fin_outbox_run_once(&C, &sent, &failed), 0);
  assert_int_equal(sent, 1);
  assert_string_equal(status_of(x1), "pending");
  assert_string_equal(status_of(x2), "pending"); /* not before x1 */
  assert_string_equal(status_of(y1), "sent");

  /* that instance died: its lease ends, and the events go, in order */
  assert_int_equal(C.outbox.ops->claim(C.outbox.self, x1, "other-instance", t, t - 1, &e), FIN_OK);
  assert_int_equal(fin_outbox_run_once(&C, &sent, &failed), 0);
  assert_int_equal(sent, 2);
  struct fin_event *evs = NULL;
  size_t n = 0;
  assert_int_equal(
      C.outbox.ops->list_by_entity(C.outbox.self, "entity-x", "user", "entity-x", &evs, &n, &e),
      FIN_OK);
  assert_int_equal(n, 2);
  bool in_order = strcmp(evs[0].status, "sent") == 0 && strcmp(evs[1].status, "sent") == 0 &&
                  evs[0].sent_at <= evs[1].sent_at;
  fin_event_list_free(evs, n);
  assert_true(in_order);
}

static int claim_calls;
static enum fin_status claim_down(void *self, const char *id, const char *owner, fin_ms now,
                                  fin_ms until, struct fin_err *e) {
  claim_calls++;
  return fin_err_set(e, FIN_UNAVAILABLE, "store down");
}

/* A store that cannot take claims delivers nothing; the batch stops at the
 * first failure instead of trying (and logging) every event. */
static void store_failing_claims_stops_the_batch(void **state) {
  fin_ms t = fin_app_now(&C);
  fin_id a, b;
  append("entity-a", t - 2, a);
  append("entity-b", t - 1, b);
  struct fin_outbox_ops down = *C.outbox.ops;
  down.claim = claim_down;
  down.claim_many = NULL; /* a store that claims event by event */
  const struct fin_outbox_ops *real = C.outbox.ops;
  C.outbox.ops = &down;
  int sent = -1, failed = -1;
  int rc = fin_outbox_run_once(&C, &sent, &failed);
  C.outbox.ops = real;
  assert_int_equal(rc, 0);
  assert_int_equal(sent, 0);
  assert_int_equal(claim_calls, 1);
  assert_string_equal(status_of(a), "pending");
  assert_string_equal(status_of(b), "pending");
}

/* ---- chunks: one claim, one publish per sink request, one mark ---- */
static const struct fin_outbox_ops *real_ops;
static int many_claims, many_marks, one_claims, one_marks;
static enum fin_status many_status = FIN_OK; /* what claim_many answers when not FIN_OK */
static enum fin_status marks_status = FIN_OK;

static enum fin_status count_claim_many(void *self, const char *const *ids, size_t n,
                                        const char *owner, fin_ms now, fin_ms until,
                                        struct fin_err *e) {
  many_claims++;
  if (many_status != FIN_OK) return fin_err_set(e, many_status, "claim_many refused");
  return real_ops->claim_many(self, ids, n, owner, now, until, e);
}
static enum fin_status count_claim(void *self, const char *id, const char *owner, fin_ms now,
                                   fin_ms until, struct fin_err *e) {
  one_claims++;
  return real_ops->claim(self, id, owner, now, until, e);
}
static enum fin_status count_mark_many(void *self, const char *const *ids, size_t n, fin_ms now,
                                       struct fin_err *e) {
  many_marks++;
  if (marks_status != FIN_OK) return fin_err_set(e, marks_status, "mark_sent_many refused");
  return real_ops->mark_sent_many(self, ids, n, now, e);
}
static enum fin_status count_mark(void *self, const char *id, fin_ms now, struct fin_err *e) {
  one_marks++;
  return real_ops->mark_sent(self, id, now, e);
}

/* A sink taking up to 10 events a request that refuses the events named
 * "refused" in their entity id. */
static int sink_requests, sink_events;
static void sink_many(void *self, const struct fin_event *const *evs, size_t n,
                      struct fin_err *errs) {
  for (size_t i = 0; i < n; i += 10)
    sink_requests++;
  for (size_t i = 0; i < n; i++) {
    sink_events++;
    errs[i].code = strstr(evs[i]->entity_id, "refused")
                       ? fin_err_set(&errs[i], FIN_UNAVAILABLE, "refused")
                       : FIN_OK;
  }
}
static enum fin_status sink_one(void *self, const struct fin_event *ev, struct fin_err *e) {
  sink_many(self, &ev, 1, e); /* event by event, after a chunk's claim fell back */
  return e->code;
}
static void sink_destroy(void *self) {}
static const struct fin_publisher_ops sink_ops = {
    .publish = sink_one, .publish_many = sink_many, .destroy = sink_destroy};

static struct fin_outbox_ops counting;
static struct fin_publisher saved_publisher;

static void count_calls(void) {
  real_ops = C.outbox.ops;
  counting = *real_ops;
  counting.claim_many = count_claim_many;
  counting.claim = count_claim;
  counting.mark_sent_many = count_mark_many;
  counting.mark_sent = count_mark;
  C.outbox.ops = &counting;
  saved_publisher = C.publisher;
  C.publisher = (struct fin_publisher){&sink_ops, NULL};
  many_claims = many_marks = one_claims = one_marks = sink_requests = sink_events = 0;
  many_status = marks_status = FIN_OK;
}

static void uncount_calls(void) {
  C.outbox.ops = real_ops;
  C.publisher = saved_publisher;
}

static void append_n(const char *prefix, int n, fin_id *ids) {
  fin_ms t = fin_app_now(&C);
  char entity[40];
  for (int i = 0; i < n; i++) {
    snprintf(entity, sizeof entity, "%s-%d", prefix, i);
    append(entity, t - n + i, ids[i]);
  }
}

static void chunks_take_few_requests(void **state) {
  fin_id ids[30];
  append_n("entity", 30, ids);
  count_calls();
  int sent = 0, failed = 0;
  int rc = fin_outbox_run_once(&C, &sent, &failed);
  uncount_calls();
  assert_int_equal(rc, 0);
  assert_int_equal(sent, 30);
  assert_int_equal(many_claims, 2); /* 25 and 5 */
  assert_int_equal(one_claims, 0);
  assert_int_equal(sink_requests, 3 + 1); /* 10, 10, 5; then 5 */
  assert_int_equal(sink_events, 30);
  assert_int_equal(many_marks, 2);
  assert_int_equal(one_marks, 0);
  for (int i = 0; i < 30; i++)
    assert_string_equal(status_of(ids[i]), "sent");
}

/* The sink refuses one event of the chunk: that one is retried later, the
 * others are sent. */
static void a_refused_event_fails_alone(void **state) {
  fin_id ids[3];
  fin_ms t = fin_app_now(&C);
  append("entity-a", t - 3, ids[0]);
  append("entity-refused", t - 2, ids[1]);
  append("entity-c", t - 1, ids[2]);
  count_calls();
  int sent = 0, failed = 0;
  fin_outbox_run_once(&C, &sent, &failed);
  uncount_calls();
  assert_int_equal(sent, 2);
  assert_int_equal(failed, 1);
  assert_string_equal(status_of(ids[0]), "sent");
  assert_string_equal(status_of(ids[1]), "failed");
  assert_string_equal(status_of(ids[2]), "sent");
}

/* A chunk the store cannot take whole goes event by event; a store that
 * fails the chunk's claim stops the batch after that one request. */
static void chunk_claims_fall_back_or_stop(void **state) {
  fin_id ids[4];
  append_n("entity", 4, ids);
  count_calls();
  many_status = FIN_PRECONDITION;
  int sent = 0, failed = 0;
  fin_outbox_run_once(&C, &sent, &failed);
  assert_int_equal(sent, 4);
  assert_int_equal(many_claims, 1);
  assert_int_equal(one_claims, 4);
  uncount_calls();

  append_n("later", 4, ids);
  count_calls();
  many_status = FIN_UNAVAILABLE;
  int rc = fin_outbox_run_once(&C, &sent, &failed);
  uncount_calls();
  assert_int_equal(rc, 0);
  assert_int_equal(sent, 0);
  assert_int_equal(many_claims, 1);
  assert_int_equal(one_claims, 0);
  for (int i = 0; i < 4; i++)
    assert_string_equal(status_of(ids[i]), "pending");
}

/* When the one mark of the chunk fails, each event is marked alone. */
static void failed_chunk_mark_marks_one_by_one(void **state) {
  fin_id ids[3];
  append_n("entity", 3, ids);
  count_calls();
  marks_status = FIN_UNAVAILABLE;
  int sent = 0, failed = 0;
  fin_outbox_run_once(&C, &sent, &failed);
  uncount_calls();
  assert_int_equal(sent, 3);
  assert_int_equal(many_marks, 1);
  assert_int_equal(one_marks, 3);
  for (int i = 0; i < 3; i++)
    assert_string_equal(status_of(ids[i]), "sent");
}

static int setup(void **state) {
  return memory_app_load(&C);
}

static int teardown(void **state) {
  fin_container_destroy(&C);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(held_events_wait_with_their_entity, setup, teardown),
      cmocka_unit_test_setup_teardown(store_failing_claims_stops_the_batch, setup, teardown),
      cmocka_unit_test_setup_teardown(chunks_take_few_requests, setup, teardown),
      cmocka_unit_test_setup_teardown(a_refused_event_fails_alone, setup, teardown),
      cmocka_unit_test_setup_teardown(chunk_claims_fall_back_or_stop, setup, teardown),
      cmocka_unit_test_setup_teardown(failed_chunk_mark_marks_one_by_one, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
