/* fs_value.c - Firestore REST values (see fs_value.h). */
#include "fs_value.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/util/timefmt.h"

static json_t *one(const char *type, json_t *v) {
  if (v == NULL) return NULL;
  json_t *o = json_object();
  if (o == NULL || json_object_set_new(o, type, v) != 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

json_t *fs_s(const char *s) {
  return one("stringValue", json_string(s));
}

json_t *fs_int(int64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%" PRId64, v); /* int64 travels as a string */
  return one("integerValue", json_string(buf));
}

json_t *fs_double(double v) {
  return one("doubleValue", json_real(isfinite(v) ? v : 0));
}

json_t *fs_bool(bool v) {
  return one("booleanValue", json_boolean(v));
}

json_t *fs_time(fin_ms ms) {
  char buf[32];
  return one("timestampValue", json_string(fin_iso(ms, buf)));
}

json_t *fs_from_json(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_STRING:
    return fs_s(json_string_value(v));
  case JSON_INTEGER:
    return fs_int(json_integer_value(v));
  case JSON_REAL:
    return fs_double(json_real_value(v));
  case JSON_TRUE:
    return fs_bool(true);
  case JSON_FALSE:
    return fs_bool(false);
  case JSON_NULL:
    return one("nullValue", json_null());
  case JSON_OBJECT: {
    json_t *f = json_object();
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) {
      if (f == NULL || json_object_set_new(f, k, fs_from_json(x)) != 0) {
        json_decref(f);
        return NULL;
      }
    }
    return f ? json_pack("{s:{s:o}}", "mapValue", "fields", f) : NULL;
  }
  case JSON_ARRAY: {
    json_t *a = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
      if (a == NULL || json_array_append_new(a, fs_from_json(x)) != 0) {
        json_decref(a);
        return NULL;
      }
    }
    return a ? json_pack("{s:{s:o}}", "arrayValue", "values", a) : NULL;
  }
  }
  return NULL;
}

json_t *fs_to_json(const json_t *value) {
  json_t *x;
  if ((x = json_object_get(value, "stringValue")) != NULL) return json_incref(x);
  if ((x = json_object_get(value, "integerValue")) != NULL) {
    const char *s = json_string_value(x);
    return s ? json_integer(strtoll(s, NULL, 10)) : json_integer(json_integer_value(x));
  }
  if ((x = json_object_get(value, "doubleValue")) != NULL) return json_real(json_number_value(x));
  if ((x = json_object_get(value, "booleanValue")) != NULL) return json_incref(x);
  if ((x = json_object_get(value, "timestampValue")) != NULL) return json_incref(x);
  if (json_object_get(value, "nullValue") != NULL) return json_null();
  if ((x = json_object_get(value, "mapValue")) != NULL) {
    json_t *o = json_object();
    const char *k;
    json_t *f;
    json_object_foreach(json_object_get(x, "fields"), k, f) {
      json_t *y = fs_to_json(f);
      if (o == NULL || y == NULL || json_object_set_new(o, k, y) != 0) {
        json_decref(o);
        return NULL;
      }
    }
    return o;
  }
  if ((x = json_object_get(value, "arrayValue")) != NULL) {
    json_t *a = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(x, "values"), i, e) {
      json_t *y = fs_to_json(e);
      if (a == NULL || y == NULL || json_array_append_new(a, y) != 0) {
        json_decref(a);
        return NULL;
      }
    }
    return a;
  }
  return NULL;
}

static int put(json_t *fields, const char *name, json_t *v) {
  return v != NULL && json_object_set_new(fields, name, v) == 0 ? 0 : -1;
}

int fs_put_s(json_t *f, const char *name, const char *s) {
  return s == NULL ? 0 : put(f, name, fs_s(s));
}
int fs_put_int(json_t *f, const char *name, int64_t v) {
  return put(f, name, fs_int(v));
}
int fs_put_double(json_t *f, const char *name, double v) {
  return put(f, name, fs_double(v));
}
int fs_put_bool(json_t *f, const char *name, bool v) {
  return put(f, name, fs_bool(v));
}
int fs_put_time(json_t *f, const char *name, fin_ms ms) {
  return ms == 0 ? 0 : put(f, name, fs_time(ms));
}
int fs_put_json(json_t *f, const char *name, const json_t *v) {
  return v == NULL ? 0 : put(f, name, fs_from_json(v));
}

static const json_t *typed(const json_t *fields, const char *name, const char *type) {
  return json_object_get(json_object_get(fields, name), type);
}

const char *fs_get_s(const json_t *fields, const char *name) {
  return json_string_value(typed(fields, name, "stringValue"));
}

char *fs_dup_s(const json_t *fields, const char *name) {
  const char *s = fs_get_s(fields, name);
  return s ? strdup(s) : NULL;
}

void fs_cpy_s(const json_t *fields, const char *name, char *dst, size_t size) {
  const char *s = fs_get_s(fields, name);
  fin_strlcpy(dst, s ? s : "", size);
}

int64_t fs_get_int(const json_t *fields, const char *name, int64_t dflt) {
  const json_t *v = typed(fields, name, "integerValue");
  if (json_is_string(v)) return (int64_t)strtoll(json_string_value(v), NULL, 10);
  if (json_is_integer(v)) return json_integer_value(v);
  const json_t *d = typed(fields, name, "doubleValue");
  return d ? (int64_t)json_number_value(d) : dflt;
}

double fs_get_double(const json_t *fields, const char *name, double dflt) {
  const json_t *d = typed(fields, name, "doubleValue");
  if (d != NULL) return json_number_value(d);
  const json_t *v = typed(fields, name, "integerValue");
  if (json_is_string(v)) return strtod(json_string_value(v), NULL);
  return v ? (double)json_integer_value(v) : dflt;
}

bool fs_get_bool(const json_t *fields, const char *name) {
  return json_is_true(typed(fields, name, "booleanValue"));
}

fin_ms fs_get_time(const json_t *fields, const char *name) {
  const char *s = json_string_value(typed(fields, name, "timestampValue"));
  int64_t ms;
  /* the emulator may print micro- or nanoseconds: keep the milliseconds */
  char buf[40];
  if (s == NULL) return 0;
  snprintf(buf, sizeof buf, "%s", s);
  char *dot = strchr(buf, '.');
  if (dot != NULL && strlen(dot) > 5) {
    dot[4] = 'Z';
    dot[5] = '\0';
  }
  return fin_iso_parse(buf, &ms) == 0 ? ms : 0;
}

json_t *fs_get_json(const json_t *fields, const char *name) {
  const json_t *v = json_object_get(fields, name);
  return v ? fs_to_json(v) : NULL;
}

const json_t *fs_get_map(const json_t *fields, const char *name) {
  return json_object_get(typed(fields, name, "mapValue"), "fields");
}
