/* outbox_worker.c - the in-process outbox processor (behaviour.md
 * §7.4). */
#include "outbox_worker.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../util/ids.h"
#include "../util/io.h"
#include "../util/log.h"
#include "../util/timefmt.h"
#include "records.h"
#include "whatsapp_notify.h"

/* Serialises batches (the worker, fin_outbox_run_once callers, cleanup).
 * Held across store calls, so a request fiber takes it with fin_io_lock. */
static pthread_mutex_t batch_mu = PTHREAD_MUTEX_INITIALIZER;

void fin_outbox_lock(void) {
  fin_io_lock(&batch_mu);
}

void fin_outbox_unlock(void) {
  pthread_mutex_unlock(&batch_mu);
}

long fin_outbox_backoff_ms(const struct fin_rules *r, int n) {
  long max = r->outbox_backoff_max_ms;
  long d = r->outbox_backoff_base_ms;
  if (d <= 0) return 0;
  for (int i = 1; i < n && d < max; i++)
    d = d > max / 2 ? max : d * 2;
  return d < max ? d : max;
}

enum fin_status fin_outbox_deliver(struct fin_container *c, const struct fin_event *ev,
                                   struct fin_err *e) {
  if (ev->event_type == NULL) return FIN_OK;
  if (strcmp(ev->event_type, "card.requested") == 0) return fin_wa_on_card_requested(c, ev, e);
  if (strcmp(ev->event_type, "transaction.payment") == 0) return fin_wa_on_payment(c, ev, e);
  return FIN_OK;
}

enum outcome { SENT, FAILED, DEAD, VANISHED };

/* Failure of one attempt: failed with backoff while retries remain, else dead. */
static enum outcome fail_event(struct fin_container *c, const struct fin_event *ev,
                               const char *error) {
  struct fin_err pe = {0};
  enum fin_status st;
  enum outcome out;
  if (ev->retry_count < fin_rules_of(c)->outbox_max_retries) {
    fin_ms retry_at = fin_app_now(c) + fin_outbox_backoff_ms(fin_rules_of(c), ev->retry_count + 1);
    st = c->outbox.ops->mark_failed(c->outbox.self, ev->event_id, error, retry_at, &pe);
    out = FAILED;
  } else {
    st = c->outbox.ops->mark_dead(c->outbox.self, ev->event_id, error, &pe);
    out = DEAD;
  }
  if (st == FIN_NOT_FOUND) return VANISHED;
  if (st != FIN_OK) {
    char esc[300];
    fin_log("error", "outbox_mark_failed", "\"eventId\":\"%s\",\"status\":\"%s\",\"detail\":\"%s\"",
            ev->event_id, fin_status_name(st), fin_log_esc(pe.msg, esc, sizeof esc));
  }
  return out;
}

static void log_sent(const struct fin_event *ev);
static enum outcome fail_at(struct fin_container *c, const struct fin_event *ev, const char *stage,
                            enum fin_status st, const struct fin_err *pe);

static enum outcome process_event(struct fin_container *c, const struct fin_event *ev) {
  struct fin_err pe = {0};
  const char *stage = "subscriber";
  enum fin_status st = fin_outbox_deliver(c, ev, &pe);
  if (st == FIN_OK && c->publisher.ops != NULL) {
    stage = "publish";
    memset(&pe, 0, sizeof pe);
    st = c->publisher.ops->publish(c->publisher.self, ev, &pe);
  }
  if (st == FIN_OK) {
    stage = "mark_sent";
    memset(&pe, 0, sizeof pe);
    st = c->outbox.ops->mark_sent(c->outbox.self, ev->event_id, fin_app_now(c), &pe);
    if (st == FIN_OK) {
      log_sent(ev);
      return SENT;
    }
    if (st == FIN_NOT_FOUND) return VANISHED;
  }
  return fail_at(c, ev, stage, st, &pe);
}

struct tally {
  int sent, failed, dead, skipped; /* skipped: claimed by another instance */
};

/* ---- claims: one instance delivers each event ---- */

/* How long a claim keeps other instances off an event: far longer than one
 * delivery (a publish and a mark, each bounded by the client timeouts); an
 * instance that dies holding it delays that event by this much. */
