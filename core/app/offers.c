/* offers.c - GET /v1/offers (behaviour.md §1.5, §4.13). */
#include <string.h>

#include "../domain/rules.h"
#include "app_errors.h"
#include "eligibility.h"
#include "handlers.h"
#include "input.h"
#include "views.h"

struct offer_text {
  const char *tier, *name, *description, *apr;
  int annual_fee;
};

static const struct offer_text OFFERS[] = {
    {"high", "ACME Premium Rewards Card",
     "Our premium card with the highest rewards and benefits for qualified members.", "12.99%", 0},
    {"medium", "ACME Standard Card",
     "A solid everyday card with competitive rates and cash back rewards.", "18.99%", 0},
    {"low", "ACME Starter Card",
     "Start building your credit with our secured card designed for credit builders.", "24.99%",
     29},
};

static json_t *offer_json(struct fin_container *c, const char *tier,
                          const struct fin_eligibility_info *el) {
  const struct offer_text *t = &OFFERS[2];
  for (size_t i = 0; i < sizeof OFFERS / sizeof OFFERS[0]; i++)
    if (strcmp(OFFERS[i].tier, tier) == 0) t = &OFFERS[i];
  json_t *o = json_object();
  json_object_set_new(o, "productId", json_string("default-credit-card"));
  json_object_set_new(o, "productType", json_string("credit-card"));
  json_object_set_new(o, "name", json_string(t->name));
  json_object_set_new(o, "description", json_string(t->description));
  json_t *terms = json_object();
  json_object_set_new(terms, "creditLimit", json_real(fin_tier_max_limit(fin_rules_of(c), tier)));
  json_object_set_new(terms, "apr", json_string(t->apr));
  json_object_set_new(terms, "annualFee", json_integer(t->annual_fee));
  json_object_set_new(o, "terms", terms);
  json_t *elig = json_object();
  json_object_set_new(elig, "eligible", json_boolean(el->result == FIN_ELIGIBLE));
  json_object_set_new(elig, "subjectToApproval", json_boolean(strcmp(tier, "low") == 0));
  json_object_set_new(elig, "cooldownUntil",
                      el->result == FIN_IN_COOLDOWN ? fin_json_iso(el->cooldown_until)
                                                    : json_null());
  json_object_set_new(o, "eligibility", elig);
  return o;
}

void fin_h_offers(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  struct fin_user u = {0};
  struct fin_app_error e = {0};
  if (!fin_app_caller(c, q, &u, r)) return;
  struct fin_eligibility_info el;
  if (fin_check_eligibility(c, u.ecosystem_id, &el, &e) != FIN_OK) {
    fin_app_fail(r, &e);
  } else {
    json_t *offers = json_array();
    if (el.result != FIN_HAS_ACTIVE_CARD) json_array_append_new(offers, offer_json(c, u.tier, &el));
    fin_resp_json(r, 200, json_pack("{s:o}", "offers", offers));
  }
  fin_user_clear(&u);
}
