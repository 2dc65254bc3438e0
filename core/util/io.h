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
#include <stdint.h>

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

/* Something a loop waits on beside its transfers. The HTTP server gives
 * each loop a libmicrohttpd daemon of its own, so that a request is read,
 * run on a fiber and answered by one thread, with no hand-off between
 * threads (docs/aws.md, "Request threads"). */
struct fin_loop_source {
  int fd;                     /* the loop waits for it to be readable */
  void (*run)(void *arg);     /* on the loop thread, off any fiber: fd is readable,
                                 wait_ms() said 0, or fin_loops_source_ready() was called */
  long (*wait_ms)(void *arg); /* how long the loop may wait before run; -1: no limit */
  void *arg;
};

/* As fin_loops_start(), and loop i also waits on sources[i] (n of them;
 * each fd stays the caller's). */
struct fin_loops *fin_loops_start_with(unsigned n, const struct fin_loop_source *sources);

/* Runs job->fn on a fiber of one of the loops (round robin). False once
 * stopping (the job will not run). The job must stay valid until fn has
 * returned. */
bool fin_loops_submit(struct fin_loops *l, struct fin_job *job);

/* The same, on loop i (i < the number of loops). */
bool fin_loops_submit_to(struct fin_loops *l, unsigned i, struct fin_job *job);

/* From a source's run(): starts job->fn on a fiber of this loop at once
 * and returns when the job has finished (true) or waits (false; the loop
 * resumes it later). Anywhere else it runs job->fn to the end and returns
 * true. */
bool fin_loops_run_here(struct fin_job *job);

/* Asks the calling thread's loop to run its source on its next turn without
 * waiting (after a fiber made work for it). Elsewhere it does nothing. */
void fin_loops_source_ready(void);

/* Lets every submitted job finish, joins the threads and frees l. NULL is
 * fine. */
void fin_loops_stop(struct fin_loops *l);

/* Performs the transfer set up on h, like curl_easy_perform(). On a fiber
 * it waits on the loop; elsewhere on a curl multi handle of the calling
 * thread (so a handle's connections stay in multi caches either way, and a
 * handle may move between the two). */
CURLcode fin_io_perform(CURL *h);

/* Waits until fd is ready for `events` (POLLIN, POLLOUT) or the monotonic
 * clock (fin_mono_ms) reaches deadline_ms. Returns the poll() events seen
 * (POLLERR and POLLHUP included), 0 at the deadline, -1 on error. On a
 * fiber only that fiber waits: fd sits in its loop's epoll set meanwhile. */
int fin_io_wait_fd(int fd, short events, int64_t deadline_ms);

/* Sleeps us microseconds; on a fiber only that fiber waits (to the next
 * millisecond of the loop's clock at best). */
void fin_io_sleep_us(long us);

/* pthread_mutex_lock(m), except that a fiber finding m taken lets the other
 * fibers of its thread run (the holder may be one of them) and tries again. */
void fin_io_lock(pthread_mutex_t *m);

/* Whether the caller runs on a fiber. */
bool fin_io_on_fiber(void);

#endif
