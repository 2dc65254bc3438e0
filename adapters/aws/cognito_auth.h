#pragma once
#include "../../core/ports/services.h"
struct cognito_auth_cfg { const char *region, *user_pool_id, *client_id, *issuer, *jwks_url; };
struct fin_auth cognito_auth_new(const struct cognito_auth_cfg *cfg, char *err, size_t n);
