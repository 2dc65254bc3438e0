/* httpc.h - the small libcurl pieces every outbound HTTP client of the
 * adapters needs (AWS, Firestore, Cognito/Google keys, WPP-Connect): a
 * response buffer with a size bound, and a pool of idle easy handles so
 * connections stay alive between calls. */
#ifndef FIN_HTTPC_H
#define FIN_HTTPC_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A response body; p is NUL-terminated (free it). max 0 = no bound. */
struct fin_http_buf {
  char *p;
  size_t n, max;
};
/* CURLOPT_WRITEFUNCTION for a struct fin_http_buf (CURLOPT_WRITEDATA);
 * stops the transfer on OOM or past max. */
size_t fin_http_buf_write(char *data, size_t size, size_t nmemb, void *buf);

/* What the headers of an answer said, for telling a whole answer from a
 * cut one: libcurl 7.88 reports success (status 200, no body) when the
 * connection closes inside the headers. Reset with fin_http_head_reset
 * before each transfer; fin_http_head_write is the CURLOPT_HEADERFUNCTION
 * (CURLOPT_HEADERDATA = the struct). */
struct fin_http_head {
  bool done;                /* the blank line that ends the headers arrived */
  long long content_length; /* -1: not announced */
  bool te;                  /* Transfer-Encoding announced: it frames the body, not the length */
  bool has_crc;             /* x-amz-crc32 (DynamoDB) announced */
  uint32_t crc;
  long max_age_s; /* Cache-Control max-age; -1: none */
};
void fin_http_head_reset(struct fin_http_head *h);
size_t fin_http_head_write(char *data, size_t size, size_t nmemb, void *head);
/* Why the answer (head, body) is not whole, or NULL when it is. */
const char *fin_http_damaged(const struct fin_http_head *h, const struct fin_http_buf *body);

/* One exchange made the way every small client here makes it (key sets,
 * token and credential endpoints, the WhatsApp server): http or https only,
 * no redirects followed, no signals, bounded time and answer size, an
 * answer cut short reported as CURLE_PARTIAL_FILE, and the transfer through
 * fin_io_perform() (core/util/io.h), so on a request fiber only that fiber
 * waits. */
struct fin_http_call {
  const char *url;
  const char *method;                  /* NULL: GET, or POST when there is a body */
  const char *body;                    /* NULL: none */
  const char *const *headers;          /* "Name: value" lines, NULL-terminated; NULL: none */
  long timeout_ms, connect_timeout_ms; /* connect 0: the whole timeout */
  size_t max_answer;                   /* bytes; 0: no bound */
  bool no_proxy;                       /* link-local and loopback endpoints */
  CURL *reuse;                         /* a handle to reset and use (its connections
                                          stay); NULL: a new one, cleaned up after */
};
struct fin_http_answer {
  CURLcode rc;               /* CURLE_OUT_OF_MEMORY when it could not be set up */
  long status;               /* 0: no answer */
  struct fin_http_buf body;  /* NUL-terminated or NULL; the caller frees body.p */
  struct fin_http_head head; /* what the headers said (max_age_s) */
};
void fin_http_call(const struct fin_http_call *c, struct fin_http_answer *a);

#define FIN_CURL_POOL_MAX 16

/* Idle handles (libcurl keeps each handle's connections alive). */
struct fin_curl_pool {
  pthread_mutex_t mu;
  CURL *idle[FIN_CURL_POOL_MAX];
  int n;
};
void fin_curl_pool_init(struct fin_curl_pool *p);
void fin_curl_pool_destroy(struct fin_curl_pool *p);
/* An idle handle (reset, connections kept) or a new one; NULL on OOM. */
CURL *fin_curl_take(struct fin_curl_pool *p);
/* Back to the pool (cleaned up when the pool is full). */
void fin_curl_give(struct fin_curl_pool *p, CURL *h);

#endif
