/* whatsapp_parse.c - admin command parser and Brazilian phone rules
 * (behaviour.md §9.4 step 2, §9.5). */
#include "whatsapp_parse.h"

#include <stdlib.h>
#include <string.h>

/* Byte length of the JavaScript whitespace character (\s, String#trim) that
 * starts at p, or 0: ASCII \t \n \v \f \r space, U+00A0, U+1680,
 * U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF. */
static size_t js_space(const unsigned char *p) {
  if (*p == ' ' || (*p >= '\t' && *p <= '\r')) return 1;
  if (p[0] == 0xc2 && p[1] == 0xa0) return 2;
  if (p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80) return 3;
  if (p[0] == 0xe2 && p[1] == 0x80 &&
      ((p[2] >= 0x80 && p[2] <= 0x8a) || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf))
    return 3;
  if (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f) return 3;
  if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) return 3;
  if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) return 3;
  return 0;
}

/* trim + replace(/\s+/g, ' '): a new string (free()) or NULL on OOM. */
static char *normalize_body(const char *body) {
  size_t len = strlen(body);
  char *out = malloc(len + 1);
  if (out == NULL) return NULL;
  const unsigned char *p = (const unsigned char *)body;
  size_t o = 0;
  bool gap = false;
  while (*p != '\0') {
    size_t n = js_space(p);
    if (n > 0) {
      gap = o > 0; /* leading whitespace is dropped, inner runs become one space */
      p += n;
      continue;
    }
    if (gap) out[o++] = ' ';
    gap = false;
    out[o++] = (char)*p++;
  }
  out[o] = '\0'; /* trailing whitespace never emitted its space */
  return out;
}

static char lower_ascii(char ch) {
  return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* If s starts with `word` (ASCII, case-insensitive) followed by a space and at
 * least one more character, returns what follows the space; else NULL. */
static const char *after_word(const char *s, const char *word) {
  size_t i = 0;
  for (; word[i] != '\0'; i++) {
    if (lower_ascii(s[i]) != word[i]) return NULL;
  }
  if (s[i] != ' ' || s[i + 1] == '\0') return NULL;
  return s + i + 1;
}

int fin_wa_parse_command(const char *body, struct fin_wa_command *out) {
  memset(out, 0, sizeof *out);
  char *norm = normalize_body(body != NULL ? body : "");
  if (norm == NULL) return -1;
  const char *id = NULL;
  enum fin_wa_action action = FIN_WA_UNKNOWN;
  if ((id = after_word(norm, "y")) != NULL || (id = after_word(norm, "yes")) != NULL) {
    action = FIN_WA_APPROVE;
  } else if ((id = after_word(norm, "n")) != NULL || (id = after_word(norm, "no")) != NULL) {
    action = FIN_WA_REJECT;
  }
  /* The normalised text has no outer whitespace, so the id needs no trim. */
  out->request_id = strdup(id != NULL ? id : "");
  free(norm);
  if (out->request_id == NULL) return -1;
  out->action = action;
  return 0;
}

void fin_wa_command_clear(struct fin_wa_command *cmd) {
  if (cmd == NULL) return;
  free(cmd->request_id);
  memset(cmd, 0, sizeof *cmd);
}

const char *fin_wa_action_name(enum fin_wa_action a) {
  switch (a) {
  case FIN_WA_APPROVE:
    return "approve";
  case FIN_WA_REJECT:
    return "reject";
  default:
    return "unknown";
  }
}

/* The ASCII digits of s[0..len) into out (room for cap-1 digits + NUL).
 * Returns the digit count, which may exceed what was stored. */
static size_t digits_of(const char *s, size_t len, char *out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') continue;
    if (n + 1 < cap) out[n] = s[i];
    n++;
  }
  if (cap > 0) out[n < cap ? n : cap - 1] = '\0';
  return n;
}

int fin_br_phone_normalize(const char *raw, char out[FIN_PHONE_MAX]) {
  out[0] = '\0';
  if (raw == NULL || raw[0] == '\0') return -1;
  char d[FIN_PHONE_MAX];
  size_t n = digits_of(raw, strlen(raw), d, sizeof d);
  if (n == 13 && d[0] == '5' && d[1] == '5') {
    memcpy(out, d, 14);
  } else if (n == 12 && d[0] == '5' && d[1] == '5') { /* 55 + DDD + 8-digit subscriber */
    memcpy(out, d, 4);
    out[4] = '9';
    memcpy(out + 5, d + 4, 9); /* 8 digits + NUL */
  } else if (n == 11) {
    out[0] = out[1] = '5';
    memcpy(out + 2, d, 12);
  } else if (n == 10) {
    out[0] = out[1] = '5';
    memcpy(out + 2, d, 2);
    out[4] = '9';
    memcpy(out + 5, d + 2, 9);
  } else {
    return -1;
  }
  return 0;
}

const char *fin_wpp_phone(const char *wpp_id, char **phone) {
  *phone = NULL;
  if (wpp_id == NULL || wpp_id[0] == '\0') return "WPP ID is required";
  const char *at = strchr(wpp_id, '@');
  if (at == NULL || strchr(at + 1, '@') != NULL) return "Invalid WPP ID format";
  size_t len = (size_t)(at - wpp_id);
  char *d = malloc(len + 1);
  if (d == NULL) return "Out of memory";
  size_t n = digits_of(wpp_id, len, d, len + 1);
  if (n < 10) {
    free(d);
    return "Invalid phone number in WPP ID";
  }
  *phone = d;
  return NULL;
}

/* Digits of s compared with the digits of t (both whole strings). */
static bool same_digits(const char *s, const char *t) {
  for (;;) {
    while (*s != '\0' && (*s < '0' || *s > '9'))
      s++;
    while (*t != '\0' && (*t < '0' || *t > '9'))
      t++;
    if (*s == '\0' || *t == '\0') return *s == *t;
    if (*s++ != *t++) return false;
  }
}

bool fin_wa_is_admin(const char *phone, const struct fin_whatsapp_settings *s) {
  if (phone == NULL || phone[0] == '\0' || s == NULL) return false;
  char norm[FIN_PHONE_MAX];
  bool have_norm = fin_br_phone_normalize(phone, norm) == 0;
  for (size_t i = 0; i < sizeof s->admin_phones / sizeof s->admin_phones[0]; i++) {
    const char *w = s->admin_phones[i];
    if (w == NULL || w[0] == '\0') continue; /* unset admin phones are skipped */
    if (!have_norm) {
      if (same_digits(phone, w)) return true;
      continue;
    }
    char wn[FIN_PHONE_MAX];
    if (fin_br_phone_normalize(w, wn) == 0 ? strcmp(norm, wn) == 0 : same_digits(norm, w))
      return true;
  }
  return false;
}
