/* ustat.h - a small cache of account statuses (disabled or not), shared by
 * the auth providers that ask their identity service on each request
 * (Cognito's AdminGetUser, Identity Toolkit's accounts:lookup; behaviour.md
 * §3.1 step 3).
 *
 * An answer is kept for ttl_s seconds, so a disabled account is refused at
 * most ttl_s seconds after it was disabled, and the service sees at most one
 * look-up per account per ttl_s: concurrent misses for one account wait for
 * a single look-up (a fiber-aware lock per stripe of accounts, core/util/io.h).
 * Errors are never kept: the next request asks again.
 *
 * The table is bounded: `capacity` slots in sets of USTAT_WAYS; an account
 * lives in one set (by hash), and a new one takes a free or expired slot of
 * its set, else the slot that expires soonest (evicted). Accounts longer than
 * USTAT_KEY_MAX bytes are asked every time. ttl_s 0 turns caching off.
 * Thread-safe.
 */
#ifndef FIN_USTAT_H
#define FIN_USTAT_H

#include <stdbool.h>
#include <stddef.h>

#include "../../core/ports/errors.h"
#include "../../core/ports/services.h"

#define USTAT_WAYS 8
#define USTAT_KEY_MAX 128
#define USTAT_DEFAULT_TTL_S 30
#define USTAT_DEFAULT_CAPACITY 4096

struct ustat_cfg {
  long ttl_s;                    /* 0: no caching; < 0: USTAT_DEFAULT_TTL_S */
  size_t capacity;               /* 0: USTAT_DEFAULT_CAPACITY; rounded up to USTAT_WAYS */
  const struct fin_clock *clock; /* borrowed, must outlive the cache; NULL: monotonic */
};

/* Asks the identity service whether `account` is disabled. */
typedef enum fin_status (*ustat_lookup_fn)(void *ctx, const char *account, bool *disabled,
                                           struct fin_err *e);

struct ustat;

/* NULL on OOM. Free with ustat_free once no call runs. */
struct ustat *ustat_new(const struct ustat_cfg *cfg);
void ustat_free(struct ustat *c);

/* *disabled for `account`: the kept answer while it is fresh, else
 * lookup(ctx, ...)'s, kept when it is FIN_OK. Returns lookup's error as it
 * is. */
enum fin_status ustat_get(struct ustat *c, const char *account, ustat_lookup_fn lookup, void *ctx,
                          bool *disabled, struct fin_err *e);

/* For readiness: whether lookup can be asked at all (its permission, the
 * pool or project, the service). Asks about USTAT_PROBE_ACCOUNT, which no
 * real account is named; an account unknown to the service is an answer, so
 * FIN_OK means "allowed and answering". A good answer is trusted for
 * USTAT_PROBE_KEEP_MS, so a probe polled every second costs the service one
 * call a minute; an error is asked again on the next call. Independent of
 * ttl_s. */
#define USTAT_PROBE_ACCOUNT "fin-readiness-probe"
#define USTAT_PROBE_KEEP_MS 60000
enum fin_status ustat_probe(struct ustat *c, ustat_lookup_fn lookup, void *ctx, struct fin_err *e);

/* Answers kept now (tests, the bound). */
size_t ustat_size(struct ustat *c);

#endif
