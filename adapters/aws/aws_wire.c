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
#define ADDRS_MAX 4

struct wire {
  struct sockaddr_storage addr[ADDRS_MAX]; /* in getaddrinfo's order, tried in turn */
  socklen_t addr_len[ADDRS_MAX];
  int family[ADDRS_MAX];
  int n_addr;
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
  for (struct addrinfo *a = ai; w != NULL && a != NULL && w->n_addr < ADDRS_MAX; a = a->ai_next) {
    if (a->ai_addrlen > sizeof w->addr[0]) continue;
    memcpy(&w->addr[w->n_addr], a->ai_addr, a->ai_addrlen);
    w->addr_len[w->n_addr] = a->ai_addrlen;
    w->family[w->n_addr++] = a->ai_family;
  }
  freeaddrinfo(ai);
  if (w != NULL && w->n_addr == 0) {
    free(w);
    return NULL;
  }
  if (w != NULL) pthread_mutex_init(&w->mu, NULL);
  return w;
}

void wire_free(struct wire *w) {
  if (w == NULL) return;
  for (int i = 0; i < w->n_idle; i++)
    close(w->idle[i]);
  pthread_mutex_destroy(&w->mu);
  free(w);
}

/* An idle connection that is still open and quiet, or -1. One the server
 * has closed meanwhile (its idle timeout) reads as EOF, and one with bytes
 * nobody asked for is out of step: both are closed here, before a request
 * is risked on them, as libcurl checks a connection before reusing it. */