#define LEASE_MS 60000

static pthread_once_t owner_once = PTHREAD_ONCE_INIT;
static char owner_id[40];

/* This process's name on the events it claims: a random UUID, else (no
 * random source) host and pid, which still differ between live instances. */
static void owner_init(void) {
  if (fin_uuid_v4(owner_id) == 0) return;
  char host[16] = "";
  gethostname(host, sizeof host - 1);
  snprintf(owner_id, sizeof owner_id, "%s-%ld", host, (long)getpid());
}

static bool same_entity(const struct fin_event *a, const struct fin_event *b) {
  return strcmp(a->ecosystem_id, b->ecosystem_id) == 0 &&
         strcmp(a->entity_type, b->entity_type) == 0 && strcmp(a->entity_id, b->entity_id) == 0;
}

enum claim { CLAIMED, SKIP, STOP };

/* Leases evs[i] to this instance. When that fails (another instance has
 * it, or it is no longer due), the entity's later events in this batch are
 * skipped too, so no instance overtakes another within one entity's
 * sequence; blocked[] marks the events whose claim failed. When the store
 * fails the claim (it is down or slow), the batch stops: one log line,
 * and the next batch tries again. */
static enum claim claim(struct fin_container *c, const struct fin_event *evs, size_t i,
                        bool *blocked) {
  for (size_t k = 0; k < i; k++) {
    if (blocked[k] && same_entity(&evs[k], &evs[i])) {
      blocked[i] = true;
      return SKIP;
    }
  }
  if (c->outbox.ops->claim == NULL) return CLAIMED; /* a store of one process */
  pthread_once(&owner_once, owner_init);
  struct fin_err pe = {0};
  fin_ms now = fin_app_now(c);
  enum fin_status st =
      c->outbox.ops->claim(c->outbox.self, evs[i].event_id, owner_id, now, now + LEASE_MS, &pe);
  if (st == FIN_OK) return CLAIMED;
  blocked[i] = true;
  if (st == FIN_PRECONDITION || st == FIN_NOT_FOUND) return SKIP;
  char esc[300];
  fin_log("warn", "outbox_claim_failed", "\"eventId\":\"%s\",\"status\":\"%s\",\"detail\":\"%s\"",
          evs[i].event_id, fin_status_name(st), fin_log_esc(pe.msg, esc, sizeof esc));
  return STOP;
}

static void count(struct tally *t, enum outcome o) {
  if (o == SENT) t->sent++;
  if (o == FAILED) t->failed++;
  if (o == DEAD) t->dead++;
}

static enum outcome fail_at(struct fin_container *c, const struct fin_event *ev, const char *stage,
                            enum fin_status st, const struct fin_err *pe) {
  char error[300];
  snprintf(error, sizeof error, "%s: %s", stage,
           pe->msg[0] != '\0' ? pe->msg : fin_status_name(st));
  return fail_event(c, ev, error);
}

/* ---- a chunk in few requests: one claim, a publish per sink request,
 * one mark (ports with claim_many; the others go event by event) ---- */

/* Whether evs[i..i+m) may be claimed in one write: the store can, and no
 * event of it belongs to an entity whose earlier claim failed. */
static bool chunk_claimable(struct fin_container *c, const struct fin_event *evs, size_t i,
                            size_t m, const bool *blocked) {
  if (c->outbox.ops->claim == NULL || c->outbox.ops->claim_many == NULL || m < 2) return false;
  for (size_t k = 0; k < i; k++) {
    if (!blocked[k]) continue;
    for (size_t j = i; j < i + m; j++)
      if (same_entity(&evs[k], &evs[j])) return false;
  }
  return true;
}

/* A lease taken at `since` (monotonic ms) still has half its time left,
 * or is renewed now; false when another instance holds the event by now. */
static bool lease_fresh(struct fin_container *c, const struct fin_event *ev, long long since) {
  if (fin_mono_ms() - since < LEASE_MS / 2) return true;
  struct fin_err pe = {0};
  fin_ms now = fin_app_now(c);
  return c->outbox.ops->claim(c->outbox.self, ev->event_id, owner_id, now, now + LEASE_MS, &pe) ==
         FIN_OK;
}

