/* handlers.h - one function per route (behaviour.md §0.8). The router
 * (core/http/router.c) maps method + path to these; each lives in the
 * core/app file named after its resource. */
#ifndef FIN_HANDLERS_H
#define FIN_HANDLERS_H

#include "../http/http.h"
#include "container.h"

/* health.c */
void fin_h_liveness(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
void fin_h_readiness(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
void fin_h_openapi(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
/* users.c */
void fin_h_register_user(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
/* dashboard.c */
void fin_h_dashboard(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
/* offers.c */
void fin_h_offers(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
/* cards.c: params[0] = cardId */
void fin_h_list_cards(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
void fin_h_get_card(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
/* card_requests.c: params[0] = requestId */
void fin_h_request_card(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
void fin_h_get_card_request(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
/* purchases.c, payments.c, transactions.c: params[0] = cardId */
void fin_h_purchase(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
void fin_h_payment(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
void fin_h_list_transactions(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
/* admin_score.c: params[0] = userSlug */
void fin_h_admin_get_score(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
void fin_h_admin_patch_score(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
/* admin_requests.c: params[0] = requestId */
void fin_h_admin_list_requests(struct fin_container *c, const struct fin_req *q,
                               struct fin_resp *r);
void fin_h_admin_approve(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
void fin_h_admin_reject(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
/* cleanup.c */
void fin_h_admin_cleanup(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
/* webhooks.c */
void fin_h_wpp_health(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);
void fin_h_wpp_webhook(struct fin_container *c, const struct fin_req *q, struct fin_resp *r);

#endif
