/* cognito_pool.c - the pool in force and following it (see cognito_pool.h). */
#include "cognito_pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/io.h"
#include "../../core/util/log.h"
#include "../../core/util/timefmt.h"

#define POOL_VAR "{userPoolId}"
#define POOL_VAR_LEN (sizeof POOL_VAR - 1)

struct cpools {
  char *issuer_tmpl, *jwks_tmpl; /* jwks_tmpl NULL: <issuer>/.well-known/jwks.json */
  struct jwks_cfg jwks;          /* url unused */
  const struct fin_clock *clock;
  fin_ms reread_after_ms;
  struct cpool_source source;

  pthread_mutex_t mu; /* guards cur and every pool's refs; never held across I/O */
  struct cpool *cur;

  pthread_mutex_t read_mu; /* one source read at a time; guards the two below */
  fin_ms read_at;          /* last read (0: none yet) */
  unsigned long reads;
};

bool cpool_id_ok(const char *p) {
  const char *us = strchr(p, '_');
  if (us == NULL || us == p || us[1] == '\0' || strlen(p) > 128) return false;
  for (; *p; p++)
    if (!(*p >= 'A' && *p <= 'Z') && !(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9') &&
        *p != '-' && *p != '_')
      return false;
  return true;
}

/* tmpl with each "{userPoolId}" replaced by pool (emulators put the pool id,
 * which changes with every fresh emulator, in their issuer and key URLs).
 * NULL when out of memory. */
static char *expand(const char *tmpl, const char *pool) {
  size_t n = 0, pl = strlen(pool);
  for (const char *p = strstr(tmpl, POOL_VAR); p != NULL; p = strstr(p + POOL_VAR_LEN, POOL_VAR))
    n++;
  char *out = malloc(strlen(tmpl) + n * pl - n * POOL_VAR_LEN + 1);
  if (out == NULL) return NULL;
  char *o = out;
  for (const char *p = tmpl, *hit; *p != '\0'; p = hit + POOL_VAR_LEN) {
    hit = strstr(p, POOL_VAR);
    size_t keep = hit != NULL ? (size_t)(hit - p) : strlen(p);
    memcpy(o, p, keep);
    o += keep;
    if (hit == NULL) break;
    memcpy(o, pool, pl);
    o += pl;
  }
  *o = '\0';
  return out;
}

static void pool_free(struct cpool *pool) {
  if (pool == NULL) return;
  jwks_free(pool->keys);
  free(pool->id);
  free(pool->issuer);
  free(pool->client_id);
  free(pool);
}

/* A pool with one reference, or NULL (reason in err). */
static struct cpool *pool_new(const struct cpools *p, const char *id, const char *client_id,
                              char *err, size_t err_size) {
  struct cpool *pool = calloc(1, sizeof *pool);
  char *url = NULL;
  if (pool != NULL) {
    pool->id = strdup(id);
    pool->client_id = strdup(client_id);
    pool->issuer = expand(p->issuer_tmpl, id);
    if (p->jwks_tmpl != NULL)
      url = expand(p->jwks_tmpl, id);
    else if (pool->issuer != NULL && asprintf(&url, "%s/.well-known/jwks.json", pool->issuer) < 0)
      url = NULL;
  }
  if (pool == NULL || !pool->id || !pool->client_id || !pool->issuer || url == NULL) {
    snprintf(err, err_size, "out of memory");
    free(url);
    pool_free(pool);
    return NULL;
  }
  struct jwks_cfg jc = p->jwks;
  jc.url = url;
  jc.clock = p->clock;
  pool->keys = jwks_new(&jc, err, err_size);
  if (pool->keys != NULL) {
    char iss[256], u[256];
    fin_log("info", "auth_cognito", "\"pool\":\"%s\",\"issuer\":\"%s\",\"jwks\":\"%s\"", id,
            fin_log_esc(pool->issuer, iss, sizeof iss), fin_log_esc(url, u, sizeof u));
  }
  free(url);
  if (pool->keys == NULL) {
    pool_free(pool);
    return NULL;
  }
  pool->refs = 1;
  return pool;
}

struct cpools *cpools_new(const struct cpools_cfg *cfg, char *err, size_t err_size) {
  struct cpools *p = calloc(1, sizeof *p);
  if (p == NULL) {
    if (cfg->source.destroy != NULL) cfg->source.destroy(cfg->source.self);
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  p->source = cfg->source;
  p->clock = cfg->clock;
  p->jwks = cfg->jwks;
  p->reread_after_ms = (fin_ms)(cfg->reread_after_s > 0 ? cfg->reread_after_s : 5) * 1000;
  pthread_mutex_init(&p->mu, NULL);
  pthread_mutex_init(&p->read_mu, NULL);
  p->issuer_tmpl = strdup(cfg->issuer_tmpl);
  p->jwks_tmpl = cfg->jwks_tmpl != NULL ? strdup(cfg->jwks_tmpl) : NULL;
  if (p->issuer_tmpl == NULL || (cfg->jwks_tmpl != NULL && p->jwks_tmpl == NULL)) {
    snprintf(err, err_size, "out of memory");
    cpools_free(p);
    return NULL;
  }
  p->cur = pool_new(p, cfg->pool_id, cfg->client_id, err, err_size);
  if (p->cur == NULL) {
    cpools_free(p);
    return NULL;
  }
  return p;
}

void cpools_free(struct cpools *p) {
  if (p == NULL) return;
  pool_free(p->cur);
  if (p->source.destroy != NULL) p->source.destroy(p->source.self);
  pthread_mutex_destroy(&p->mu);
  pthread_mutex_destroy(&p->read_mu);
  free(p->issuer_tmpl);
  free(p->jwks_tmpl);
  free(p);
}

struct cpool *cpools_get(struct cpools *p) {
  pthread_mutex_lock(&p->mu);
  struct cpool *pool = p->cur;
  pool->refs++;
  pthread_mutex_unlock(&p->mu);
  return pool;
}

void cpools_put(struct cpools *p, struct cpool *pool) {
  if (pool == NULL) return;
  pthread_mutex_lock(&p->mu);
  bool last = --pool->refs == 0;
  pthread_mutex_unlock(&p->mu);
  if (last) pool_free(pool);
}

unsigned long cpools_reads(struct cpools *p) {
  fin_io_lock(&p->read_mu); /* others hold it across a source read */
  unsigned long n = p->reads;
  pthread_mutex_unlock(&p->read_mu);
  return n;
}

static fin_ms now_ms(const struct cpools *p) {
  return p->clock != NULL ? p->clock->ops->now(p->clock->self) : fin_now_ms();
}

/* Does iss have the issuer's form, naming a pool other than `id`? Only a
 * well-formed pool id counts, so junk claims never reach the source. */
static bool names_other_pool(const struct cpools *p, const char *iss, const char *id) {
  const char *var = strstr(p->issuer_tmpl, POOL_VAR);
  if (var == NULL) return false; /* a fixed issuer: there is no other pool to follow */
  size_t pre = (size_t)(var - p->issuer_tmpl), post = strlen(var + POOL_VAR_LEN);
  size_t len = strlen(iss);
  if (len <= pre + post || len - pre - post > 128 || strncmp(iss, p->issuer_tmpl, pre) != 0 ||
      strcmp(iss + len - post, var + POOL_VAR_LEN) != 0)
    return false;
  char cand[129];
  memcpy(cand, iss + pre, len - pre - post);
  cand[len - pre - post] = '\0';
  return cpool_id_ok(cand) && strcmp(cand, id) != 0;
}

/* Reads the source and puts what it names in force. Under read_mu. */
static void reread(struct cpools *p) {
  char *id = NULL, *client = NULL;
  struct fin_err e = {0};
  p->reads++;
  if (p->source.read(p->source.self, &id, &client, &e) != FIN_OK) {
    char m[300];
    fin_log("warn", "auth_cognito_reread_failed", "\"error\":\"%s\"",
            fin_log_esc(e.msg, m, sizeof m));
    return;
  }
  struct cpool *cur = cpools_get(p);
  bool same = strcmp(cur->id, id) == 0 && strcmp(cur->client_id, client) == 0;
  cpools_put(p, cur);
  char err[160] = "";
  struct cpool *fresh = NULL;
  if (!same && !cpool_id_ok(id))
    snprintf(err, sizeof err, "the source names a malformed pool id");
  else if (!same)
    fresh = pool_new(p, id, client, err, sizeof err);
  if (!same && fresh == NULL)
    fin_log("warn", "auth_cognito_reread_failed", "\"error\":\"%s\"", err);
  free(id);
  free(client);
  if (fresh == NULL) return;
  pthread_mutex_lock(&p->mu);
  struct cpool *old = p->cur;
  p->cur = fresh;
  bool last = --old->refs == 0;
  pthread_mutex_unlock(&p->mu);
  fin_log("info", "auth_cognito_pool_changed", "\"from\":\"%s\",\"to\":\"%s\"", old->id, fresh->id);
  if (last) pool_free(old);
}

struct cpool *cpools_follow(struct cpools *p, struct cpool *cur, const char *iss) {
  if (p->source.read == NULL || (iss != NULL && !names_other_pool(p, iss, cur->id))) return cur;
  fin_io_lock(&p->read_mu); /* held across a source read */
  fin_ms now = now_ms(p);
  /* The pool may have changed while this caller waited for read_mu. */
  pthread_mutex_lock(&p->mu);
  bool changed = p->cur != cur;
  pthread_mutex_unlock(&p->mu);
  if (!changed && (p->read_at == 0 || now - p->read_at >= p->reread_after_ms)) {
    p->read_at = now;
    reread(p);
  }
  pthread_mutex_unlock(&p->read_mu);
  cpools_put(p, cur);
  return cpools_get(p);
}
