/* fuzz_http.c - the whole request path (headers, body, router, JSON decoding,
 * cursors, tokens, handlers) through the transport-independent pipeline.
 *
 * Input: "METHOD /path?query\n" then "Name: value\n" lines, an empty line,
 * then the body. */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "../../core/app/routes.h"
#include "../../core/http/pipeline.h"
#include "fuzz_common.h"

#define MAX_H 24

struct parsed {
  char *method, *path, *query;
  char *hn[MAX_H], *hv[MAX_H];
  int nh;
  char qbuf[1024];
};

static const char *header(void *ctx, const char *name) {
  struct parsed *p = ctx;
  for (int i = 0; i < p->nh; i++)
    if (strcasecmp(p->hn[i], name) == 0) return p->hv[i];
  return NULL;
}

static const char *query(void *ctx, const char *name) {
  struct parsed *p = ctx;
  if (p->query == NULL) return NULL;
  size_t n = strlen(name);
  for (char *s = p->query; s && *s;) {
    char *amp = strchr(s, '&');
    size_t len = amp ? (size_t)(amp - s) : strlen(s);
    if (len > n && strncmp(s, name, n) == 0 && s[n] == '=') {
      size_t vl = len - n - 1;
      if (vl >= sizeof p->qbuf) vl = sizeof p->qbuf - 1;
      memcpy(p->qbuf, s + n + 1, vl);
      p->qbuf[vl] = '\0';
      return p->qbuf;
    }
    s = amp ? amp + 1 : NULL;
  }
  return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct fin_container *c = fuzz_container();
  char *buf = malloc(size + 1);
  if (buf == NULL) return 0;
  memcpy(buf, data, size);
  buf[size] = '\0';
  struct parsed p = {0};
  char *line_end = memchr(buf, '\n', size);
  char *rest = line_end ? line_end + 1 : buf + size;
  if (line_end) *line_end = '\0';
  p.method = buf;
  char *sp = strchr(buf, ' ');
  p.path = sp ? (*sp = '\0', sp + 1) : (char *)"/";
  char *q = strchr(p.path, '?');
  if (q) *q = '\0', p.query = q + 1;
  /* headers until an empty line */
  char *body = buf + size;
  while (rest < buf + size) {
    char *nl = memchr(rest, '\n', (size_t)(buf + size - rest));
    if (nl) *nl = '\0';
    if (*rest == '\0') {
      body = nl ? nl + 1 : buf + size;
      break;
    }
    char *colon = strchr(rest, ':');
    if (colon && p.nh < MAX_H) {
      *colon = '\0';
      char *v = colon + 1;
      while (*v == ' ')
        v++;
      p.hn[p.nh] = rest, p.hv[p.nh++] = v;
    }
    if (!nl) break;
    rest = nl + 1;
  }
  size_t body_len = (size_t)(buf + size - body);
  struct fin_http_in in = {.method = p.method,
                           .path = p.path,
                           .body = body,
                           .body_len = body_len,
                           .body_too_large = body_len > FIN_BODY_LIMIT,
                           .client_ip = "127.0.0.1",
                           .header = header,
                           .query = query,
                           .ctx = &p};
  struct fin_http_out out;
  struct fin_http_app app = fin_app_http(c);
  fin_http_handle(&app, &in, &out);
  if (out.status < 100 || out.status > 599) abort();
  fin_http_out_release(&out);
  free(buf);
  return 0;
}
