/* health.h - what health.c offers besides its route handlers (handlers.h). */
#ifndef FIN_HEALTH_H
#define FIN_HEALTH_H

#include <stddef.h>

/* The OpenAPI document, read once on first use from $FIN_OPENAPI, else
 * ./openapi.yaml, else <exe dir>/../openapi.yaml (at most 4 MiB).
 * Borrowed, valid for the life of the process; NULL when none was found.
 * Thread-safe. */
const char *fin_openapi_document(size_t *len);

#endif
