/* aws_wire.c - HTTP/1.1 exchanges on kept connections (see aws_wire.h). */
#include "aws_wire.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../../core/util/io.h"
#include "../../core/util/timefmt.h"

#define POOL_MAX 64
#define HEAD_MAX 16384

struct wire {
  struct sockaddr_storage addr;
  socklen_t addr_len;
  int family;
  pthread_mutex_t mu;
  int idle[POOL_MAX];
  int n_idle;
};

/* Host and port as libcurl reads the URL (userinfo, brackets, default
 * port), so both clients connect to the same place. 0, or -1. */
static int host_port(const char *endpoint, char *host, size_t hsize, char *port, size_t psize) {
  CURLU *u = curl_url();
  char *h = NULL, *pt = NULL;
  int rc = -1;
  if (u != NULL && curl_url_set(u, CURLUPART_URL, endpoint, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_PORT, &pt, CURLU_DEFAULT_PORT) == CURLUE_OK) {
    size_t n = strlen(h);
    const char *b = h;
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') b = h + 1, n -= 2; /* "[::1]" */
    if (n > 0 && n < hsize && strlen(pt) < psize) {
      memcpy(host, b, n);
      host[n] = '\0';
      strcpy(port, pt);
      rc = 0;
    }
  }
  curl_free(h);
  curl_free(pt);
  curl_url_cleanup(u);
  return rc;
}

struct wire *wire_new(const char *endpoint) {
  char host[256], port[8];
  if (strncmp(endpoint, "http://", 7) != 0 ||
      host_port(endpoint, host, sizeof host, port, sizeof port) != 0)
    return NULL;
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
  if (getaddrinfo(host, port, &hints, &ai) != 0 || ai == NULL) return NULL;
  struct wire *w = calloc(1, sizeof *w);
  if (w != NULL) {
    memcpy(&w->addr, ai->ai_addr, ai->ai_addrlen);
    w->addr_len = ai->ai_addrlen;
    w->family = ai->ai_family;
    pthread_mutex_init(&w->mu, NULL);
  }
  freeaddrinfo(ai);
  return w;
}

void wire_free(struct wire *w) {
  if (w == NULL) return;
  for (int i = 0; i < w->n_idle; i++)
    close(w->idle[i]);
  pthread_mutex_destroy(&w->mu);
  free(w);
}

static int take(struct wire *w) {
  pthread_mutex_lock(&w->mu);
  int fd = w->n_idle > 0 ? w->idle[--w->n_idle] : -1;
  pthread_mutex_unlock(&w->mu);
  return fd;
}

static void give(struct wire *w, int fd) {
  pthread_mutex_lock(&w->mu);
  if (w->n_idle < POOL_MAX) {
    w->idle[w->n_idle++] = fd;
    fd = -1;
  }
  pthread_mutex_unlock(&w->mu);
  if (fd >= 0) close(fd);
}

/* A new connection, or -1 with r filled. */
static int dial(struct wire *w, long connect_ms, struct wire_result *r) {
  int fd = socket(w->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    r->rc = CURLE_COULDNT_CONNECT;
    r->os_errno = errno;
    return -1;
  }
  /* as aws_http.c sets libcurl: no Nagle delay, and a kept connection
   * whose peer vanished is found out while it idles */
  int one = 1, idle_s = 30, intvl_s = 15;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle_s, sizeof idle_s);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl_s, sizeof intvl_s);
  if (connect(fd, (struct sockaddr *)&w->addr, w->addr_len) != 0) {
    if (errno != EINPROGRESS) {
      r->rc = CURLE_COULDNT_CONNECT;
      r->os_errno = errno;
      close(fd);
      return -1;
    }
    int ev = fin_io_wait_fd(fd, POLLOUT, fin_mono_ms() + connect_ms);
    int err = 0;
    socklen_t el = sizeof err;
    if (ev == 0) {
      r->rc = CURLE_OPERATION_TIMEDOUT;
      close(fd);
      return -1;
    }
    if (ev < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
      r->rc = CURLE_COULDNT_CONNECT;
      r->os_errno = err != 0 ? err : errno;
      close(fd);
      return -1;
    }
  }
  return fd;
}

/* After a read or write that would block: waits for ev on fd until the
 * deadline. true: go on; false: r->rc says why not (the deadline, or
 * `fail`). */
static bool wait_more(int fd, short ev, int64_t deadline, CURLcode fail, struct wire_result *r) {
  int got = fin_io_wait_fd(fd, ev, deadline);
  if (got > 0) return true;
  r->rc = got == 0 ? CURLE_OPERATION_TIMEDOUT : fail;
  return false;
}

