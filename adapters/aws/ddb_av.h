/* ddb_av.h - DynamoDB AttributeValue JSON, read and written field by field.
 *
 * An item is a jansson object of name -> AttributeValue ({"S":..}, {"N":..},
 * {"BOOL":..}, {"M":..}, {"L":..}, {"NULL":true}). Writers add one attribute
 * and skip absent values (NULL strings, 0 times), because the original never
 * stored nulls. Numbers travel as text printed like
 * JavaScript prints them, so money reads back bit for bit. Readers return a
 * default when the attribute is missing or has another type. Strings from
 * ddb_get_s are borrowed from the item.
 */
#ifndef FIN_DDB_AV_H
#define FIN_DDB_AV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../core/domain/model.h"

/* A new AttributeValue (new reference; NULL on OOM). */
json_t *ddb_s(const char *s);
json_t *ddb_n(double v);
json_t *ddb_int(int64_t v);
json_t *ddb_iso(fin_ms ms);
/* Any JSON value as an AttributeValue (objects as M, arrays as L). */
json_t *ddb_from_json(const json_t *v);
/* An AttributeValue as plain JSON (new reference; NULL when malformed).
 * N without '.', 'e' or 'E' that fits int64 becomes an integer. */
json_t *ddb_to_json(const json_t *av);

/* Writers: add `name` to `item`; skip NULL strings and zero times. Return 0,
 * or -1 on OOM (the item is then incomplete and must be dropped). */
int ddb_put_s(json_t *item, const char *name, const char *s);
/* The same for an attribute that keys an index: DynamoDB refuses an empty
 * string there, so "" is left out (the item is then not in that index). */
int ddb_put_k(json_t *item, const char *name, const char *s);
int ddb_put_n(json_t *item, const char *name, double v);
int ddb_put_int(json_t *item, const char *name, int64_t v);
int ddb_put_bool(json_t *item, const char *name, bool v);
int ddb_put_iso(json_t *item, const char *name, fin_ms ms);
int ddb_put_json(json_t *item, const char *name, const json_t *v); /* skips NULL */

/* Readers. */
const char *ddb_get_s(const json_t *item, const char *name);                  /* borrowed or NULL */
char *ddb_dup_s(const json_t *item, const char *name);                        /* malloc'd or NULL */
void ddb_cpy_s(const json_t *item, const char *name, char *dst, size_t size); /* "" if absent */
double ddb_get_n(const json_t *item, const char *name, double dflt);
int64_t ddb_get_int(const json_t *item, const char *name, int64_t dflt);
bool ddb_get_bool(const json_t *item, const char *name);
fin_ms ddb_get_iso(const json_t *item, const char *name);   /* 0 if absent/bad */
json_t *ddb_get_json(const json_t *item, const char *name); /* new ref or NULL */

/* Expression values: {":a": av, ...} built from pairs, e.g.
 * ddb_vals(2, ":s", ddb_s("x"), ":n", ddb_int(1)) (steals each av). NULL on
 * OOM. */
json_t *ddb_vals(int n, ...);

#endif