static void log_sent(const struct fin_event *ev) {
  /* one line per delivery: which instance delivered what (deploy.md);
   * built without printf, the line fin_log wrote (test_log) */
  if (!fin_log_enabled()) return;
  struct fin_logline l;
  fin_logline_begin(&l, "info", "outbox_event_sent");
  fin_logline_raw(&l, "eventId", ev->event_id);
  fin_logline_int(&l, "sequenceNumber", (long long)ev->sequence);
  fin_logline_str(&l, "ecosystemId", ev->ecosystem_id ? ev->ecosystem_id : "", 200);
  fin_logline_end_soon(&l);
}

/* Publishes go[0..n) and keeps in it those the sink accepted. */
static size_t publish_chunk(struct fin_container *c, const struct fin_event **go, size_t n,
                            struct tally *t) {
  struct fin_err errs[FIN_OUTBOX_MANY];
  memset(errs, 0, sizeof errs);
  if (c->publisher.ops == NULL) return n;
  if (c->publisher.ops->publish_many != NULL) {
    c->publisher.ops->publish_many(c->publisher.self, go, n, errs);
  } else {
    for (size_t j = 0; j < n; j++)
      errs[j].code = c->publisher.ops->publish(c->publisher.self, go[j], &errs[j]);
  }
  size_t kept = 0;
  for (size_t j = 0; j < n; j++) {
    if (errs[j].code == FIN_OK)
      go[kept++] = go[j];
    else
      count(t, fail_at(c, go[j], "publish", errs[j].code, &errs[j]));
  }
  return kept;
}

static void mark_chunk(struct fin_container *c, const struct fin_event **go, size_t n,
                       struct tally *t) {
  struct fin_err pe = {0};
  if (n > 1 && c->outbox.ops->mark_sent_many != NULL) {
    const char *ids[FIN_OUTBOX_MANY];
    for (size_t j = 0; j < n; j++)
      ids[j] = go[j]->event_id;
    if (c->outbox.ops->mark_sent_many(c->outbox.self, ids, n, fin_app_now(c), &pe) == FIN_OK) {
      for (size_t j = 0; j < n; j++) {
        log_sent(go[j]);
        t->sent++;
      }
      return;
    }
  }
  for (size_t j = 0; j < n; j++) { /* one by one: which event failed, and how */
    memset(&pe, 0, sizeof pe);
    enum fin_status st =
        c->outbox.ops->mark_sent(c->outbox.self, go[j]->event_id, fin_app_now(c), &pe);
    if (st == FIN_OK) {
      log_sent(go[j]);
      t->sent++;
    } else if (st != FIN_NOT_FOUND) {
      count(t, fail_at(c, go[j], "mark_sent", st, &pe));
    }
  }
}

/* Tries to lease evs[0..m) in one write. 1: all leased, and delivered
 * here; 0: not as a whole (nothing was written), go event by event;
 * -1: the store failed, stop the batch. */
static int deliver_claimed_chunk(struct fin_container *c, const struct fin_event *evs, size_t m,
                                 struct tally *t) {
  pthread_once(&owner_once, owner_init);
  const char *ids[FIN_OUTBOX_MANY];
  for (size_t k = 0; k < m; k++)
    ids[k] = evs[k].event_id;
  struct fin_err pe = {0};
  fin_ms now = fin_app_now(c);
  long long since = fin_mono_ms();
  enum fin_status st =
      c->outbox.ops->claim_many(c->outbox.self, ids, m, owner_id, now, now + LEASE_MS, &pe);
  if (st == FIN_PRECONDITION || st == FIN_NOT_FOUND) return 0;
  if (st != FIN_OK) {
    char esc[300];
    fin_log("warn", "outbox_claim_failed",
            "\"eventId\":\"%s\",\"events\":%zu,\"status\":\"%s\",\"detail\":\"%s\"", ids[0], m,
            fin_status_name(st), fin_log_esc(pe.msg, esc, sizeof esc));
    return -1;
  }
  const struct fin_event *go[FIN_OUTBOX_MANY];
  size_t n = 0;
  for (size_t k = 0; k < m; k++) { /* in-process subscribers, in order */
    if (!lease_fresh(c, &evs[k], since)) {
      t->skipped++;
      continue;
    }
    memset(&pe, 0, sizeof pe);
    st = fin_outbox_deliver(c, &evs[k], &pe);
    if (st == FIN_OK)
      go[n++] = &evs[k];
    else
      count(t, fail_at(c, &evs[k], "subscriber", st, &pe));
  }
  size_t fresh = 0;
  for (size_t j = 0; j < n; j++) {
    if (lease_fresh(c, go[j], since))
      go[fresh++] = go[j];
    else
      t->skipped++;
  }
  n = publish_chunk(c, go, fresh, t);
  mark_chunk(c, go, n, t);
  return 1;
}

