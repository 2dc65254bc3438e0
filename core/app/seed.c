/* seed.c - creates the wiring file's seed users once (behaviour.md §3.4). */
#include <stdio.h>

#include "../domain/rules.h"
#include "../util/log.h"
#include "records.h"
#include "seed.h"

int fin_seed_users(struct fin_container *c) {
  for (size_t i = 0; i < c->n_seeds; i++) {
    const struct fin_seed_user *s = &c->seeds[i];
    char email[256];
    snprintf(email, sizeof email, "%s@test.local", s->ecosystem_id);
    fin_ms now = fin_app_now(c);
    struct fin_user u = {.ecosystem_id = s->ecosystem_id,
                         .firebase_uid = s->ecosystem_id,
                         .email = s->email ? s->email : email,
                         .role = s->role,
                         .score = s->score,
                         .created_at = now,
                         .updated_at = now,
                         .last_login_at = now};
    fin_strlcpy(u.status, "active", sizeof u.status);
    fin_strlcpy(u.tier, fin_tier_of(fin_rules_of(c), s->score), sizeof u.tier);
    struct fin_write w = {.kind = FIN_W_USER_CREATE, .u.user = &u};
    struct fin_err pe = {0};
    enum fin_status st = fin_app_commit(c, &w, 1, &pe);
    if (st != FIN_OK && st != FIN_EXISTS) {
      char esc[300];
      fin_log("error", "seed_failed", "\"ecosystemId\":\"%s\",\"detail\":\"%s\"",
              fin_log_esc(s->ecosystem_id, esc, 128), pe.msg);
      return -1;
    }
  }
  return 0;
}
