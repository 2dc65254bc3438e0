/* conn_guard.c - per-connection bookkeeping and the request deadline (see
 * conn_guard.h). libmicrohttpd's own timeout is an idle timeout: a client
 * sending one byte every few seconds keeps a connection forever, so a
 * sweeper closes connections whose request did not arrive in time.
 *
 * The sweeper shuts a socket down (it never closes it): MHD then sees the
 * end of the stream and closes the connection on its own thread. The
 * registry lock is held across shutdown() and across fin_conn_close(),
 * which MHD calls before it closes the descriptor, so the descriptor the
 * sweeper touches is always the connection's own.
 *
 * The same lock guards the count of open connections per client address
 * (a small chained hash table; an entry goes when its count reaches 0). */
#include "conn_guard.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../util/log.h"
#include "../util/timefmt.h"

#define DEF_MAX_CONNS 1000
#define DEF_PER_IP 64
#define DEF_TIMEOUT_MS 10000
#define IP_BUCKETS 1024 /* a power of two */

/* since_ms and arrived are written by the connection's thread without the
 * lock (it would be taken three times per request by every thread): since_ms
 * first, then arrived with release, so a sweep that sees the new arrived
 * sees the new since_ms. Seeing an older pair is what a sweep a moment
 * earlier would have seen. */
struct fin_conn {
  int fd;
  _Atomic int64_t since_ms; /* start of the request (or of the idle wait for one) */
  atomic_bool arrived;      /* request complete: being answered */
  bool shut;                /* already shut down by the sweeper; lock held */
  bool counted;             /* holds one of its address's slots */
  bool refused;             /* over its address's limit */
  uint8_t ip_len;           /* 4 or 16: the address below */
  uint8_t ip[16];
  void *request; /* the connection's thread only */
  struct fin_conn *prev, *next;
};

