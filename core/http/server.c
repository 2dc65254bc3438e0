/* server.c - libmicrohttpd glue: daemon life cycle, signals, per-request
 * state, bounded body reading, and turning a fin_http_out into a response.
 *
 * Threads (workers.h): in remote modes each event-loop thread (core/util/
 * io.h) drives a libmicrohttpd daemon of its own, all accepting on one
 * listening socket. A complete request starts on a fiber of that loop at
 * once; when its store calls wait, the connection is suspended and the loop
 * goes on with others, and the fiber resumes it once the response is
 * filled. Reading, handling and answering thus stay on one thread. With
 * FIN_HTTP_LOOPS=0 each connection has a thread of its own instead, which
 * reads its requests and runs their handlers. With a worker pool
 * (FIN_HTTP_WORKERS) a request is suspended and handed to the pool, which
 * resumes it. Memory mode runs handlers on libmicrohttpd's polling threads. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../util/io.h"
#include "../util/log.h"
#include "../util/timefmt.h"
#include "conn_guard.h"
#include "mw.h"
#include "pipeline.h"
#include "workers.h"

#define DRAIN_MAX (1024 * 1024) /* body bytes swallowed after the limit before closing */
#define GRACE_MS 10000          /* in-flight requests get this long at shutdown */
#define MAX_HOOKS 8
#define IDLE_TIMEOUT_S 30 /* default keep-alive idle limit (FIN_HTTP_IDLE_TIMEOUT_S) */
#define URI_MAX 8192      /* longer request targets get 414 */
#define QUERY_MAX_ARGS 64 /* more query parameters get 414 */

/* Per-request state, created by the URI log callback (which sees the raw
 * URI) and freed in the completion callback. */
struct conn_state {
  struct fin_job job; /* first: the worker gets the state back from it */
  struct MHD_Connection *conn;
  const struct fin_http_app *app;
  const char *method; /* libmicrohttpd's, valid for the request */
  struct fin_http_out out;
  bool ready;     /* out is filled; set by the worker before resuming */
  bool suspended; /* waiting for a worker or a fiber to resume it */
  int64_t start_ms;
  char *path; /* raw path, without the query string */
  char *body;
  size_t len, cap;
  size_t drained;
  unsigned calls; /* backend calls made by the handler */
  bool started;
  bool too_large;
  bool answered;
  int refuse; /* 0, or the status refusing the request head (400, 414) */
};

static atomic_int inflight;
static struct fin_workers *workers; /* NULL: requests run on the polling threads */
static struct fin_loops *loops;     /* or on fibers (core/util/io.h) */
static bool on_loops;               /* set before the loops start: their daemons run requests */
static struct MHD_Daemon *daemons[FIN_LOOPS_MAX]; /* one per loop, or [0] alone */
static unsigned n_daemons;
static const char *start_failure; /* the log event when start_all fails, if not listen_failed */
static const char *port_file;
static volatile sig_atomic_t stop_flag;
static int stop_pipe[2] = {-1, -1};

static struct {
  void (*fn)(void *);
  void *arg;
} hooks[MAX_HOOKS];
static size_t n_hooks;
static pthread_mutex_t hooks_lock = PTHREAD_MUTEX_INITIALIZER;

void fin_server_on_stop(void (*fn)(void *), void *arg) {
  pthread_mutex_lock(&hooks_lock);
  bool ok = n_hooks < MAX_HOOKS;
  if (ok) {
    hooks[n_hooks].fn = fn;
    hooks[n_hooks].arg = arg;
    n_hooks++;
  }
  pthread_mutex_unlock(&hooks_lock);
  if (!ok) fin_log("error", "stop_hook_refused", "\"max\":%d", MAX_HOOKS);
}

void fin_server_request_stop(void) {
  int saved = errno;
  stop_flag = 1;
  if (stop_pipe[1] >= 0) {
    ssize_t w = write(stop_pipe[1], "x", 1);
    (void)w;
  }
  errno = saved;
}

static void on_signal(int sig) {
  (void)sig;
  fin_server_request_stop();
}

