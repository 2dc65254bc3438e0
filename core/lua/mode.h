/* mode.h - which wiring file to load: the one place the mode precedence
 * lives (the original's order plus INFRA_MODE and FIN_WIRING; README.md, "Running"):
 *
 *   1. an explicit file (--wiring, else env FIN_WIRING)
 *   2. INFRA_MODE = memory | aws | firebase
 *   3. USE_INMEMORY=true                          -> memory
 *   4. USE_AWS=true or a non-empty AWS_ENDPOINT_URL -> aws
 *   5. FIRESTORE_EMULATOR_HOST                    -> firebase
 *   6. otherwise                                  -> memory
 *
 * Only the exact lower-case "true" counts. A variable that is set but empty
 * (AWS_ENDPOINT_URL, FIRESTORE_EMULATOR_HOST) is an error once it is
 * consulted, because the original silently misbehaved with it. Mode files are
 * "lua/<mode>.lua", looked up relative to the current directory, then
 * relative to the install root (the parent of the executable's directory, so
 * build/financial-api finds ../lua/memory.lua).
 */
#ifndef FIN_LUA_MODE_H
#define FIN_LUA_MODE_H

#include <stddef.h>

struct fin_mode_decision {
  char mode[16];     /* memory | aws | firebase | custom (an explicit file) */
  char wiring[4096]; /* the file to load */
  char reason[256];  /* what decided, e.g. "USE_AWS=true", for the start-up log */
};

/* Decides from cli_wiring (--wiring value or NULL) and the environment.
 * Returns 0, or -1 with a one-line message in err (exit status 2), e.g.
 * "mode 'aws' selected by USE_AWS=true but lua/aws.lua does not exist (not built yet)". */
int fin_mode_decide(const char *cli_wiring, struct fin_mode_decision *d, char *err,
                    size_t err_size);

/* The parent of the executable's directory, or NULL when unknown. Borrowed,
 * computed once (not thread-safe on first call: call it at start-up). */
const char *fin_install_root(void);

/* Finds a relative resource ("lua/memory.lua"): the current directory first,
 * then the install root. Returns 0 with the usable path in out, or -1. */
int fin_resolve_path(const char *rel, char *out, size_t out_size);

#endif
