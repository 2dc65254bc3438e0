/* router.h - the route table (behaviour.md §0.8) and the matcher.
 *
 * Paths are matched segment by segment, case-insensitively, without
 * allocating; one trailing slash is tolerated; a ":name" segment matches any
 * non-empty segment and is handed to the handler URL-decoded. HEAD is served
 * by GET routes. The first matching route in table order wins, which gives
 * behaviour.md §0.3's precedence (GET /v1/cards/requests is the :cardId route). */
#ifndef FIN_ROUTER_H
#define FIN_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "http.h"

/* Route flags. */
#define FIN_RT_AUTH 1u     /* Bearer authentication (behaviour.md §3.1) */
#define FIN_RT_ADMIN 2u    /* role "admin" required (behaviour.md §3.5) */
#define FIN_RT_JSON 4u     /* expects a JSON body: other content types -> 400 */
#define FIN_RT_NO_LIMIT 8u /* exempt from rate limiting (health, spec) */
#define FIN_RT_CLEANUP 16u /* the stricter "cleanup" rate-limit preset */

struct fin_route {
  const char *method;  /* "GET", "POST", "PATCH" */
  const char *pattern; /* "/v1/cards/:cardId" */
  fin_handler handler;
  unsigned flags;
};

struct fin_routes {
  const struct fin_route *v;
  size_t n;
};

#define FIN_MATCH_BUF 2048

/* Result of a match. params point into buf (valid while the struct lives). */
struct fin_match {
  const struct fin_route *route;
  const char *params[FIN_MAX_PARAMS];
  char buf[FIN_MATCH_BUF];
};

/* Finds the route for method + raw path (no query string). Returns false
 * when nothing matches (or the decoded parameters exceed FIN_MATCH_BUF). */
bool fin_route_match(const struct fin_routes *t, const char *method, const char *path,
                     struct fin_match *m);

/* True for "/v1/admin" and anything below it (case-insensitive): such
 * requests authenticate and admin-check before the 404 (behaviour.md §1.21). */
bool fin_route_is_admin_path(const char *path);

/* Decodes %XX escapes of s[0..len) into out (size bytes, NUL-terminated);
 * malformed escapes are kept as is; '+' is decoded to ' ' only when
 * plus_is_space. Returns the decoded length, or (size_t)-1 if out is too small. */
size_t fin_url_decode(const char *s, size_t len, char *out, size_t size, bool plus_is_space);

#endif
