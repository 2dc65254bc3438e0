/* timefmt.c - ISO-8601 / RFC 1123 formatting and parsing, local days.
 * UTC conversions use our own civil-date arithmetic (no TZ, no locale);
 * local-time ones use localtime_r. */
#include "timefmt.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const WDAY[7] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
static const char *const MON[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m) {
  static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return dm[m - 1] + (m == 2 && leap);
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

struct utc {
  int64_t y;
  int mo, d, h, mi, s, ms, wday;
};

static void to_utc(int64_t ms, struct utc *u) {
  int64_t days = floor_div(ms, 86400000);
  int64_t rem = ms - days * 86400000;
  civil_from_days(days, &u->y, &u->mo, &u->d);
  u->h = (int)(rem / 3600000);
  u->mi = (int)(rem / 60000 % 60);
  u->s = (int)(rem / 1000 % 60);
  u->ms = (int)(rem % 1000);
  u->wday = (int)(((days % 7) + 7) % 7);
}

int64_t fin_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t fin_mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *fin_put_digits(char *p, int v, int n) {
  for (int i = n - 1; i >= 0; i--, v /= 10)
    p[i] = (char)('0' + v % 10);
  return p + n;
}

char *fin_iso(int64_t ms, char *buf) {
  struct utc u;
  to_utc(ms, &u);
  if (u.y >= 0 && u.y <= 9999) { /* every answer's timestamps: no printf on the hot path */
    char *p = fin_put_digits(buf, (int)u.y, 4);
    *p++ = '-';
    p = fin_put_digits(p, u.mo, 2);
    *p++ = '-';
    p = fin_put_digits(p, u.d, 2);
    *p++ = 'T';
    p = fin_put_digits(p, u.h, 2);
    *p++ = ':';
    p = fin_put_digits(p, u.mi, 2);
    *p++ = ':';
    p = fin_put_digits(p, u.s, 2);
    *p++ = '.';
    p = fin_put_digits(p, u.ms, 3);
    memcpy(p, "Z", 2);
  } else /* toISOString's expanded years */
    snprintf(buf, 32, "%+07lld-%02d-%02dT%02d:%02d:%02d.%03dZ", (long long)u.y, u.mo, u.d, u.h,
             u.mi, u.s, u.ms);
  return buf;
}

/* Reads exactly n digits; returns the value or -1. */
static int digits(const char **p, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    char c = (*p)[i];
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  *p += n;
  return v;
}

static int expect(const char **p, char c) {
  if (**p != c) return -1;
  (*p)++;
  return 0;
}

static int make_ms(int64_t y, int mo, int d, int h, int mi, int s, int64_t *out) {
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59)
    return -1;
  *out = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + (int64_t)s * 1000;
  return 0;
}

/* Optional ".fff..." (first three digits count) then "Z" or "+hh:mm"/"-hh:mm". */
static int iso_tail(const char *p, int64_t *ms) {
  int frac = 0;
  if (*p == '.') {
    p++;
    int n = 0;
    while (*p >= '0' && *p <= '9') {
      if (n < 3) frac = frac * 10 + (*p - '0');
      n++;
      p++;
    }
    if (n == 0) return -1;
    for (; n < 3; n++)
      frac *= 10;
  }
  int64_t off = 0;
  if (*p == 'Z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    int sign = *p++ == '-' ? -1 : 1;
    int oh = digits(&p, 2);
    if (oh < 0 || expect(&p, ':') != 0) return -1;
    int om = digits(&p, 2);
    if (om < 0 || oh > 23 || om > 59) return -1;
    off = sign * (int64_t)(oh * 60 + om) * 60000;
  } else {
    return -1;
  }
  if (*p != '\0') return -1;
  *ms += frac - off;
  return 0;
}

