/* server.h - the HTTP server: libmicrohttpd with an internal thread pool,
 * driving the middleware chain of pipeline.h for every request. */
#ifndef FIN_SERVER_H
#define FIN_SERVER_H

#include "pipeline.h"

/* Serves on bind_addr:port (bind_addr NULL or "" = all IPv4 interfaces; an
 * IPv6 literal binds IPv6) until SIGTERM/SIGINT or fin_server_request_stop():
 * then stops accepting, lets in-flight requests finish (at most 10 s), stops
 * the daemon, runs the stop hooks and returns 0. Returns -1 when the daemon
 * cannot start. The application is borrowed for the whole run. */
int fin_server_run(const struct fin_http_app *app, int port, const char *bind_addr);

/* After binding, the server writes its port (a line) to path, so a caller
 * that asked for port 0 learns which one it got. The path is borrowed. */
void fin_server_set_port_file(const char *path);

/* Asks a running (or about to run) server to stop. Async-signal-safe. */
void fin_server_request_stop(void);

/* Registers fn(arg) to run after the daemon stopped (e.g. the outbox worker
 * finishing its batch), in registration order. At most 8 hooks (more are
 * refused with an error log line). */
void fin_server_on_stop(void (*fn)(void *), void *arg);

#endif
