/* aws_profile.c - keys from the AWS CLI's profile files (see
 * aws_profile.h). */
#include "aws_profile.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_creds.h"

void aws_profile_clear(struct aws_profile_keys *k) {
  if (k->secret != NULL) OPENSSL_cleanse(k->secret, strlen(k->secret));
  free(k->id), free(k->secret), free(k->token);
  k->id = k->secret = k->token = NULL;
}

/* s without blanks at either end, in place. */
static char *trim(char *s) {
  while (isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1]))
    s[--n] = '\0';
  return s;
}

/* What one profile section holds. */
struct section {
  int found;
  char *id, *secret, *token;
  char other[40]; /* the first key that gets keys another way, "" when none */
};

static void keep(char **slot, const char *v) {
  free(*slot);
  *slot = strdup(v);
}

static void section_line(struct section *sec, char *line) {
  static const char *const others[] = {"role_arn", "credential_process", "sso_session",
                                       "sso_start_url", "web_identity_token_file"};
  char *eq = strchr(line, '=');
  if (eq == NULL) return;
  *eq = '\0';
  char *key = trim(line), *value = trim(eq + 1);
  if (strcmp(key, "aws_access_key_id") == 0)
    keep(&sec->id, value);
  else if (strcmp(key, "aws_secret_access_key") == 0)
    keep(&sec->secret, value);
  else if (strcmp(key, "aws_session_token") == 0)
    keep(&sec->token, value);
  else
    for (size_t i = 0; i < sizeof others / sizeof others[0] && !sec->other[0]; i++)
      if (strcmp(key, others[i]) == 0) snprintf(sec->other, sizeof sec->other, "%s", key);
}

/* "[ profile  dev ]" -> "profile dev", "[dev]" -> "dev" (in place). */
static char *section_name(char *t) {
  char *end = strchr(t, ']');
  if (end != NULL) *end = '\0';
  char *name = trim(t + 1);
  if (strncmp(name, "profile", 7) == 0 && isspace((unsigned char)name[7])) {
    char *rest = trim(name + 8);
    memmove(name + 8, rest, strlen(rest) + 1);
    name[7] = ' ';
  }
  return name;
}

/* Reads the section named `header` ("dev", "profile dev") of file into
 * sec; a missing file reads as no section. */
static void read_section(const char *file, const char *header, struct section *sec) {
  FILE *f = fopen(file, "r");
  if (f == NULL) return;
  char *line = NULL;
  size_t cap = 0;
  int inside = 0;
  while (getline(&line, &cap, f) > 0) {
    char *t = trim(line);
    if (*t == '#' || *t == ';' || *t == '\0') continue;
    if (*t == '[') {
      inside = strcmp(section_name(t), header) == 0;
      sec->found |= inside;
      continue;
    }
    if (inside) section_line(sec, t);
  }
  if (line != NULL) OPENSSL_cleanse(line, cap);
  free(line);
  fclose(f);
}

static void path_of(char *out, size_t size, const char *var, const char *home_rel) {
  const char *v = aws_env(var), *home = aws_env("HOME");
  if (v != NULL)
    snprintf(out, size, "%s", v);
  else
    snprintf(out, size, "%s/%s", home ? home : ".", home_rel);
}

/* The outcome for one file's section. */
static int take(struct section *sec, const char *name, const char *file, struct aws_profile_keys *k,
                char *err, size_t err_size) {
  if (sec->id != NULL && sec->secret != NULL) {
    k->id = sec->id, k->secret = sec->secret, k->token = sec->token;
    sec->id = sec->secret = sec->token = NULL;
    snprintf(k->source, sizeof k->source, "profile %s (%.256s)", name, file);
    return 1;
  }
  if (sec->id != NULL || sec->secret != NULL)
    snprintf(err, err_size, "profile %s in %s: %s without %s", name, file,
             sec->id ? "aws_access_key_id" : "aws_secret_access_key",
             sec->id ? "aws_secret_access_key" : "aws_access_key_id");
  else
    snprintf(err, err_size,
             "profile %s in %s gets its keys with %s, which this server does not follow: give "
             "it aws_access_key_id and aws_secret_access_key, or run with a role "
             "(docs/deploy.md)",
             name, file, sec->other[0] ? sec->other : "no key at all");
  return -1;
}

int aws_profile_read(struct aws_profile_keys *k, char *err, size_t err_size) {
  memset(k, 0, sizeof *k);
  const char *named = aws_env("AWS_PROFILE"), *name = named ? named : "default";
  char files[2][256], headers[2][160];
  path_of(files[0], sizeof files[0], "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
  path_of(files[1], sizeof files[1], "AWS_CONFIG_FILE", ".aws/config");
  snprintf(headers[0], sizeof headers[0], "%s", name);
  if (strcmp(name, "default") == 0)
    snprintf(headers[1], sizeof headers[1], "default");
  else
    snprintf(headers[1], sizeof headers[1], "profile %s", name);
  int rc = 0;
  for (int i = 0; i < 2 && rc == 0; i++) {
    struct section sec = {0};
    read_section(files[i], headers[i], &sec);
    if (sec.found) rc = take(&sec, name, files[i], k, err, err_size);
    if (sec.secret != NULL) OPENSSL_cleanse(sec.secret, strlen(sec.secret));
    free(sec.id), free(sec.secret), free(sec.token);
  }
  if (rc == 0 && named != NULL) {
    snprintf(err, err_size, "AWS_PROFILE=%s: no such profile in %s or %s", name, files[0],
             files[1]);
    rc = -1;
  }
  if (rc == 1 && (k->id == NULL || k->secret == NULL)) {
    aws_profile_clear(k);
    snprintf(err, err_size, "out of memory");
    rc = -1;
  }
  return rc;
}
