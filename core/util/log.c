/* log.c - one JSON object per line on stderr (written by logbuf.c). */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsnum.h"
#include "logbuf.h"
#include "timefmt.h"

#define LINE_MAX_BYTES 4096

static atomic_int log_state = -1; /* -1 = not decided yet */

static int enabled(void) {
  int on = atomic_load(&log_state);
  if (on < 0) {
    const char *env = getenv("FIN_LOG");
    on = !(env != NULL && strcmp(env, "0") == 0);
    int expected = -1;
    if (!atomic_compare_exchange_strong(&log_state, &expected, on)) on = expected;
  }
  return on;
}

int fin_log_enabled(void) {
  return enabled();
}

void fin_log_set_enabled(int on) {
  atomic_store(&log_state, on ? 1 : 0);
}

char *fin_log_esc(const char *s, char *buf, size_t size) {
  static const char hex[] = "0123456789abcdef";
  if (size == 0) return buf;
  size_t o = 0;
  for (; s != NULL && *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f) { /* most bytes: as they are */
      if (o + 1 >= size) break;
      buf[o++] = (char)c;
      continue;
    }
    char tmp[6];
    size_t n = 0;
    if (c == '"' || c == '\\') {
      tmp[n++] = '\\';
      tmp[n++] = (char)c;
    } else if (c == '\n' || c == '\r' || c == '\t') {
      tmp[n++] = '\\';
      tmp[n++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
    } else { /* other controls and DEL */
      memcpy(tmp, "\\u00", 4);
      tmp[4] = hex[c >> 4];
      tmp[5] = hex[c & 15];
      n = 6;
    }
    if (o + n >= size) break;
    memcpy(buf + o, tmp, n);
    o += n;
  }
  /* never end inside a UTF-8 sequence */
  if (s != NULL && *s != '\0') {
    size_t k = o, cont = 0;
    while (k > 0 && ((unsigned char)buf[k - 1] & 0xc0) == 0x80) {
      k--;
      cont++;
    }
    if (k > 0 && ((unsigned char)buf[k - 1] & 0xc0) == 0xc0) {
      unsigned char lead = (unsigned char)buf[k - 1];
      size_t need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : 1;
      if (cont < need) o = k - 1;
    }
  }
  buf[o] = '\0';
  return buf;
}

void fin_log(const char *level, const char *event, const char *fields_fmt, ...) {
  if (!enabled()) return;
  char line[LINE_MAX_BYTES], ts[32], lv[32], ev[96];
  fin_iso(fin_now_ms(), ts);
  int n = snprintf(line, sizeof line, "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":\"%s\"", ts,
                   fin_log_esc(level, lv, sizeof lv), fin_log_esc(event, ev, sizeof ev));
  size_t len = (size_t)n;
  if (fields_fmt != NULL && fields_fmt[0] != '\0') {
    va_list ap;
    va_start(ap, fields_fmt);
    line[len] = ',';
    int m = vsnprintf(line + len + 1, sizeof line - len - 3, fields_fmt, ap);
    va_end(ap);
    if (m >= 0 && (size_t)m < sizeof line - len - 3) {
      len += 1 + (size_t)m;
    } else { /* too long: a valid line without the fields */
      static const char trunc[] = ",\"truncated\":true";
      memcpy(line + len, trunc, sizeof trunc - 1);
      len += sizeof trunc - 1;
    }
  }
  line[len++] = '}';
  line[len++] = '\n';
  fin_logbuf_now(line, len);
}

/* ---- lines built field by field ---- */
static void ll_put(struct fin_logline *l, const char *s, size_t n) {
  if (l->over || l->n + n + 3 > sizeof l->buf) { /* "}\n" and a byte, as fin_log */
    l->over = 1;
    return;
  }
  memcpy(l->buf + l->n, s, n);
  l->n += n;
}

static void ll_key(struct fin_logline *l, const char *key) {
  ll_put(l, ",\"", 2);
  ll_put(l, key, strlen(key));
  ll_put(l, "\":", 2);
}

void fin_logline_begin(struct fin_logline *l, const char *level, const char *event) {
  char ts[32];
  fin_iso(fin_now_ms(), ts);
  l->n = 0, l->over = 0;
  ll_put(l, "{\"ts\":\"", 7);
  ll_put(l, ts, strlen(ts));
  ll_put(l, "\"", 1);
  fin_logline_str(l, "level", level, 32);
  fin_logline_str(l, "event", event, 96);
  l->head = l->n;
}

void fin_logline_str(struct fin_logline *l, const char *key, const char *value, size_t cap) {
  char esc[1024];
  esc[0] = '\0';
  if (cap > 0) fin_log_esc(value, esc, cap < sizeof esc ? cap : sizeof esc);
  ll_key(l, key);
  ll_put(l, "\"", 1);
  ll_put(l, esc, strlen(esc));
  ll_put(l, "\"", 1);
}

void fin_logline_raw(struct fin_logline *l, const char *key, const char *value) {
  ll_key(l, key);
  ll_put(l, "\"", 1);
  ll_put(l, value, strlen(value));
  ll_put(l, "\"", 1);
}

void fin_logline_int(struct fin_logline *l, const char *key, long long v) {
  char d[1 + FIN_U64DEC_MAX];
  uint64_t u = v < 0 ? 0ULL - (uint64_t)v : (uint64_t)v;
  size_t n = v < 0;
  d[0] = '-';
  n += fin_u64dec(u, d + n);
  ll_key(l, key);
  ll_put(l, d, n);
}

static void ll_close(struct fin_logline *l) {
  if (l->over) { /* as fin_log: a valid line without the fields */
    static const char trunc[] = ",\"truncated\":true";
    l->n = l->head, l->over = 0;
    ll_put(l, trunc, sizeof trunc - 1);
  }
  l->buf[l->n++] = '}';
  l->buf[l->n++] = '\n';
}

void fin_logline_end(struct fin_logline *l) {
  ll_close(l);
  fin_logbuf_now(l->buf, l->n);
}

void fin_logline_end_soon(struct fin_logline *l) {
  ll_close(l);
  fin_logbuf_soon(l->buf, l->n);
}

static _Thread_local unsigned backend_calls;

void fin_backend_call_note(void) {
  backend_calls++;
}

unsigned fin_backend_calls_take(void) {
  unsigned n = backend_calls;
  backend_calls = 0;
  return n;
}

void fin_backend_calls_put(unsigned n) {
  backend_calls = n;
}
