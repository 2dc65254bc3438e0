/* test_wpp_client.c - the WPP-Connect messenger (adapters/wpp/wpp_client.c)
 * sends with its token and reads the message id; called on a request fiber
 * (the webhook's reply to an admin), it parks only its own fiber while the
 * WPP server answers, so the other requests of its loop thread go on. */
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

#include "../../adapters/wpp/wpp_client.h"
#include "../../core/util/io.h"
#include "fake_http.h"

/* every request gets the same answer: the health probe's thread asks too */
static const char *const answers[] = {
    "200|{\"token\":\"tok-1\",\"status\":true,\"response\":[{\"id\":\"wamid.1\"}]}"};

struct send_job {
  struct fin_job job; /* first */
  struct fin_messenger m;
  enum fin_status st;
  char *id;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int order[2], n_done;

static void done(int id) {
  pthread_mutex_lock(&mu);
  order[n_done++] = id;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
}

static void do_send(struct fin_job *job) {
  struct send_job *j = (struct send_job *)(void *)job;
  struct fin_err e = {0};
  j->st = j->m.ops->send(j->m.self, "5511999999999", "hello", &j->id, &e);
  done(1);
}

static void do_other(struct fin_job *job) {
  (void)job;
  done(2);
}

static void send_on_a_fiber_parks_only_its_fiber(void **state) {
  (void)state;
  struct fake f;
  fake_start(&f, answers, 1);
  char base[64];
  snprintf(base, sizeof base, "http://127.0.0.1:%d", f.port);
  struct send_job sender = {.job.fn = do_send, .m = wpp_messenger_new(base, "key", "sess")};
  struct fin_job other = {.fn = do_other};
  assert_non_null(sender.m.ops);
  struct fin_loops *l = fin_loops_start(1);
  assert_non_null(l);
  assert_true(fin_loops_submit(l, &sender.job));
  assert_true(fin_loops_submit(l, &other));
  pthread_mutex_lock(&mu);
  while (n_done < 2)
    pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  fin_loops_stop(l);
  assert_int_equal(order[0], 2); /* ran while the send waited on the server */
  assert_int_equal(sender.st, FIN_OK);
  assert_string_equal(sender.id, "wamid.1");
  int n = fake_requests(&f);
  pthread_mutex_lock(&f.mu);
  const char *sent = NULL; /* the send, with the token */
  for (int i = 0; i < n && i < 8; i++)
    if (strncmp(f.seen[i], "POST /api/sess/send-message ", 28) == 0) sent = f.seen[i];
  assert_non_null(sent);
  char auth[64];
  assert_string_equal(fake_req_header(sent, "Authorization", auth, sizeof auth), "Bearer tok-1");
  assert_non_null(strstr(sent, "\"phone\":\"5511999999999\""));
  pthread_mutex_unlock(&f.mu);
  free(sender.id);
  sender.m.ops->destroy(sender.m.self);
  fake_stop(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(send_on_a_fiber_parks_only_its_fiber),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
