/* fake_http.h - a loopback HTTP server for the unit tests of outbound
 * clients (test_aws_http.c, test_fs_client.c): a listening socket on an
 * ephemeral port, one thread per connection, canned answers, requests
 * recorded. Header-only (static functions): each test program includes it
 * once. Needs cmocka, pthread and the socket headers included before it. */
#ifndef FIN_FAKE_HTTP_H
#define FIN_FAKE_HTTP_H

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <time.h>

#define MAX_CONNS 64
#define REQ_MAX 65536

struct fake {
  int fd, port;
  const char *const *answers; /* "status|body" per request, the last repeats */
  int n_answers;              /* 0: read requests and never answer */
  pthread_mutex_t mu;
  int requests, connections; /* under mu */
  int closed;                /* under mu: connections the server ended */
  int hold_until;            /* answers wait until this many requests came (0: none) */
  pthread_cond_t cv;         /* with mu: requests or closed grew */
  char last[REQ_MAX];        /* under mu: the last request, head and body */
  char seen[8][2048];        /* under mu: the first 8 requests, cut at 2047 bytes */
  pthread_t acceptor, handlers[MAX_CONNS];
  int conn_fds[MAX_CONNS];
};

struct handler_arg {
  struct fake *f;
  int fd;
};
/* An answer is "status|body"; "RAW|bytes", sent as they are before the
 * connection is closed (cut answers); "KEEP|bytes", sent as they are on a
 * connection that stays; or "DROP|", the request read and the connection
 * closed without an answer. */

/* Reads one whole request (head + Content-Length body) into buf; returns
 * its length, or -1 when the peer closed. */
static long read_request(int fd, char *buf, size_t size) {
  size_t n = 0;
  for (;;) {
    char *end = n > 0 ? strstr(buf, "\r\n\r\n") : NULL;
    if (end != NULL) {
      const char *cl = strcasestr(buf, "\r\ncontent-length:");
      size_t want = cl ? strtoul(cl + 17, NULL, 10) : 0;
      size_t have = n - (size_t)(end + 4 - buf);
      if (have >= want) return (long)n;
    }
    if (n + 1 >= size) return -1;
    ssize_t m = recv(fd, buf + n, size - 1 - n, 0);
    if (m <= 0) return -1;
    n += (size_t)m;
    buf[n] = '\0';
  }
}

/* Returns once the peer's kernel has acknowledged our FIN (FIN_WAIT2 or
 * later), so a client that looks at its end of the connection sees it
 * closed; gives up after 5 s (the test then fails on what it checks). */
static void fin_acked(int fd) {
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    struct tcp_info ti;
    socklen_t len = sizeof ti;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 || ti.tcpi_state == TCP_FIN_WAIT2 ||
        ti.tcpi_state == TCP_TIME_WAIT || ti.tcpi_state == TCP_CLOSE)
      return;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (t.tv_sec - t0.tv_sec > 5) return;
    sched_yield();
  }
}

static void *handle(void *p) {
  struct handler_arg a = *(struct handler_arg *)p;
  free(p);
  char *buf = malloc(REQ_MAX);
  for (;;) { /* keep-alive: many requests per connection */
    if (read_request(a.fd, buf, REQ_MAX) < 0) break;
    pthread_mutex_lock(&a.f->mu);
    int k = a.f->requests++;
    snprintf(a.f->last, sizeof a.f->last, "%s", buf);
    if (k < 8) snprintf(a.f->seen[k], sizeof a.f->seen[k], "%s", buf);
    pthread_cond_broadcast(&a.f->cv);
    while (a.f->requests < a.f->hold_until) /* answer only once they all came */
      pthread_cond_wait(&a.f->cv, &a.f->mu);
    pthread_mutex_unlock(&a.f->mu);
    if (a.f->n_answers == 0) continue; /* silent: let the client time out */
    const char *ans = a.f->answers[k < a.f->n_answers ? k : a.f->n_answers - 1];
    if (strncmp(ans, "KEEP|", 5) == 0) {
      if (send(a.fd, ans + 5, strlen(ans + 5), MSG_NOSIGNAL) < 0) break;
      continue;
    }
    if (strncmp(ans, "RAW|", 4) == 0 || strncmp(ans, "DROP|", 5) == 0) { /* then hang up */
      if (ans[0] == 'R') send(a.fd, ans + 4, strlen(ans + 4), MSG_NOSIGNAL);
      shutdown(a.fd, SHUT_RDWR);
      fin_acked(a.fd);
      pthread_mutex_lock(&a.f->mu);
      a.f->closed++;
      pthread_cond_broadcast(&a.f->cv);
      pthread_mutex_unlock(&a.f->mu);
      break;
    }
    const char *body = strchr(ans, '|') + 1;
    char out[4096];
    int len = snprintf(out, sizeof out,
                       "HTTP/1.1 %d X\r\nContent-Type: application/x-amz-json-1.0\r\n"
                       "Content-Length: %zu\r\n\r\n%s",
                       atoi(ans), strlen(body), body);
    if (send(a.fd, out, (size_t)len, MSG_NOSIGNAL) < 0) break;
  }
  free(buf);
  return NULL;
}

