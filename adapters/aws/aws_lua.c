/* aws_lua.c - the Lua module "fin.aws" (AWS mode wiring and repro scripts).
 *
 *   aws.dynamodb{conn...; table_prefix=}  -> database handle: :users() ...
 *                                            :store() like fin.memory, and
 *                                            :calls() (requests sent so far)
 *   aws.eventbridge{conn...; bus=, source=}            -> fin.Publisher
 *   aws.ssm_config{conn...; path=, refresh_seconds=}   -> fin.Config
 *   aws.ssm_default_path              "/tazco/financial-api/", the path
 *                                     ssm_config reads when given none
 *   aws.cognito_auth{conn...; user_pool_id=, client_id=, issuer=, jwks_url=,
 *                    follow_ssm={pool=, client=}, reread_seconds=,
 *                    status_ttl_s=}
 *                                     -> fin.Auth; account statuses
 *                                     (AdminGetUser) kept status_ttl_s
 *                                     seconds (30; 0: asked every request);
 *                                     with follow_ssm, a token
 *                                     naming another pool makes it read the
 *                                     two SSM parameters again (at most once
 *                                     per reread_seconds, 5): cognito_pool.h
 *   aws.dev_auth_fallback{endpoint=, cognito=}  dev tokens ("mock."), the
 *                                     others to `cognito` when given; raises
 *                                     unless the endpoint is loopback
 *   aws.is_loopback(url)              true for 127.x, localhost, [::1]
 *   aws.call(service, operation, params [, conn])
 *        -> response table | nil, code, message   (service: "dynamodb",
 *           "ssm", "events", "sqs", "cognito-idp"; params as the AWS API
 *           reference shows them, e.g. {TableName = "acme-users"})
 *
 * conn fields (all optional; nil = the standard AWS environment):
 *   endpoint, region, access_key_id, secret_access_key, session_token,
 *   timeout_ms (default: FIN_AWS_TIMEOUT_MS, else 5000), connect_timeout_ms
 */
#include <lauxlib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/lua/bind.h"
#include "../../core/lua/box.h"
#include "../../core/util/log.h"
#include "../common/ustat.h"
#include "cognito_auth.h"
#include "ddb.h"
#include "dev_fallback.h"
#include "eb_publisher.h"
#include "ssm_config.h"

#define DB_T "fin.aws.Database"

/* FIN_AWS_TIMEOUT_MS when it is a positive number of milliseconds, else 0
 * (the client's default): scripts such as provision then wait as long as
 * the server is told to, on a loaded emulator too. */
static long env_timeout_ms(void) {
  const char *v = getenv("FIN_AWS_TIMEOUT_MS");
  char *end;
  long ms = v != NULL ? strtol(v, &end, 10) : 0;
  return v != NULL && *v != '\0' && *end == '\0' && ms > 0 ? ms : 0;
}

/* The connection options of the table at idx (strings borrowed from Lua). */
static void read_conn(lua_State *L, int idx, struct aws_cfg *c) {
  memset(c, 0, sizeof *c);
  c->timeout_ms = env_timeout_ms();
  if (lua_isnoneornil(L, idx)) return;
  luaL_checktype(L, idx, LUA_TTABLE);
  c->endpoint = fin_opt_str(L, idx, "endpoint");
  c->region = fin_opt_str(L, idx, "region");
  c->access_key_id = fin_opt_str(L, idx, "access_key_id");
  c->secret_access_key = fin_opt_str(L, idx, "secret_access_key");
  c->session_token = fin_opt_str(L, idx, "session_token");
  c->timeout_ms = fin_opt_int(L, idx, "timeout_ms", c->timeout_ms);
  c->connect_timeout_ms = fin_opt_int(L, idx, "connect_timeout_ms", 0);
}

/* ---- database handle ---- */
FIN_DB_HANDLE(DB_T, struct ddb, ddb_unref)

static int db_calls(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)ddb_calls(check_db(L)));
  return 1;
}

static int l_dynamodb(lua_State *L) {
  struct ddb_cfg cfg;
  read_conn(L, 1, &cfg.aws);
  cfg.table_prefix = lua_istable(L, 1) ? fin_opt_str(L, 1, "table_prefix") : NULL;
  struct db_handle *h = lua_newuserdatauv(L, sizeof *h, 0);
  h->d = NULL;
  luaL_setmetatable(L, DB_T);
  char err[256];
  if ((h->d = ddb_new(&cfg, err, sizeof err)) == NULL)
    return luaL_error(L, "fin.aws.dynamodb: %s", err);
  return 1;
}

#define FIN_DB_CTOR(field) ddb_##field##_port
FIN_DB_PORT_METHODS