/* Writes every byte of the two pieces; 0, or -1 with r filled. */
static int send_all(int fd, const char *a, size_t an, const char *b, size_t bn, int64_t deadline,
                    struct wire_result *r) {
  size_t off = 0, total = an + bn;
  while (off < total) {
    struct iovec iov[2];
    int k = 0;
    if (off < an) iov[k++] = (struct iovec){(void *)(a + off), an - off};
    size_t boff = off > an ? off - an : 0;
    if (bn > boff) iov[k++] = (struct iovec){(void *)(b + boff), bn - boff};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)k};
    ssize_t s = sendmsg(fd, &m, MSG_NOSIGNAL);
    if (s > 0) {
      off += (size_t)s;
      r->sent = true;
      continue;
    }
    if (s < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (wait_more(fd, POLLOUT, deadline, CURLE_SEND_ERROR, r)) continue;
      return -1;
    }
    r->rc = CURLE_SEND_ERROR;
    r->os_errno = errno;
    return -1;
  }
  return 0;
}

/* A chunked body, decoded as it arrives (RFC 9112 §7.1); trailers are read
 * and dropped. */
struct chunker {
  enum { CH_SIZE, CH_DATA, CH_DATA_END, CH_TRAILER } st;
  unsigned long long left; /* CH_DATA: bytes of this chunk still to come */
  int digits;              /* CH_SIZE: hex digits read so far */
  bool ext;                /* CH_SIZE: inside a chunk extension */
  size_t line;             /* CH_TRAILER: bytes of the current line */
};

/* Feeds n bytes; 1 when the body ended (*used: bytes taken), 0 when more
 * are needed, -1 when the framing is broken, -2 when out refused a piece. */
static int chunked_feed(struct chunker *c, const char *p, size_t n, size_t *used,
                        struct fin_http_buf *out) {
  size_t i = 0;
  while (i < n) {
    char ch = p[i];
    switch (c->st) {
    case CH_SIZE:
      i++;
      if (ch == '\n') {
        if (c->digits == 0) return -1;
        c->st = c->left > 0 ? CH_DATA : CH_TRAILER;
        c->digits = 0, c->ext = false, c->line = 0;
      } else if (c->ext || ch == '\r') {
      } else if (ch == ';' || ch == ' ' || ch == '\t') {
        c->ext = true;
      } else {
        int v = ch >= '0' && ch <= '9'   ? ch - '0'
                : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                         : -1;
        if (v < 0 || ++c->digits > 15) return -1;
        c->left = c->left * 16 + (unsigned long long)v;
      }
      break;
    case CH_DATA: {
      size_t take = n - i < c->left ? n - i : (size_t)c->left;
      if (fin_http_buf_write((char *)p + i, 1, take, out) != take) return -2;
      i += take;
      c->left -= take;
      if (c->left == 0) c->st = CH_DATA_END;
      break;
    }
    case CH_DATA_END: /* the CRLF after a chunk's data */
      i++;
      if (ch == '\n')
        c->st = CH_SIZE;
      else if (ch != '\r')
        return -1;
      break;
    case CH_TRAILER:
      i++;
      if (ch == '\n') {
        if (c->line == 0) {
          *used = i;
          return 1;
        }
        c->line = 0;
      } else if (ch != '\r') {
        c->line++;
      }
      break;
    }
  }
  *used = i;
  return 0;
}

/* The head's lines to hd (fin_http_head_write), and what framing says. */
static void parse_head(char *p, size_t n, struct fin_http_head *hd, long *status, bool *chunked,
                       bool *close_after) {
  char *end = p + n;
  char *line = p;
  bool first = true;
  while (line < end) {
    char *eol = memchr(line, '\n', (size_t)(end - line));
    size_t len = eol ? (size_t)(eol - line) + 1 : (size_t)(end - line);
    if (first) {
      *status = len > 12 ? strtol(line + 9, NULL, 10) : 0;
      if (len > 8 && memcmp(line, "HTTP/1.0", 8) == 0) *close_after = true;
      first = false;
    } else if (len > 18 && strncasecmp(line, "transfer-encoding:", 18) == 0) {
      *chunked = true;
    } else if (len > 11 && strncasecmp(line, "connection:", 11) == 0) {
      for (size_t i = 11; i + 5 <= len; i++)
        if (strncasecmp(line + i, "close", 5) == 0) *close_after = true;
    }
    fin_http_head_write(line, 1, len, hd);
    line += len;
  }
}

