/* io_loops.c - see io.h. Each loop thread owns a curl multi handle driven
 * through curl's socket interface on the loop's own epoll set (curl names
 * the socket that is ready, so it does not poll every transfer's socket on
 * every turn, as curl_multi_perform does), an eventfd that wakes it, a
 * queue of submitted jobs, and its fibers: idle ones (kept for reuse), ready
 * ones (to run on the next turn), sleeping ones, and those waiting on a
 * transfer (found again through CURLOPT_PRIVATE). A fiber only ever runs on
 * the thread that created it, so thread-locals stay meaningful, except the
 * per-request backend call count (log.h), which is saved and restored at
 * each switch. A loop may also have a source (io.h): its fd sits in the
 * same epoll set, and its run() is called on the loop's own stack, between
 * fibers. */
#include "io.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../util/log.h"
#include "../util/timefmt.h"
#include "io_ctx.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define FIN_ASAN 1
#endif

#define STACK_SIZE ((size_t)512 * 1024) /* what a worker thread gets; touched pages only */
#define GUARD_SIZE ((size_t)4096)
#define IDLE_FIBERS_MAX 64
#define LOCK_RETRY_US 500
#define IDLE_POLL_MS 1000
#define EVENTS_MAX 64

struct loop;

struct fiber {
  fin_ctx ctx;
  struct loop *loop;
  char *map; /* a guard page, then the stack */
  struct fin_job *job;
  struct fiber *next; /* in the idle, ready or sleeping list */
  CURLcode rc;        /* the awaited transfer's result */
  uint32_t fd_events; /* what epoll saw on the fd it waits on (fin_io_wait_fd) */
  bool on_fd;         /* waiting on an fd: the event or the clock resumes it */
  int64_t wake_us;    /* while sleeping */
  unsigned calls;     /* the job's backend calls so far */
  bool quit;
  void *fake_stack; /* ASan's, while switched out */
};

struct loop {
  pthread_t thread;
  struct fin_loop_source src; /* src.fd < 0: none */
  bool src_ready;             /* its fd was readable, or a fiber asked */
  CURLM *multi;
  int ep, wake_fd;     /* the epoll set (curl's sockets and wake_fd); the eventfd */
  int64_t curl_due_us; /* when curl wants its timeout action; -1: never */
  pthread_mutex_t mu;  /* guards head, tail, stopping */
  struct fin_job *head, *tail;
  bool stopping;
  fin_ctx ctx; /* the loop itself, while a fiber runs */
  const void *stack_bottom;
  size_t stack_size;
  struct fiber *idle, *ready, *ready_tail, *sleeping;
  unsigned n_idle, busy;
};

struct fin_loops {
  unsigned n, started;
  atomic_uint next;
  struct loop loops[];
};

/* epoll data of an fd a fiber waits on: the fiber's address with this bit
 * set. Others (curl's sockets, the eventfd, the source) carry their fd in
 * the whole 64 bits (set through u64, so the upper half is surely zero),
 * which never reaches it. */
#define FIBER_TAG ((uint64_t)1 << 63)

static _Thread_local struct fiber *cur_fiber;
static _Thread_local struct loop *cur_loop; /* on a loop thread */

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- switching ---- */

/* From the loop into f, until f leaves again. */
static void enter(struct loop *l, struct fiber *f) {
  fin_backend_calls_put(f->calls);
  cur_fiber = f;
#ifdef FIN_ASAN
  void *fake = NULL;
  __sanitizer_start_switch_fiber(&fake, f->map + GUARD_SIZE, STACK_SIZE);
  fin_ctx_swap(&l->ctx, &f->ctx);
  __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#else
  fin_ctx_swap(&l->ctx, &f->ctx);
#endif
  cur_fiber = NULL;
  f->calls = fin_backend_calls_take();
}

/* From the running fiber back to its loop; `last` when it will never be
 * resumed. */
static void leave(struct fiber *f, bool last) {
  struct loop *l = f->loop;
#ifdef FIN_ASAN
  __sanitizer_start_switch_fiber(last ? NULL : &f->fake_stack, l->stack_bottom, l->stack_size);
  fin_ctx_swap(&f->ctx, &l->ctx);
  __sanitizer_finish_switch_fiber(f->fake_stack, NULL, NULL);
#else
  (void)last;
  fin_ctx_swap(&f->ctx, &l->ctx);
#endif
}