/* Fills a pushed box with a made port, or raises with err. */
#define FILL(L, b, port, what, err)                                                                \
  do {                                                                                             \
    if ((port).ops == NULL) return luaL_error(L, "fin.aws." what ": %s", err);                     \
    FIN_BOX_SET(b, port);                                                                          \
  } while (0)

static int l_eventbridge(lua_State *L) {
  struct eb_cfg cfg;
  read_conn(L, 1, &cfg.aws);
  cfg.bus = lua_istable(L, 1) ? fin_opt_str(L, 1, "bus") : NULL;
  cfg.source = lua_istable(L, 1) ? fin_opt_str(L, 1, "source") : NULL;
  struct fin_box *b = fin_box_push(L, FIN_T_PUBLISHER);
  char err[256] = "out of memory";
  struct fin_publisher p = eb_publisher_new(&cfg, err, sizeof err);
  FILL(L, b, p, "eventbridge", err);
  return 1;
}

/* aws.ssm_config{conn...; path=, refresh_seconds=, overrides={key=value}} */
static int l_ssm_config(lua_State *L) {
  struct ssm_cfg cfg = {0};
  read_conn(L, 1, &cfg.aws);
  bool t = lua_istable(L, 1);
  cfg.path = t ? fin_opt_str(L, 1, "path") : NULL;
  cfg.refresh_seconds = t ? (int)fin_opt_int(L, 1, "refresh_seconds", 60) : 60;
  const char *keys[32], *values[32];
  if (t && lua_getfield(L, 1, "overrides") == LUA_TTABLE) {
    for (lua_pushnil(L); lua_next(L, -2) && cfg.n_overrides < 32; lua_pop(L, 1)) {
      if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
        return luaL_error(L, "fin.aws.ssm_config: overrides must map strings to strings");
      keys[cfg.n_overrides] = lua_tostring(L, -2); /* anchored by the table */
      values[cfg.n_overrides++] = lua_tostring(L, -1);
    }
  }
  cfg.override_keys = keys;
  cfg.override_values = values;
  struct fin_box *b = fin_box_push(L, FIN_T_CONFIG);
  char err[256] = "out of memory";
  struct fin_config c = ssm_config_new(&cfg, err, sizeof err);
  FILL(L, b, c, "ssm_config", err);
  return 1;
}

/* aws.cognito_auth{conn...; user_pool_id=, client_id=, issuer=, jwks_url=,
 *                   follow_ssm={pool=, client=}, reread_seconds=, status_ttl_s=} */
static int l_cognito_auth(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  struct cognito_auth_cfg cfg = {0};
  read_conn(L, 1, &cfg.aws); /* AdminGetUser (is_disabled) */
  cfg.status_ttl_s = fin_opt_int(L, 1, "status_ttl_s", USTAT_DEFAULT_TTL_S);
  if (cfg.status_ttl_s < 0) return luaL_error(L, "fin.aws.cognito_auth: status_ttl_s < 0");
  cfg.region = fin_opt_str(L, 1, "region");
  cfg.user_pool_id = fin_opt_str(L, 1, "user_pool_id");
  cfg.client_id = fin_opt_str(L, 1, "client_id");
  cfg.issuer = fin_opt_str(L, 1, "issuer");
  cfg.jwks_url = fin_opt_str(L, 1, "jwks_url");
  cfg.reread_after_s = fin_opt_int(L, 1, "reread_seconds", 0);
  if (cfg.user_pool_id == NULL || cfg.client_id == NULL)
    return luaL_error(L, "fin.aws.cognito_auth: user_pool_id and client_id are required");
  char err[256] = "out of memory";
  if (lua_getfield(L, 1, "follow_ssm") == LUA_TTABLE) { /* the pool's SSM parameters */
    const char *pool = fin_opt_str(L, -1, "pool"), *client = fin_opt_str(L, -1, "client");
    if (pool == NULL || client == NULL)
      return luaL_error(L, "fin.aws.cognito_auth: follow_ssm needs pool and client");
    struct aws_cfg conn;
    read_conn(L, 1, &conn);
    cfg.source = cpool_source_ssm(&conn, pool, client, err, sizeof err);
    if (cfg.source.read == NULL) return luaL_error(L, "fin.aws.cognito_auth: %s", err);
  }
  lua_pop(L, 1);
  struct fin_box *b = fin_box_push(L, FIN_T_AUTH);
  struct fin_auth a = cognito_auth_new(&cfg, err, sizeof err);
  FILL(L, b, a, "cognito_auth", err);
  return 1;
}

