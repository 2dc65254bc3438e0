/* lists.c - release helpers for the pages, arrays and principals the ports
 * return (repos.h, services.h). All accept NULL. */
#include <stdlib.h>

#include "repos.h"
#include "services.h"

void fin_page_clear(struct fin_page *p) {
  if (p == NULL) return;
  free(p->next_cursor);
  p->next_cursor = NULL;
  p->has_more = false;
  p->total_count = -1;
}

void fin_principal_clear(struct fin_principal *p) {
  if (p == NULL) return;
  free(p->uid), free(p->email), free(p->role), free(p->ecosystem_id), free(p->account);
  p->uid = p->email = p->role = p->ecosystem_id = p->account = NULL;
}

#define LIST_FREE(name, type, clear)                                                               \
  void name(type *a, size_t n) {                                                                   \
    for (size_t i = 0; a != NULL && i < n; i++)                                                    \
      clear(&a[i]);                                                                                \
    free(a);                                                                                       \
  }

LIST_FREE(fin_user_list_free, struct fin_user, fin_user_clear)
LIST_FREE(fin_score_list_free, struct fin_score, fin_score_clear)
LIST_FREE(fin_card_list_free, struct fin_card, fin_card_clear)
LIST_FREE(fin_card_request_list_free, struct fin_card_request, fin_card_request_clear)
LIST_FREE(fin_txn_list_free, struct fin_txn, fin_txn_clear)
LIST_FREE(fin_event_list_free, struct fin_event, fin_event_clear)
LIST_FREE(fin_audit_list_free, struct fin_audit, fin_audit_clear)
