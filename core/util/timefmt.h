/* timefmt.h - the API's time formats, the wall clock and a monotonic clock. */
#ifndef FIN_TIMEFMT_H
#define FIN_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Current time, epoch milliseconds (CLOCK_REALTIME). */
int64_t fin_now_ms(void);
/* Milliseconds of CLOCK_MONOTONIC: for deadlines and durations. */
int64_t fin_mono_ms(void);
/* Writes v (>= 0) as exactly n zero-padded digits at p (no NUL); returns
 * the end. */
char *fin_put_digits(char *p, int v, int n);
/* "2026-11-24T19:52:02.176Z" (toISOString); buf >= 32 bytes; returns buf. */
char *fin_iso(int64_t ms, char *buf);
/* Parses the toISOString form (also without millis); returns 0 or -1. */
int fin_iso_parse(const char *s, int64_t *ms);
/* "Tue, 24 Nov 2026 19:52:43 GMT" (RFC 1123); buf >= 40 bytes; returns buf. */
char *fin_http_date(int64_t ms, char *buf);
/* Parses an RFC 1123 date; returns 0 or -1. */
int fin_http_date_parse(const char *s, int64_t *ms);
/* Calendar day number of ms in the server's local time zone (for on-time). */
long fin_local_day(int64_t ms);
/* pt-BR local "dd/mm/yyyy, hh:mm"; buf >= 24 bytes; returns buf. */
char *fin_ptbr_time(int64_t ms, char *buf);

#endif
