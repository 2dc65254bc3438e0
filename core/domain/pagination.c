/* pagination.c - page size parsing (behaviour.md §6: JavaScript parseInt). */
#include <ctype.h>

#include "rules.h"

int fin_parse_limit(const char *s) {
  if (s == NULL) return 20;
  while (isspace((unsigned char)*s))
    s++;
  int sign = 1;
  if (*s == '+' || *s == '-') sign = *s++ == '-' ? -1 : 1;
  if (!isdigit((unsigned char)*s)) return 20; /* NaN */
  long v = 0;
  while (isdigit((unsigned char)*s) && v < 1000)
    v = v * 10 + (*s++ - '0');
  v *= sign;
  if (v == 0) return 20;
  if (v < 1) return 1;
  if (v > 100) return 100;
  return (int)v;
}