/* aws.dev_auth_fallback{endpoint=, cognito=<fin.Auth or nil>} */
static int l_dev_auth_fallback(lua_State *L) {
  const char *endpoint = lua_istable(L, 1) ? fin_opt_str(L, 1, "endpoint") : NULL;
  if (endpoint == NULL) endpoint = getenv("AWS_ENDPOINT_URL");
  struct fin_box *real = NULL;
  if (lua_istable(L, 1) && lua_getfield(L, 1, "cognito") != LUA_TNIL)
    real = fin_box_check(L, -1, FIN_T_AUTH); /* raises on another type */
  struct fin_box *b = fin_box_push(L, FIN_T_AUTH);
  struct fin_auth inner = {NULL, NULL};
  if (real != NULL) { /* moved into the new provider */
    inner = (struct fin_auth){real->ops, real->self};
    real->owned = false;
    real->ops = NULL;
  }
  char err[256] = "out of memory";
  struct fin_auth a = dev_fallback_new(endpoint, inner, err, sizeof err);
  FILL(L, b, a, "dev_auth_fallback", err);
  return 1;
}

static int l_is_loopback(lua_State *L) {
  lua_pushboolean(L, dev_fallback_loopback(luaL_optstring(L, 1, NULL)));
  return 1;
}

static const struct {
  const char *name, *signing, *target;
} k_services[] = {
    {"dynamodb", "dynamodb", "DynamoDB_20120810"},
    {"ssm", "ssm", "AmazonSSM"},
    {"events", "events", "AWSEvents"},
    {"sqs", "sqs", "AmazonSQS"},
    {"cognito-idp", "cognito-idp", "AWSCognitoIdentityProviderService"},
};

static void json_release(void *p, size_t n) {
  (void)n;
  json_decref(p);
}

/* aws.call(service, operation, params [, conn]) */
static int l_call(lua_State *L) {
  const char *service = luaL_checkstring(L, 1);
  const char *op = luaL_checkstring(L, 2);
  size_t i = 0, n = sizeof k_services / sizeof k_services[0];
  while (i < n && strcmp(k_services[i].name, service) != 0)
    i++;
  if (i == n) return luaL_argerror(L, 1, "one of dynamodb, ssm, events, sqs, cognito-idp");
  struct aws_cfg cfg;
  read_conn(L, 4, &cfg);
  struct fin_scratch *s = fin_scratch_push(L); /* anchors the request JSON */
  char err[256];
  json_t *req = lua_isnoneornil(L, 3) ? json_object() : fin_json_from_lua(L, 3, err, sizeof err);
  if (req == NULL) return luaL_error(L, "fin.aws.call: params: %s", err);
  s->p = req;
  s->release = json_release;
  struct aws_client *client = aws_client_new(&cfg, k_services[i].signing, err, sizeof err);
  if (client == NULL) return luaL_error(L, "fin.aws.call: %s", err);
  json_t *resp = NULL;
  struct aws_err ae;
  int rc = aws_call(client, k_services[i].target, op, req, &resp, &ae);
  aws_client_free(client);
  fin_scratch_release(s);
  if (rc != 0) {
    struct fin_err fe = {0};
    aws_err_to_fin(&ae, &fe);
    lua_pushnil(L);
    lua_pushstring(L, ae.type[0] ? ae.type : fin_status_name(fe.code));
    lua_pushstring(L, fe.msg);
    aws_err_clear(&ae);
    return 3;
  }
  s->p = resp; /* anchored while it is converted */
  s->release = json_release;
  fin_json_push(L, resp != NULL ? resp : json_object());
  return 1;
}

int luaopen_fin_aws(lua_State *L) {
  static const luaL_Reg db_methods[] = {
      FIN_DB_PORT_REGS{"calls", db_calls},
      {NULL, NULL},
  };
  static const luaL_Reg db_meta[] = {
      {"__gc", db_release},
      {"__close", db_release},
      {NULL, NULL},
  };
  static const luaL_Reg funcs[] = {
      {"dynamodb", l_dynamodb},
      {"eventbridge", l_eventbridge},
      {"ssm_config", l_ssm_config},
      {"cognito_auth", l_cognito_auth},
      {"dev_auth_fallback", l_dev_auth_fallback},
      {"call", l_call},
      {"is_loopback", l_is_loopback},
      {NULL, NULL},
  };
  fin_db_metatable(L, DB_T, db_methods, db_meta);
  luaL_newlib(L, funcs);
  /* one default for the wiring, provisioning and the example scripts */
  lua_pushstring(L, SSM_CONFIG_DEFAULT_PATH);
  lua_setfield(L, -2, "ssm_default_path");
  return 1;
}
