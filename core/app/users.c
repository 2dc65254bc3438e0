/* users.c - POST /v1/users: explicit registration (behaviour.md §1.3). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/rules.h"
#include "../http/errmap.h"
#include "../util/text.h"
#include "app_errors.h"
#include "handlers.h"
#include "input.h"
#include "records.h"
#include "views.h"

/* Trimmed copy (JavaScript String#trim on ASCII whitespace). */
static char *trimmed(const char *s) {
  if (s == NULL) return fin_strdup("");
  while (isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1]))
    n--;
  char *out = malloc(n + 1);
  if (out) {
    memcpy(out, s, n);
    out[n] = '\0';
  }
  return out;
}

/* The new user of principal p (owned copies: fin_user_clear). */
static enum fin_status new_user(struct fin_container *c, const struct fin_principal *p,
                                const char *email, struct fin_user *u) {
  fin_ms now = fin_app_now(c);
  *u = (struct fin_user){.score = 500, .created_at = now, .updated_at = now, .last_login_at = now};
  bool oom = false;
  u->ecosystem_id = fin_own(p->ecosystem_id, &oom);
  u->firebase_uid = fin_own(p->uid, &oom);
  u->email = fin_own(email, &oom);
  u->role = fin_own(p->role, &oom);
  fin_strlcpy(u->status, "active", sizeof u->status);
  fin_strlcpy(u->tier, fin_tier_of(fin_rules_of(c), 500), sizeof u->tier);
  return oom ? FIN_NOMEM : FIN_OK;
}

static void create_user(struct fin_container *c, const struct fin_principal *p, const char *email,
                        struct fin_resp *r) {
  struct fin_user u;
  struct fin_err pe = {0};
  enum fin_status st = new_user(c, p, email, &u);
  if (st == FIN_OK) {
    struct fin_write w = {.kind = FIN_W_USER_CREATE, .u.user = &u};
    st = fin_app_commit(c, &w, 1, &pe);
  }
  if (st == FIN_EXISTS) { /* registered concurrently: answer like a repeat */
    struct fin_user cur = {0};
    struct fin_app_error e = {0};
    st = fin_app_get_user(c, p->ecosystem_id, &cur, &e);
    if (st == FIN_OK) {
      json_t *b = json_pack("{s:b,s:o}", "created", 0, "user", fin_json_user(&cur));
      fin_resp_json(r, 200, b);
    } else {
      fin_app_fail(r, &e);
    }
    fin_user_clear(&cur);
  } else if (st != FIN_OK) {
    struct fin_app_error e = {0};
    fin_app_error_from_port(&e, st, &pe, "create user");
    fin_app_fail(r, &e);
  } else {
    fin_resp_json(r, 201, json_pack("{s:b,s:o}", "created", 1, "user", fin_json_user(&u)));
  }
  fin_user_clear(&u);
}

void fin_h_register_user(struct fin_container *c, const struct fin_req *q, struct fin_resp *r) {
  const struct fin_principal *p = q->principal;
  struct fin_user existing = {0};
  struct fin_app_error e = {0};
  enum fin_status st = fin_app_get_user(c, p->ecosystem_id, &existing, &e);
  if (st == FIN_OK) {
    fin_resp_json(r, 200, json_pack("{s:b,s:o}", "created", 0, "user", fin_json_user(&existing)));
    fin_user_clear(&existing);
    return;
  }
  if (st != FIN_NOT_FOUND) {
    fin_app_fail(r, &e);
    return;
  }
  const json_t *be = json_is_object(q->body) ? json_object_get(q->body, "email") : NULL;
  char *token_email = trimmed(p->email);
  char *body_email = trimmed(json_is_string(be) ? json_string_value(be) : "");
  if (token_email == NULL || body_email == NULL) {
    fin_resp_fail(r, FIN_E_INTERNAL);
  } else if (token_email[0] && body_email[0] && strcmp(token_email, body_email) != 0) {
    fin_resp_failf(r, FIN_E_VALIDATION, "email must match the authenticated user");
  } else {
    const char *email = token_email[0] ? token_email : body_email;
    if (email[0] == '\0')
      fin_resp_failf(r, FIN_E_VALIDATION, "email is required");
    else if (email == body_email && !fin_email_valid(email)) /* unverified: check its form */
      fin_resp_failf(r, FIN_E_VALIDATION, "email must be a valid email address");
    else
      create_user(c, p, email, r);
  }
  free(token_email);
  free(body_email);
}
