/* aws_creds.c - AWS keys: which source, sharing, renewal (see aws_creds.h).
 * The requests to the remote sources are in aws_creds_fetch.c. */
#include "aws_creds.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../core/util/io.h"
#include "../../core/util/log.h"
#include "../../core/util/timefmt.h"
#include "../../core/util/urlhost.h"
#include "aws_creds_fetch.h"
#include "aws_profile.h"

#define MARGIN_MS (5 * 60 * 1000) /* renewed this long before expiry */
#define QUIET_MS 1000             /* after a failed fetch, none for this long */

struct aws_creds {
  struct creds_remote remote; /* kind CREDS_FIXED: keys only */
  char *source;
  int refs;               /* under reg_mu */
  pthread_mutex_t mu;     /* guards cur */
  pthread_mutex_t renew;  /* held across a renewal: taken with fin_io_lock */
  struct aws_keys *cur;   /* under mu; NULL before the first fetch */
  int64_t failed_until;   /* under renew: no fetch before this after a failure */
  struct fin_err failure; /* under renew: that failure */
  struct aws_creds *next; /* the registry of shared remote sources */
};

/* Remote sources are shared by every client that names the same one. */
static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static struct aws_creds *registry;
static atomic_ulong gen_counter;

/* ---- keys ---- */
void aws_keys_release(struct aws_keys *k) {
  if (k == NULL || atomic_fetch_sub(&k->refs, 1) != 1) return;
  OPENSSL_cleanse(k->secret, strlen(k->secret));
  free(k->id), free(k->secret), free(k->token), free(k->token_h);
  free(k);
}

struct aws_keys *aws_keys_make(const char *id, const char *secret, const char *token,
                               int64_t expires_ms) {
  struct aws_keys *k = calloc(1, sizeof *k);
  if (k == NULL) return NULL;
  atomic_init(&k->refs, 1);
  k->id = strdup(id);
  k->secret = strdup(secret);
  k->token = token && token[0] ? strdup(token) : NULL;
  if (k->token != NULL && asprintf(&k->token_h, "X-Amz-Security-Token: %s", k->token) < 0)
    k->token_h = NULL;
  k->expires_ms = expires_ms;
  k->gen = atomic_fetch_add(&gen_counter, 1) + 1;
  if (k->id == NULL || k->secret == NULL || (k->token != NULL && k->token_h == NULL)) {
    free(k->id), free(k->secret), free(k->token), free(k->token_h), free(k);
    return NULL;
  }
  return k;
}

/* ---- the source ---- */
static void creds_free(struct aws_creds *s) {
  aws_keys_release(s->cur);
  creds_remote_clear(&s->remote);
  pthread_mutex_destroy(&s->mu);
  pthread_mutex_destroy(&s->renew);
  free(s->source);
  free(s);
}

void aws_creds_release(struct aws_creds *s) {
  if (s == NULL) return;
  pthread_mutex_lock(&reg_mu);
  int last = --s->refs == 0;
  if (last && s->remote.kind != CREDS_FIXED)
    for (struct aws_creds **p = &registry; *p != NULL; p = &(*p)->next)
      if (*p == s) {
        *p = s->next;
        break;
      }
  pthread_mutex_unlock(&reg_mu);
  if (last) creds_free(s);
}

static struct aws_creds *creds_alloc(const char *source) {
  struct aws_creds *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->refs = 1;
  pthread_mutex_init(&s->mu, NULL);
  pthread_mutex_init(&s->renew, NULL);
  s->source = strdup(source);
  if (s->source == NULL) {
    creds_free(s);
    return NULL;
  }
  return s;
}

static struct aws_creds *fixed(const char *source, const char *id, const char *secret,
                               const char *token, char *err, size_t err_size) {
  struct aws_creds *s = creds_alloc(source);
  if (s != NULL && (s->cur = aws_keys_make(id, secret, token, INT64_MAX)) != NULL) return s;
  if (s != NULL) creds_free(s);
  snprintf(err, err_size, "out of memory");
  return NULL;
}

/* The shared source described by r (whose strings it takes), logged when
 * first made. */
