/* sigv4.h - AWS Signature Version 4 (HMAC-SHA256, SHA-256 with OpenSSL).
 *
 * The generic (non-S3) algorithm of AWS's SigV4 test suite:
 *   canonical request = method \n path \n query \n headers \n signed \n hash
 *   - path: every byte but RFC 3986 unreserved characters and '/' is
 *     percent-encoded (so each segment is encoded on its own); no "."/".."
 *     normalisation: give a normalised path, "/" for AWS JSON calls;
 *   - query: names and values encoded the same way ('/' too), pairs sorted
 *     by encoded name, then by encoded value;
 *   - headers: names lower-cased and sorted, values trimmed with inner
 *     runs of blanks (and folded lines) collapsed to one space, repeated
 *     names joined with ',' in the order given;
 *   - hash: lower-case hex SHA-256 of the body.
 * X-Amz-Date (and X-Amz-Security-Token when the credentials carry a session
 * token) are signed even when the caller did not list them; the caller then
 * sends them with exactly those values. The date is a parameter, so the
 * signature of a request is deterministic (the test vectors rely on it).
 */
#ifndef FIN_SIGV4_H
#define FIN_SIGV4_H

#include <stddef.h>
#include <time.h>

#define SIGV4_KEY_LEN 32       /* bytes of a derived signing key */
#define SIGV4_AMZ_DATE_SIZE 17 /* "20150830T123600Z" + NUL */

enum sigv4_status {
  SIGV4_OK = 0,
  SIGV4_BAD_DATE, /* amz_date is not "YYYYMMDDTHHMMSSZ" */
  SIGV4_NOMEM,
  SIGV4_CRYPTO, /* OpenSSL refused (no HMAC/SHA-256 provider) */
};

struct sigv4_pair {
  const char *name, *value; /* value NULL = "" */
};

/* Everything borrowed from the caller for the duration of the call. */
struct sigv4_request {
  const char *method;             /* "POST" */
  const char *path;               /* decoded, e.g. "/"; NULL or "" = "/" */
  const struct sigv4_pair *query; /* decoded pairs, any order; may be NULL */
  size_t n_query;
  const struct sigv4_pair *headers; /* at least Host; any order and case */
  size_t n_headers;
  const void *body; /* may be NULL (empty body) */
  size_t body_len;
};

struct sigv4_creds {
  const char *access_key_id, *secret_access_key;
  const char *session_token; /* NULL: none; else signed as X-Amz-Security-Token */
  const char *region;        /* "us-east-1" */
  const char *service;       /* signing name: "dynamodb", "cognito-idp" ... */
  /* NULL: derived from the secret for the request's day; else that key
   * (sigv4_signing_key for the same day, region and service), which spares
   * four HMACs per request to a caller that keeps it for the day. */
  const unsigned char *signing_key;
};

/* The artefacts of one signature. The three strings are owned by the
 * result: release them with sigv4_result_clear(). */
struct sigv4_result {
  char *canonical_request;
  char *string_to_sign;
  char *authorization; /* the Authorization header value */
  char signature[65];  /* lower-case hex, also inside `authorization` */
};

/* Signs r for c at amz_date (UTC, "20150830T123600Z": the X-Amz-Date value
 * the caller sends). On SIGV4_OK *out holds new strings; on any error it
 * holds none (sigv4_result_clear is still safe). Thread-safe. */
enum sigv4_status sigv4_sign(const struct sigv4_request *r, const struct sigv4_creds *c,
                             const char *amz_date, struct sigv4_result *out);
/* Frees the strings of r and zeroes it; r may be NULL. */
void sigv4_result_clear(struct sigv4_result *r);

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" secret, day), region), service),
 * "aws4_request") for day "YYYYMMDD", into out. */
enum sigv4_status sigv4_signing_key(const char *secret, const char *day, const char *region,
                                    const char *service, unsigned char out[SIGV4_KEY_LEN]);

/* The X-Amz-Date form of t into out (SIGV4_AMZ_DATE_SIZE bytes). */
void sigv4_amz_date(time_t t, char out[SIGV4_AMZ_DATE_SIZE]);

#endif
