/* cognito_ssm.c - a cpool_source (cognito_pool.h) reading the pool id and
 * app client id from the SSM parameters `financial-api provision` writes
 * (<SSM_PATH>cognito/userPoolId, <SSM_PATH>cognito/clientId). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cognito_pool.h"

struct ssm_src {
  struct aws_client *ssm;
  char *pool_param, *client_param;
};

/* The value of one parameter (a new string) or NULL with e filled. */
static char *get(struct ssm_src *s, const char *name, struct fin_err *e) {
  json_t *req = json_pack("{s:s}", "Name", name), *resp = NULL;
  struct aws_err ae;
  if (req == NULL) {
    fin_err_set(e, FIN_NOMEM, "out of memory");
    return NULL;
  }
  int rc = aws_call(s->ssm, "AmazonSSM", "GetParameter", req, &resp, &ae);
  json_decref(req);
  if (rc != 0) {
    aws_err_to_fin(&ae, e);
    aws_err_clear(&ae);
    return NULL;
  }
  const char *v = json_string_value(json_object_get(json_object_get(resp, "Parameter"), "Value"));
  char *out = v != NULL && v[0] != '\0' ? strdup(v) : NULL;
  json_decref(resp);
  if (out == NULL) fin_err_set(e, FIN_INTERNAL, "ssm %s: no value", name);
  return out;
}

static enum fin_status ssm_read(void *self, char **pool_id, char **client_id, struct fin_err *e) {
  struct ssm_src *s = self;
  *pool_id = get(s, s->pool_param, e);
  *client_id = *pool_id != NULL ? get(s, s->client_param, e) : NULL;
  if (*client_id != NULL) return FIN_OK;
  free(*pool_id);
  *pool_id = NULL;
  return e->code != FIN_OK ? e->code : FIN_INTERNAL;
}

static void ssm_destroy(void *self) {
  struct ssm_src *s = self;
  if (s == NULL) return;
  aws_client_free(s->ssm);
  free(s->pool_param);
  free(s->client_param);
  free(s);
}

struct cpool_source cpool_source_ssm(const struct aws_cfg *conn, const char *pool_param,
                                     const char *client_param, char *err, size_t err_size) {
  struct ssm_src *s = calloc(1, sizeof *s);
  if (s != NULL) {
    s->pool_param = strdup(pool_param);
    s->client_param = strdup(client_param);
    s->ssm = aws_client_new(conn, "ssm", err, err_size);
  }
  if (s == NULL || s->pool_param == NULL || s->client_param == NULL || s->ssm == NULL) {
    if (s == NULL || s->ssm != NULL) snprintf(err, err_size, "out of memory");
    ssm_destroy(s);
    return (struct cpool_source){0};
  }
  return (struct cpool_source){.read = ssm_read, .destroy = ssm_destroy, .self = s};
}