static void fiber_main(void) {
  struct fiber *f = cur_fiber;
#ifdef FIN_ASAN
  __sanitizer_finish_switch_fiber(NULL, &f->loop->stack_bottom, &f->loop->stack_size);
#endif
  while (!f->quit) {
    f->job->fn(f->job);
    f->job = NULL;
    leave(f, false);
  }
  leave(f, true);
}

static struct fiber *fiber_new(struct loop *l) {
  struct fiber *f = calloc(1, sizeof *f);
  if (f == NULL) return NULL;
  f->map = mmap(NULL, GUARD_SIZE + STACK_SIZE, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (f->map == MAP_FAILED || mprotect(f->map, GUARD_SIZE, PROT_NONE) != 0 ||
      fin_ctx_init(&f->ctx, f->map + GUARD_SIZE, STACK_SIZE, fiber_main) != 0) {
    if (f->map != MAP_FAILED) munmap(f->map, GUARD_SIZE + STACK_SIZE);
    free(f);
    return NULL;
  }
  f->loop = l;
  return f;
}

/* Ends an idle fiber: it leaves its loop for good, then its stack goes. */
static void fiber_end(struct loop *l, struct fiber *f) {
  f->quit = true;
  enter(l, f);
  munmap(f->map, GUARD_SIZE + STACK_SIZE);
  free(f);
}

/* ---- the loop ---- */

static void make_ready(struct loop *l, struct fiber *f) {
  f->next = NULL;
  if (l->ready_tail != NULL)
    l->ready_tail->next = f;
  else
    l->ready = f;
  l->ready_tail = f;
}

/* Takes f off the sleeping list, if it is there. */
static void unsleep(struct loop *l, struct fiber *f) {
  for (struct fiber **p = &l->sleeping; *p != NULL; p = &(*p)->next)
    if (*p == f) {
      *p = f->next;
      return;
    }
}

/* Runs f until it leaves; keeps it for reuse once its job is done. */
static void run(struct loop *l, struct fiber *f) {
  enter(l, f);
  if (f->job != NULL) return; /* waiting: on a transfer, the clock or a lock */
  l->busy--;
  if (l->n_idle >= IDLE_FIBERS_MAX) {
    fiber_end(l, f);
    return;
  }
  f->next = l->idle;
  l->idle = f;
  l->n_idle++;
}

static void start_job(struct loop *l, struct fin_job *job) {
  struct fiber *f = l->idle;
  if (f != NULL) {
    l->idle = f->next;
    l->n_idle--;
  } else if ((f = fiber_new(l)) == NULL) {
    fin_log("warn", "fiber_unavailable", NULL);
    job->fn(job); /* no stack for it: run it here, holding up this loop */
    return;
  }
  f->job = job;
  f->calls = 0;
  l->busy++;
  run(l, f);
}

static void run_ready(struct loop *l) {
  int64_t now = now_us();
  for (struct fiber **p = &l->sleeping; *p != NULL;) {
    struct fiber *f = *p;
    if (f->wake_us <= now) {
      *p = f->next;
      f->on_fd = false; /* its deadline came first */
      make_ready(l, f);
    } else {
      p = &f->next;
    }
  }
  struct fiber *f = l->ready; /* this turn's; what they queue waits a turn */
  l->ready = l->ready_tail = NULL;
  while (f != NULL) {
    struct fiber *next = f->next;
    run(l, f);
    f = next;
  }
}

/* ---- curl's socket interface ---- */

/* curl says what it waits for on socket s; socketp marks a socket already
 * in the set. */
static int on_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp) {
  (void)e;
  struct loop *l = userp;
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(l->ep, EPOLL_CTL_DEL, s, NULL); /* fails harmlessly if already closed */
    curl_multi_assign(l->multi, s, NULL);
    return 0;
  }
  struct epoll_event ev = {.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) |
                                     (what & CURL_POLL_OUT ? EPOLLOUT : 0u),
                           .data.u64 = (uint32_t)s};
  int op = socketp != NULL ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(l->ep, op, s, &ev) != 0) /* a reused number: try the other way */
    epoll_ctl(l->ep, op == EPOLL_CTL_ADD ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, s, &ev);
  curl_multi_assign(l->multi, s, (void *)1);
  return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *userp) {
  (void)m;
  struct loop *l = userp;
  l->curl_due_us = timeout_ms < 0 ? -1 : now_us() + (int64_t)timeout_ms * 1000;
  return 0;
}

