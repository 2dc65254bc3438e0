/* fb_dev_auth.c - Firebase's endpoints for the dev-token fallback (see
 * fb_dev_auth.h). */
#include "fb_dev_auth.h"

#include "../devtokens/devtok_fallback.h"
#include "fb_auth.h"

struct fin_auth fb_dev_auth_new(const char *firestore_origin, struct fin_auth emulator, char *err,
                                size_t err_size) {
  const struct devtok_endpoint eps[] = {
      {.what = "FIRESTORE_EMULATOR_HOST", .url = firestore_origin},
      /* NULL unless `emulator` is the Auth emulator provider: Google's
       * signed tokens are no reason to accept unsigned ones */
      {.what = "FIREBASE_AUTH_EMULATOR_HOST", .url = fb_auth_emulator_host(emulator)},
  };
  const struct devtok_fallback_cfg cfg = {
      .endpoints_are = "Firebase emulators",
      .unset = "not set (Google's servers)",
      .instead = "unset FIN_DEV_AUTH and sign in with Firebase ID tokens",
      .endpoints = eps,
      .n_endpoints = sizeof eps / sizeof eps[0],
  };
  return devtok_fallback_new(&cfg, emulator, err, err_size);
}