/* ---- per-request state ------------------------------------------------ */

static struct conn_state *state_new(const char *uri) {
  struct conn_state *st = calloc(1, sizeof *st);
  if (st == NULL) return NULL;
  size_t n = strcspn(uri, "?");
  st->path = strndup(uri, n);
  if (st->path == NULL) {
    free(st);
    return NULL;
  }
  st->start_ms = fin_now_ms();
  return st;
}

static void state_free(struct conn_state *st) {
  free(st->body);
  free(st->path);
  if (st->answered) atomic_fetch_sub(&inflight, 1);
  free(st);
}

static struct fin_conn *conn_of(struct MHD_Connection *conn) {
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci != NULL ? ci->socket_context : NULL;
}

/* libmicrohttpd 0.9.75 keeps every query parameter in the connection's
 * memory pool; when the pool runs out it neither answers nor completes the
 * request (the client hangs until the timeout). So a target that is too long
 * or has too many parameters is refused with 414, and its query string is
 * cut here, in MHD's own buffer, before MHD parses it (the URI callback runs
 * just before that, and the buffer is MHD's writable read buffer). */
static int uri_refusal(const char *uri) {
  if (strlen(uri) > URI_MAX) return 414;
  const char *q = strchr(uri, '?');
  if (q == NULL) return 0;
  unsigned args = 1;
  for (const char *p = q; (p = strchr(p + 1, '&')) != NULL;)
    if (++args > QUERY_MAX_ARGS) return 414;
  return 0;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn) {
  struct conn_state *st = state_new(uri);
  if (st == NULL) return NULL;
  st->refuse = uri_refusal(uri);
  char *q = strchr(uri, '?');
  if (st->refuse != 0 && q != NULL) q[1] = '\0';
  fin_conn_set_request(conn_of(conn), st);
  return st;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
  struct conn_state *st = *con_cls;
  if (st == NULL) return;
  fin_conn_set_request(conn_of(conn), NULL);
  state_free(st);
  *con_cls = NULL;
}

/* Connection opened / closed. A request whose completion MHD never reported
 * (it happens on some error paths) is freed with its connection. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code) {
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    const union MHD_ConnectionInfo *ai =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    struct fin_conn *c =
        ci != NULL ? fin_conn_open(ci->connect_fd, ai != NULL ? ai->client_addr : NULL) : NULL;
    *socket_context = c;
    if (fin_conn_refused(c)) { /* over its address's limit: ends at the next read */
      shutdown(ci->connect_fd, SHUT_RDWR);
      fin_log("warn", "connection_refused", "\"reason\":\"per_ip_limit\"");
    }
    return;
  }
  struct conn_state *left = fin_conn_close(*socket_context);
  *socket_context = NULL;
  if (left != NULL) state_free(left);
}

/* Appends a piece of body; false = give up on the connection. */
static bool take(struct conn_state *st, const char *data, size_t n) {
  if (st->too_large) {
    st->drained += n;
    return st->drained <= DRAIN_MAX;
  }
  if (n > FIN_BODY_LIMIT - st->len) { /* running total over the limit (chunked) */
    st->too_large = true;
    free(st->body);
    st->body = NULL;
    st->len = st->cap = 0;
    st->drained = n;
    return true;
  }
  if (st->len + n > st->cap) {
    size_t cap = st->cap ? st->cap * 2 : 4096;
    while (cap < st->len + n)
      cap *= 2;
    if (cap > FIN_BODY_LIMIT) cap = FIN_BODY_LIMIT;
    char *b = realloc(st->body, cap);
    if (b == NULL) return false;
    st->body = b;
    st->cap = cap;
  }
  memcpy(st->body + st->len, data, n);
  st->len += n;
  return true;
}

/* ---- responding --------------------------------------------------------- */

static const char *lookup_header(void *ctx, const char *name) {
  return MHD_lookup_connection_value(ctx, MHD_HEADER_KIND, name);
}

