/* mode.c - the mode precedence (see mode.h). */
#include "mode.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int file_exists(const char *p) {
  return access(p, R_OK) == 0;
}

const char *fin_install_root(void) {
  static char root[PATH_MAX];
  static int done;
  if (done) return root[0] != '\0' ? root : NULL;
  done = 1;
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return NULL;
  exe[n] = '\0';
  for (int up = 0; up < 2; up++) { /* strip the file name, then its directory */
    char *slash = strrchr(exe, '/');
    if (slash == NULL) return NULL;
    *slash = '\0';
  }
  if (exe[0] == '\0') strcpy(exe, "/");
  snprintf(root, sizeof root, "%s", exe);
  return root;
}

int fin_resolve_path(const char *rel, char *out, size_t out_size) {
  if (file_exists(rel)) {
    if ((size_t)snprintf(out, out_size, "%s", rel) >= out_size) return -1;
    return 0;
  }
  const char *root = fin_install_root();
  if (root == NULL || rel[0] == '/') return -1;
  if ((size_t)snprintf(out, out_size, "%s/%s", root, rel) >= out_size) return -1;
  return file_exists(out) ? 0 : -1;
}

static const char *env(const char *name) {
  return getenv(name);
}
static int env_true(const char *name) {
  const char *v = env(name);
  return v != NULL && strcmp(v, "true") == 0;
}
static int set_but_empty(const char *name) {
  const char *v = env(name);
  return v != NULL && v[0] == '\0';
}

/* The mode a file name suggests (lua/aws.lua -> aws), for the log. */
static void mode_of_file(const char *path, char *mode, size_t n) {
  const char *base = strrchr(path, '/');
  base = base != NULL ? base + 1 : path;
  static const char *const known[] = {"memory", "aws", "firebase"};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
    size_t l = strlen(known[i]);
    if (strncmp(base, known[i], l) == 0 && strcmp(base + l, ".lua") == 0) {
      snprintf(mode, n, "%s", known[i]);
      return;
    }
  }
  snprintf(mode, n, "custom");
}

static int explicit_file(const char *path, const char *from, struct fin_mode_decision *d, char *err,
                         size_t n) {
  if (!file_exists(path)) {
    snprintf(err, n, "wiring file '%s' (from %s) does not exist", path, from);
    return -1;
  }
  snprintf(d->wiring, sizeof d->wiring, "%s", path);
  snprintf(d->reason, sizeof d->reason, "%s", from);
  mode_of_file(path, d->mode, sizeof d->mode);
  return 0;
}

static int empty_endpoint(char *err, size_t n) {
  snprintf(err, n,
           "AWS_ENDPOINT_URL is set but empty: unset it to use real AWS, or set it to the "
           "LocalStack URL (e.g. http://localhost:4566)");
  return -1;
}

int fin_mode_decide(const char *cli_wiring, struct fin_mode_decision *d, char *err,
                    size_t err_size) {
  memset(d, 0, sizeof *d);
  if (err_size > 0) err[0] = '\0';

  if (cli_wiring != NULL) return explicit_file(cli_wiring, "--wiring", d, err, err_size);
  const char *w = env("FIN_WIRING");
  if (w != NULL && w[0] != '\0') return explicit_file(w, "FIN_WIRING", d, err, err_size);

  const char *mode = NULL;
  char reason[sizeof d->reason];
  const char *im = env("INFRA_MODE");
  if (im != NULL && im[0] != '\0') {
    if (strcmp(im, "memory") != 0 && strcmp(im, "aws") != 0 && strcmp(im, "firebase") != 0) {
      snprintf(err, err_size, "INFRA_MODE must be memory, aws or firebase (got '%.64s')", im);
      return -1;
    }
    mode = im;
    snprintf(reason, sizeof reason, "INFRA_MODE=%s", im);
    if (strcmp(mode, "aws") == 0 && set_but_empty("AWS_ENDPOINT_URL"))
      return empty_endpoint(err, err_size);
  } else if (env_true("USE_INMEMORY")) {
    mode = "memory";
    snprintf(reason, sizeof reason, "USE_INMEMORY=true");
  } else if (set_but_empty("AWS_ENDPOINT_URL")) {
    return empty_endpoint(err, err_size);
  } else if (env_true("USE_AWS")) {
    mode = "aws";
    snprintf(reason, sizeof reason, "USE_AWS=true");
  } else if (env("AWS_ENDPOINT_URL") != NULL) {
    mode = "aws";
    snprintf(reason, sizeof reason, "AWS_ENDPOINT_URL=%.200s", env("AWS_ENDPOINT_URL"));
  } else if (env("FIRESTORE_EMULATOR_HOST") != NULL) {
    if (set_but_empty("FIRESTORE_EMULATOR_HOST")) {
      snprintf(err, err_size,
               "FIRESTORE_EMULATOR_HOST is set but empty: unset it, or set it to the emulator "
               "address (e.g. localhost:8080)");
      return -1;
    }
    mode = "firebase";
    snprintf(reason, sizeof reason, "FIRESTORE_EMULATOR_HOST=%.200s",
             env("FIRESTORE_EMULATOR_HOST"));
  } else {
    mode = "memory";
    snprintf(reason, sizeof reason, "default (no mode variable set)");
  }

  char rel[64];
  snprintf(rel, sizeof rel, "lua/%s.lua", mode);
  if (fin_resolve_path(rel, d->wiring, sizeof d->wiring) != 0) {
    snprintf(err, err_size, "mode '%s' selected by %s but %s does not exist (not built yet)", mode,
             reason, rel);
    return -1;
  }
  snprintf(d->mode, sizeof d->mode, "%s", mode);
  snprintf(d->reason, sizeof d->reason, "%s", reason);
  return 0;
}
