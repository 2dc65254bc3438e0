/* cognito_pool.h - the user pool a Cognito verifier trusts now: its id,
 * issuer, app client and key set; and how a verifier follows the pool when
 * it is replaced while the server runs (docs/aws.md, "Cognito").
 *
 * An emulator reset (`bun run emulator:reset:aws`) makes a new pool and app
 * client with new ids and writes them to SSM. A server that read the old ids
 * at start-up would refuse every new token until restarted. With a source
 * (the SSM parameters the ids came from), a token whose issuer names another
 * pool makes the verifier read the source again and, when it names a new
 * pool, trust that one from then on. Tokens are hostile: the token's claim
 * only triggers the read, it never chooses the pool, and reads happen at
 * most once per reread_after_s whatever the traffic, one at a time.
 *
 * Pools are immutable and reference counted, so a verification keeps the
 * pool it started with while another thread replaces it. Thread-safe.
 */
#ifndef FIN_COGNITO_POOL_H
#define FIN_COGNITO_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "../../core/ports/services.h"
#include "aws_http.h"
#include "jwks.h"

/* One pool, immutable once made. Fields are read-only for users. */
struct cpool {
  char *id, *issuer, *client_id;
  struct jwks *keys;
  int refs; /* guarded by the owning cpools */
};

/* Where the pool id and app client id in force are read. */
struct cpool_source {
  /* New strings (free()) in *pool_id and *client_id, or an error. */
  enum fin_status (*read)(void *self, char **pool_id, char **client_id, struct fin_err *e);
  void (*destroy)(void *self);
  void *self;
};

struct cpools_cfg {
  const char *pool_id, *client_id; /* required; the pool id checked by the caller */
  const char *issuer_tmpl;         /* required; each "{userPoolId}" stands for the pool id */
  const char *jwks_tmpl;         /* NULL: <issuer>/.well-known/jwks.json; "{userPoolId}" expanded */
  struct jwks_cfg jwks;          /* per pool; its url is ignored */
  struct cpool_source source;    /* read NULL: the pool never changes. Owned from the call on,
                                    also when it fails. */
  long reread_after_s;           /* at most one source read per this; 0: 5 */
  const struct fin_clock *clock; /* borrowed; NULL: system clock */
};

struct cpools;

/* The first pool is made from cfg (nothing fetched). NULL with a message in
 * err on OOM or bad config. Free with cpools_free, once no call runs. */
struct cpools *cpools_new(const struct cpools_cfg *cfg, char *err, size_t err_size);
void cpools_free(struct cpools *p);

/* The pool in force (a new reference: cpools_put it). */
struct cpool *cpools_get(struct cpools *p);
void cpools_put(struct cpools *p, struct cpool *pool);

/* cur (a reference the caller holds, given up here) does not match a token
 * whose unverified `iss` is iss. When iss has the issuer's form with a pool
 * id other than cur's, or iss is NULL (cur's keys cannot be fetched: the
 * readiness probe), and a source is set and its last read is old enough,
 * reads the source and puts a pool it names in force. Returns the pool in
 * force (a new reference; cur itself when nothing changed). */
struct cpool *cpools_follow(struct cpools *p, struct cpool *cur, const char *iss);

/* A pool id goes into URLs: "<region>_<id>" with [A-Za-z0-9_-] only. */
bool cpool_id_ok(const char *id);

/* Source reads so far (tests). */
unsigned long cpools_reads(struct cpools *p);

/* A source reading two SSM parameters (names copied) with the connection
 * settings of conn. {NULL} with a message in err on failure. */
struct cpool_source cpool_source_ssm(const struct aws_cfg *conn, const char *pool_param,
                                     const char *client_param, char *err, size_t err_size);

#endif
