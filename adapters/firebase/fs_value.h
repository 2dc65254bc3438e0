/* fs_value.h - Firestore REST values, read and written field by field.
 *
 * A document's `fields` is a jansson object of name -> Value
 * ({"stringValue":..}, {"integerValue":"42"}, {"doubleValue":1.5},
 * {"booleanValue":..}, {"timestampValue":"...Z"}, {"mapValue":{"fields":..}},
 * {"arrayValue":{"values":[..]}}, {"nullValue":null}). Writers skip absent
 * values (NULL strings, zero times), as the original's mappers did; readers
 * return defaults for missing or differently typed fields. Money is a
 * doubleValue so it reads back bit for bit; counts and scores are integers;
 * dates are timestamps (docs/firebase.md). Strings from fs_get_s are
 * borrowed from the document.
 */
#ifndef FIN_FS_VALUE_H
#define FIN_FS_VALUE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../core/domain/model.h"

/* New Values (new references; NULL on OOM). */
json_t *fs_s(const char *s);
json_t *fs_int(int64_t v);
json_t *fs_double(double v);
json_t *fs_bool(bool v);
json_t *fs_time(fin_ms ms);
/* Any JSON value as a Value (objects as mapValue, arrays as arrayValue). */
json_t *fs_from_json(const json_t *v);
/* A Value as plain JSON (new reference; NULL when malformed). */
json_t *fs_to_json(const json_t *value);

/* Writers: add `name` to `fields`; NULL strings and zero times are skipped.
 * 0, or -1 on OOM. */
int fs_put_s(json_t *fields, const char *name, const char *s);
int fs_put_int(json_t *fields, const char *name, int64_t v);
int fs_put_double(json_t *fields, const char *name, double v);
int fs_put_bool(json_t *fields, const char *name, bool v);
int fs_put_time(json_t *fields, const char *name, fin_ms ms);
int fs_put_json(json_t *fields, const char *name, const json_t *v); /* skips NULL */

/* Readers. */
const char *fs_get_s(const json_t *fields, const char *name);
char *fs_dup_s(const json_t *fields, const char *name);
void fs_cpy_s(const json_t *fields, const char *name, char *dst, size_t size);
int64_t fs_get_int(const json_t *fields, const char *name, int64_t dflt);
double fs_get_double(const json_t *fields, const char *name, double dflt);
bool fs_get_bool(const json_t *fields, const char *name);
fin_ms fs_get_time(const json_t *fields, const char *name);  /* 0 if absent */
json_t *fs_get_json(const json_t *fields, const char *name); /* new ref or NULL */
/* The `fields` of a mapValue field (borrowed) or NULL. */
const json_t *fs_get_map(const json_t *fields, const char *name);

#endif
