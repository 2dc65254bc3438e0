/* ssm_config.c - configuration from SSM Parameter Store (see ssm_config.h). */
#include "ssm_config.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/util/log.h"

/* The eleven parameters the original provisioned (behaviour.md §12), reported when
 * missing. */
static const char *const k_known[] = {
    "limits.lowTier",
    "limits.mediumTier",
    "limits.highTier",
    "approval.autoApproveThreshold",
    "whatsapp.notificationsEnabled",
    "whatsapp.approvalExpiryHours",
    "scoring.paymentBonusMax",
    "scoring.paymentBonusMin",
    "scoring.latePenaltyMild",
    "scoring.latePenaltyModerate",
    "scoring.latePenaltySevere",
};
#define N_KNOWN (sizeof k_known / sizeof k_known[0])

struct ssm {
  struct aws_client *aws;
  char *path;
  int refresh_seconds;
  pthread_mutex_t mu;
  json_t *values;    /* key -> string; replaced whole on each load */
  json_t *overrides; /* key -> string; fixed */
  bool warned[N_KNOWN];
  atomic_ulong loads;
  pthread_t thread;
  bool running;
  pthread_mutex_t stop_mu;
  pthread_cond_t stop_cv;
  bool stop;
};

static bool blank(const char *s) {
  while (*s && isspace((unsigned char)*s))
    s++;
  return *s == '\0';
}

/* "/tazco/financial-api/limits/highTier" -> "limits.highTier" */
static void key_of(const char *path, const char *name, char *out, size_t n) {
  size_t pl = strlen(path);
  const char *rest = strncmp(name, path, pl) == 0 ? name + pl : name;
  while (*rest == '/')
    rest++;
  snprintf(out, n, "%s", rest);
  for (char *c = out; *c; c++)
    if (*c == '/') *c = '.';
}

static int load(struct ssm *s) {
  json_t *values = json_object();
  char *token = NULL;
  int rc = 0;
  do {
    json_t *req = json_pack("{s:s, s:b, s:b, s:i}", "Path", s->path, "Recursive", 1,
                            "WithDecryption", 1, "MaxResults", 10);
    if (req != NULL && token != NULL) json_object_set_new(req, "NextToken", json_string(token));
    free(token);
    token = NULL;
    json_t *resp = NULL;
    struct aws_err ae;
    if (aws_call(s->aws, "AmazonSSM", "GetParametersByPath", req, &resp, &ae) != 0) {
      struct fin_err fe = {0};
      aws_err_to_fin(&ae, &fe);
      aws_err_clear(&ae);
      char esc[300];
      fin_log("warn", "ssm_config_unreachable", "\"path\":\"%s\",\"error\":\"%s\"", s->path,
              fin_log_esc(fe.msg, esc, sizeof esc));
      rc = -1;
    }
    json_decref(req);
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(resp, "Parameters"), i, p) {
      const char *name = json_string_value(json_object_get(p, "Name"));
      const char *value = json_string_value(json_object_get(p, "Value"));
      if (name == NULL || value == NULL || blank(value)) continue; /* reported below */
      char key[256];
      key_of(s->path, name, key, sizeof key);
      json_object_set_new(values, key, json_string(value));
    }
    const char *next = json_string_value(json_object_get(resp, "NextToken"));
    token = next != NULL && next[0] != '\0' ? strdup(next) : NULL;
    json_decref(resp);
  } while (rc == 0 && token != NULL);
  free(token);
  if (rc != 0) {
    json_decref(values);
    return -1;
  }
  for (size_t k = 0; k < N_KNOWN; k++) {
    if (json_object_get(values, k_known[k]) == NULL && !s->warned[k])
      fin_log("warn", "ssm_parameter_missing", "\"parameter\":\"%s%s\",\"using\":\"default\"",
              s->path, k_known[k]);
    s->warned[k] = json_object_get(values, k_known[k]) == NULL;
  }
  pthread_mutex_lock(&s->mu);
  json_t *old = s->values;
  s->values = values;
  pthread_mutex_unlock(&s->mu);
  json_decref(old);
  atomic_fetch_add(&s->loads, 1);
  fin_log("info", "ssm_config_loaded", "\"path\":\"%s\",\"parameters\":%zu", s->path,
          json_object_size(values));
  return 0;
}