/* The rest of a chunked answer: `have` bytes already read, then fd. */
static int read_chunked(int fd, const char *have, size_t n_have, int64_t deadline,
                        struct fin_http_buf *out, struct wire_result *r, bool *keep,
                        bool close_after) {
  struct chunker c = {0};
  size_t used;
  int st = n_have > 0 ? chunked_feed(&c, have, n_have, &used, out) : 0;
  if (st == 1 && used < n_have) close_after = true; /* bytes past the answer */
  char chunk[16384];
  while (st == 0) {
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      st = chunked_feed(&c, chunk, (size_t)n, &used, out);
      if (st == 1 && used < (size_t)n) close_after = true; /* bytes past the answer */
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (wait_more(fd, POLLIN, deadline, CURLE_RECV_ERROR, r)) continue;
      return -1;
    }
    r->rc = n == 0 ? CURLE_PARTIAL_FILE : CURLE_RECV_ERROR;
    return -1;
  }
  if (st < 0) {
    r->rc = st == -2 ? CURLE_WRITE_ERROR : CURLE_RECV_ERROR;
    if (st == -1) snprintf(r->detail, sizeof r->detail, "bad chunked framing");
    return -1;
  }
  *keep = !close_after;
  r->rc = CURLE_OK;
  return 0;
}

/* One attempt on fd. Returns 0 when an answer was read whole (keep says
 * whether fd may serve again), 1 when the connection died before any answer
 * byte (worth one more try on a fresh one), -1 otherwise (r filled). */
static int attempt(int fd, const char *head, size_t head_len, const char *body, size_t len,
                   int64_t deadline, struct fin_http_head *hd, struct fin_http_buf *out,
                   struct wire_result *r, bool *keep) {
  *keep = false;
  if (send_all(fd, head, head_len, body, len, deadline, r) != 0)
    return r->rc == CURLE_SEND_ERROR && !r->sent ? 1 : -1;
  /* the answer is never in yet: wait first, which spares a recv that
   * finds nothing (a hang-up reads as ready too, and then as EOF below) */
  if (!wait_more(fd, POLLIN, deadline, CURLE_RECV_ERROR, r)) return -1;
  char buf[HEAD_MAX];
  size_t got = 0, head_end = 0;
  while (head_end == 0) {
    if (got == sizeof buf) {
      r->rc = CURLE_RECV_ERROR;
      snprintf(r->detail, sizeof r->detail, "answer head over %d bytes", HEAD_MAX);
      return -1;
    }
    ssize_t n = recv(fd, buf + got, sizeof buf - got, 0);
    if (n > 0) {
      size_t from = got > 3 ? got - 3 : 0;
      got += (size_t)n;
      for (size_t i = from; i + 3 < got; i++)
        if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
          head_end = i + 4;
          break;
        }
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (wait_more(fd, POLLIN, deadline, CURLE_RECV_ERROR, r)) continue;
      return -1;
    }
    if (got == 0) return 1; /* closed (or reset) before answering */
    r->rc = CURLE_OK;       /* cut inside the head: hd->done stays false */
    return -1;
  }
  long status = 0;
  bool chunked = false, close_after = false;
  parse_head(buf, head_end, hd, &status, &chunked, &close_after);
  r->status = status;
  if (chunked)
    return read_chunked(fd, buf + head_end, got - head_end, deadline, out, r, keep, close_after);
  long long want = hd->content_length;
  if (got > head_end && fin_http_buf_write(buf + head_end, 1, got - head_end, out) == 0) {
    r->rc = CURLE_WRITE_ERROR;
    return -1;
  }
  while (want < 0 || (long long)out->n < want) {
    char chunk[16384];
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      if (fin_http_buf_write(chunk, 1, (size_t)n, out) == 0) {
        r->rc = CURLE_WRITE_ERROR;
        return -1;
      }
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (wait_more(fd, POLLIN, deadline, CURLE_RECV_ERROR, r)) continue;
      return -1;
    }
    if (want < 0 && n == 0) break; /* the body ends with the connection */
    r->rc = n == 0 ? CURLE_PARTIAL_FILE : CURLE_RECV_ERROR;
    return -1;
  }
  if (want >= 0 && (long long)out->n > want) { /* more than announced */
    r->rc = CURLE_RECV_ERROR;
    return -1;
  }
  *keep = !close_after && want >= 0;
  r->rc = CURLE_OK;
  return 0;
}

void wire_exchange(struct wire *w, const char *head, size_t head_len, const char *body, size_t len,
                   long timeout_ms, long connect_ms, struct fin_http_head *hd,
                   struct fin_http_buf *out, struct wire_result *r) {
  memset(r, 0, sizeof *r);
  int64_t deadline = fin_mono_ms() + timeout_ms;
  for (int tries = 0; tries < 2; tries++) {
    int fd = take(w);
    bool fresh = fd < 0;
    if (fresh && (fd = dial(w, connect_ms, r)) < 0) return;
    bool keep;
    r->sent = false;
    int rc = attempt(fd, head, head_len, body, len, deadline, hd, out, r, &keep);
    if (rc == 0 && keep)
      give(w, fd);
    else
      close(fd);
    if (rc == 1 && !fresh) { /* a kept connection the server had closed */
      fin_http_head_reset(hd);
      continue;
    }
    if (rc == 1) r->rc = r->sent ? CURLE_GOT_NOTHING : CURLE_SEND_ERROR;
    return;
  }
}
