/* fs_client.h - Firestore's REST API (v1) over libcurl.
 *
 * One handle per process for a project's database: documents are
 * named by their path below ".../documents/" ("users/u1/cards/c1"). Against
 * the emulator (FIRESTORE_EMULATOR_HOST) requests carry "Bearer owner",
 * which the emulator takes as an admin; against Google a bearer token: the
 * one given (FIN_FIRESTORE_TOKEN), or one minted and renewed from a
 * service-account key or the metadata server (gtoken.h). Connections are kept alive
 * (a small handle pool), calls time out, and an unreachable server is
 * FIN_UNAVAILABLE. Thread-safe.
 */
#ifndef FIN_FS_CLIENT_H
#define FIN_FS_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../core/ports/errors.h"

struct fs;

struct fs_cfg {
  const char *emulator_host; /* "127.0.0.1:8080"; NULL: Google's endpoint */
  const char *project;       /* required */
  const char *database;      /* NULL: "(default)" */
  const char *token;         /* Google only: an OAuth bearer token, sent as it is */
  const char *key_file;      /* Google, no token: a service-account key (gtoken.h) */
  const char *metadata_host; /* Google, no token or key: the metadata server */
  bool metadata;             /* ... asked even with metadata_host NULL (its default host) */
  long timeout_ms;           /* 0: 3000 */
};

/* A handle with one reference, or NULL with a message in err. */
struct fs *fs_new(const struct fs_cfg *cfg, char *err, size_t err_size);
struct fs *fs_ref(struct fs *f);
void fs_unref(struct fs *f);

/* ".../documents" prefix of full document names (borrowed). */
const char *fs_root_name(const struct fs *f);
/* "http://<FIRESTORE_EMULATOR_HOST>", the origin every call goes to (borrowed),
 * or NULL against Google's Firestore. Guards that relax security for local
 * work check it (fb_dev_auth.h). */
const char *fs_emulator_origin(const struct fs *f);

/* Why a call failed beyond the fin_status (Firestore's status string, e.g.
 * "ABORTED", "ALREADY_EXISTS", "FAILED_PRECONDITION"). */
struct fs_fail {
  int http;
  char status[40];
};

/* method + "<documents URL><suffix>" with `body` (taken, may be NULL: it is
 * written out and released before the wait, while still in the cache).
 * FIN_OK with *resp (owned; may be NULL for an empty body); FIN_NOT_FOUND on
 * 404; FIN_EXISTS on ALREADY_EXISTS; FIN_PRECONDITION on
 * FAILED_PRECONDITION; FIN_UNAVAILABLE when unreachable, timed out or 5xx;
 * FIN_INTERNAL otherwise (ABORTED too: see fail->status). */
enum fin_status fs_call(struct fs *f, const char *method, const char *suffix, json_t *body,
                        json_t **resp, struct fs_fail *fail, struct fin_err *e);

/* "Authorization: Bearer <token>" of this handle's credentials into out
 * (size bytes): "owner" on the emulator, the fixed token, or a renewed one
 * (gtoken.h). Other Google APIs of the project take it too (fb_auth.c's
 * accounts:lookup). FIN_UNAVAILABLE when a token cannot be had. */
enum fin_status fs_auth_header(struct fs *f, char *out, size_t size, struct fin_err *e);

/* Emulator only: deletes every document of the database. */
enum fin_status fs_emulator_reset(struct fs *f, struct fin_err *e);

#endif
