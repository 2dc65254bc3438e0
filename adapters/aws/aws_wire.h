/* aws_wire.h - HTTP/1.1 exchanges on kept connections for http://
 * endpoints, without libcurl: opt-in (FIN_AWS_WIRE=1), for the AWS clients
 * of aws_http.c. libcurl's own work per call is about half of the
 * user-space instructions of a dashboard (docs/performance.md, "what
 * libcurl costs per call"); here a request head is written in one piece
 * and sent with its body in one sendmsg, and the answer is read with
 * recv. Limits, why it is opt-in: plain TCP (https:// endpoints keep
 * libcurl), the address resolved once when the client is made (a blocking
 * lookup then), no proxy. Waits go through fin_io_wait_fd (io.h): on a
 * request fiber only that fiber waits.
 * Thread-safe: idle connections are pooled under a lock. */
#ifndef FIN_AWS_WIRE_H
#define FIN_AWS_WIRE_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../core/util/httpc.h"

struct wire;

/* For endpoint "http://host[:port][/...]" (host may be "[v6]"); NULL
 * when it is not http:// or the host does not resolve. The caller owns the
 * result: free it with wire_free (no exchange may be running). */
struct wire *wire_new(const char *endpoint);
void wire_free(struct wire *w);

/* What one exchange gave, in libcurl's terms (aws_http.c judges them). */
struct wire_result {
  CURLcode rc;
  long status;
  int os_errno;
  bool sent; /* request bytes left this process */
  char detail[128];
};

/* Sends head (the request line and headers, blank line included) and body
 * (both borrowed), reads the answer into *hd (fin_http_head_write, reset by
 * the caller) and *out (fin_http_buf_write: out->max bounds it; the caller
 * frees out->p). Content-Length, chunked, or until the connection closes;
 * interim 1xx answers are skipped. A kept connection is checked before use
 * (one the server closed while it idled is dropped). When a kept
 * connection fails the request anyway, it goes once more on a new one if
 * the server cannot have acted on it (not all of it was sent), or if the
 * caller says it is replayable (a read). timeout_ms bounds the whole
 * exchange, connect_ms a connect. r tells the outcome in libcurl's codes
 * (CURLE_OK with hd->done false: the answer ended inside its head). */
void wire_exchange(struct wire *w, const char *head, size_t head_len, const char *body, size_t len,
                   bool replayable, long timeout_ms, long connect_ms, struct fin_http_head *hd,
                   struct fin_http_buf *out, struct wire_result *r);

#endif
