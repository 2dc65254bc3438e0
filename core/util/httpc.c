/* httpc.c - libcurl helpers (see httpc.h). */
#include "httpc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

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

void fin_http_head_reset(struct fin_http_head *h) {
  memset(h, 0, sizeof *h);
  h->content_length = -1;
}

size_t fin_http_head_write(char *data, size_t size, size_t nmemb, void *head) {
  struct fin_http_head *h = head;
  size_t len = size * nmemb;
  if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) /* a (new) status line */
    fin_http_head_reset(h);
  else if ((len == 2 && data[0] == '\r' && data[1] == '\n') || (len == 1 && data[0] == '\n'))
    h->done = true;
  else if (len > 15 && strncasecmp(data, "content-length:", 15) == 0)
    h->content_length = strtoll(data + 15, NULL, 10);
  else if (len > 12 && strncasecmp(data, "x-amz-crc32:", 12) == 0) {
    h->has_crc = true;
    h->crc = (uint32_t)strtoul(data + 12, NULL, 10);
  }
  return len;
}

const char *fin_http_damaged(const struct fin_http_head *h, const struct fin_http_buf *body) {
  if (!h->done) return "the answer ended inside its headers";
  if (h->content_length >= 0 && (unsigned long long)h->content_length != body->n)
    return "the body is not as long as announced";
  if (h->has_crc && crc32(0, (const Bytef *)body->p, (uInt)body->n) != h->crc)
    return "x-amz-crc32 does not match the body";
  return NULL;
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
