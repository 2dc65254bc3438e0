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
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