static void process_list(struct fin_container *c, const struct fin_event *evs, size_t n,
                         struct tally *t) {
  bool *blocked = n > 0 ? calloc(n, sizeof *blocked) : NULL;
  if (n > 0 && blocked == NULL) return; /* out of memory: the next batch tries again */
  for (size_t i = 0; i < n;) {
    size_t m = n - i < FIN_OUTBOX_MANY ? n - i : FIN_OUTBOX_MANY;
    if (chunk_claimable(c, evs, i, m, blocked)) {
      int got = deliver_claimed_chunk(c, evs + i, m, t);
      if (got < 0) break;
      if (got > 0) {
        i += m;
        continue;
      }
    }
    bool stop = false;
    for (size_t end = i + m; i < end && !stop; i++) {
      enum claim got = claim(c, evs, i, blocked);
      if (got == STOP) stop = true;
      if (got == SKIP) t->skipped++;
      if (got == CLAIMED) count(t, process_event(c, &evs[i]));
    }
    if (stop) break;
  }
  free(blocked);
}

/* Reads fail every interval while the store is down: log transitions only. */
static bool read_failing;

static int read_result(enum fin_status st, const struct fin_err *pe, const char *what) {
  if (st == FIN_OK || st == FIN_NOT_FOUND) return 0;
  if (!read_failing) {
    char esc[300];
    fin_log("error", "outbox_read_failed",
            "\"operation\":\"%s\",\"status\":\"%s\",\"detail\":\"%s\"", what, fin_status_name(st),
            fin_log_esc(pe->msg, esc, sizeof esc));
  }
  return -1;
}

int fin_outbox_run_once(struct fin_container *c, int *processed, int *failed) {
  struct tally t = {0};
  int rc = 0;
  long long t0 = fin_mono_ms();
  fin_outbox_lock();

  struct fin_event *evs = NULL;
  size_t n_pending = 0, n_retry = 0;
  struct fin_err pe = {0};
  enum fin_status st = c->outbox.ops->find_pending(c->outbox.self, fin_rules_of(c)->outbox_batch,
                                                   &evs, &n_pending, &pe);
  if (read_result(st, &pe, "find_pending") != 0) {
    rc = -1;
    n_pending = 0;
  } else {
    process_list(c, evs, n_pending, &t);
  }
  fin_event_list_free(evs, n_pending);

  evs = NULL;
  memset(&pe, 0, sizeof pe);
  st = c->outbox.ops->find_retry(c->outbox.self, fin_app_now(c),
                                 fin_rules_of(c)->outbox_retry_batch, &evs, &n_retry, &pe);
  if (read_result(st, &pe, "find_retry") != 0) {
    rc = -1;
    n_retry = 0;
  } else {
    process_list(c, evs, n_retry, &t);
  }
  fin_event_list_free(evs, n_retry);

  if (rc == 0 && read_failing) fin_log("info", "outbox_read_recovered", NULL);
  read_failing = rc != 0;
  fin_outbox_unlock();

  if (n_pending + n_retry > 0) {
    fin_log("info", "outbox_batch",
            "\"pending\":%zu,\"retried\":%zu,\"sent\":%d,\"failed\":%d,\"deadLettered\":%d,"
            "\"claimedElsewhere\":%d,\"durationMs\":%lld",
            n_pending, n_retry, t.sent, t.failed, t.dead, t.skipped, fin_mono_ms() - t0);
  }
  if (processed != NULL) *processed = t.sent;
  if (failed != NULL) *failed = t.failed + t.dead;
  return rc;
}

