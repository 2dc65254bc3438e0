/* ent_sbuf.h - a string built in a fixed array, with a bound that holds.
 *
 * The adapters build request expressions (DynamoDB's UpdateExpression,
 * ConditionExpression, URL paths) from parts whose number depends on the
 * request. An append that does not fit changes nothing and marks the buffer
 * as overflowed, and every later append is ignored: the caller checks once,
 * at the end, and reports an error instead of sending a cut string (a cut
 * expression is another expression, not a shorter one).
 *
 * The array is the caller's (stack or heap); the buffer only borrows it and
 * keeps it NUL-terminated at all times.
 */
#ifndef FIN_ENT_SBUF_H
#define FIN_ENT_SBUF_H

#include <stdbool.h>
#include <stddef.h>

struct ent_sbuf {
  char *p;       /* the caller's array (borrowed) */
  size_t cap;    /* its size, NUL included */
  size_t len;    /* strlen(p) */
  bool overflow; /* an append did not fit: p holds what came before it */
};

/* Points b at array[0..cap) holding `start` (NULL = ""); cap must be > 0. */
void ent_sbuf_init(struct ent_sbuf *b, char *array, size_t cap, const char *start);
/* Appends s, or marks b overflowed when s does not fit whole. */
void ent_sbuf_add(struct ent_sbuf *b, const char *s);
/* Appends printf-style text, or marks b overflowed when it does not fit. */
void ent_sbuf_addf(struct ent_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True when every append fitted: b->p is the whole string. */
bool ent_sbuf_ok(const struct ent_sbuf *b);

#endif
