/* cors.c - which Origins get Access-Control-Allow-Origin. Echoing any
 * Origin let every web page read API answers with the user's credentials;
 * only the configured list is echoed: FIN_CORS_ORIGINS, comma-separated
 * exact origins ("scheme://host[:port]"), read once; unset = the local dev
 * frontends. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../util/log.h"
#include "mw.h"

#define MAX_ORIGINS 32
#define DEFAULT_ORIGINS                                                                            \
  "http://localhost:3000,http://localhost:5173,http://127.0.0.1:3000,http://127.0.0.1:5173"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char *list; /* the variable's copy, cut at the commas */
static const char *origins[MAX_ORIGINS];
static size_t n_origins;

static void load(void) {
  const char *env = getenv("FIN_CORS_ORIGINS");
  list = strdup(env != NULL ? env : DEFAULT_ORIGINS);
  if (list == NULL) return; /* no memory: nothing is allowed */
  char *save = NULL;
  for (char *o = strtok_r(list, ", ", &save); o != NULL; o = strtok_r(NULL, ", ", &save)) {
    if (n_origins == MAX_ORIGINS) {
      fin_log("warn", "cors_origins_truncated", "\"max\":%d", MAX_ORIGINS);
      break;
    }
    origins[n_origins++] = o;
  }
}

bool fin_mw_cors_allowed(const char *origin) {
  if (origin == NULL || *origin == '\0') return false;
  pthread_once(&once, load);
  for (size_t i = 0; i < n_origins; i++)
    if (strcmp(origins[i], origin) == 0) return true;
  return false;
}
