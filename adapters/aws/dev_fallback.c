/* dev_fallback.c - AWS's endpoints for the dev-token fallback (see
 * dev_fallback.h; the wrapper itself is adapters/devtokens). */
#include "dev_fallback.h"

#include <stdio.h>

#include "../../core/util/urlhost.h"
#include "../devtokens/devtok_fallback.h"
#include "aws_http.h"

#define MAX_SERVICES 16

bool dev_fallback_loopback(const char *url) {
  return fin_url_loopback(url);
}

struct fin_auth dev_fallback_new(const char *endpoint, struct fin_auth real, char *err,
                                 size_t err_size) {
  /* each service's own variable counts: one of them alone could point at AWS */
  struct devtok_endpoint eps[MAX_SERVICES];
  size_t n = 0;
  for (const char *s; n < MAX_SERVICES && (s = aws_service_at(n)) != NULL; n++)
    eps[n] = (struct devtok_endpoint){.what = s, .url = aws_endpoint_for(s, NULL, endpoint)};
  if (aws_service_at(n) != NULL) { /* a service left unchecked could be AWS itself */
    if (real.ops != NULL) real.ops->destroy(real.self);
    snprintf(err, err_size, "the dev-token fallback checks at most %d AWS services", MAX_SERVICES);
    return (struct fin_auth){NULL, NULL};
  }
  const struct devtok_fallback_cfg cfg = {
      .endpoints_are = "AWS endpoints",
      .unset = "the AWS default endpoint",
      .instead = "use Cognito (COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID) for anything else",
      .endpoints = eps,
      .n_endpoints = n,
  };
  return devtok_fallback_new(&cfg, real, err, err_size);
}
