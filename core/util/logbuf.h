/* logbuf.h - how log lines reach stderr (log.c's writer).
 *
 * A line is either written at once (fin_logbuf_now: start-up, warnings,
 * errors, anything a reader may look for right after it happened) or kept
 * for a moment (fin_logbuf_soon: the line every request writes, the line of
 * every delivered event). Kept lines are written together by a thread of
 * their own FIN_LOG_FLUSH_MS milliseconds (default 20) after the first of
 * them, in one write(): a busy server makes one system call per batch
 * instead of one per request. A line written at once first writes out what
 * is kept, so stderr holds the lines in the order they were given. A crash
 * loses at most FIN_LOG_FLUSH_MS of kept lines; a stop (SIGTERM) loses none.
 * FIN_LOG_FLUSH_MS=0 writes every line at once. Thread-safe.
 */
#ifndef FIN_LOGBUF_H
#define FIN_LOGBUF_H

#include <stddef.h>

#define FIN_LOGBUF_DEFAULT_MS 20
#define FIN_LOGBUF_BYTES (64 * 1024)

/* Writes what is kept, then line (len bytes, its '\n' included). */
void fin_logbuf_now(const char *line, size_t len);
/* Keeps line (copied) for the next batch; written at once when batching is
 * off or the batch is full. */
void fin_logbuf_soon(const char *line, size_t len);
/* Writes what is kept (exit, tests). */
void fin_logbuf_flush(void);

#endif
