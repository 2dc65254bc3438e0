/* mem_cards.c - the cards repository (repos.h). Cards are created and moved
 * by the store (CARD_CREATE, CARD_BALANCE); this port reads and wipes them. */
#include <stdlib.h>
#include <string.h>

#include "mem_db.h"

static enum fin_status cards_get(void *self, const char *eco, const char *card_id,
                                 struct fin_card *out, struct fin_err *e) {
  memset(out, 0, sizeof *out);
  if (eco == NULL || card_id == NULL)
    return fin_err_set(e, FIN_INVALID, "ecosystem id and card id are required");
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  mem_rdlock(db);
  const struct fin_card *c = mem_card_find(mem_acct_get(db, eco), card_id);
  if (c == NULL)
    st = fin_err_set(e, FIN_NOT_FOUND, "Card not found: %s", card_id);
  else if (fin_card_copy(out, c) != 0)
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  mem_unlock(db);
  return st;
}

static enum fin_status cards_list_by_user(void *self, const char *eco, const char *status,
                                          struct fin_card **out, size_t *n, struct fin_err *e) {
  *out = NULL, *n = 0;
  if (eco == NULL) return fin_err_set(e, FIN_INVALID, "ecosystem id is required");
  struct mem_db *db = self;
  enum fin_status st = FIN_OK;
  mem_rdlock(db);
  const struct mem_acct *a = mem_acct_get(db, eco);
  uint32_t total = a ? a->n_cards : 0, count = 0;
  const struct fin_card **pick = total ? malloc(total * sizeof *pick) : NULL;
  if (total && pick == NULL) st = fin_err_set(e, FIN_NOMEM, "out of memory");
  for (uint32_t i = 0; st == FIN_OK && i < total; i++)
    if (status == NULL || strcmp(a->cards[i]->status, status) == 0) pick[count++] = a->cards[i];
  if (st == FIN_OK &&
      MEM_COPY_OUT(struct fin_card, fin_card_copy, fin_card_clear, count, pick[i_], out, n))
    st = fin_err_set(e, FIN_NOMEM, "out of memory");
  mem_unlock(db);
  free(pick);
  return st;
}

static enum fin_status cards_delete_all(void *self, long *deleted, struct fin_err *e) {
  struct mem_db *db = self;
  long n = 0;
  mem_wrlock(db);
  for (uint32_t i = 0; i < db->accts.cap; i++) {
    struct mem_acct *a = db->accts.slots[i].val;
    if (a == NULL) continue;
    for (uint32_t j = 0; j < a->n_cards; j++) {
      fin_card_clear(a->cards[j]);
      free(a->cards[j]);
    }
    n += a->n_cards;
    free(a->cards);
    a->cards = NULL;
    a->n_cards = a->cap_cards = 0;
  }
  mem_acct_gc(db);
  mem_unlock(db);
  if (deleted) *deleted = n;
  return FIN_OK;
}

static const struct fin_cards_ops CARDS_OPS = {
    .get = cards_get,
    .list_by_user = cards_list_by_user,
    .delete_all = cards_delete_all,
    .destroy = mem_db_port_destroy,
};

struct fin_cards mem_cards_port(struct mem_db *db) {
  return (struct fin_cards){&CARDS_OPS, mem_db_ref(db)};
}
