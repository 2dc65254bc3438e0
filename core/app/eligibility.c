/* eligibility.c - one active card, one pending request, cooldown (behaviour.md §4.4). */
#include <math.h>
#include <string.h>

#include "../domain/rules.h"
#include "app_errors.h"
#include "eligibility.h"
#include "records.h"

static enum fin_status cooldown(struct fin_container *c, const char *eco,
                                struct fin_eligibility_info *out, struct fin_app_error *e) {
  if (fin_rules_of(c)->cooldown_days <= 0) return FIN_OK;
  fin_ms now = fin_app_now(c);
  fin_ms window = (fin_ms)fin_rules_of(c)->cooldown_days * 86400000LL;
  struct fin_card_request *rej = NULL;
  size_t n = 0;
  struct fin_err pe = {0};
  enum fin_status st =
      c->requests.ops->list_rejected_by_user(c->requests.self, eco, now - window, &rej, &n, &pe);
  if (st != FIN_OK && st != FIN_NOT_FOUND) {
    fin_app_error_from_port(e, st, &pe, "read rejected requests");
    return st;
  }
  fin_ms latest = 0;
  for (size_t i = 0; i < n; i++)
    if (rej[i].updated_at > latest) latest = rej[i].updated_at;
  fin_card_request_list_free(rej, n);
  if (latest == 0) return FIN_OK;
  fin_ms remaining = latest + window - now;
  if (remaining <= 0) return FIN_OK;
  out->result = FIN_IN_COOLDOWN;
  out->cooldown_days = (int)ceil((double)remaining / 86400000.0);
  out->cooldown_until = now + (fin_ms)out->cooldown_days * 86400000LL;
  return FIN_OK;
}

enum fin_status fin_check_eligibility(struct fin_container *c, const char *eco,
                                      struct fin_eligibility_info *out, struct fin_app_error *e) {
  memset(out, 0, sizeof *out);
  struct fin_card *cards = NULL;
  size_t n = 0;
  struct fin_err pe = {0};
  enum fin_status st = c->cards.ops->list_by_user(c->cards.self, eco, "active", &cards, &n, &pe);
  if (st != FIN_OK && st != FIN_NOT_FOUND) {
    fin_app_error_from_port(e, st, &pe, "read cards");
    return st;
  }
  fin_card_list_free(cards, n);
  if (n > 0) {
    out->result = FIN_HAS_ACTIVE_CARD;
    return FIN_OK;
  }
  struct fin_card_request pending = {0};
  st = c->requests.ops->find_pending_by_user(c->requests.self, eco, &pending, &pe);
  fin_card_request_clear(&pending);
  if (st == FIN_OK) {
    out->result = FIN_HAS_PENDING;
    return FIN_OK;
  }
  if (st != FIN_NOT_FOUND) {
    fin_app_error_from_port(e, st, &pe, "read pending request");
    return st;
  }
  return cooldown(c, eco, out, e);
}
