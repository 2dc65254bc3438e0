/* aws_creds.h - where an AWS client's keys come from, in the order of AWS's
 * SDKs (docs/deploy.md, "AWS credentials"):
 *   1. the wiring's keys (struct aws_cfg), then AWS_ACCESS_KEY_ID,
 *      AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN: kept as given;
 *   2. web identity (EKS IAM roles for service accounts): the token in
 *      AWS_WEB_IDENTITY_TOKEN_FILE exchanged for AWS_ROLE_ARN at STS
 *      (AssumeRoleWithWebIdentity);
 *   3. a profile of the AWS CLI's files (aws_profile.h): kept as given;
 *   4. the container endpoint of ECS tasks and EKS Pod Identity:
 *      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on 169.254.170.2), or
 *      AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_
 *      TOKEN_FILE / AWS_CONTAINER_AUTHORIZATION_TOKEN;
 *   5. the EC2 instance metadata service, IMDSv2 (session token first),
 *      unless AWS_EC2_METADATA_DISABLED=true, and never for a client whose
 *      endpoint is an emulator on loopback unless
 *      AWS_EC2_METADATA_SERVICE_ENDPOINT names one.
 * Sources 2, 4 and 5 lend keys that expire: they are fetched on first use and
 * fetched again five minutes before they expire, by one caller while the
 * others wait on a fiber-aware lock (core/util/io.h). A renewal that fails
 * while the keys in hand are still valid keeps them (logged); past their
 * expiry every call fails with FIN_UNAVAILABLE, the endpoint named.
 * Clients with the same remote source share it (one fetch per renewal).
 * Thread-safe. */
#ifndef FIN_AWS_CREDS_H
#define FIN_AWS_CREDS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "../../core/ports/errors.h"

/* One set of keys. Immutable once handed out; reference-counted. */
struct aws_keys {
  char *id, *secret;
  char *token;        /* NULL: long-term keys */
  char *token_h;      /* "X-Amz-Security-Token: <token>", NULL with token */
  int64_t expires_ms; /* wall clock; INT64_MAX: never */
  unsigned long gen;  /* differs between any two key sets of the process */
  atomic_int refs;
};

struct aws_creds;

/* Strings borrowed during aws_creds_open() only. */
struct aws_creds_cfg {
  const char *access_key_id, *secret_access_key, *session_token; /* NULL: environment */
  const char *endpoint; /* the service endpoint in use; NULL: AWS itself */
  const char *region;   /* for STS's regional endpoint */
  long timeout_ms;      /* per credential request; 0: 5000 */
};

/* The source for a client: a new reference (aws_creds_release), or NULL
 * with a message in err (no source at all, half a key pair, a container
 * URL that is not allowed, OOM). No request is sent yet. */
struct aws_creds *aws_creds_open(const struct aws_creds_cfg *cfg, char *err, size_t err_size);
void aws_creds_release(struct aws_creds *s); /* s may be NULL */

/* Keys valid for at least five minutes (or still valid, see above) into
 * *out, a new reference: aws_keys_release. FIN_UNAVAILABLE (message in e)
 * when the source cannot be reached or refuses. */
enum fin_status aws_creds_get(struct aws_creds *s, struct aws_keys **out, struct fin_err *e);
void aws_keys_release(struct aws_keys *k); /* k may be NULL */

/* "environment", "wiring", "profile <name> (<file>)", "container <url>",
 * "web identity <role> at <sts>", "instance metadata <url>" (borrowed,
 * lives as long as s): start-up log. */
const char *aws_creds_source(const struct aws_creds *s);
/* The environment variable's value, NULL when unset or empty: for the AWS
 * adapter an empty variable configures nothing, as in AWS's SDKs. */
const char *aws_env(const char *name);

/* Whether the keys expire and are renewed (sources 2, 4 and 5). */
int aws_creds_renewed(const struct aws_creds *s);

#endif
