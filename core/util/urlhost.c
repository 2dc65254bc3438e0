/* urlhost.c - loopback test on the host libcurl parses (see urlhost.h). */
#include "urlhost.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

static bool host_loopback(const char *host) {
  if (strcasecmp(host, "localhost") == 0) return true;
  struct in_addr a4;
  if (inet_pton(AF_INET, host, &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  char v6[64];
  size_t n = strlen(host);
  if (n < 3 || n >= sizeof v6 || host[0] != '[' || host[n - 1] != ']') return false;
  memcpy(v6, host + 1, n - 2); /* curl keeps the brackets of an IPv6 host */
  v6[n - 2] = '\0';
  struct in6_addr a6;
  if (inet_pton(AF_INET6, v6, &a6) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&a6)) return true;
  return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
}

bool fin_url_loopback(const char *url) {
  if (url == NULL || url[0] == '\0') return false;
  CURLU *u = curl_url();
  char *host = NULL;
  bool ok = u != NULL &&
            curl_url_set(u, CURLUPART_URL, url, CURLU_DEFAULT_SCHEME | CURLU_NON_SUPPORT_SCHEME) ==
                CURLUE_OK &&
            curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host_loopback(host);
  curl_free(host);
  curl_url_cleanup(u);
  return ok;
}
