/* delay_proxy.c - a TCP proxy on loopback that holds every chunk a client
 * sends for a fixed delay before passing it on, so each request to the
 * store arrives DELAY ms late: DynamoDB Local then answers like a DynamoDB
 * a few milliseconds away. Answers come back at once.
 *
 *   build/delay-proxy LISTEN_PORT UPSTREAM_PORT DELAY_MS
 *
 * Prints "ready" once listening; runs until killed. One thread, epoll and a
 * timerfd. The delay is the same for every chunk, so one FIFO of held
 * chunks, in arrival order, is also in release order: the timer is armed
 * for its head. It is written in C because the bench measures CPU: a proxy
 * in a scripting runtime cost more CPU per call than the server under test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* One proxied connection: the client's socket and the upstream one. */
struct pair {
  int cfd, ufd;
  int held;    /* chunks of this pair still in the FIFO */
  bool dead;   /* closed; freed when held reaches 0 */
  char *out_u; /* bytes the upstream socket did not take yet */
  size_t n_u;
  char *out_c; /* bytes the client socket did not take yet */
  size_t n_c;
};

/* A chunk waiting for its time. */
struct chunk {
  struct chunk *next;
  struct pair *p;
  int64_t due_ns;
  size_t len;
  char data[];
};

/* epoll's data: which end of which pair (the listener and timer are tagged). */
struct end {
  struct pair *p;
  bool upstream;
};

static struct end *ends_of(struct pair *p) {
  return (struct end *)(p + 1); /* [pair][end client][end upstream], one block */
}

static struct chunk *head, *tail;
/* Pairs that ended, freed after the current epoll batch: a later event of
 * the same batch may still name them. */
static struct pair *graveyard[256];
static int n_graves;
static int ep, tfd;
static int64_t delay_ns;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void arm(void) {
  struct itimerspec it = {0};
  if (head != NULL) {
    int64_t wait = head->due_ns - now_ns();
    if (wait < 1000) wait = 1000; /* 0 would disarm */
    it.it_value.tv_sec = wait / 1000000000;
    it.it_value.tv_nsec = wait % 1000000000;
  }
  timerfd_settime(tfd, 0, &it, NULL);
}

static void pair_close(struct pair *p) {
  if (p->dead) return;
  p->dead = true;
  close(p->cfd);
  close(p->ufd);
  free(p->out_u);
  free(p->out_c);
  p->out_u = p->out_c = NULL;
}

static void pair_release(struct pair *p) {
  if (!p->dead || p->held != 0 || p->cfd < 0) return;
  p->cfd = -1;                                                           /* queued once */
  if (n_graves == (int)(sizeof graveyard / sizeof graveyard[0])) return; /* leak, never crash */
  graveyard[n_graves++] = p;
}

/* Writes what fd takes; keeps the rest in (*buf, *n) and asks for EPOLLOUT. */
static bool send_or_keep(int fd, struct end *e, char **buf, size_t *n, const char *d, size_t len) {
  size_t off = 0;
  if (*n == 0) {
    while (off < len) {
      ssize_t w = write(fd, d + off, len - off);
      if (w > 0) {
        off += (size_t)w;
        continue;
      }
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return false;
    }
  }
  if (off == len) return true;
  char *grown = realloc(*buf, *n + len - off);
  if (grown == NULL) return false;
  memcpy(grown + *n, d + off, len - off);
  *buf = grown;
  *n += len - off;
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = e};
  epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
  return true;
}