/* ---- the thread ------------------------------------------------------- */

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool running;  /* a thread exists (until joined) */
  bool stopping; /* stop requested */
  pthread_t thread;
  struct fin_container *c;
} W = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void deadline_after(long ms, struct timespec *ts) {
  clock_gettime(CLOCK_MONOTONIC, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

static bool worker_stopping(void) {
  pthread_mutex_lock(&W.mu);
  bool stop = W.stopping;
  pthread_mutex_unlock(&W.mu);
  return stop;
}

static void *worker_main(void *arg) {
  struct fin_container *c = arg;
  long interval =
      fin_rules_of(c)->outbox_interval_ms > 0 ? fin_rules_of(c)->outbox_interval_ms : 1000;
  pthread_mutex_lock(&W.mu);
  while (!W.stopping) {
    pthread_mutex_unlock(&W.mu);
    fin_rules_refresh(c); /* config sources that change (SSM) take effect here */
    /* a full batch means more are waiting: keep going (bounded, so a
     * backlog cannot starve the stop request) before sleeping again */
    for (int round = 0; round < 50; round++) {
      int sent = 0, failed = 0;
      fin_outbox_run_once(c, &sent, &failed);
      if (sent + failed < fin_rules_of(c)->outbox_batch || worker_stopping()) break;
    }
    pthread_mutex_lock(&W.mu);
    struct timespec deadline;
    deadline_after(interval, &deadline);
    while (!W.stopping) {
      if (pthread_cond_timedwait(&W.cv, &W.mu, &deadline) == ETIMEDOUT) break;
    }
  }
  pthread_mutex_unlock(&W.mu);
  return NULL;
}

int fin_outbox_worker_start(struct fin_container *c) {
  pthread_mutex_lock(&W.mu);
  if (W.running) {
    pthread_mutex_unlock(&W.mu);
    return -1;
  }
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  int err = pthread_cond_init(&W.cv, &attr);
  pthread_condattr_destroy(&attr);
  if (err != 0) {
    pthread_mutex_unlock(&W.mu);
    return -1;
  }
  W.stopping = false;
  W.c = c;
  /* The worker takes no signals: the main thread handles them. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  err = pthread_create(&W.thread, NULL, worker_main, c);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (err != 0) {
    pthread_cond_destroy(&W.cv);
    pthread_mutex_unlock(&W.mu);
    fin_log("error", "outbox_worker_start_failed", "\"errno\":%d", err);
    return -1;
  }
  W.running = true;
  pthread_mutex_unlock(&W.mu);
  fin_log("info", "outbox_worker_started", "\"intervalMs\":%ld,\"batch\":%d,\"retryBatch\":%d",
          fin_rules_of(c)->outbox_interval_ms > 0 ? fin_rules_of(c)->outbox_interval_ms : 1000,
          fin_rules_of(c)->outbox_batch, fin_rules_of(c)->outbox_retry_batch);
  return 0;
}

/* Serialises stop() callers: a second caller returns only after the join. */
static pthread_mutex_t stop_mu = PTHREAD_MUTEX_INITIALIZER;

void fin_outbox_worker_stop(void) {
  pthread_mutex_lock(&stop_mu);
  pthread_mutex_lock(&W.mu);
  if (!W.running) {
    pthread_mutex_unlock(&W.mu);
    pthread_mutex_unlock(&stop_mu);
    return;
  }
  W.stopping = true;
  pthread_cond_signal(&W.cv);
  pthread_t th = W.thread;
  pthread_mutex_unlock(&W.mu);

  pthread_join(th, NULL);

  pthread_mutex_lock(&W.mu);
  pthread_cond_destroy(&W.cv);
  W.running = false;
  W.stopping = false;
  W.c = NULL;
  pthread_mutex_unlock(&W.mu);
  pthread_mutex_unlock(&stop_mu);
  fin_log("info", "outbox_worker_stopped", NULL);
}
