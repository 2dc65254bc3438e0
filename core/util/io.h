/* io.h - request fibers on a few event-loop threads, for the remote modes.
 *
 * In AWS and Firebase modes a request spends most of its life waiting on
 * DynamoDB or Firestore. A thread per connection that sleeps in poll() for
 * each answer costs a sleep, a wake-up and several idle polls per call; on
 * small machines that scheduler work is most of a request's CPU
 * (docs/performance.md). Here each request runs on a fiber (its own stack,
 * switched with ucontext) on one of a few loop threads. A store call adds
 * its transfer to the loop's curl multi handle and switches back to the
 * loop, which waits on every transfer of every fiber at once and resumes a
 * fiber when its answer is in. Handlers stay straight-line code.
 *
 * A fiber must never block its loop thread on something another fiber of
 * the same thread holds: locks held across a store call go through
 * fin_io_lock(), pauses through fin_io_sleep_us(). Off a fiber (start-up,
 * the outbox worker, background probes, tests) the same calls block as
 * before. */
#ifndef FIN_IO_H
#define FIN_IO_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>

/* A job (a request, for the HTTP server's loops and workers), embedded by the caller in its own
 * state (no allocation here). The job must stay valid until fn has been called. */
struct fin_job {
  struct fin_job *next;
  void (*fn)(struct fin_job *job);
};

struct fin_loops;

#define FIN_LOOPS_MAX 64

/* Starts n loop threads (1 <= n <= FIN_LOOPS_MAX). NULL when a thread or a curl multi handle
 * cannot be created. The caller owns the result: end it with
 * fin_loops_stop(). */
struct fin_loops *fin_loops_start(unsigned n);

/* Runs job->fn on a fiber of one of the loops (round robin). False once
 * stopping (the job will not run). The job must stay valid until fn has
 * returned. */
bool fin_loops_submit(struct fin_loops *l, struct fin_job *job);

/* Lets every submitted job finish, joins the threads and frees l. NULL is
 * fine. */
void fin_loops_stop(struct fin_loops *l);

/* Performs the transfer set up on h, like curl_easy_perform(). On a fiber
 * it waits on the loop; elsewhere on a curl multi handle of the calling
 * thread (so a handle's connections stay in multi caches either way, and a
 * handle may move between the two). */
CURLcode fin_io_perform(CURL *h);

/* Sleeps us microseconds; on a fiber only that fiber waits (to the next
 * millisecond of the loop's clock at best). */
void fin_io_sleep_us(long us);

/* pthread_mutex_lock(m), except that a fiber finding m taken lets the other
 * fibers of its thread run (the holder may be one of them) and tries again. */
void fin_io_lock(pthread_mutex_t *m);

/* Whether the caller runs on a fiber. */
bool fin_io_on_fiber(void);

#endif