int fin_iso_parse(const char *s, int64_t *ms) {
  if (s == NULL) return -1;
  const char *p = s;
  int y = digits(&p, 4);
  if (y < 0 || expect(&p, '-') != 0) return -1;
  int mo = digits(&p, 2);
  if (mo < 0 || expect(&p, '-') != 0) return -1;
  int d = digits(&p, 2);
  if (d < 0 || expect(&p, 'T') != 0) return -1;
  int h = digits(&p, 2);
  if (h < 0 || expect(&p, ':') != 0) return -1;
  int mi = digits(&p, 2);
  if (mi < 0 || expect(&p, ':') != 0) return -1;
  int sec = digits(&p, 2);
  int64_t v;
  if (sec < 0 || make_ms(y, mo, d, h, mi, sec, &v) != 0) return -1;
  if (iso_tail(p, &v) != 0) return -1;
  *ms = v;
  return 0;
}

char *fin_http_date(int64_t ms, char *buf) {
  struct utc u;
  to_utc(ms, &u);
  if (u.y < 0 || u.y > 9999) { /* beyond what the format has room for */
    snprintf(buf, 40, "%s, %02d %s %04lld %02d:%02d:%02d GMT", WDAY[u.wday], u.d, MON[u.mo - 1],
             (long long)u.y, u.h, u.mi, u.s);
    return buf;
  }
  /* "Tue, 24 Nov 2026 19:52:43 GMT": a dashboard's Last-Modified, no printf */
  memcpy(buf, WDAY[u.wday], 3);
  memcpy(buf + 3, ", ", 2);
  char *p = fin_put_digits(buf + 5, u.d, 2);
  *p++ = ' ';
  memcpy(p, MON[u.mo - 1], 3);
  p[3] = ' ';
  p = fin_put_digits(p + 4, (int)u.y, 4);
  *p++ = ' ';
  p = fin_put_digits(p, u.h, 2);
  *p++ = ':';
  p = fin_put_digits(p, u.mi, 2);
  *p++ = ':';
  p = fin_put_digits(p, u.s, 2);
  memcpy(p, " GMT", 5);
  return buf;
}

int fin_http_date_parse(const char *s, int64_t *ms) {
  if (s == NULL) return -1;
  const char *p = s;
  while (*p == ' ')
    p++;
  /* optional weekday: "Tue, " */
  const char *comma = strchr(p, ',');
  if (comma != NULL) {
    p = comma + 1;
    while (*p == ' ')
      p++;
  }
  int d = digits(&p, 2);
  if (d < 0 || expect(&p, ' ') != 0) return -1;
  int mo = 0;
  for (int i = 0; i < 12; i++) {
    if (strncasecmp(p, MON[i], 3) == 0) mo = i + 1;
  }
  if (mo == 0) return -1;
  p += 3;
  if (expect(&p, ' ') != 0) return -1;
  int y = digits(&p, 4);
  if (y < 0 || expect(&p, ' ') != 0) return -1;
  int h = digits(&p, 2);
  if (h < 0 || expect(&p, ':') != 0) return -1;
  int mi = digits(&p, 2);
  if (mi < 0 || expect(&p, ':') != 0) return -1;
  int sec = digits(&p, 2);
  int64_t v;
  if (sec < 0 || make_ms(y, mo, d, h, mi, sec, &v) != 0) return -1;
  while (*p == ' ')
    p++;
  if (strcmp(p, "GMT") != 0 && strcmp(p, "UTC") != 0 && strcmp(p, "Z") != 0 && *p != '\0')
    return -1;
  *ms = v;
  return 0;
}

static int local_tm(int64_t ms, struct tm *tm) {
  time_t t = (time_t)floor_div(ms, 1000);
  return localtime_r(&t, tm) == NULL ? -1 : 0;
}

long fin_local_day(int64_t ms) {
  struct tm tm;
  if (local_tm(ms, &tm) != 0) return (long)floor_div(ms, 86400000);
  return (long)days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

char *fin_ptbr_time(int64_t ms, char *buf) {
  struct tm tm;
  if (local_tm(ms, &tm) != 0) {
    snprintf(buf, 24, "Invalid Date");
    return buf;
  }
  /* the moduli only tell the compiler the fields are small */
  snprintf(buf, 24, "%02u/%02u/%04u, %02u:%02u", (unsigned)tm.tm_mday % 100u,
           (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)(tm.tm_year + 1900) % 10000u,
           (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u);
  return buf;
}
