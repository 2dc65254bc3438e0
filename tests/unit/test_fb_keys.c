/* test_fb_keys.c - Firebase certificate fetching when Google fails: one
 * fetch at a time however many requests need keys, and failed fetches back
 * off (1, 2, 4 ... s) instead of one fetch per request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../adapters/firebase/fb_auth.h"
#include "../../core/util/codec.h"

static atomic_llong now_s = 2000000000LL;
static long long clock_now(void) {
  return atomic_load(&now_s);
}

/* A certificate server that answers every request with 503 after a short
 * delay, counting the requests. */
struct certs_srv {
  int fd, port;
  atomic_int requests;
  atomic_bool stop;
  pthread_t thread;
};

static void *serve(void *arg) {
  struct certs_srv *s = arg;
  while (!atomic_load(&s->stop)) {
    int c = accept(s->fd, NULL, NULL);
    if (c < 0) continue;
    char buf[4096];
    if (read(c, buf, sizeof buf) > 0 && !atomic_load(&s->stop)) {
      atomic_fetch_add(&s->requests, 1);
      usleep(100 * 1000); /* a slow failure: concurrent callers overlap it */
      const char *r = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                      "Connection: close\r\n\r\n";
      ssize_t w = write(c, r, strlen(r));
      (void)w;
    }
    close(c);
  }
  return NULL;
}

static void srv_start(struct certs_srv *s) {
  memset(s, 0, sizeof *s);
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(s->fd, 64), 0);
  assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
  s->port = ntohs(a.sin_port);
  assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void srv_stop(struct certs_srv *s) {
  atomic_store(&s->stop, true);
  shutdown(s->fd, SHUT_RDWR); /* wakes accept() */
  pthread_join(s->thread, NULL);
  close(s->fd);
}

static struct fin_auth make(int port) {
  char url[64], err[256];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/certs", port);
  struct fb_auth_cfg cfg = {
      .project = "demo-acme", .certs_url = url, .timeout_ms = 2000, .now_s = clock_now};
  struct fin_auth a = fb_auth_new(&cfg, err, sizeof err);
  assert_non_null(a.ops);
  return a;
}

/* An RS256 token with a kid: verification needs the certificates. */
static char *signed_token(void) {
  const char *hdr = "{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"JWT\"}";
  const char *body = "{\"sub\":\"u\"}";
  char *h = fin_b64url_encode((const unsigned char *)hdr, strlen(hdr));
  char *p = fin_b64url_encode((const unsigned char *)body, strlen(body));
  char *t = NULL;
  assert_true(asprintf(&t, "%s.%s.c2ln", h, p) > 0);
  free(h), free(p);
  return t;
}

static enum fin_auth_result verify(struct fin_auth a) {
  char *t = signed_token();
  struct fin_principal p;
  char d[256];
  enum fin_auth_result r = a.ops->verify(a.self, t, &p, d, sizeof d);
  free(t);
  return r;
}

struct caller {
  struct fin_auth a;
  enum fin_auth_result r;
};
static void *call(void *arg) {
  struct caller *c = arg;
  c->r = verify(c->a);
  return NULL;
}

static void concurrent_callers_share_one_fetch(void **state) {
  struct certs_srv s;
  srv_start(&s);
  struct fin_auth a = make(s.port);
  struct caller cs[8];
  pthread_t t[8];
  for (int i = 0; i < 8; i++) {
    cs[i] = (struct caller){.a = a};
    assert_int_equal(pthread_create(&t[i], NULL, call, &cs[i]), 0);
  }
  for (int i = 0; i < 8; i++) {
    pthread_join(t[i], NULL);
    assert_int_equal(cs[i].r, FIN_AUTH_UNAVAILABLE);
  }
  assert_int_equal(atomic_load(&s.requests), 1);
  a.ops->destroy(a.self);
  srv_stop(&s);
}

static void failed_fetches_back_off(void **state) {
  struct certs_srv s;
  srv_start(&s);
  struct fin_auth a = make(s.port);
  for (int i = 0; i < 20; i++)
    assert_int_equal(verify(a), FIN_AUTH_UNAVAILABLE);
  assert_int_equal(atomic_load(&s.requests), 1); /* not one per request */
  atomic_fetch_add(&now_s, 1);                   /* first wait: 1 s */
  for (int i = 0; i < 5; i++)
    assert_int_equal(verify(a), FIN_AUTH_UNAVAILABLE);
  assert_int_equal(atomic_load(&s.requests), 2);
  atomic_fetch_add(&now_s, 1); /* second wait is 2 s: not yet */
  assert_int_equal(verify(a), FIN_AUTH_UNAVAILABLE);
  assert_int_equal(atomic_load(&s.requests), 2);
  atomic_fetch_add(&now_s, 1);
  assert_int_equal(verify(a), FIN_AUTH_UNAVAILABLE);
  assert_int_equal(atomic_load(&s.requests), 3);
  /* readiness follows the same rule */
  struct fin_err e = {0};
  assert_int_equal(a.ops->ping(a.self, &e), FIN_UNAVAILABLE);
  assert_int_equal(atomic_load(&s.requests), 3);
  a.ops->destroy(a.self);
  srv_stop(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(concurrent_callers_share_one_fetch),
      cmocka_unit_test(failed_fetches_back_off),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
