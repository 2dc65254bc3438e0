/* allocator.c - which malloc serves this process (see allocator.h). Looked
 * up at run time, so the sanitizer builds, which do not link mimalloc,
 * build the same file. Being loaded is not enough: mimalloc only serves
 * malloc when it comes before the C library in symbol lookup order, so a
 * block from malloc is asked for. */
#include "allocator.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

const char *fin_allocator(void) {
  static char name[32];
  bool (*in_heap)(void *) = (bool (*)(void *))dlsym(RTLD_DEFAULT, "mi_is_in_heap_region");
  int (*version)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "mi_version");
  void *p = malloc(64);
  bool mi = in_heap != NULL && version != NULL && p != NULL && in_heap(p);
  free(p);
  if (!mi) return "glibc";
  int v = version(); /* 209: 2.0.9 */
  snprintf(name, sizeof name, "mimalloc %d.%d.%d", v / 100, v / 10 % 10, v % 10);
  return name;
}
