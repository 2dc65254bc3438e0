/* input.h - request input checks shared by the handlers (behaviour.md §1, §5.2). */
#ifndef FIN_INPUT_H
#define FIN_INPUT_H

#include <jansson.h>
#include <stdbool.h>

#include "../http/http.h"
#include "app_errors.h"
#include "container.h"

/* JavaScript ToNumber of a JSON value (NULL = undefined -> NaN). */
double fin_js_number(const json_t *v);
/* `!v || v <= 0` in JavaScript: missing, or a value that compares <= 0. */
bool fin_js_missing_or_le_zero(const json_t *v);
/* Length in UTF-16 code units (JavaScript's String#length). */
size_t fin_js_length(const char *s);
/* True when s is empty or only whitespace. */
bool fin_blank(const char *s);

/* Joins validation messages with ", " (behaviour.md §1 "joined"). */
struct fin_msgs {
  char text[512];
  int count;
};
void fin_msgs_add(struct fin_msgs *m, const char *msg);

/* The Idempotency-Key header or NULL; sets 400 when absent or not UTF-8. */
const char *fin_require_key(const struct fin_req *q, struct fin_resp *r);
/* Adds the user-operation key checks (blank, > max chars) to m. */
void fin_check_user_key(const char *key, int max_len, struct fin_msgs *m);
/* Money amounts: a finite number of at least 0.01 with at most 2 decimals
 * (and at most FIN_AMOUNT_MAX). Adds "amount must be a positive number" for
 * a non-number, else the rule broken. */
void fin_check_amount(const json_t *amount, struct fin_msgs *m);
/* The admin score (behaviour.md §1.14): a JSON number that is an integer in
 * 0..1000. Adds "newScore must be a number" / "... an integer" / "... between
 * 0 and 1000" to m; sets *out only when valid (the double is converted only
 * once it is known to fit). Returns 0 when valid. */
int fin_check_score(const json_t *score, int *out, struct fin_msgs *m);

/* Reads a user: FIN_OK, FIN_NOT_FOUND (e untouched) or another status with
 * e filled. */
enum fin_status fin_app_get_user(struct fin_container *c, const char *eco, struct fin_user *u,
                                 struct fin_app_error *e);
/* Reads the caller's own user record; false with r set (404 "User not found:
 * <id>" or the port error) when it cannot. */
bool fin_app_caller(struct fin_container *c, const struct fin_req *q, struct fin_user *u,
                    struct fin_resp *r);
/* Reads one of the user's cards: FIN_OK, FIN_NOT_FOUND, or e filled. */
enum fin_status fin_app_get_card(struct fin_container *c, const char *eco, const char *card_id,
                                 struct fin_card *card, struct fin_app_error *e);

#endif
