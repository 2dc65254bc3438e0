/* httpc.c - libcurl helpers (see httpc.h). */
#include "httpc.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "io.h"

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
  h->max_age_s = -1;
}

/* "Cache-Control: public, max-age=19917, must-revalidate" -> 19917 */
static long max_age_of(const char *data, size_t len) {
  for (size_t i = 14; i + 8 < len; i++)
    if (strncasecmp(data + i, "max-age=", 8) == 0) return strtol(data + i + 8, NULL, 10);
  return -1;
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
  else if (len > 18 && strncasecmp(data, "transfer-encoding:", 18) == 0)
    h->te = true;
  else if (len > 14 && strncasecmp(data, "cache-control:", 14) == 0)
    h->max_age_s = max_age_of(data, len);
  else if (len > 12 && strncasecmp(data, "x-amz-crc32:", 12) == 0) {
    h->has_crc = true;
    h->crc = (uint32_t)strtoul(data + 12, NULL, 10);
  }
  return len;
}

const char *fin_http_damaged(const struct fin_http_head *h, const struct fin_http_buf *body) {
  if (!h->done) return "the answer ended inside its headers";
  if (!h->te && h->content_length >= 0 && (unsigned long long)h->content_length != body->n)
    return "the body is not as long as announced";
  if (h->has_crc && crc32(0, (const Bytef *)body->p, (uInt)body->n) != h->crc)
    return "x-amz-crc32 does not match the body";
  return NULL;
}

void fin_http_call(const struct fin_http_call *c, struct fin_http_answer *a) {
  memset(a, 0, sizeof *a);
  a->body.max = c->max_answer;
  fin_http_head_reset(&a->head);
  a->rc = CURLE_OUT_OF_MEMORY;
  struct curl_slist *hl = NULL;
  CURL *h = NULL;
  for (int i = 0; c->headers != NULL && c->headers[i] != NULL; i++) {
    struct curl_slist *t = curl_slist_append(hl, c->headers[i]);
    if (t == NULL) goto done;
    hl = t;
  }
  if ((h = c->reuse != NULL ? c->reuse : curl_easy_init()) == NULL) goto done;
  if (c->reuse != NULL) curl_easy_reset(h); /* options go, the connection stays */
  curl_easy_setopt(h, CURLOPT_URL, c->url);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  if (c->body != NULL) curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->body);
  if (c->method != NULL) {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
    if (c->body == NULL && strcmp(c->method, "GET") != 0)
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fin_http_buf_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &a->body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, fin_http_head_write);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &a->head);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
  long connect = c->connect_timeout_ms;
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   connect > 0 && connect < c->timeout_ms ? connect : c->timeout_ms);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  if (c->no_proxy) curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  a->rc = fin_io_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a->status);
  if (a->rc == CURLE_OK && fin_http_damaged(&a->head, &a->body) != NULL) {
    a->rc = CURLE_PARTIAL_FILE; /* libcurl 7.88 reads some of these as whole */
    a->status = 0;
  }
  if (c->reuse != NULL)
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL); /* hl goes below */
  else
    curl_easy_cleanup(h);
done:
  curl_slist_free_all(hl);
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
