/* cleanup_token.h - the confirmation tokens of POST /v1/admin/cleanup
 * (behaviour.md §1.18), kept in the store so that any instance behind a load
 * balancer takes a token another one issued (docs/deploy.md).
 *
 * A token is a random UUID. Two idempotency records stand for it, under a
 * namespace no request can write (their key hashes are SHA-256 of a text
 * with a NUL byte, which no Idempotency-Key header holds):
 *   - "issued": the admin and the expiry, written when it is minted;
 *   - "used":   written with IDEM_PUT when it is taken, whose condition
 *               ("no unexpired record") makes the token single-use across
 *               instances: of two concurrent takes, one gets FIN_EXISTS.
 * Both records outlive the token by a day, so a late token still reads as
 * expired rather than unknown; the wipe removes them with every other
 * idempotency record.
 */
#ifndef FIN_CLEANUP_TOKEN_H
#define FIN_CLEANUP_TOKEN_H

#include "container.h"

enum cleanup_token_check {
  CLEANUP_TOKEN_OK,         /* valid: taken (consumed) */
  CLEANUP_TOKEN_UNKNOWN,    /* never issued, or already used */
  CLEANUP_TOKEN_EXPIRED,    /* issued, past its expiry */
  CLEANUP_TOKEN_OTHER_ADMIN /* issued to another admin; not consumed */
};

/* Mints a token (id: 36 characters + NUL) for admin, valid until *expires.
 * FIN_OK; FIN_UNAVAILABLE when the random source failed (a token from
 * zeroed bytes would be guessable) or the store is down; or another port
 * status, with e filled. */
enum fin_status cleanup_token_mint(struct fin_container *c, const char *admin, fin_ms now,
                                   fin_ms ttl, char id[37], fin_ms *expires, struct fin_err *e);

/* Checks the token presented by admin and, when valid, takes it. FIN_OK
 * with the outcome in *out, or a port failure (e filled). */
enum fin_status cleanup_token_take(struct fin_container *c, const char *id, const char *admin,
                                   fin_ms now, enum cleanup_token_check *out, struct fin_err *e);

#endif