static int take(struct wire *w) {
  for (;;) {
    pthread_mutex_lock(&w->mu);
    int fd = w->n_idle > 0 ? w->idle[--w->n_idle] : -1;
    pthread_mutex_unlock(&w->mu);
    if (fd < 0) return -1;
    char c;
    if (recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return fd;
    close(fd);
  }
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

/* A connection to address i, or -1 with r filled. */
static int dial_one(struct wire *w, int i, int64_t until, struct wire_result *r) {
  int fd = socket(w->family[i], SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
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
  /* a non-blocking connect interrupted by a signal goes on regardless */
  if (connect(fd, (struct sockaddr *)&w->addr[i], w->addr_len[i]) != 0 && errno != EINPROGRESS &&
      errno != EINTR) {
    r->rc = CURLE_COULDNT_CONNECT;
    r->os_errno = errno;
    close(fd);
    return -1;
  }
  int ev = fin_io_wait_fd(fd, POLLOUT, until);
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
  return fd;
}

/* A new connection to the first address that takes one (a host with an
 * IPv6 and an IPv4 address may listen on one of them only), within
 * connect_ms and the exchange's deadline; or -1 with r filled. */
static int dial(struct wire *w, long connect_ms, int64_t deadline, struct wire_result *r) {
  int64_t until = fin_mono_ms() + connect_ms;
  if (until > deadline) until = deadline;
  r->rc = CURLE_COULDNT_CONNECT;
  for (int i = 0; i < w->n_addr; i++) {
    int fd = dial_one(w, i, until, r);
    if (fd >= 0 || r->rc == CURLE_OPERATION_TIMEDOUT) return fd;
  }
  return -1;
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
    r->os_errno = s < 0 ? errno : 0;
    return -1;
  }
  return 0;
}

/* A chunked body, decoded as it arrives (RFC 9112 §7.1); trailers are read
 * and dropped. */
struct chunker {
  enum { CH_SIZE, CH_DATA, CH_DATA_END, CH_TRAILER } st;
  unsigned long long left; /* CH_SIZE: the size so far; CH_DATA: bytes still to come */
  int digits;              /* CH_SIZE: hex digits after the leading zeros */
  bool any, ext, cr;       /* CH_SIZE: a digit read; in an extension; a CR read */
  size_t line;             /* CH_TRAILER: bytes of the current line */
};

static int hex_digit(char ch) {
  return ch >= '0' && ch <= '9'   ? ch - '0'
         : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
         : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                  : -1;
}

/* One byte of a chunk-size line; 0, or -1 when the framing is broken. */
static int size_byte(struct chunker *c, char ch) {
  if (c->cr && ch != '\n') return -1; /* a CR only ends the line */
  if (ch == '\n') {
    if (!c->any) return -1;
    c->st = c->left > 0 ? CH_DATA : CH_TRAILER;
    c->digits = 0, c->any = c->ext = c->cr = false, c->line = 0;
  } else if (ch == '\r') {
    c->cr = true;
  } else if (c->ext) {
  } else if (ch == ';' || ch == ' ' || ch == '\t') {
    c->ext = true;
  } else {
    int v = hex_digit(ch);
    if (v < 0 || ((c->left > 0 || v > 0) && ++c->digits > 15)) return -1;
    c->any = true;
    c->left = c->left * 16 + (unsigned long long)v;
  }
  return 0;
}

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
      if (size_byte(c, ch) != 0) return -1;
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

/* What an answer's head says of its body (RFC 9112 §6.3). */
struct framing {
  long status;      /* 0: the first line is not an HTTP/1.x status line */
  bool te, chunked; /* Transfer-Encoding, and whether its last coding is chunked */
  bool close_after; /* HTTP/1.0, or Connection: close */
  bool bad_length;  /* a Content-Length that is not one decimal number */
  long long length; /* Content-Length; -1: none */
};

/* A Content-Length value (blanks around digits), or -1 when it is not one. */
static long long length_of(const char *v, const char *end) {
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  long long n = 0;
  int digits = 0;
  for (; v < end && *v >= '0' && *v <= '9'; v++) {
    if (++digits > 18) return -1;
    n = n * 10 + (*v - '0');
  }
  while (v < end && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n'))
    v++;
  return digits > 0 && v == end ? n : -1;
}

/* Whether the last coding of a Transfer-Encoding value is chunked. */
static bool ends_chunked(const char *v, const char *end) {
  while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
    end--;
  const char *last = end;
  while (last > v && last[-1] != ',')
    last--;
  while (last < end && (*last == ' ' || *last == '\t'))
    last++;
  return end - last == 7 && strncasecmp(last, "chunked", 7) == 0;
}

/* The head's lines to hd (fin_http_head_write), and its framing to f. */
static void parse_head(char *p, size_t n, struct fin_http_head *hd, struct framing *f) {
  *f = (struct framing){.length = -1};
  char *end = p + n;
  for (char *line = p; line < end;) {
    char *eol = memchr(line, '\n', (size_t)(end - line));
    size_t len = eol ? (size_t)(eol - line) + 1 : (size_t)(end - line);
    if (line == p) {
      if (len > 12 && memcmp(line, "HTTP/1.", 7) == 0) f->status = strtol(line + 9, NULL, 10);
      if (len > 8 && memcmp(line, "HTTP/1.0", 8) == 0) f->close_after = true;
    } else if (len > 18 && strncasecmp(line, "transfer-encoding:", 18) == 0) {
      f->te = true;
      f->chunked = ends_chunked(line + 18, line + len);
    } else if (len > 15 && strncasecmp(line, "content-length:", 15) == 0) {
      long long v = length_of(line + 15, line + len);
      if (v < 0 || (f->length >= 0 && f->length != v))
        f->bad_length = true;
      else
        f->length = v;
    } else if (len > 11 && strncasecmp(line, "connection:", 11) == 0) {
      for (size_t i = 11; i + 5 <= len; i++)
        if (strncasecmp(line + i, "close", 5) == 0) f->close_after = true;
    }
    fin_http_head_write(line, 1, len, hd);
    line += len;
  }
}

/* Where the head in b[0, got) ends (after its blank line; bare LFs are
 * taken as line ends too, as libcurl does), 0 when not yet; from: where a
 * line end may start that an earlier look did not see whole. */
static size_t head_end_in(const char *b, size_t from, size_t got) {
  for (size_t i = from; i < got; i++)
    if (b[i] == '\n') {
      if (i + 1 < got && b[i + 1] == '\n') return i + 2;
      if (i + 2 < got && b[i + 1] == '\r' && b[i + 2] == '\n') return i + 3;
    }
  return 0;
}

/* Reads into buf (*got bytes in it already) until it holds a whole head:
 * returns the head's length; 0 when the connection ended before any byte
 * (r->rc set); -1 otherwise, with r filled (a head cut short reads as
 * CURLE_OK with hd->done false, as libcurl reports it). */
static long read_head(int fd, char *buf, size_t *got, int64_t deadline, struct wire_result *r) {
  size_t from = 0;
  for (;;) {
    size_t end = head_end_in(buf, from, *got);
    if (end > 0) return (long)end;
    from = *got >= 2 ? *got - 2 : 0;
    if (*got == HEAD_MAX) {
      r->rc = CURLE_RECV_ERROR;
      snprintf(r->detail, sizeof r->detail, "answer head over %d bytes", HEAD_MAX);
      return -1;
    }
    ssize_t n = recv(fd, buf + *got, HEAD_MAX - *got, 0);
    if (n > 0) {
      *got += (size_t)n;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (wait_more(fd, POLLIN, deadline, CURLE_RECV_ERROR, r)) continue;
      return -1;
    }
    r->os_errno = n < 0 ? errno : 0;
    if (*got == 0) {
      r->rc = n == 0 ? CURLE_GOT_NOTHING : CURLE_RECV_ERROR;
      return 0;
    }
    r->rc = CURLE_OK;
    return -1;
  }
}

/* A body of `want` bytes (-1: until the connection closes), of which `have`
 * were read with the head. Bytes past it are not read (*surplus: some came
 * with the head); the connection is then not kept. 0, or -1 (r filled). */
static int read_sized(int fd, const char *have, size_t n_have, long long want, int64_t deadline,
                      struct fin_http_buf *out, struct wire_result *r, bool *surplus) {
  size_t take =
      want >= 0 && (unsigned long long)n_have > (unsigned long long)want ? (size_t)want : n_have;
  *surplus = n_have > take;
  if (take > 0 && fin_http_buf_write((char *)have, 1, take, out) != take) {
    r->rc = CURLE_WRITE_ERROR;
    return -1;
  }
  char chunk[16384];
  while (want < 0 || (long long)out->n < want) {
    size_t room = sizeof chunk;
    if (want >= 0 && (unsigned long long)(want - (long long)out->n) < room)
      room = (size_t)(want - (long long)out->n);
    ssize_t n = recv(fd, chunk, room, 0);
    if (n > 0) {
      if (fin_http_buf_write(chunk, 1, (size_t)n, out) != (size_t)n) {
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
    r->os_errno = n < 0 ? errno : 0;
    return -1;
  }
  r->rc = CURLE_OK;
  return 0;
}

/* The rest of a chunked answer: `have` bytes already read, then fd. */
static int read_chunked(int fd, const char *have, size_t n_have, int64_t deadline,
                        struct fin_http_buf *out, struct wire_result *r, bool *surplus) {
  struct chunker c = {0};
  size_t used = 0;
  int st = n_have > 0 ? chunked_feed(&c, have, n_have, &used, out) : 0;
  *surplus = st == 1 && used < n_have; /* bytes past the answer */
  char chunk[16384];
  while (st == 0) {
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      st = chunked_feed(&c, chunk, (size_t)n, &used, out);
      *surplus = st == 1 && used < (size_t)n;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (wait_more(fd, POLLIN, deadline, CURLE_RECV_ERROR, r)) continue;
      return -1;
    }
    r->rc = n == 0 ? CURLE_PARTIAL_FILE : CURLE_RECV_ERROR;
    r->os_errno = n < 0 ? errno : 0;
    return -1;
  }
  if (st < 0) {
    r->rc = st == -2 ? CURLE_WRITE_ERROR : CURLE_RECV_ERROR;
    if (st == -1) snprintf(r->detail, sizeof r->detail, "bad chunked framing");
    return -1;
  }
  r->rc = CURLE_OK;
  return 0;
}

/* Reads the final head of the answer, past any interim 1xx ones (100
 * Continue, 103), into hd and f; the bytes after it are moved to the front
 * of buf (*got counts them). 0; 1 when the connection ended before any
 * byte of an answer (r->rc set); -1 otherwise, r filled. */
static int final_head(int fd, char *buf, size_t *got, int64_t deadline, struct fin_http_head *hd,
                      struct framing *f, struct wire_result *r) {
  for (bool first = true;; first = false) {
    long end = read_head(fd, buf, got, deadline, r);
    if (end == 0 && first) return 1;
    if (end == 0) r->rc = CURLE_OK; /* an interim answer, then nothing: cut */
    if (end <= 0) return -1;
    parse_head(buf, (size_t)end, hd, f);
    *got -= (size_t)end;
    memmove(buf, buf + end, *got);
    if (f->status < 100 || f->status >= 200 || f->status == 101) return 0;
    fin_http_head_reset(hd);
  }
}

/* One attempt on fd. Returns 0 when an answer was read whole (keep says
 * whether fd may serve again); 1 when another connection may be tried: the
 * request could not be sent whole (the server cannot have acted on it), or
 * a replayable one met a connection that ended before any answer byte;
 * -1 otherwise, r filled. */
static int attempt(int fd, const char *head, size_t head_len, const char *body, size_t len,
                   bool replayable, int64_t deadline, struct fin_http_head *hd,
                   struct fin_http_buf *out, struct wire_result *r, bool *keep) {
  *keep = false;
  if (send_all(fd, head, head_len, body, len, deadline, r) != 0)
    return r->rc == CURLE_SEND_ERROR ? 1 : -1;
  /* the answer is never in yet: wait first, which spares a recv that
   * finds nothing (a hang-up reads as ready too, and then as EOF) */
  if (!wait_more(fd, POLLIN, deadline, CURLE_RECV_ERROR, r)) return -1;
  char buf[HEAD_MAX];
  size_t got = 0;
  struct framing f;
  int h = final_head(fd, buf, &got, deadline, hd, &f, r);
  if (h != 0) return h == 1 && replayable ? 1 : -1;
  r->status = f.status;
  if (f.status < 100 || f.status > 999 || f.status == 101) {
    r->rc = CURLE_WEIRD_SERVER_REPLY;
    snprintf(r->detail, sizeof r->detail, "not an HTTP/1.x answer");
    return -1;
  }
  bool surplus = false;
  int st;
  if (f.status == 204 || f.status == 304) { /* never a body, whatever the head says */
    hd->content_length = -1;
    st = read_sized(fd, buf, got, 0, deadline, out, r, &surplus);
  } else if (f.te) { /* it overrides Content-Length, which then ends the connection */
    hd->content_length = -1;
    f.close_after |= f.length >= 0 || f.bad_length;
    st = f.chunked ? read_chunked(fd, buf, got, deadline, out, r, &surplus)
                   : read_sized(fd, buf, got, -1, deadline, out, r, &surplus);
    if (!f.chunked) f.close_after = true;
  } else if (f.bad_length) {
    r->rc = CURLE_WEIRD_SERVER_REPLY;
    snprintf(r->detail, sizeof r->detail, "bad Content-Length in the answer");
    return -1;
  } else {
    st = read_sized(fd, buf, got, f.length, deadline, out, r, &surplus);
    if (f.length < 0) f.close_after = true;
  }
  if (st != 0) return -1;
  *keep = !f.close_after && !surplus;
  return 0;
}

void wire_exchange(struct wire *w, const char *head, size_t head_len, const char *body, size_t len,
                   bool replayable, long timeout_ms, long connect_ms, struct fin_http_head *hd,
                   struct fin_http_buf *out, struct wire_result *r) {
  memset(r, 0, sizeof *r);
  int64_t deadline = fin_mono_ms() + timeout_ms;
  for (int tries = 0; tries < 2; tries++) {
    /* a second try dials: another kept connection may be as stale */
    int fd = tries == 0 ? take(w) : -1;
    bool reused = fd >= 0;
    r->sent = false;
    if (!reused && (fd = dial(w, connect_ms, deadline, r)) < 0) return;
    r->rc = CURLE_OK, r->os_errno = 0, r->detail[0] = '\0';
    bool keep;
    int rc = attempt(fd, head, head_len, body, len, replayable, deadline, hd, out, r, &keep);
    if (rc == 0 && keep)
      give(w, fd);
    else
      close(fd);
    if (rc != 1 || !reused) return;
    fin_http_head_reset(hd);
  }
}
