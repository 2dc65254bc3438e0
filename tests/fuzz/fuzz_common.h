/* fuzz_common.h - a memory-mode container for the fuzz targets, wired by
 * lua/memory.lua exactly as the server wires it (built once per process). */
#ifndef FIN_FUZZ_COMMON_H
#define FIN_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "../../core/app/container.h"
#include "../../core/app/seed.h"
#include "../../core/lua/host.h"
#include "../../core/util/log.h"

static struct fin_container *fuzz_container(void) {
  static struct fin_container c;
  static int loaded;
  if (!loaded) {
    char err[512];
    fin_log_set_enabled(0);
    const char *wiring = getenv("FIN_WIRING") ? getenv("FIN_WIRING") : "lua/memory.lua";
    if (fin_host_load_container(wiring, &c, err, sizeof err) != 0) {
      fprintf(stderr, "fuzz: %s\n", err);
      abort();
    }
    fin_seed_users(&c);
    loaded = 1;
  }
  return &c;
}

#endif