static void *accept_loop(void *arg) {
  struct fake *f = arg;
  for (;;) {
    int c = accept(f->fd, NULL, NULL);
    if (c < 0) return NULL; /* the listening socket was shut down */
    pthread_mutex_lock(&f->mu);
    int i = f->connections < MAX_CONNS ? f->connections++ : -1;
    if (i >= 0) f->conn_fds[i] = c;
    pthread_mutex_unlock(&f->mu);
    struct handler_arg *a = malloc(sizeof *a);
    if (i < 0 || a == NULL) {
      free(a);
      close(c);
      continue;
    }
    *a = (struct handler_arg){f, c};
    pthread_create(&f->handlers[i], NULL, handle, a);
  }
}

static void fake_start(struct fake *f, const char *const *answers, int n) {
  memset(f, 0, sizeof *f);
  pthread_mutex_init(&f->mu, NULL);
  pthread_cond_init(&f->cv, NULL);
  f->answers = answers;
  f->n_answers = n;
  f->fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  assert_int_equal(bind(f->fd, (struct sockaddr *)&a, sizeof a), 0);
  socklen_t l = sizeof a;
  getsockname(f->fd, (struct sockaddr *)&a, &l);
  f->port = ntohs(a.sin_port);
  assert_int_equal(listen(f->fd, 64), 0);
  pthread_create(&f->acceptor, NULL, accept_loop, f);
}

static void fake_stop(struct fake *f) {
  pthread_mutex_lock(&f->mu); /* answers held for requests that never came go now */
  f->hold_until = 0;
  pthread_cond_broadcast(&f->cv);
  pthread_mutex_unlock(&f->mu);
  shutdown(f->fd, SHUT_RDWR);
  pthread_join(f->acceptor, NULL);
  close(f->fd);
  for (int i = 0; i < f->connections; i++) /* wakes handlers blocked in recv */
    shutdown(f->conn_fds[i], SHUT_RDWR);
  for (int i = 0; i < f->connections; i++) {
    pthread_join(f->handlers[i], NULL);
    close(f->conn_fds[i]);
  }
  pthread_cond_destroy(&f->cv);
  pthread_mutex_destroy(&f->mu);
}

/* Answers wait until n requests came (0: none wait). */
static inline void fake_hold(struct fake *f, int n) {
  pthread_mutex_lock(&f->mu);
  f->hold_until = n;
  pthread_mutex_unlock(&f->mu);
}

static inline int fake_connections(struct fake *f) {
  pthread_mutex_lock(&f->mu);
  int n = f->connections;
  pthread_mutex_unlock(&f->mu);
  return n;
}

/* Returns once the server has ended n connections (RAW or DROP answers)
 * and the client's side has seen each end (its FIN acknowledged). */
static inline void fake_wait_closed(struct fake *f, int n) {
  pthread_mutex_lock(&f->mu);
  while (f->closed < n)
    pthread_cond_wait(&f->cv, &f->mu);
  pthread_mutex_unlock(&f->mu);
}

/* The value of header `name` in the recorded request req into out, or
 * NULL when it has none. */
static inline const char *fake_req_header(const char *req, const char *name, char *out,
                                          size_t size) {
  char key[80];
  snprintf(key, sizeof key, "\r\n%s:", name);
  const char *h = strcasestr(req, key);
  if (h == NULL) return NULL;
  h += strlen(key);
  while (*h == ' ')
    h++;
  snprintf(out, size, "%.*s", (int)strcspn(h, "\r"), h);
  return out;
}

static inline int fake_requests(struct fake *f) {
  pthread_mutex_lock(&f->mu);
  int n = f->requests;
  pthread_mutex_unlock(&f->mu);
  return n;
}

#endif
