/* ddb_av.c - AttributeValue JSON (see ddb_av.h). */
#include "ddb_av.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/jsnum.h"
#include "../../core/util/timefmt.h"

static json_t *av1(const char *type, json_t *v) {
  if (v == NULL) return NULL;
  json_t *o = json_object();
  if (o == NULL || json_object_set_new(o, type, v) != 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

json_t *ddb_s(const char *s) {
  return av1("S", json_string(s));
}

json_t *ddb_n(double v) {
  char buf[FIN_JSNUM_MAX];
  fin_jsnum(v, buf);
  /* NaN never reaches storage */
  return av1("N", json_string(strcmp(buf, "null") == 0 ? "0" : buf));
}

json_t *ddb_int(int64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%" PRId64, v);
  return av1("N", json_string(buf));
}

json_t *ddb_iso(fin_ms ms) {
  char buf[32];
  return ddb_s(fin_iso(ms, buf));
}

json_t *ddb_from_json(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_STRING:
    return ddb_s(json_string_value(v));
  case JSON_INTEGER:
    return ddb_int(json_integer_value(v));
  case JSON_REAL:
    return ddb_n(json_real_value(v));
  case JSON_TRUE:
    return av1("BOOL", json_true());
  case JSON_FALSE:
    return av1("BOOL", json_false());
  case JSON_NULL:
    return av1("NULL", json_true());
  case JSON_OBJECT: {
    json_t *m = json_object();
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) {
      if (m == NULL || json_object_set_new(m, k, ddb_from_json(x)) != 0) {
        json_decref(m);
        return NULL;
      }
    }
    return av1("M", m);
  }
  case JSON_ARRAY: {
    json_t *l = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
      if (l == NULL || json_array_append_new(l, ddb_from_json(x)) != 0) {
        json_decref(l);
        return NULL;
      }
    }
    return av1("L", l);
  }
  }
  return NULL;
}

static json_t *number_json(const char *s) {
  if (strpbrk(s, ".eE") == NULL) {
    errno = 0;
    char *end;
    long long n = strtoll(s, &end, 10);
    if (errno == 0 && *end == '\0') return json_integer(n);
  }
  return json_real(strtod(s, NULL));
}

json_t *ddb_to_json(const json_t *av) {
  if (!json_is_object(av) || json_object_size(av) != 1) return NULL;
  const char *type = json_object_iter_key(json_object_iter((json_t *)av));
  json_t *v = json_object_get(av, type);
  if (strcmp(type, "S") == 0 && json_is_string(v)) return json_string(json_string_value(v));
  if (strcmp(type, "N") == 0 && json_is_string(v)) return number_json(json_string_value(v));
  if (strcmp(type, "BOOL") == 0 && json_is_boolean(v)) return json_boolean(json_is_true(v));
  if (strcmp(type, "NULL") == 0) return json_null();
  if (strcmp(type, "M") == 0 && json_is_object(v)) {
    json_t *o = json_object();
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x) {
      json_t *y = ddb_to_json(x);
      if (o == NULL || y == NULL || json_object_set_new(o, k, y) != 0) {
        json_decref(o);
        return NULL;
      }
    }
    return o;
  }
  if ((strcmp(type, "L") == 0 || strcmp(type, "SS") == 0 || strcmp(type, "NS") == 0) &&
      json_is_array(v)) {
    json_t *a = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
      json_t *y = type[0] == 'L'   ? ddb_to_json(x)
                  : type[0] == 'S' ? json_string(json_string_value(x))
                                   : number_json(json_string_value(x));
      if (a == NULL || y == NULL || json_array_append_new(a, y) != 0) {
        json_decref(a);
        return NULL;
      }
    }
    return a;
  }
  return NULL;
}

static int put(json_t *item, const char *name, json_t *av) {
  return av != NULL && json_object_set_new(item, name, av) == 0 ? 0 : -1;
}

int ddb_put_s(json_t *item, const char *name, const char *s) {
  return s == NULL ? 0 : put(item, name, ddb_s(s));
}
int ddb_put_k(json_t *item, const char *name, const char *s) {
  return s == NULL || s[0] == '\0' ? 0 : put(item, name, ddb_s(s));
}
int ddb_put_n(json_t *item, const char *name, double v) {
  return put(item, name, ddb_n(v));
}
int ddb_put_int(json_t *item, const char *name, int64_t v) {
  return put(item, name, ddb_int(v));
}
int ddb_put_bool(json_t *item, const char *name, bool v) {
  return put(item, name, av1("BOOL", json_boolean(v)));
}
int ddb_put_iso(json_t *item, const char *name, fin_ms ms) {
  return ms == 0 ? 0 : put(item, name, ddb_iso(ms));
}
int ddb_put_json(json_t *item, const char *name, const json_t *v) {
  return v == NULL ? 0 : put(item, name, ddb_from_json(v));
}

static const json_t *typed(const json_t *item, const char *name, const char *type) {
  json_t *av = json_object_get(item, name);
  return av != NULL ? json_object_get(av, type) : NULL;
}

const char *ddb_get_s(const json_t *item, const char *name) {
  return json_string_value(typed(item, name, "S"));
}

char *ddb_dup_s(const json_t *item, const char *name) {
  const char *s = ddb_get_s(item, name);
  return s != NULL ? strdup(s) : NULL;
}

void ddb_cpy_s(const json_t *item, const char *name, char *dst, size_t size) {
  fin_strlcpy(dst, ddb_get_s(item, name) ? ddb_get_s(item, name) : "", size);
}

double ddb_get_n(const json_t *item, const char *name, double dflt) {
  const char *s = json_string_value(typed(item, name, "N"));
  return s != NULL ? strtod(s, NULL) : dflt;
}

int64_t ddb_get_int(const json_t *item, const char *name, int64_t dflt) {
  const char *s = json_string_value(typed(item, name, "N"));
  return s != NULL ? (int64_t)strtoll(s, NULL, 10) : dflt;
}

bool ddb_get_bool(const json_t *item, const char *name) {
  return json_is_true(typed(item, name, "BOOL"));
}

fin_ms ddb_get_iso(const json_t *item, const char *name) {
  const char *s = ddb_get_s(item, name);
  int64_t ms;
  return s != NULL && fin_iso_parse(s, &ms) == 0 ? ms : 0;
}

json_t *ddb_get_json(const json_t *item, const char *name) {
  json_t *av = json_object_get(item, name);
  return av != NULL ? ddb_to_json(av) : NULL;
}

json_t *ddb_vals(int n, ...) {
  json_t *o = json_object();
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) {
    const char *k = va_arg(ap, const char *);
    json_t *v = va_arg(ap, json_t *);
    if (o != NULL && (v == NULL || json_object_set_new(o, k, v) != 0)) {
      json_decref(o);
      o = NULL;
    } else if (o == NULL) {
      json_decref(v);
    }
  }
  va_end(ap);
  return o;
}