static void *refresher(void *arg) {
  struct ssm *s = arg;
  pthread_mutex_lock(&s->stop_mu);
  while (!s->stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += s->refresh_seconds;
    while (!s->stop && pthread_cond_timedwait(&s->stop_cv, &s->stop_mu, &until) != ETIMEDOUT) {
    }
    if (s->stop) break;
    pthread_mutex_unlock(&s->stop_mu);
    load(s);
    pthread_mutex_lock(&s->stop_mu);
  }
  pthread_mutex_unlock(&s->stop_mu);
  return NULL;
}

static enum fin_status ssm_get(void *self, const char *key, char **out, struct fin_err *e) {
  struct ssm *s = self;
  *out = NULL;
  pthread_mutex_lock(&s->mu);
  const char *v = json_string_value(json_object_get(s->overrides, key));
  if (v == NULL) v = json_string_value(json_object_get(s->values, key));
  if (v != NULL) *out = strdup(v);
  pthread_mutex_unlock(&s->mu);
  if (v == NULL) return FIN_NOT_FOUND;
  return *out != NULL ? FIN_OK : fin_err_set(e, FIN_NOMEM, "out of memory");
}

static void ssm_destroy(void *self) {
  struct ssm *s = self;
  if (s == NULL) return;
  if (s->running) {
    pthread_mutex_lock(&s->stop_mu);
    s->stop = true;
    pthread_cond_signal(&s->stop_cv);
    pthread_mutex_unlock(&s->stop_mu);
    pthread_join(s->thread, NULL);
  }
  aws_client_free(s->aws);
  json_decref(s->values);
  json_decref(s->overrides);
  free(s->path);
  pthread_mutex_destroy(&s->mu);
  pthread_mutex_destroy(&s->stop_mu);
  pthread_cond_destroy(&s->stop_cv);
  free(s);
}

static const struct fin_config_ops ssm_ops = {.get = ssm_get, .destroy = ssm_destroy};

struct fin_config ssm_config_new(const struct ssm_cfg *cfg, char *err, size_t err_size) {
  struct ssm *s = calloc(1, sizeof *s);
  if (s == NULL) {
    snprintf(err, err_size, "out of memory");
    return (struct fin_config){NULL, NULL};
  }
  pthread_mutex_init(&s->mu, NULL);
  pthread_mutex_init(&s->stop_mu, NULL);
  pthread_cond_init(&s->stop_cv, NULL);
  atomic_init(&s->loads, 0);
  const char *path = cfg->path ? cfg->path : SSM_CONFIG_DEFAULT_PATH;
  s->path = strdup(path);
  s->values = json_object();
  s->overrides = json_object();
  for (size_t i = 0; s->overrides != NULL && i < cfg->n_overrides; i++)
    json_object_set_new(s->overrides, cfg->override_keys[i], json_string(cfg->override_values[i]));
  s->refresh_seconds = cfg->refresh_seconds;
  if (s->path == NULL || s->values == NULL || s->overrides == NULL)
    snprintf(err, err_size, "out of memory");
  else
    s->aws = aws_client_new(&cfg->aws, "ssm", err, err_size);
  if (s->aws == NULL) {
    ssm_destroy(s);
    return (struct fin_config){NULL, NULL};
  }
  load(s); /* unreachable: defaults now, the refresher tries again */
  if (s->refresh_seconds > 0 && pthread_create(&s->thread, NULL, refresher, s) == 0)
    s->running = true;
  return (struct fin_config){&ssm_ops, s};
}

unsigned long ssm_config_loads(const struct fin_config *c) {
  return atomic_load(&((struct ssm *)c->self)->loads);
}