static bool flush(int fd, struct end *e, char **buf, size_t *n) {
  while (*n > 0) {
    ssize_t w = write(fd, *buf, *n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (w <= 0) return false;
    memmove(*buf, *buf + w, *n - (size_t)w);
    *n -= (size_t)w;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = e};
  epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
  return true;
}

static void release_due(void) {
  uint64_t fired;
  if (read(tfd, &fired, sizeof fired) < 0 && errno != EAGAIN) return;
  int64_t now = now_ns();
  while (head != NULL && head->due_ns <= now + 100000) {
    struct chunk *k = head;
    head = k->next;
    if (head == NULL) tail = NULL;
    struct pair *p = k->p;
    p->held--;
    if (!p->dead) {
      if (!send_or_keep(p->ufd, &ends_of(p)[1], &p->out_u, &p->n_u, k->data, k->len)) pair_close(p);
    }
    free(k);
    pair_release(p);
  }
  arm();
}

static void hold(struct pair *p, const char *d, size_t len) {
  struct chunk *k = malloc(sizeof *k + len);
  if (k == NULL) {
    pair_close(p);
    return;
  }
  k->next = NULL;
  k->p = p;
  k->due_ns = now_ns() + delay_ns;
  k->len = len;
  memcpy(k->data, d, len);
  p->held++;
  bool was_empty = head == NULL;
  if (tail != NULL)
    tail->next = k;
  else
    head = k;
  tail = k;
  if (was_empty) arm();
}

static void accept_one(int lfd, int up_port) {
  int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (cfd < 0) return;
  int ufd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)up_port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  struct pair *p = calloc(1, sizeof *p + 2 * sizeof(struct end));
  /* a blocking connect: on loopback it is done at once */
  if (ufd < 0 || p == NULL || connect(ufd, (struct sockaddr *)&a, sizeof a) != 0 ||
      fcntl(ufd, F_SETFL, O_NONBLOCK) != 0) {
    close(cfd);
    if (ufd >= 0) close(ufd);
    free(p);
    return;
  }
  int one = 1;
  setsockopt(ufd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  p->cfd = cfd;
  p->ufd = ufd;
  struct end *e = ends_of(p);
  e[0] = (struct end){p, false};
  e[1] = (struct end){p, true};
  struct epoll_event ce = {.events = EPOLLIN, .data.ptr = &e[0]};
  struct epoll_event ue = {.events = EPOLLIN, .data.ptr = &e[1]};
  epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ce);
  epoll_ctl(ep, EPOLL_CTL_ADD, ufd, &ue);
}

/* Readable or writable end e: the client's bytes are held, the upstream's
 * go to the client at once. */
static void on_end(struct end *e, uint32_t events) {
  struct pair *p = e->p;
  if (p->dead) return;
  int fd = e->upstream ? p->ufd : p->cfd;
  if (events & EPOLLOUT) {
    bool ok = e->upstream ? flush(fd, e, &p->out_u, &p->n_u) : flush(fd, e, &p->out_c, &p->n_c);
    if (!ok) {
      pair_close(p);
      pair_release(p);
      return;
    }
  }
  if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
  char buf[65536];
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (r <= 0) { /* either side closed: the pair ends */
      pair_close(p);
      pair_release(p);
      return;
    }
    if (!e->upstream)
      hold(p, buf, (size_t)r);
    else if (!send_or_keep(p->cfd, &ends_of(p)[0], &p->out_c, &p->n_c, buf, (size_t)r)) {
      pair_close(p);
      pair_release(p);
      return;
    }
    if (p->dead) return;
  }
}

int main(int argc, char **argv) {
  if (argc != 4 || atoi(argv[1]) <= 0 || atoi(argv[2]) <= 0 || atoi(argv[3]) < 0) {
    fprintf(stderr, "usage: delay-proxy LISTEN_PORT UPSTREAM_PORT DELAY_MS\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  int up_port = atoi(argv[2]);
  delay_ns = (int64_t)atoi(argv[3]) * 1000000;
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 1024) != 0) {
    perror("delay-proxy: listen");
    return 1;
  }
  ep = epoll_create1(EPOLL_CLOEXEC);
  tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  static struct end listener, timer; /* tags: compared by address */
  struct epoll_event le = {.events = EPOLLIN, .data.ptr = &listener};
  struct epoll_event te = {.events = EPOLLIN, .data.ptr = &timer};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &le);
  epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &te);
  printf("ready\n");
  fflush(stdout);
  struct epoll_event evs[128];
  for (;;) {
    int n = epoll_wait(ep, evs, 128, -1);
    for (int i = 0; i < n; i++) {
      struct end *e = evs[i].data.ptr;
      if (e == &listener)
        accept_one(lfd, up_port);
      else if (e == &timer)
        release_due();
      else
        on_end(e, evs[i].events);
    }
    for (int i = 0; i < n_graves; i++)
      free(graveyard[i]);
    n_graves = 0;
  }
}
