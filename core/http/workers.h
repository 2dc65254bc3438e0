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

#include "../util/io.h" /* struct fin_job */

struct fin_workers;

/* Starts n threads (n >= 1). NULL when a thread cannot be created. The pool
 * belongs to the caller: end it with fin_workers_stop(). */
struct fin_workers *fin_workers_start(unsigned n);

/* Queues job; false once the pool is stopping (the job will not run). */
bool fin_workers_submit(struct fin_workers *w, struct fin_job *job);

/* Runs what is queued, joins the threads and frees the pool. NULL is fine. */
void fin_workers_stop(struct fin_workers *w);

/* How the server runs requests. FIN_HTTP_WORKERS=N (N > 0): a pool of N
 * threads takes them. Otherwise, when the handlers are `remote` (they spend
 * most of their time waiting on remote calls): fibers on FIN_HTTP_LOOPS
 * event-loop threads (core/util/io.h; default one per core), or with
 * FIN_HTTP_LOOPS=0 a thread per connection, so a waiting handler holds up
 * no other connection. Else libmicrohttpd's polling threads (memory-mode
 * handlers only compute). Invalid values are logged and ignored. */
struct fin_threading {
  unsigned pool;  /* worker threads, 0 = none */
  unsigned loops; /* fiber loop threads, 0 = none */
  bool per_conn;  /* a thread per connection */
};
struct fin_threading fin_workers_plan(bool remote);

#endif
