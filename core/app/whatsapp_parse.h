/* whatsapp_parse.h - WhatsApp admin commands and Brazilian phone numbers
 * (behaviour.md §9.4 step 2, §9.5). Pure functions, no I/O, thread-safe. */
#ifndef FIN_WHATSAPP_PARSE_H
#define FIN_WHATSAPP_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "container.h"

enum fin_wa_action { FIN_WA_UNKNOWN = 0, FIN_WA_APPROVE, FIN_WA_REJECT };

struct fin_wa_command {
  enum fin_wa_action action;
  char *request_id; /* owned; "" when action is FIN_WA_UNKNOWN */
};

/* Parses a message body: trim, collapse whitespace runs (JavaScript \s) to one
 * space, then `^(y|yes) (.+)$` -> approve, `^(n|no) (.+)$` -> reject
 * (case-insensitive; the id keeps its case). Anything else is unknown.
 * Returns 0, or -1 on OOM (out then holds nothing to free). */
int fin_wa_parse_command(const char *body, struct fin_wa_command *out);
void fin_wa_command_clear(struct fin_wa_command *cmd);
/* "approve" | "reject" | "unknown" (static strings). */
const char *fin_wa_action_name(enum fin_wa_action a);

/* Room for a normalised phone: 13 digits + NUL. */
#define FIN_PHONE_MAX 14

/* Brazilian normalisation of the digits of `raw`: 13 digits starting 55 as is;
 * 12 starting 55 -> 9 inserted after the area code; 11 -> 55 prefixed; 10 ->
 * 55 prefixed and 9 inserted after the area code. Returns 0 with out filled,
 * or -1 (anything else, including NULL/empty). */
int fin_br_phone_normalize(const char *raw, char out[FIN_PHONE_MAX]);

/* The sender phone of a WPP id "<digits>@c.us": the digits of the part before
 * the only '@'. Returns NULL with *phone a new string (free()), or the error
 * message (static): "WPP ID is required" (NULL/empty), "Invalid WPP ID format"
 * (not exactly one '@'), "Invalid phone number in WPP ID" (< 10 digits), or
 * "Out of memory". */
const char *fin_wpp_phone(const char *wpp_id, char **phone);

/* True when `phone` is one of the configured admin phones, compared after
 * Brazilian normalisation (plain digit comparison as the fallback). */
bool fin_wa_is_admin(const char *phone, const struct fin_whatsapp_settings *s);

#endif
