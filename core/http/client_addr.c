/* client_addr.c - who an unauthenticated caller is, for rate limiting.
 * X-Forwarded-For is anyone's to write: it is believed only when the socket
 * peer is a proxy listed in FIN_TRUSTED_PROXIES (comma-separated addresses
 * or CIDR blocks, read once; unset = none), and then only up to the first
 * address (from the right) that is not itself a trusted proxy. IPv6
 * clients count per /64, the block one subscriber usually holds, so
 * rotating through it gives no fresh budgets. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/log.h"
#include "mw.h"

#define MAX_PROXIES 32

struct block {
  int family;
  unsigned char addr[16];
  unsigned bits;
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct block proxies[MAX_PROXIES];
static size_t n_proxies;

char *fin_mw_ipv4_text(const void *a, char *buf) {
  const unsigned char *b = a;
  char *o = buf;
  for (int i = 0; i < 4; i++) {
    unsigned v = b[i];
    if (v >= 100) *o++ = (char)('0' + v / 100);
    if (v >= 10) *o++ = (char)('0' + v / 10 % 10);
    *o++ = (char)('0' + v % 10);
    *o++ = i < 3 ? '.' : '\0';
  }
  return buf;
}

/* "1.2.3.4", "10.0.0.0/8", "fd00::/8" -> *b; false when malformed. */
static bool parse_block(const char *s, struct block *b) {
  char ip[64];
  const char *slash = strchr(s, '/');
  size_t n = slash ? (size_t)(slash - s) : strlen(s);
  if (n == 0 || n >= sizeof ip) return false;
  memcpy(ip, s, n);
  ip[n] = '\0';
  b->family = strchr(ip, ':') ? AF_INET6 : AF_INET;
  if (inet_pton(b->family, ip, b->addr) != 1) return false;
  unsigned max = b->family == AF_INET ? 32 : 128;
  b->bits = max;
  if (slash != NULL) {
    char *end;
    unsigned long v = strtoul(slash + 1, &end, 10);
    if (*end != '\0' || end == slash + 1 || v > max) return false;
    b->bits = (unsigned)v;
  }
  return true;
}

static void load(void) {
  const char *env = getenv("FIN_TRUSTED_PROXIES");
  char *list = env ? strdup(env) : NULL;
  char *save = NULL;
  for (char *t = list ? strtok_r(list, ", ", &save) : NULL; t; t = strtok_r(NULL, ", ", &save)) {
    struct block b;
    char esc[80];
    if (n_proxies == MAX_PROXIES || !parse_block(t, &b))
      fin_log("warn", "trusted_proxy_ignored", "\"entry\":\"%s\"", fin_log_esc(t, esc, sizeof esc));
    else
      proxies[n_proxies++] = b;
  }
  free(list);
}

static bool in_block(const struct block *b, int family, const unsigned char *a) {
  if (b->family != family) return false;
  unsigned full = b->bits / 8, rest = b->bits % 8;
  if (memcmp(b->addr, a, full) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = (unsigned char)(0xff << (8 - rest));
  return (b->addr[full] & mask) == (a[full] & mask);
}

static bool trusted(const char *ip) {
  unsigned char a[16];
  int family = strchr(ip, ':') ? AF_INET6 : AF_INET;
  if (inet_pton(family, ip, a) != 1) return false;
  for (size_t i = 0; i < n_proxies; i++)
    if (in_block(&proxies[i], family, a)) return true;
  return false;
}

/* ip normalised into buf ("ip:<v4>" or "ip:<v6 /64>"); NULL when not an address. */
static const char *canonical(const char *ip, char *buf, size_t size) {
  unsigned char a[16];
  char text[INET6_ADDRSTRLEN];
  int family = strchr(ip, ':') ? AF_INET6 : AF_INET;
  if (inet_pton(family, ip, a) != 1) return NULL;
  if (family == AF_INET6) memset(a + 8, 0, 8);
  if (inet_ntop(family, a, text, sizeof text) == NULL) return NULL;
  snprintf(buf, size, "ip:%s%s", text, family == AF_INET6 ? "/64" : "");
  return buf;
}

const char *fin_mw_client_key(const char *peer, const char *xff, char *buf, size_t size) {
  pthread_once(&once, load);
  if (peer == NULL) return "ip:unknown";
  char hop[64];
  const char *who = peer;
  /* walk the header right to left while each hop is a trusted proxy */
  const char *end = xff ? xff + strlen(xff) : NULL;
  while (end != NULL && trusted(who)) {
    const char *seg = end; /* this entry runs from seg (after a comma) to end */
    while (seg > xff && seg[-1] != ',')
      seg--;
    const char *start = seg;
    while (start < end && (*start == ' ' || *start == '\t'))
      start++;
    size_t n = (size_t)(end - start);
    while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t'))
      n--;
    if (n == 0 || n >= sizeof hop) break;
    memcpy(hop, start, n);
    hop[n] = '\0';
    unsigned char probe[16];
    if (inet_pton(strchr(hop, ':') ? AF_INET6 : AF_INET, hop, probe) != 1) break;
    who = hop;
    end = seg > xff ? seg - 1 : NULL; /* the comma before this entry */
  }
  const char *key = canonical(who, buf, size);
  return key ? key : "ip:unknown";
}