/* Resumes the fibers whose transfer ended; returns how many. */
static unsigned finish(struct loop *l) {
  unsigned n = 0;
  struct fiber *done = NULL;
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(l->multi, &left)) != NULL) {
    if (m->msg != CURLMSG_DONE) continue;
    struct fiber *f = NULL;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&f);
    CURLcode rc = m->data.result;
    curl_multi_remove_handle(l->multi, m->easy_handle); /* m is gone from here */
    if (f == NULL) continue;
    f->rc = rc;
    f->next = done;
    done = f;
  }
  while (done != NULL) {
    struct fiber *next = done->next;
    run(l, done);
    done = next;
    n++;
  }
  return n;
}

/* Runs curl's due timeout actions: a fiber that adds a transfer sets one
 * for now, so its request goes out on this turn, not after a wait. */
static void run_due(struct loop *l) {
  int running;
  for (int i = 0; i < 8 && l->curl_due_us >= 0 && l->curl_due_us <= now_us(); i++) {
    l->curl_due_us = -1;
    curl_multi_socket_action(l->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    finish(l);
  }
}

static int wait_ms(const struct loop *l) {
  if (l->ready != NULL || l->src_ready) return 0;
  int64_t now = now_us(), t = (int64_t)IDLE_POLL_MS * 1000;
  if (l->src.fd >= 0) {
    long s = l->src.wait_ms(l->src.arg);
    if (s >= 0 && s * 1000 < t) t = (int64_t)s * 1000;
  }
  for (const struct fiber *f = l->sleeping; f != NULL; f = f->next)
    if (f->wake_us - now < t) t = f->wake_us - now;
  if (l->curl_due_us >= 0 && l->curl_due_us - now < t) t = l->curl_due_us - now;
  return t <= 0 ? 0 : (int)((t + 999) / 1000); /* rounded up: no early spin */
}

/* One wait on the epoll set; each ready socket goes to curl. */
static void wait_and_act(struct loop *l) {
  struct epoll_event evs[EVENTS_MAX];
  int n = epoll_wait(l->ep, evs, EVENTS_MAX, wait_ms(l));
  struct fiber *woken = NULL;
  for (int i = 0; i < n; i++) {
    if (evs[i].data.u64 & FIBER_TAG) { /* run after this batch: it may touch the set */
      struct fiber *f = (struct fiber *)(uintptr_t)(evs[i].data.u64 & ~FIBER_TAG);
      if (!f->on_fd) continue;
      f->on_fd = false;
      f->fd_events = evs[i].events;
      unsleep(l, f);
      f->next = woken;
      woken = f;
      continue;
    }
    int fd = evs[i].data.fd;
    if (fd == l->wake_fd) {
      uint64_t v;
      ssize_t r = read(fd, &v, sizeof v);
      (void)r;
      continue;
    }
    if (fd == l->src.fd) {
      l->src_ready = true;
      continue;
    }
    uint32_t e = evs[i].events;
    int flags = (e & EPOLLIN ? CURL_CSELECT_IN : 0) | (e & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                (e & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
    int running;
    curl_multi_socket_action(l->multi, fd, flags, &running);
  }
  while (woken != NULL) {
    struct fiber *next = woken->next;
    run(l, woken);
    woken = next;
  }
  finish(l);
}

/* The source first: the requests it starts add their transfers, which
 * run_due() sends on the same turn. */
static void run_source(struct loop *l) {
  if (l->src.fd < 0) return;
  if (!l->src_ready && l->src.wait_ms(l->src.arg) != 0) return;
  l->src_ready = false;
  l->src.run(l->src.arg);
}

static void *loop_main(void *arg) {
  struct loop *l = arg;
  cur_loop = l;
  for (;;) {
    pthread_mutex_lock(&l->mu);
    struct fin_job *jobs = l->head;
    l->head = l->tail = NULL;
    bool stopping = l->stopping;
    pthread_mutex_unlock(&l->mu);
    if (jobs == NULL && stopping && l->busy == 0) break;
    while (jobs != NULL) {
      struct fin_job *job = jobs;
      jobs = job->next;
      start_job(l, job);
    }
    run_source(l);
    run_ready(l);
    run_due(l);
    wait_and_act(l);
  }
  while (l->idle != NULL) {
    struct fiber *f = l->idle;
    l->idle = f->next;
    fiber_end(l, f);
  }
  return NULL;
}

static void wake(struct loop *l) {
  uint64_t one = 1;
  ssize_t r = write(l->wake_fd, &one, sizeof one);
  (void)r; /* a full counter is already a pending wake-up */
}

/* The loop's curl handle, epoll set and eventfd; -1 on failure (the caller
 * frees what was made through loop_free). */
static int loop_init(struct loop *l, const struct fin_loop_source *src) {
  l->ep = l->wake_fd = -1;
  l->src.fd = -1;
  l->curl_due_us = -1;
  if ((l->multi = curl_multi_init()) == NULL) return -1;
  if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) return -1;
  if ((l->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) return -1;
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint32_t)l->wake_fd};
  if (epoll_ctl(l->ep, EPOLL_CTL_ADD, l->wake_fd, &ev) != 0) return -1;
  if (src != NULL) {
    struct epoll_event sev = {.events = EPOLLIN, .data.u64 = (uint32_t)src->fd};
    if (src->fd < 0 || epoll_ctl(l->ep, EPOLL_CTL_ADD, src->fd, &sev) != 0) return -1;
    l->src = *src;
  }
  curl_multi_setopt(l->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(l->multi, CURLMOPT_SOCKETDATA, l);
  curl_multi_setopt(l->multi, CURLMOPT_TIMERFUNCTION, on_timer);
  curl_multi_setopt(l->multi, CURLMOPT_TIMERDATA, l);
  return 0;
}

static void loop_free(struct loop *l) {
  if (l->multi != NULL) curl_multi_cleanup(l->multi);
  if (l->ep >= 0) close(l->ep);
  if (l->wake_fd >= 0) close(l->wake_fd);
  l->multi = NULL;
  l->ep = l->wake_fd = -1;
}

/* ---- the pool ---- */

struct fin_loops *fin_loops_start(unsigned n) {
  return fin_loops_start_with(n, NULL);
}

struct fin_loops *fin_loops_start_with(unsigned n, const struct fin_loop_source *sources) {
  if (n == 0 || n > FIN_LOOPS_MAX) return NULL;
  struct fin_loops *ls = calloc(1, sizeof *ls + n * sizeof(struct loop));
  if (ls == NULL) return NULL;
  ls->n = n;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  /* a fiber's size: a job runs on the loop when no fiber can be had */
  pthread_attr_setstacksize(&attr, STACK_SIZE);
  for (; ls->started < n; ls->started++) {
    struct loop *l = &ls->loops[ls->started];
    pthread_mutex_init(&l->mu, NULL);
    if (loop_init(l, sources != NULL ? &sources[ls->started] : NULL) != 0 ||
        pthread_create(&l->thread, &attr, loop_main, l) != 0) {
      loop_free(l);
      break;
    }
  }
  pthread_attr_destroy(&attr);
  if (ls->started < n) {
    fin_loops_stop(ls);
    return NULL;
  }
  return ls;
}

bool fin_loops_submit(struct fin_loops *ls, struct fin_job *job) {
  return fin_loops_submit_to(ls, atomic_fetch_add(&ls->next, 1) % ls->n, job);
}

bool fin_loops_submit_to(struct fin_loops *ls, unsigned i, struct fin_job *job) {
  if (i >= ls->n) return false;
  struct loop *l = &ls->loops[i];
  job->next = NULL;
  pthread_mutex_lock(&l->mu);
  bool ok = !l->stopping;
  if (ok) {
    if (l->tail != NULL)
      l->tail->next = job;
    else
      l->head = job;
    l->tail = job;
  }
  pthread_mutex_unlock(&l->mu);
  if (ok) wake(l);
  return ok;
}

void fin_loops_stop(struct fin_loops *ls) {
  if (ls == NULL) return;
  for (unsigned i = 0; i < ls->started; i++) {
    struct loop *l = &ls->loops[i];
    pthread_mutex_lock(&l->mu);
    l->stopping = true;
    pthread_mutex_unlock(&l->mu);
    wake(l);
  }
  for (unsigned i = 0; i < ls->started; i++) {
    pthread_join(ls->loops[i].thread, NULL);
    loop_free(&ls->loops[i]);
  }
  for (unsigned i = 0; i < ls->n; i++)
    pthread_mutex_destroy(&ls->loops[i].mu);
  free(ls);
}

/* ---- what handlers and adapters call ---- */

bool fin_io_on_fiber(void) {
  return cur_fiber != NULL;
}

bool fin_loops_run_here(struct fin_job *job) {
  struct loop *l = cur_loop;
  if (l == NULL || cur_fiber != NULL) {
    job->fn(job);
    return true;
  }
  unsigned busy = l->busy;
  start_job(l, job);
  return l->busy == busy; /* a waiting fiber stays counted as busy */
}

void fin_loops_source_ready(void) {
  if (cur_loop != NULL) cur_loop->src_ready = true;
}

static pthread_key_t multi_key;
static pthread_once_t multi_once = PTHREAD_ONCE_INIT;
static _Thread_local CURLM *thread_multi; /* off fibers: this thread's */

static void multi_free(void *m) {
  curl_multi_cleanup(m);
}

static void multi_key_init(void) {
  (void)pthread_key_create(&multi_key, multi_free);
}

static CURLM *own_multi(void) {
  if (thread_multi != NULL) return thread_multi;
  pthread_once(&multi_once, multi_key_init);
  CURLM *m = curl_multi_init();
  if (m != NULL && pthread_setspecific(multi_key, m) != 0) {
    curl_multi_cleanup(m);
    m = NULL;
  }
  return thread_multi = m;
}

static CURLcode perform_here(CURL *h) {
  CURLM *m = own_multi();
  if (m == NULL || curl_multi_add_handle(m, h) != CURLM_OK) return CURLE_OUT_OF_MEMORY;
  CURLcode rc = CURLE_OK;
  for (bool done = false; !done;) {
    int running;
    if (curl_multi_perform(m, &running) != CURLM_OK) {
      rc = CURLE_OUT_OF_MEMORY;
      break;
    }
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(m, &left)) != NULL)
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == h) {
        rc = msg->data.result;
        done = true;
      }
    if (!done && curl_multi_poll(m, NULL, 0, IDLE_POLL_MS, NULL) != CURLM_OK) {
      rc = CURLE_RECV_ERROR;
      break;
    }
  }
  curl_multi_remove_handle(m, h);
  return rc;
}

