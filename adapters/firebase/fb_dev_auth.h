/* fb_dev_auth.h - the dev-token fallback of Firebase mode (FIN_DEV_AUTH).
 *
 * The earlier web frontend signs in with dev tokens ("mock.") only, which
 * the Firebase providers refuse, so it could not be used against
 * `dev:emulator`. This is the generic fallback of adapters/devtokens
 * (devtok_fallback.h) around the Auth emulator provider (fb_auth.h): dev
 * tokens, and the emulator's own ID tokens beside them. It is made only
 * when both Firebase endpoints are emulators on loopback: the Firestore the
 * server talks to (FIRESTORE_EMULATOR_HOST) and the Auth emulator the
 * wrapped provider trusts (FIREBASE_AUTH_EMULATOR_HOST). Being checked on
 * what is wired, not on what the environment says, a wiring file cannot
 * pair it with a real Firestore. FIN_INSECURE_AUTH_EMULATOR does not lift
 * this check. */
#ifndef FIN_FB_DEV_AUTH_H
#define FIN_FB_DEV_AUTH_H

#include <stddef.h>

#include "../../core/ports/auth.h"

/* The provider, or {NULL, NULL} with the reason in err. firestore_origin is
 * fs_emulator_origin() of the database in use (NULL: Google's Firestore);
 * `emulator` must be a fb_auth_new() provider in emulator mode, and is taken
 * over in both cases. */
struct fin_auth fb_dev_auth_new(const char *firestore_origin, struct fin_auth emulator, char *err,
                                size_t err_size);

#endif
