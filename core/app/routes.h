/* routes.h - the application handed to the HTTP layer (core/http knows a
 * handler only as a function pointer in a route table). */
#ifndef FIN_ROUTES_H
#define FIN_ROUTES_H

#include "../http/http.h"
#include "container.h"

/* The application's table (static; never freed). */
const struct fin_routes *fin_routes_default(void);

/* The routes, auth port and rate limits of c, for fin_http_handle and
 * fin_server_run; borrows c, which must outlive the server. */
struct fin_http_app fin_app_http(struct fin_container *c);

#endif
