/* ssm_config.h - the config port of AWS mode: SSM Parameter Store.
 *
 * Reads every parameter under a path (default SSM_CONFIG_DEFAULT_PATH, where
 * the spec puts the service's configuration) with GetParametersByPath
 * (recursive, decrypted, 10 per call, following NextToken) at start and then
 * every `refresh_seconds` on its own thread.
 * "/tazco/financial-api/limits/highTier" answers key "limits.highTier" (the
 * keys of config/defaults.lua). A missing or blank parameter answers
 * FIN_NOT_FOUND, so the rule keeps its default; it is logged once. When SSM
 * cannot be reached the last values (at start: none) stay in use and a
 * warning is logged; the service never blocks a request. Thread-safe.
 */
#ifndef FIN_SSM_CONFIG_H
#define FIN_SSM_CONFIG_H

#include <stddef.h>

#include "../../core/ports/services.h"
#include "aws_http.h"

#define SSM_CONFIG_DEFAULT_PATH "/tazco/financial-api/"

struct ssm_cfg {
  struct aws_cfg aws;
  const char *path;    /* NULL: SSM_CONFIG_DEFAULT_PATH */
  int refresh_seconds; /* 0: read once at start */
  /* Values that win over SSM (environment overrides of the wiring file);
   * copied. */
  const char *const *override_keys, *const *override_values;
  size_t n_overrides;
};

/* A config port, or {NULL, NULL} with a message in err. */
struct fin_config ssm_config_new(const struct ssm_cfg *cfg, char *err, size_t err_size);

/* How many successful loads so far (changes when values may have changed). */
unsigned long ssm_config_loads(const struct fin_config *c);

#endif
