/* eligibility.h - may this user request a card now? (behaviour.md §4.4) */
#ifndef FIN_ELIGIBILITY_H
#define FIN_ELIGIBILITY_H

#include "../domain/rules.h"
#include "app_errors.h"
#include "container.h"

struct fin_eligibility_info {
  enum fin_eligibility result;
  int cooldown_days;     /* FIN_IN_COOLDOWN: ceil days remaining */
  fin_ms cooldown_until; /* FIN_IN_COOLDOWN */
};

/* Checks active card, pending request, rejection cooldown, in that order.
 * FIN_OK with *out set, or the status of the store read that failed, with
 * e filled. */
enum fin_status fin_check_eligibility(struct fin_container *c, const char *eco,
                                      struct fin_eligibility_info *out, struct fin_app_error *e)
    __attribute__((warn_unused_result));

#endif
