/* workers.h - a fixed pool of threads running queued jobs in FIFO order.
 *
 * The HTTP server hands each request to this pool so that libmicrohttpd's
 * polling threads never wait on a database: a polling thread that waits
 * reads nothing, and an idle keep-alive connection whose client has just
 * sent a request then looks timed out and is closed with the request unread
 * (the client sees ECONNRESET). */
#ifndef FIN_WORKERS_H
#define FIN_WORKERS_H

#include <stdbool.h>

/* A job, embedded by the caller in its own state (no allocation here). The
 * job must stay valid until fn has been called. */
struct fin_job {
  struct fin_job *next;
  void (*fn)(struct fin_job *job);
};

struct fin_workers;

/* Starts n threads (n >= 1). NULL when a thread cannot be created. The pool
 * belongs to the caller: end it with fin_workers_stop(). */
struct fin_workers *fin_workers_start(unsigned n);

/* Queues job; false once the pool is stopping (the job will not run). */
bool fin_workers_submit(struct fin_workers *w, struct fin_job *job);

/* Runs what is queued, joins the threads and frees the pool. NULL is fine. */
void fin_workers_stop(struct fin_workers *w);

/* Threads of a pool: FIN_HTTP_WORKERS when set, else none. 0 = no pool:
 * requests run on the thread that read them (a polling thread, or the
 * connection's own thread, fin_workers_per_connection). */
unsigned fin_workers_default(bool remote);

/* Whether each connection gets a thread of its own that runs its requests:
 * the default when the handlers are `remote` (they spend most of their time
 * waiting on remote calls, and a waiting thread holds up no other
 * connection) and FIN_HTTP_WORKERS is not set. Memory-mode handlers only
 * compute: they run on the polling threads. */
bool fin_workers_per_connection(bool remote);

#endif
