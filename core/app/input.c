/* input.c - JavaScript-compatible input checks (behaviour.md §1 validation). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/rules.h"
#include "../http/errmap.h"
#include "../util/jsnum.h"
#include "../util/text.h"
#include "app_errors.h"
#include "input.h"

static double string_to_number(const char *s) {
  while (isspace((unsigned char)*s))
    s++;
  if (*s == '\0') return 0;
  char *end;
  double d = strtod(s, &end);
  if (end == s) return NAN;
  while (isspace((unsigned char)*end))
    end++;
  if (*end != '\0') return NAN;
  /* strtod accepts "inf"/"nan"/hex; JavaScript's Number() does not (mostly). */
  for (const char *p = s; p < end; p++)
    if (isalpha((unsigned char)*p) && *p != 'e' && *p != 'E') return NAN;
  return d;
}

double fin_js_number(const json_t *v) {
  if (v == NULL) return NAN;
  switch (json_typeof(v)) {
  case JSON_NULL:
  case JSON_FALSE:
    return 0;
  case JSON_TRUE:
    return 1;
  case JSON_INTEGER:
    return (double)json_integer_value(v);
  case JSON_REAL:
    return json_real_value(v);
  case JSON_STRING:
    return string_to_number(json_string_value(v));
  case JSON_ARRAY:
    if (json_array_size(v) == 0) return 0;
    if (json_array_size(v) == 1) {
      const json_t *x = json_array_get(v, 0);
      if (json_is_array(x) || json_is_object(x)) return fin_js_number(x);
      if (json_is_null(x)) return 0;
      if (json_is_boolean(x)) return NAN; /* String(true) = "true" */
      return fin_js_number(x);
    }
    return NAN;
  default:
    return NAN;
  }
}

bool fin_js_missing_or_le_zero(const json_t *v) {
  if (v == NULL) return true;
  double d = fin_js_number(v);
  return !isnan(d) && d <= 0;
}

size_t fin_js_length(const char *s) {
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p & 0xC0) == 0x80) continue;
    n += (*p >= 0xF0) ? 2 : 1;
  }
  return n;
}

bool fin_blank(const char *s) {
  for (; *s; s++)
    if (!isspace((unsigned char)*s)) return false;
  return true;
}

void fin_msgs_add(struct fin_msgs *m, const char *msg) {
  size_t used = strlen(m->text);
  if (m->count > 0 && used + 2 < sizeof m->text) {
    memcpy(m->text + used, ", ", 3);
    used += 2;
  }
  fin_strlcpy(m->text + used, msg, sizeof m->text - used);
  m->count++;
}

const char *fin_require_key(const struct fin_req *q, struct fin_resp *r) {
  const char *k = fin_req_header(q, "Idempotency-Key");
  if (k == NULL) {
    fin_resp_fail(r, FIN_E_IDEM_KEY_REQUIRED);
  } else if (!fin_utf8_valid(k, strlen(k))) {
    /* the key is stored and echoed as JSON text, which must be UTF-8 */
    fin_resp_fail(r, FIN_E_IDEM_KEY_NOT_UTF8);
    k = NULL;
  }
  return k;
}

void fin_check_user_key(const char *key, int max_len, struct fin_msgs *m) {
  if (fin_blank(key))
    fin_msgs_add(m, "idempotencyKey is required");
  else if (fin_js_length(key) > (size_t)max_len) {
    char msg[64];
    snprintf(msg, sizeof msg, "idempotencyKey must be at most %d characters", max_len);
    fin_msgs_add(m, msg);
  }
}

enum fin_status fin_app_get_user(struct fin_container *c, const char *eco, struct fin_user *u,
                                 struct fin_app_error *e) {
  struct fin_err pe = {0};
  enum fin_status st = c->users.ops->get(c->users.self, eco, u, &pe);
  if (st != FIN_OK && st != FIN_NOT_FOUND) fin_app_error_from_port(e, st, &pe, "read user");
  return st;
}

enum fin_status fin_app_get_card(struct fin_container *c, const char *eco, const char *card_id,
                                 struct fin_card *card, struct fin_app_error *e) {
  struct fin_err pe = {0};
  enum fin_status st = c->cards.ops->get(c->cards.self, eco, card_id, card, &pe);
  if (st != FIN_OK && st != FIN_NOT_FOUND) fin_app_error_from_port(e, st, &pe, "read card");
  return st;
}

bool fin_app_caller(struct fin_container *c, const struct fin_req *q, struct fin_user *u,
                    struct fin_resp *r) {
  struct fin_app_error e = {0};
  enum fin_status st = fin_app_get_user(c, q->principal->ecosystem_id, u, &e);
  if (st == FIN_NOT_FOUND)
    fin_resp_failf(r, FIN_E_USER_NOT_FOUND, "User not found: %s", q->principal->ecosystem_id);
  else if (st != FIN_OK)
    fin_app_fail(r, &e);
  return st == FIN_OK;
}

int fin_check_score(const json_t *score, int *out, struct fin_msgs *m) {
  if (!json_is_number(score)) {
    fin_msgs_add(m, "newScore must be a number");
    return -1;
  }
  double v = json_number_value(score);
  bool integral = isfinite(v) && floor(v) == v;
  bool in_range = v >= 0 && v <= 1000; /* false for NaN too */
  if (!integral) fin_msgs_add(m, "newScore must be an integer");
  if (!in_range) fin_msgs_add(m, "newScore must be between 0 and 1000");
  if (!integral || !in_range) return -1;
  *out = (int)v; /* in range: (int)1e300 would be undefined behaviour */
  return 0;
}

void fin_check_amount(const json_t *amount, struct fin_msgs *m) {
  if (!json_is_number(amount) || !isfinite(json_number_value(amount))) {
    fin_msgs_add(m, "amount must be a positive number");
    return;
  }
  switch (fin_amount_check(json_number_value(amount))) {
  case FIN_AMOUNT_TOO_SMALL:
    fin_msgs_add(m, "amount must be at least 0.01");
    break;
  case FIN_AMOUNT_TOO_PRECISE:
    fin_msgs_add(m, "amount must have at most 2 decimal places");
    break;
  case FIN_AMOUNT_TOO_LARGE:
    fin_msgs_add(m, "amount must be at most 1000000000");
    break;
  case FIN_AMOUNT_OK:
    break;
  }
}
