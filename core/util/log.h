/* log.h - one JSON object per line on stderr (start-up decisions, requests,
 * worker activity). Formatting goes into a stack buffer; no malloc per line. */
#ifndef FIN_LOG_H
#define FIN_LOG_H

#include <stddef.h>

/* Writes {"ts":"<iso>","level":"<level>","event":"<event>"<,fields>} + '\n'.
 * `fields_fmt` (may be NULL) is printf-style and must produce JSON members
 * without the leading comma, e.g. "\"port\":%d,\"mode\":\"%s\"". Strings
 * from outside must go through fin_log_esc first. Written now, after any
 * batched lines (logbuf.h). Thread-safe. */
void fin_log(const char *level, const char *event, const char *fields_fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Escapes s for a JSON string body into buf (truncating); returns buf. */
char *fin_log_esc(const char *s, char *buf, size_t size);

/* The same line as fin_log, built field by field without printf: for the
 * line every request writes. Keys are trusted literals; string values are
 * escaped as fin_log_esc(value, buf, cap) would (cap at most 1024). A line that outgrows the
 * buffer loses its fields for "truncated":true, as fin_log's does. Lives
 * on the caller's stack; check fin_log_enabled() before building one. */
#define FIN_LOGLINE_MAX 4096
struct fin_logline {
  size_t n, head; /* bytes so far; where the fields start */
  int over;       /* a field did not fit */
  char buf[FIN_LOGLINE_MAX];
};
void fin_logline_begin(struct fin_logline *l, const char *level, const char *event);
void fin_logline_str(struct fin_logline *l, const char *key, const char *value, size_t cap);
void fin_logline_int(struct fin_logline *l, const char *key, long long v);
/* A string value written as it is, as "\"%s\"" in fin_log's format would:
 * only for text that needs no escape (ids the server made). */
void fin_logline_raw(struct fin_logline *l, const char *key, const char *value);
void fin_logline_end(struct fin_logline *l); /* writes it now */
/* Writes it with the next batch (logbuf.h): for the lines every request or
 * every event writes, which no one waits for. */
void fin_logline_end_soon(struct fin_logline *l);

/* Calls to backing services (DynamoDB, Firestore ...) made by this thread:
 * adapters note each one; the HTTP layer takes the count at the start and
 * end of a request and logs it ("backend_calls"), so round trips per
 * request can be measured (bench/aws.sh). */
void fin_backend_call_note(void);
unsigned fin_backend_calls_take(void); /* returns the count and resets it */
/* Sets the count: a request fiber (core/util/io.h) takes its count with it when
 * it leaves its thread's turn and puts it back when it resumes. */
void fin_backend_calls_put(unsigned n);

/* 0 = quiet (tests), 1 = normal. Default 1; env FIN_LOG=0 turns it off. */
void fin_log_set_enabled(int on);
/* Whether lines are written: callers skip preparing fields nobody reads. */
int fin_log_enabled(void);

#endif
