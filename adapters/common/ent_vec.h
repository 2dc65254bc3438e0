/* ent_vec.h - a growing array of decoded entities, shared by the adapters
 * that read JSON records (DynamoDB items, Firestore documents).
 *
 * ent_vec_add decodes each record with `from` into an array of `size`-byte
 * elements, skips those `from` fails on or `keep` rejects (may be NULL), and
 * says stop (1) once `max` (0 = no bound) are kept. The array is owned by
 * the vector until handed out; ent_vec_free clears every element.
 */
#ifndef FIN_ENT_VEC_H
#define FIN_ENT_VEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../core/ports/repos.h"

struct ent_vec {
  size_t size;
  int (*from)(const json_t *rec, void *elem);
  void (*clear)(void *elem);
  bool (*keep)(void *ctx, const void *elem);
  void *keep_ctx;
  size_t max;
  void *items; /* out: owned array */
  size_t n, cap;
};

/* 0 to go on, 1 when `max` is reached, -1 on OOM. */
int ent_vec_add(void *vec, const json_t *rec);
/* Clears every element and frees the array. */
void ent_vec_free(struct ent_vec *v);

/* One page of an ordered array `all` (`total` elements of `size` bytes,
 * owned: it becomes *out): keeps [from, from + limit) at the front, clears
 * the rest with `clear`, sets page->has_more and page->next_cursor (a copy
 * of id_of(last element kept)). FIN_OK, or FIN_NOMEM with nothing out. */
enum fin_status ent_page_slice(void *all, size_t total, size_t size, size_t from, int limit,
                               const char *(*id_of)(const void *elem), void (*clear)(void *elem),
                               void **out, size_t *n, struct fin_page *page, struct fin_err *e);

/* Typed adapters for a model type: ENT_VEC_FNS(card, ddb_card_from,
 * fin_card_clear) defines card_from_v / card_clear_v for an ent_vec. */
#define ENT_VEC_FNS(name, from_fn, clear_fn)                                                       \
  static int name##_from_v(const json_t *rec, void *elem) {                                        \
    return from_fn(rec, elem);                                                                     \
  }                                                                                                \
  static void name##_clear_v(void *elem) {                                                         \
    clear_fn(elem);                                                                                \
  }

#endif
