/* urlhost.h - "does this URL point at this machine?", answered by libcurl's
 * own URL parser (curl_url), so the answer matches the host curl will
 * connect to: `http://evil.example#@127.0.0.1` is evil.example, not
 * 127.0.0.1, and `http://0x7f.1/` is 127.0.0.1. Guards that relax security
 * for local development (dev tokens, emulator tokens) use it. */
#ifndef FIN_URLHOST_H
#define FIN_URLHOST_H

#include <stdbool.h>

/* true when url (a URL, or "host[:port]" taken as http://) names a loopback
 * host: localhost, 127.0.0.0/8, ::1 (or ::ffff:127.x). NULL, empty or
 * unparsable: false. */
bool fin_url_loopback(const char *url);

#endif
