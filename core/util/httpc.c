/* httpc.c - libcurl helpers (see httpc.h). */
#include "httpc.h"

#include <stdlib.h>
#include <string.h>

size_t fin_http_buf_write(char *data, size_t size, size_t nmemb, void *buf) {
  struct fin_http_buf *b = buf;
  size_t add = size * nmemb;
  if (b->max > 0 && b->n + add > b->max) return 0;
  char *p = realloc(b->p, b->n + add + 1);
  if (p == NULL) return 0;
  memcpy(p + b->n, data, add);
  b->p = p;
  b->n += add;
  p[b->n] = '\0';
  return add;
}

void fin_curl_pool_init(struct fin_curl_pool *p) {
  memset(p, 0, sizeof *p);
  pthread_mutex_init(&p->mu, NULL);
}

void fin_curl_pool_destroy(struct fin_curl_pool *p) {
  for (int i = 0; i < p->n; i++)
    curl_easy_cleanup(p->idle[i]);
  p->n = 0;
  pthread_mutex_destroy(&p->mu);
}

CURL *fin_curl_take(struct fin_curl_pool *p) {
  pthread_mutex_lock(&p->mu);
  CURL *h = p->n > 0 ? p->idle[--p->n] : NULL;
  pthread_mutex_unlock(&p->mu);
  if (h == NULL) return curl_easy_init();
  curl_easy_reset(h); /* options go, the connection cache stays */
  return h;
}

void fin_curl_give(struct fin_curl_pool *p, CURL *h) {
  if (h == NULL) return;
  pthread_mutex_lock(&p->mu);
  if (p->n < FIN_CURL_POOL_MAX) {
    p->idle[p->n++] = h;
    h = NULL;
  }
  pthread_mutex_unlock(&p->mu);
  if (h != NULL) curl_easy_cleanup(h);
}
