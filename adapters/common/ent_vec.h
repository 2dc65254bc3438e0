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
