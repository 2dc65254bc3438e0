/* ent_sbuf.c - bounded string building (see ent_sbuf.h). */
#include "ent_sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ent_sbuf_init(struct ent_sbuf *b, char *array, size_t cap, const char *start) {
  *b = (struct ent_sbuf){.p = array, .cap = cap};
  b->p[0] = '\0';
  if (start != NULL) ent_sbuf_add(b, start);
}

void ent_sbuf_add(struct ent_sbuf *b, const char *s) {
  size_t n = strlen(s);
  if (b->overflow || n >= b->cap - b->len) {
    b->overflow = true;
    return;
  }
  memcpy(b->p + b->len, s, n + 1);
  b->len += n;
}

void ent_sbuf_addf(struct ent_sbuf *b, const char *fmt, ...) {
  if (b->overflow) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= b->cap - b->len) {
    b->p[b->len] = '\0'; /* drop the cut part: the buffer holds what fitted before */
    b->overflow = true;
    return;
  }
  b->len += (size_t)n;
}

bool ent_sbuf_ok(const struct ent_sbuf *b) {
  return !b->overflow;
}