static const char *lookup_query(void *ctx, const char *name) {
  return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

static const char *peer_ip(struct MHD_Connection *conn, char *buf, size_t size) {
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (ci == NULL || ci->client_addr == NULL) return NULL;
  const struct sockaddr *sa = ci->client_addr;
  const void *addr = NULL;
  if (sa->sa_family == AF_INET && size >= INET_ADDRSTRLEN) /* inet_ntop's, without sprintf */
    return fin_mw_ipv4_text(&((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf);
  if (sa->sa_family == AF_INET) addr = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
  if (sa->sa_family == AF_INET6) addr = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
  if (addr == NULL || inet_ntop(sa->sa_family, addr, buf, (socklen_t)size) == NULL) return NULL;
  return buf;
}

static void access_log(const char *method, const struct conn_state *st,
                       const struct fin_http_out *out) {
  if (!fin_log_enabled()) return; /* three escapes and a clock read per request */
  struct fin_logline l;
  fin_logline_begin(&l, "info", "request");
  fin_logline_str(&l, "requestId", out->request_id ? out->request_id : "", 160);
  fin_logline_str(&l, "method", method, 32);
  fin_logline_str(&l, "path", st->path, 512);
  fin_logline_int(&l, "status", out->status);
  fin_logline_int(&l, "duration_ms", (long long)(fin_now_ms() - st->start_ms));
  fin_logline_int(&l, "backend_calls", st->calls);
  fin_logline_end_soon(&l);
}

static struct MHD_Response *make_response(struct fin_http_out *out) {
  struct MHD_Response *r;
  if (out->body != NULL && out->body_owned) {
    r = MHD_create_response_from_buffer(out->body_len, (void *)out->body, MHD_RESPMEM_MUST_FREE);
    if (r != NULL) { /* MHD frees the text now */
      out->body_owned = false;
      out->body = NULL;
    }
  } else {
    r = MHD_create_response_from_buffer(out->body_len, (void *)(out->body ? out->body : ""),
                                        MHD_RESPMEM_PERSISTENT);
  }
  if (r == NULL) return NULL;
  /* libmicrohttpd drops a Content-Length the application sets, and sends
   * none with a 204; the preflight's own "0" needs this flag */
  if (out->status == 204)
    MHD_set_response_options(r, MHD_RF_INSANITY_HEADER_CONTENT_LENGTH, MHD_RO_END);
  for (size_t i = 0; i < out->nh; i++)
    MHD_add_response_header(r, out->h[i].name, out->h[i].value);
  if (out->close) MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
  return r;
}

/* Computes the response into st->out; on whichever thread runs it. The
 * connection's headers and arguments are read in place: a suspended
 * connection is left alone by its polling thread. */
static void handle(struct conn_state *st) {
  char ip[INET6_ADDRSTRLEN];
  struct fin_http_in in = {.method = st->method,
                           .path = st->path,
                           .body = st->body,
                           .body_len = st->len,
                           .body_too_large = st->too_large,
                           .refuse = st->refuse,
                           .client_ip = peer_ip(st->conn, ip, sizeof ip),
                           .header = lookup_header,
                           .query = lookup_query,
                           .ctx = st->conn};
  (void)fin_backend_calls_take(); /* this request's count starts here */
  fin_http_handle(st->app, &in, &st->out);
  st->calls = fin_backend_calls_take();
}

/* Queues st->out on the connection (polling thread) and logs the request. */
static enum MHD_Result send_out(struct conn_state *st) {
  struct MHD_Response *r = make_response(&st->out);
  enum MHD_Result ret = MHD_NO;
  if (r != NULL) {
    ret = MHD_queue_response(st->conn, (unsigned)st->out.status, r);
    MHD_destroy_response(r);
  }
  access_log(st->method, st, &st->out);
  fin_http_out_release(&st->out);
  return ret;
}

static void run_job(struct fin_job *job) {
  struct conn_state *st = (struct conn_state *)(void *)job;
  handle(st);
  st->ready = true;           /* published by the resume's lock */
  if (!st->suspended) return; /* finished without waiting: respond() sends it */
  MHD_resume_connection(st->conn);
  fin_loops_source_ready(); /* on a loop: its daemon has work without a wake-up */
}

static enum MHD_Result respond(const struct fin_http_app *app, struct MHD_Connection *conn,
                               struct conn_state *st, const char *method) {
  /* in flight from here: shutdown waits for answers, not for heads that
   * may never be finished */
  st->answered = true;
  atomic_fetch_add(&inflight, 1);
  fin_conn_arrived(conn_of(conn));
  st->conn = conn;
  st->app = app;
  st->method = method;
  if ((workers != NULL || on_loops) && !st->too_large &&
      st->refuse == 0) { /* refusals are answered at once */
    st->job.fn = run_job;
    if (!on_loops) { /* to the pool, which resumes the connection */
      st->suspended = true;
      MHD_suspend_connection(conn);
      if (!fin_workers_submit(workers, &st->job)) run_job(&st->job); /* stopping */
      return MHD_YES;
    }
    /* on a fiber of this daemon's own loop: the same thread, so no lock */
    if (fin_loops_run_here(&st->job)) {
      st->ready = false;
      return send_out(st);
    }
    st->suspended = true; /* the fiber waits: it resumes the connection */
    MHD_suspend_connection(conn);
    return MHD_YES; /* called again once resumed, with st->ready set */
  }
  handle(st);
  return send_out(st);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls) {
  struct conn_state *st = *con_cls;
  if (fin_conn_refused(conn_of(conn))) return MHD_NO; /* over its address's limit */
  if (st == NULL) {                                   /* the URI callback could not allocate */
    if ((st = state_new(url)) == NULL) return MHD_NO;
    *con_cls = st;
    fin_conn_set_request(conn_of(conn), st);
  }
  if (st->answered) {
    if (!st->ready) return MHD_YES;
    st->ready = false;
    return send_out(st);
  }
  if (!st->started) { /* headers only: size the body buffer, refuse early */
    st->started = true;
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    /* both framings at once is how requests are smuggled past a proxy */
    if (cl != NULL && MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding"))
      st->refuse = 400;
    if (st->refuse != 0) return respond(cls, conn, st, method); /* MHD drops any body */
    unsigned long long n = cl ? strtoull(cl, NULL, 10) : 0;
    if (n > FIN_BODY_LIMIT) {
      st->too_large = true;
      return respond(cls, conn, st, method); /* MHD drops the body and closes */
    }
    if (n > 0 && (st->body = malloc((size_t)n)) != NULL) st->cap = (size_t)n;
    return MHD_YES;
  }
  if (*upload_data_size != 0) {
    bool ok = take(st, upload_data, *upload_data_size);
    *upload_data_size = 0;
    return ok ? MHD_YES : MHD_NO;
  }
  return respond(cls, conn, st, method);
}

/* ---- daemon ------------------------------------------------------------- */

static void mhd_logger(void *cls, const char *fmt, va_list ap) {
  char msg[512], esc[600];
  vsnprintf(msg, sizeof msg, fmt, ap);
  msg[strcspn(msg, "\n")] = '\0';
  fin_log("warn", "mhd", "\"message\":\"%s\"", fin_log_esc(msg, esc, sizeof esc));
}

static unsigned pool_size(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 2 ? 2u : (unsigned)n;
}

/* Fills *ss from bind_addr; returns 0 (no address: any IPv4), 4, 6 or -1. */
static int parse_bind(const char *bind_addr, int port, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  if (bind_addr == NULL || bind_addr[0] == '\0') return 0;
  struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
  if (inet_pton(AF_INET, bind_addr, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    return 4;
  }
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET6, bind_addr, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    return 6;
  }
  return -1;
}

/* Seconds a connection may stay silent (FIN_HTTP_IDLE_TIMEOUT_S, 1..3600). */
static unsigned idle_timeout_s(void) {
  const char *env = getenv("FIN_HTTP_IDLE_TIMEOUT_S");
  if (env == NULL || *env == '\0') return IDLE_TIMEOUT_S;
  char *end;
  long v = strtol(env, &end, 10);
  if (*end == '\0' && v >= 1 && v <= 3600) return (unsigned)v;
  fin_log("warn", "config_invalid", "\"name\":\"FIN_HTTP_IDLE_TIMEOUT_S\",\"using\":%d",
          IDLE_TIMEOUT_S);
  return IDLE_TIMEOUT_S;
}

void fin_server_set_port_file(const char *path) {
  port_file = path;
}

/* Writes the bound port to port_file (via a rename, so a reader never sees
 * half a number). */
static int write_port_file(int port) {
  if (port_file == NULL) return 0;
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", port_file) >= (int)sizeof tmp) return -1;
  FILE *f = fopen(tmp, "w");
  if (f == NULL) return -1;
  int ok = fprintf(f, "%d\n", port) > 0;
  ok = (fclose(f) == 0) && ok;
  if (!ok || rename(tmp, port_file) != 0) {
    unlink(tmp);
    return -1;
  }
  return 0;
}

/* Stack of a connection's own thread: handlers keep little on the stack. */
#define CONN_STACK_SIZE ((size_t)512 * 1024)

/* How a daemon runs: on threads of its own (memory mode, a worker pool, a
 * thread per connection), or driven by an event loop (external). */
struct daemon_cfg {
  bool epoll, per_conn, external;
  MHD_socket listen_fd; /* MHD_INVALID_SOCKET: bind the port itself */
  unsigned max_conns;
};

static struct MHD_Daemon *start(const struct fin_http_app *app, int port, const char *bind_addr,
                                const struct daemon_cfg *c) {
  struct sockaddr_storage ss;
  int fam = parse_bind(bind_addr, port, &ss);
  if (fam < 0) return NULL;
  unsigned flags = MHD_USE_ITC | MHD_USE_ERROR_LOG | (fam == 6 ? MHD_USE_IPv6 : 0) |
                   (c->epoll ? MHD_USE_EPOLL | MHD_USE_TURBO : MHD_USE_POLL) |
                   (workers || on_loops ? MHD_ALLOW_SUSPEND_RESUME : 0);
  if (!c->external)
    flags |= MHD_USE_INTERNAL_POLLING_THREAD | (c->per_conn ? MHD_USE_THREAD_PER_CONNECTION : 0);
  /* built item by item: an MHD_OPTION_END inside an array ends it */
  struct MHD_OptionItem opt[6];
  size_t n = 0;
  if (c->listen_fd != MHD_INVALID_SOCKET) {
    opt[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, c->listen_fd, NULL};
  } else {
    opt[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL};
    if (fam > 0) opt[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &ss};
  }
  if (c->per_conn)
    opt[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_STACK_SIZE, CONN_STACK_SIZE, NULL};
  else if (!c->external)
    opt[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, pool_size(), NULL};
  opt[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
  /* the per-address limit is conn_guard's, across daemons */
  return MHD_start_daemon(
      flags, (uint16_t)port, NULL, NULL, on_access, (void *)app, MHD_OPTION_EXTERNAL_LOGGER,
      mhd_logger, NULL, MHD_OPTION_CONNECTION_TIMEOUT, idle_timeout_s(),
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024), MHD_OPTION_URI_LOG_CALLBACK, on_uri,
      NULL, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_NOTIFY_CONNECTION,
      on_connection, NULL, MHD_OPTION_CONNECTION_LIMIT, c->max_conns, MHD_OPTION_ARRAY, opt,
      MHD_OPTION_END);
}

/* ---- daemons driven by the event loops ---------------------------------- */

static void daemon_run(void *d) {
  MHD_run(d);
}

static long daemon_wait_ms(void *d) {
  MHD_UNSIGNED_LONG_LONG t;
  if (MHD_get_timeout(d, &t) != MHD_YES) return -1;
  return t > (MHD_UNSIGNED_LONG_LONG)LONG_MAX ? LONG_MAX : (long)t;
}

static void stop_daemons(void) {
  for (unsigned i = 0; i < n_daemons; i++)
    MHD_stop_daemon(daemons[i]);
  n_daemons = 0;
}

/* A daemon per loop, n of them, the first binding the port and the others
 * accepting on copies of its socket; then the loops that run them. The
 * whole-server connection limit is shared out between them. 0 or -1. */
static int start_on_loops(const struct fin_http_app *app, int port, const char *bind_addr,
                          unsigned n, const struct fin_http_limits *lim) {
  struct fin_loop_source src[FIN_LOOPS_MAX];
  struct daemon_cfg c = {.epoll = true, .external = true, .listen_fd = MHD_INVALID_SOCKET};
  int lfd = -1; /* daemon 0's listening socket, once bound */
  on_loops = true;
  for (n_daemons = 0; n_daemons < n; n_daemons++) {
    unsigned i = n_daemons;
    c.max_conns = lim->max_conns / n + (i < lim->max_conns % n ? 1 : 0);
    if (c.max_conns == 0) c.max_conns = 1;
    if (i == 1) {
      const union MHD_DaemonInfo *li = MHD_get_daemon_info(daemons[0], MHD_DAEMON_INFO_LISTEN_FD);
      /* non-blocking (shared by the copies): the loops race to accept */
      if (li == NULL || fcntl(li->listen_fd, F_SETFL, O_NONBLOCK | fcntl(li->listen_fd, F_GETFL)))
        break;
      lfd = li->listen_fd;
    }
    if (i > 0 && (c.listen_fd = fcntl(lfd, F_DUPFD_CLOEXEC, 0)) < 0) break;
    if ((daemons[i] = start(app, i == 0 ? port : 0, bind_addr, &c)) == NULL) {
      if (c.listen_fd != MHD_INVALID_SOCKET) close(c.listen_fd);
      break;
    }
    const union MHD_DaemonInfo *ei = MHD_get_daemon_info(daemons[i], MHD_DAEMON_INFO_EPOLL_FD);
    src[i] =
        (struct fin_loop_source){ei ? ei->epoll_fd : -1, daemon_run, daemon_wait_ms, daemons[i]};
  }
  if (n_daemons == n && (loops = fin_loops_start_with(n, src)) == NULL)
    start_failure = "loops_failed"; /* the daemons did start */
  if (loops != NULL) return 0;
  stop_daemons();
  on_loops = false;
  return -1;
}

/* Stops the accepting, on each loop's own thread (its daemon is not thread
 * safe); the jobs run before the loops end. */
static struct quiesce {
  struct fin_job job; /* first */
  struct MHD_Daemon *d;
} quiesce_jobs[FIN_LOOPS_MAX];

static void quiesce_run(struct fin_job *job) {
  MHD_socket s = MHD_quiesce_daemon(((struct quiesce *)(void *)job)->d);
  if (s != MHD_INVALID_SOCKET) close(s);
}

static void quiesce_all(void) {
  for (unsigned i = 0; i < n_daemons; i++) {
    quiesce_jobs[i] = (struct quiesce){.job.fn = quiesce_run, .d = daemons[i]};
    if (!fin_loops_submit_to(loops, i, &quiesce_jobs[i].job)) quiesce_run(&quiesce_jobs[i].job);
  }
}

static void wait_for_stop(void) {
  while (!stop_flag) {
    struct pollfd p = {.fd = stop_pipe[0], .events = POLLIN};
    if (poll(&p, 1, 1000) > 0) {
      char buf[16];
      ssize_t r = read(stop_pipe[0], buf, sizeof buf);
      (void)r;
    }
  }
}

static void drain_inflight(void) {
  int64_t deadline = fin_now_ms() + GRACE_MS;
  while (atomic_load(&inflight) > 0 && fin_now_ms() < deadline)
    usleep(10000);
}

static void run_hooks(void) {
  pthread_mutex_lock(&hooks_lock);
  size_t n = n_hooks;
  pthread_mutex_unlock(&hooks_lock);
  for (size_t i = 0; i < n; i++)
    hooks[i].fn(hooks[i].arg);
}

/* Starts the daemons (and the threads running requests) as plan says; false
 * when the port cannot be bound or a thread cannot start. *epoll says what
 * polls the connections. */
static bool start_all(const struct fin_http_app *app, int port, const char *bind_addr,
                      const struct fin_threading *plan, const struct fin_http_limits *lim,
                      bool *epoll) {
  *epoll = !plan->per_conn; /* a connection's own thread polls its one socket */
  if (plan->loops > 0) return start_on_loops(app, port, bind_addr, plan->loops, lim) == 0;
  if (plan->pool > 0 && (workers = fin_workers_start(plan->pool)) == NULL) return false;
  struct daemon_cfg c = {.epoll = *epoll,
                         .per_conn = plan->per_conn,
                         .listen_fd = MHD_INVALID_SOCKET,
                         .max_conns = lim->max_conns};
  daemons[0] = start(app, port, bind_addr, &c);
  if (daemons[0] == NULL && *epoll) {
    *epoll = c.epoll = false;
    daemons[0] = start(app, port, bind_addr, &c);
  }
  n_daemons = daemons[0] != NULL;
  return n_daemons == 1;
}

/* No new connections, the answers still owed given (GRACE_MS), then the
 * threads and daemons ended. */
static void stop_all(void) {
  MHD_socket lsock = MHD_INVALID_SOCKET;
  if (on_loops)
    quiesce_all();
  else
    lsock = MHD_quiesce_daemon(daemons[0]);
  drain_inflight();
  fin_workers_stop(workers); /* what is still running resumes its connection */
  workers = NULL;
  fin_loops_stop(loops);
  loops = NULL;
  stop_daemons();
  on_loops = false;
  if (lsock != MHD_INVALID_SOCKET) close(lsock);
}

int fin_server_run(const struct fin_http_app *app, int port, const char *bind_addr) {
  if (stop_pipe[0] < 0 && pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
  struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term, ign = {.sa_handler = SIG_IGN};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  sigaction(SIGPIPE, &ign, NULL);

  /* pool threads inherit a mask without SIGINT/SIGTERM: the signal lands here */
  sigset_t block, prev;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &prev);
  struct fin_threading plan = fin_workers_plan(app->remote);
  struct fin_http_limits lim;
  fin_http_limits_from_env(&lim);
  fin_conn_limit_per_ip(lim.per_ip);
  bool epoll;
  bool ok = start_all(app, port, bind_addr, &plan, &lim, &epoll);
  pthread_sigmask(SIG_SETMASK, &prev, NULL);
  if (!ok) {
    fin_log("error",
            start_failure   ? start_failure
            : n_daemons > 0 ? "workers_failed"
                            : "listen_failed",
            "\"port\":%d,\"workers\":%u,\"loops\":%u", port, plan.pool, plan.loops);
    stop_daemons();
    fin_workers_stop(workers);
    workers = NULL;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return -1;
  }
  const union MHD_DaemonInfo *bi = MHD_get_daemon_info(daemons[0], MHD_DAEMON_INFO_BIND_PORT);
  int bound = bi ? (int)bi->port : port;
  fin_log("info", "listening",
          "\"port\":%d,\"threads\":%u,\"threadPerConnection\":%s,\"workers\":%u,\"loops\":%u,"
          "\"idleTimeoutS\":%u,\"poll\":\"%s\","
          "\"maxConnections\":%u,\"maxConnectionsPerIp\":%u,\"requestTimeoutMs\":%u",
          bound, plan.loops > 0 ? plan.loops : pool_size(), plan.per_conn ? "true" : "false",
          plan.pool, plan.loops, idle_timeout_s(), epoll ? "epoll" : "poll", lim.max_conns,
          lim.per_ip, lim.head_timeout_ms);
  if (fin_conn_sweeper_start(lim.head_timeout_ms) != 0)
    fin_log("error", "request_timeout_off", NULL); /* serve anyway: the idle timeout remains */
  if (write_port_file(bound) != 0) {
    fin_log("error", "port_file_failed", NULL);
    fin_server_request_stop();
  }

  wait_for_stop();
  fin_log("info", "stopping", "\"inflight\":%d", atomic_load(&inflight));
  stop_all();
  fin_conn_sweeper_stop();
  run_hooks();
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  stop_flag = 0;
  fin_log("info", "stopped", NULL);
  return 0;
}
