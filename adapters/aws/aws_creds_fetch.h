/* aws_creds_fetch.h - the remote sources of AWS keys (container endpoint,
 * web identity at STS, EC2 instance metadata): what each is, read from the
 * environment, and one fetch. Internal to aws_creds.c, which shares and
 * renews them (aws_creds.h). */
#ifndef FIN_AWS_CREDS_FETCH_H
#define FIN_AWS_CREDS_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "../../core/ports/errors.h"
#include "aws_creds.h"

enum creds_kind { CREDS_FIXED = 0, CREDS_CONTAINER, CREDS_WEB_IDENTITY, CREDS_IMDS };

/* A remote source; every string is owned (creds_remote_clear). */
struct creds_remote {
  enum creds_kind kind;
  char *describe;   /* "container <url>" ...: the log's name and the sharing key */
  char *url;        /* container: the endpoint; web identity: STS; IMDS: its base */
  char *auth;       /* container: the Authorization value, or NULL */
  char *auth_file;  /* container: a file holding it (read at each fetch), or NULL */
  char *role_arn;   /* web identity */
  char *session;    /* web identity: RoleSessionName */
  char *token_file; /* web identity: the token (read at each fetch) */
  long timeout_ms;
};

/* Each fills r from the environment: 0, or -1 with err filled. */
int creds_container(struct creds_remote *r, long timeout_ms, char *err, size_t err_size);
int creds_web_identity(struct creds_remote *r, const char *region, long timeout_ms, char *err,
                       size_t err_size);
int creds_imds(struct creds_remote *r, long timeout_ms, char *err, size_t err_size);
void creds_remote_clear(struct creds_remote *r);

/* New keys from r into *out (a new reference), or FIN_UNAVAILABLE /
 * FIN_NOMEM with e saying which source failed and why. */
enum fin_status creds_fetch(const struct creds_remote *r, struct aws_keys **out, struct fin_err *e);

/* A key set with one reference; token NULL or "" for none. NULL on OOM. */
struct aws_keys *aws_keys_make(const char *id, const char *secret, const char *token,
                               int64_t expires_ms);

#endif
