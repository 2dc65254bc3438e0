/* ent_requests.h - card-request list logic shared by the adapters whose
 * stores cannot order or page the admin lists themselves (DynamoDB,
 * Firestore): they read every request of the listed status and hand them
 * here.
 */
#ifndef FIN_ENT_REQUESTS_H
#define FIN_ENT_REQUESTS_H

#include <stddef.h>

#include "../../core/ports/repos.h"
#include "ent_vec.h"

/* Moves the oldest request of v (by created_at) into *out and frees v.
 * FIN_NOT_FOUND when v is empty. */
enum fin_status ent_take_oldest(struct ent_vec *v, struct fin_card_request *out);

/* Looks a request up by id for a cursor whose request left the list. */
typedef enum fin_status (*ent_request_lookup)(void *ctx, const char *id,
                                              struct fin_card_request *out);

/* One page of an admin list from every request of its status (`all`,
 * `total` elements, owned: it becomes *out). Ordered by (created_at,
 * request_id), reversed for FIN_SORT_NEWEST; the cursor is the id of the
 * last request returned, and one whose status changed meanwhile is placed
 * by its (created_at, id) through `lookup`. page->total_count = total. */
enum fin_status ent_requests_page(struct fin_card_request *all, size_t total, enum fin_sort sort,
                                  const char *cursor, int limit, ent_request_lookup lookup,
                                  void *ctx, struct fin_card_request **out, size_t *n,
                                  struct fin_page *page, struct fin_err *e);

/* find_short's last step for the stores that keep one claim per short id:
 * st and *t are the result of reading the claim owner's tracker (t is
 * consumed). A claim whose tracker is gone, decided, or holds another short
 * id is left behind by a decision that could not release it: no match.
 * Otherwise the tracker goes to out[0] (when max > 0) and *n = 1. */
enum fin_status ent_short_owner(enum fin_status st, struct fin_pending_approval *t,
                                const char *short_id, struct fin_pending_approval *out, size_t max,
                                size_t *n);

#endif