static struct aws_creds *shared(struct creds_remote *r, char *err, size_t err_size) {
  pthread_mutex_lock(&reg_mu);
  for (struct aws_creds *s = registry; s != NULL; s = s->next)
    if (strcmp(s->source, r->describe) == 0) {
      s->refs++;
      pthread_mutex_unlock(&reg_mu);
      creds_remote_clear(r);
      return s;
    }
  struct aws_creds *s = creds_alloc(r->describe);
  if (s != NULL) {
    s->remote = *r;
    memset(r, 0, sizeof *r);
    s->next = registry;
    registry = s;
  }
  pthread_mutex_unlock(&reg_mu);
  if (s == NULL) {
    creds_remote_clear(r);
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  char esc[512];
  fin_log("info", "aws_credentials", "\"source\":\"%s\",\"renewed\":true",
          fin_log_esc(s->source, esc, sizeof esc));
  return s;
}

static const char *nonempty(const char *s) {
  return s != NULL && s[0] != '\0' ? s : NULL;
}

const char *aws_env(const char *name) {
  return nonempty(getenv(name));
}

/* Logs a source of keys kept as given, once per process and source: every
 * client of the instance opens it. */
static void log_once(const char *source) {
  static char last[320];
  pthread_mutex_lock(&reg_mu);
  int fresh = strcmp(last, source) != 0;
  if (fresh) snprintf(last, sizeof last, "%s", source);
  pthread_mutex_unlock(&reg_mu);
  char esc[512];
  if (fresh)
    fin_log("info", "aws_credentials", "\"source\":\"%s\",\"renewed\":false",
            fin_log_esc(source, esc, sizeof esc));
}

/* Whether the instance metadata service may be asked for this client. */
static int imds_allowed(const struct aws_creds_cfg *cfg) {
  const char *off = aws_env("AWS_EC2_METADATA_DISABLED");
  if (off != NULL && strcasecmp(off, "true") == 0) return 0;
  if (aws_env("AWS_EC2_METADATA_SERVICE_ENDPOINT") != NULL) return 1;
  return !fin_url_loopback(cfg->endpoint); /* an emulator takes any keys */
}

struct aws_creds *aws_creds_open(const struct aws_creds_cfg *cfg, char *err, size_t err_size) {
  static const struct aws_creds_cfg none;
  if (cfg == NULL) cfg = &none;
  const char *id = nonempty(cfg->access_key_id), *secret = nonempty(cfg->secret_access_key);
  if (id != NULL || secret != NULL) {
    if (id != NULL && secret != NULL)
      return fixed("wiring", id, secret, nonempty(cfg->session_token), err, err_size);
    snprintf(err, err_size, "the wiring gives %s without %s",
             id ? "access_key_id" : "secret_access_key",
             id ? "secret_access_key" : "access_key_id");
    return NULL;
  }
  id = aws_env("AWS_ACCESS_KEY_ID"), secret = aws_env("AWS_SECRET_ACCESS_KEY");
  if (id != NULL || secret != NULL) {
    if (id != NULL && secret != NULL)
      return fixed("environment", id, secret, aws_env("AWS_SESSION_TOKEN"), err, err_size);
    snprintf(err, err_size, "%s is set but %s is not",
             id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
             id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    return NULL;
  }
  struct creds_remote r = {0};
  long timeout = cfg->timeout_ms > 0 ? cfg->timeout_ms : 5000;
  if (aws_env("AWS_WEB_IDENTITY_TOKEN_FILE") != NULL)
    return creds_web_identity(&r, cfg->region, timeout, err, err_size) == 0
               ? shared(&r, err, err_size)
               : NULL;
  struct aws_profile_keys pk;
  int rc = aws_profile_read(&pk, err, err_size);
  if (rc != 0) {
    struct aws_creds *s =
        rc > 0 ? fixed(pk.source, pk.id, pk.secret, pk.token, err, err_size) : NULL;
    aws_profile_clear(&pk);
    if (s != NULL) log_once(s->source);
    return s;
  }
  if (aws_env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != NULL ||
      aws_env("AWS_CONTAINER_CREDENTIALS_FULL_URI") != NULL)
    rc = creds_container(&r, timeout, err, err_size);
  else if (imds_allowed(cfg))
    rc = creds_imds(&r, timeout, err, err_size);
  else {
    snprintf(err, err_size, "no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; %s)",
             fin_url_loopback(cfg->endpoint)
                 ? "emulators take any, e.g. test/test"
                 : "AWS_EC2_METADATA_DISABLED=true turns off the instance role's keys");
    return NULL;
  }
  return rc == 0 ? shared(&r, err, err_size) : NULL;
}

const char *aws_creds_source(const struct aws_creds *s) {
  return s->source;
}

int aws_creds_renewed(const struct aws_creds *s) {
  return s->remote.kind != CREDS_FIXED;
}

/* ---- renewal ---- */
/* s->cur with a new reference when it is valid until at least `until`. */
static struct aws_keys *current(struct aws_creds *s, int64_t until) {
  pthread_mutex_lock(&s->mu);
  struct aws_keys *k = s->cur;
  if (k != NULL && k->expires_ms > until)
    atomic_fetch_add(&k->refs, 1);
  else
    k = NULL;
  pthread_mutex_unlock(&s->mu);
  return k;
}

/* Under s->renew: fetches new keys, or keeps the ones in hand while they
 * last. After a failure the source is left alone for QUIET_MS: callers get
 * the same answer at once instead of queueing for fetches that each wait
 * out a timeout (and one log line per failure, not per call). */
static enum fin_status renew(struct aws_creds *s, struct aws_keys **out, struct fin_err *e) {
  if (fin_now_ms() < s->failed_until) {
    if ((*out = current(s, fin_now_ms())) != NULL) return FIN_OK;
    if (e != NULL) *e = s->failure;
    return s->failure.code;
  }
  struct aws_keys *k = NULL;
  enum fin_status st = creds_fetch(&s->remote, &k, e);
  if (st == FIN_OK) {
    pthread_mutex_lock(&s->mu);
    struct aws_keys *old = s->cur;
    s->cur = k;
    atomic_fetch_add(&k->refs, 1);
    pthread_mutex_unlock(&s->mu);
    aws_keys_release(old);
    *out = k;
    return FIN_OK;
  }
  s->failure = *e;
  s->failed_until = fin_now_ms() + QUIET_MS;
  *out = current(s, fin_now_ms());
  char src[512], why[512];
  fin_log(*out ? "warn" : "error", "aws_credentials_renewal_failed",
          "\"source\":\"%s\",\"why\":\"%s\",\"kept\":%s", fin_log_esc(s->source, src, sizeof src),
          fin_log_esc(e->msg, why, sizeof why), *out ? "true" : "false");
  return *out ? FIN_OK : st;
}

enum fin_status aws_creds_get(struct aws_creds *s, struct aws_keys **out, struct fin_err *e) {
  if ((*out = current(s, fin_now_ms() + MARGIN_MS)) != NULL) return FIN_OK;
  fin_io_lock(&s->renew);
  enum fin_status st = FIN_OK;
  struct fin_err le = {0};
  if ((*out = current(s, fin_now_ms() + MARGIN_MS)) == NULL) st = renew(s, out, &le);
  pthread_mutex_unlock(&s->renew);
  if (st != FIN_OK && e != NULL) *e = le;
  return st;
}