struct ip_count {
  struct ip_count *next;
  unsigned n;
  uint8_t len;
  uint8_t addr[16];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct fin_conn *head;
static pthread_t sweeper;
static bool sweeper_on, sweeper_stop;
static unsigned timeout_ms;
static unsigned per_ip_limit; /* 0: none */
static struct ip_count *ip_table[IP_BUCKETS];

static unsigned env_uint(const char *name, unsigned def, unsigned min) {
  const char *v = getenv(name);
  if (v == NULL || *v == '\0') return def;
  char *end;
  errno = 0;
  unsigned long n = strtoul(v, &end, 10);
  if (errno != 0 || *end != '\0' || v[0] == '-' || n < min || n > UINT_MAX / 2) {
    fin_log("warn", "bad_http_limit", "\"variable\":\"%s\",\"default\":%u", name, def);
    return def;
  }
  return (unsigned)n;
}

void fin_http_limits_from_env(struct fin_http_limits *l) {
  l->max_conns = env_uint("FIN_HTTP_MAX_CONNECTIONS", DEF_MAX_CONNS, 4);
  l->per_ip = env_uint("FIN_HTTP_MAX_CONNECTIONS_PER_IP", DEF_PER_IP, 0);
  l->head_timeout_ms = env_uint("FIN_HTTP_REQUEST_TIMEOUT_MS", DEF_TIMEOUT_MS, 100);
}

void fin_conn_limit_per_ip(unsigned n) {
  pthread_mutex_lock(&lock);
  per_ip_limit = n;
  pthread_mutex_unlock(&lock);
}

/* The address's bytes into c->ip; false for other families (not counted). */
static bool ip_key(struct fin_conn *c, const struct sockaddr *sa) {
  if (sa == NULL) return false;
  if (sa->sa_family == AF_INET) {
    memcpy(c->ip, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    c->ip_len = 4;
    return true;
  }
  if (sa->sa_family == AF_INET6) {
    memcpy(c->ip, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
    c->ip_len = 16;
    return true;
  }
  return false;
}

/* The link holding c's address entry (*link NULL when it has none); lock
 * held. FNV-1a over the address bytes. */
static struct ip_count **ip_link(const struct fin_conn *c) {
  uint32_t h = 2166136261u;
  for (unsigned i = 0; i < c->ip_len; i++)
    h = (h ^ c->ip[i]) * 16777619u;
  struct ip_count **p = &ip_table[h & (IP_BUCKETS - 1)];
  while (*p != NULL && ((*p)->len != c->ip_len || memcmp((*p)->addr, c->ip, c->ip_len) != 0))
    p = &(*p)->next;
  return p;
}

/* Takes one of the address's slots, or marks c refused; lock held. With no
 * memory for a new entry the connection is refused too: a flood must not
 * get past the limit by exhausting memory. */
static void ip_take(struct fin_conn *c) {
  struct ip_count **p = ip_link(c);
  if (*p == NULL) {
    struct ip_count *e = calloc(1, sizeof *e);
    if (e == NULL) {
      c->refused = true;
      return;
    }
    e->len = c->ip_len;
    memcpy(e->addr, c->ip, c->ip_len);
    *p = e;
  }
  if ((*p)->n >= per_ip_limit) {
    c->refused = true;
    return;
  }
  (*p)->n++;
  c->counted = true;
}

/* Gives c's slot back; lock held. */
static void ip_give(struct fin_conn *c) {
  struct ip_count **p = ip_link(c);
  struct ip_count *e = *p;
  if (e == NULL) return;
  if (c->counted && e->n > 0) e->n--;
  if (e->n == 0) {
    *p = e->next;
    free(e);
  }
}

struct fin_conn *fin_conn_open(int fd, const struct sockaddr *peer) {
  struct fin_conn *c = calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  c->fd = fd;
  c->since_ms = fin_now_ms();
  bool keyed = ip_key(c, peer);
  pthread_mutex_lock(&lock);
  if (keyed && per_ip_limit > 0) ip_take(c);
  c->next = head;
  if (head != NULL) head->prev = c;
  head = c;
  pthread_mutex_unlock(&lock);
  return c;
}

void *fin_conn_close(struct fin_conn *c) {
  if (c == NULL) return NULL;
  pthread_mutex_lock(&lock);
  if (c->counted) ip_give(c); /* a refused one holds no slot */
  if (c->prev != NULL)
    c->prev->next = c->next;
  else
    head = c->next;
  if (c->next != NULL) c->next->prev = c->prev;
  pthread_mutex_unlock(&lock);
  void *req = c->request;
  free(c);
  return req;
}

bool fin_conn_refused(const struct fin_conn *c) {
  return c != NULL && c->refused;
}

void fin_conn_set_request(struct fin_conn *c, void *state) {
  if (c == NULL) return;
  c->request = state;
  atomic_store_explicit(&c->since_ms, fin_now_ms(), memory_order_relaxed);
  atomic_store_explicit(&c->arrived, false, memory_order_release);
}

void fin_conn_arrived(struct fin_conn *c) {
  if (c == NULL) return;
  atomic_store_explicit(&c->arrived, true, memory_order_relaxed);
}

/* Shuts down every connection past its deadline; lock held. */
static void sweep(int64_t now) {
  unsigned n = 0;
  for (struct fin_conn *c = head; c != NULL; c = c->next) {
    if (c->shut || atomic_load_explicit(&c->arrived, memory_order_acquire)) continue;
    if (now - atomic_load_explicit(&c->since_ms, memory_order_relaxed) < (int64_t)timeout_ms)
      continue;
    shutdown(c->fd, SHUT_RDWR);
    c->shut = true;
    n++;
  }
  if (n > 0) fin_log("warn", "request_timeout", "\"connections\":%u,\"ms\":%u", n, timeout_ms);
}

static void *sweeper_main(void *arg) {
  (void)arg;
  /* a tenth of the deadline keeps the overshoot small at little cost */
  unsigned tick = timeout_ms / 10 < 50 ? 50 : timeout_ms / 10;
  pthread_mutex_lock(&lock);
  while (!sweeper_stop) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += (long)(tick % 1000) * 1000000L;
    ts.tv_sec += tick / 1000 + ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    pthread_cond_timedwait(&wake, &lock, &ts);
    if (!sweeper_stop) sweep(fin_now_ms());
  }
  pthread_mutex_unlock(&lock);
  return NULL;
}

int fin_conn_sweeper_start(unsigned ms) {
  pthread_mutex_lock(&lock);
  timeout_ms = ms;
  sweeper_stop = false;
  pthread_mutex_unlock(&lock);
  if (pthread_create(&sweeper, NULL, sweeper_main, NULL) != 0) return -1;
  sweeper_on = true;
  return 0;
}

void fin_conn_sweeper_stop(void) {
  if (!sweeper_on) return;
  pthread_mutex_lock(&lock);
  sweeper_stop = true;
  pthread_cond_signal(&wake);
  pthread_mutex_unlock(&lock);
  pthread_join(sweeper, NULL);
  sweeper_on = false;
}
