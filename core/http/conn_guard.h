/* conn_guard.h - what the server keeps per TCP connection, beside
 * libmicrohttpd: the request state it owns (so a request MHD forgets to
 * complete is still freed when the socket closes) and the request deadline
 * (a sweeper thread shuts down connections whose request head and body did
 * not arrive in time: slowloris). Limits come from the environment. */
#ifndef FIN_CONN_GUARD_H
#define FIN_CONN_GUARD_H

#include <stdbool.h>
#include <sys/socket.h>

struct fin_http_limits {
  unsigned max_conns;       /* FIN_HTTP_MAX_CONNECTIONS, whole server */
  unsigned per_ip;          /* FIN_HTTP_MAX_CONNECTIONS_PER_IP, 0 = no limit */
  unsigned head_timeout_ms; /* FIN_HTTP_REQUEST_TIMEOUT_MS, head + body */
};

/* Reads the limits; an unset or invalid variable keeps its default (and an
 * invalid one is logged). */
void fin_http_limits_from_env(struct fin_http_limits *l);

struct fin_conn;

/* Connections allowed per client address from now on (0: no limit). The
 * server counts them itself rather than leaving it to libmicrohttpd, whose
 * count is per daemon: with a daemon per event loop an address would get
 * the limit once per loop. */
void fin_conn_limit_per_ip(unsigned n);

/* A new connection on socket fd from peer (NULL: not counted); NULL when
 * out of memory. */
struct fin_conn *fin_conn_open(int fd, const struct sockaddr *peer);
/* Whether c is one connection too many for its address: the server closes
 * it without reading a request (fin_conn_close still follows). */
bool fin_conn_refused(const struct fin_conn *c);
/* The socket is about to close: forgets c and returns the request state it
 * still held (the caller frees it), or NULL. */
void *fin_conn_close(struct fin_conn *c);
/* A request started (state = its per-request state) or finished (NULL):
 * either way its deadline clock restarts. */
void fin_conn_set_request(struct fin_conn *c, void *state);
/* The whole request arrived: the server answers, no more deadline. */
void fin_conn_arrived(struct fin_conn *c);

/* Starts / stops the thread that enforces the deadline. */
int fin_conn_sweeper_start(unsigned timeout_ms);
void fin_conn_sweeper_stop(void);

#endif
