/* fuzz_jsnum.c - JavaScript number printing round-trips every finite double
 * and the JSON writer never emits text jansson cannot read back. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../core/util/jsnum.h"
#include "../../core/util/jsonout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size >= sizeof(double)) {
    double d;
    memcpy(&d, data, sizeof d);
    char buf[FIN_JSNUM_MAX];
    size_t n = fin_jsnum(d, buf);
    if (n == 0 || n >= FIN_JSNUM_MAX || strlen(buf) != n) abort();
    if (isfinite(d) && strtod(buf, NULL) != (d == 0 ? 0.0 : d)) abort();
  }
  json_t *v = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
  if (v != NULL) {
    size_t len;
    char *text = fin_json_dump(v, &len);
    if (text == NULL) abort();
    json_t *back =
        json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, NULL);
    if (back == NULL) abort();
    json_decref(back);
    free(text);
    json_decref(v);
  }
  return 0;
}
