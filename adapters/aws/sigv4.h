/* sigv4.h - AWS Signature Version 4 (HMAC-SHA256 with OpenSSL).
 *
 * The generic algorithm of the AWS SigV4 test suite: path segments and query
 * names/values URI-encoded (RFC 3986 unreserved characters kept), query
 * pairs sorted, header names lower-cased and sorted, values trimmed with
 * inner blank runs collapsed, repeated headers joined with ',' in order.
 * S3's single-encoding rules are not needed here. A session token is signed
 * as the X-Amz-Security-Token header the caller adds (header-before form).
 */
#ifndef FIN_SIGV4_H
#define FIN_SIGV4_H

#include <stddef.h>
#include <time.h>

struct sigv4_pair {
  const char *name, *value;
};

struct sigv4_request {
  const char *method;             /* "POST" */
  const char *path;               /* unencoded, e.g. "/" */
  const struct sigv4_pair *query; /* unencoded pairs, any order (may be NULL) */
  size_t n_query;
  const struct sigv4_pair *headers; /* must include Host and X-Amz-Date */
  size_t n_headers;
  const void *body;
  size_t body_len;
};

struct sigv4_key {
  const char *access_key_id, *secret_access_key;
  const char *region, *service;
};

/* The three artefacts of one signature; each a malloc'd string (free with
 * sigv4_result_clear). */
struct sigv4_result {
  char *canonical_request;
  char *string_to_sign;
  char *authorization; /* the Authorization header value */
};

/* Signs r at amz_date ("20150830T123600Z", the X-Amz-Date value). Returns
 * 0, or -1 on OOM or a malformed date (out then holds nothing). */
int sigv4_sign(const struct sigv4_request *r, const struct sigv4_key *k, const char *amz_date,
               struct sigv4_result *out);
void sigv4_result_clear(struct sigv4_result *r);

/* "20150830T123600Z" for t (UTC); out >= 17 bytes. */
void sigv4_amz_date(time_t t, char *out);

#endif
