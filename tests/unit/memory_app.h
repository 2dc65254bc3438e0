/* memory_app.h - a memory-mode container with the seed users, as the server
 * builds it (lua/memory.lua), for unit tests that drive the application. */
#ifndef FIN_TEST_MEMORY_APP_H
#define FIN_TEST_MEMORY_APP_H

#include <stdio.h>
#include <string.h>

#include "../../core/app/container.h"
#include "../../core/app/seed.h"
#include "../../core/lua/host.h"
#include "../../core/util/log.h"

/* Fills *c (logs off); 0, or -1 with the reason on stderr. */
static inline int memory_app_load(struct fin_container *c) {
  fin_log_set_enabled(0);
  char err[512];
  memset(c, 0, sizeof *c);
  if (fin_host_load_container("lua/memory.lua", c, err, sizeof err) != 0) {
    fprintf(stderr, "load: %s\n", err);
    return -1;
  }
  return fin_seed_users(c);
}

#endif