CURLcode fin_io_perform(CURL *h) {
  struct fiber *f = cur_fiber;
  if (f == NULL) return perform_here(h);
  curl_easy_setopt(h, CURLOPT_PRIVATE, (char *)f);
  if (curl_multi_add_handle(f->loop->multi, h) != CURLM_OK) return CURLE_OUT_OF_MEMORY;
  leave(f, false); /* finish() resumes it with rc set */
  curl_easy_setopt(h, CURLOPT_PRIVATE, NULL);
  return f->rc;
}

void fin_io_sleep_us(long us) {
  if (us < 0) us = 0;
  struct fiber *f = cur_fiber;
  if (f == NULL) {
    struct timespec ts = {us / 1000000L, (us % 1000000L) * 1000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    return;
  }
  struct loop *l = f->loop;
  f->wake_us = now_us() + us;
  f->next = l->sleeping;
  l->sleeping = f;
  leave(f, false);
}

int fin_io_wait_fd(int fd, short events, int64_t deadline_ms) {
  struct fiber *f = cur_fiber;
  if (f == NULL) {
    struct pollfd p = {.fd = fd, .events = events};
    for (;;) {
      int64_t left = deadline_ms - fin_mono_ms();
      int r = poll(&p, 1, left <= 0 ? 0 : left > 60000 ? 60000 : (int)left);
      if (r > 0) return p.revents;
      if (r < 0 && errno != EINTR) return -1;
      if (r == 0 && left <= 60000) return 0;
    }
  }
  struct loop *l = f->loop;
  struct epoll_event ev = {.events = (events & POLLIN ? EPOLLIN : 0u) |
                                     (events & POLLOUT ? EPOLLOUT : 0u),
                           .data.u64 = FIBER_TAG | (uint64_t)(uintptr_t)f};
  if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) != 0 &&
      (errno != EEXIST || epoll_ctl(l->ep, EPOLL_CTL_MOD, fd, &ev) != 0))
    return -1;
  f->on_fd = true;
  f->fd_events = 0;
  int64_t left_ms = deadline_ms - fin_mono_ms();
  f->wake_us = now_us() + (left_ms > 0 ? left_ms : 0) * 1000;
  f->next = l->sleeping;
  l->sleeping = f;
  leave(f, false); /* the event (wait_and_act) or the clock (run_ready) resumes it */
  f->on_fd = false;
  epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
  uint32_t e = f->fd_events;
  return (e & EPOLLIN ? POLLIN : 0) | (e & EPOLLOUT ? POLLOUT : 0) | (e & EPOLLERR ? POLLERR : 0) |
         (e & EPOLLHUP ? POLLHUP : 0);
}

void fin_io_lock(pthread_mutex_t *m) {
  if (cur_fiber == NULL) {
    pthread_mutex_lock(m);
    return;
  }
  while (pthread_mutex_trylock(m) != 0)
    fin_io_sleep_us(LOCK_RETRY_US); /* the holder may be a fiber of this thread */
}
