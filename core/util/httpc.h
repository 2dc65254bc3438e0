/* httpc.h - the small libcurl pieces every outbound HTTP client of the
 * adapters needs (AWS, Firestore, Cognito/Google keys, WPP-Connect): a
 * response buffer with a size bound, and a pool of idle easy handles so
 * connections stay alive between calls. */
#ifndef FIN_HTTPC_H
#define FIN_HTTPC_H

#include <curl/curl.h>
#include <pthread.h>
#include <stddef.h>

/* A response body; p is NUL-terminated (free it). max 0 = no bound. */
struct fin_http_buf {
  char *p;
  size_t n, max;
};
/* CURLOPT_WRITEFUNCTION for a struct fin_http_buf (CURLOPT_WRITEDATA);
 * stops the transfer on OOM or past max. */
size_t fin_http_buf_write(char *data, size_t size, size_t nmemb, void *buf);

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
