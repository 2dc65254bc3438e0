/* test_ustat.c - the account status cache: hits, expiry on an injected
 * clock (no sleeps), the size bound, errors never kept, caching off, one
 * look-up for many concurrent misses of one account, and the readiness
 * probe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../adapters/common/ustat.h"
#include "../../adapters/memory/mem_ports.h"

#define T0_MS 1700000000000LL

/* A scripted identity service: accounts starting with "off" are disabled,
 * "err" fail; every call is counted. */
struct svc {
  atomic_int calls;
  atomic_bool fail;   /* every call fails */
  useconds_t wait_us; /* a slow service (the concurrency test) */
};

static enum fin_status lookup(void *ctx, const char *account, bool *disabled, struct fin_err *e) {
  struct svc *s = ctx;
  atomic_fetch_add(&s->calls, 1);
  if (s->wait_us > 0) usleep(s->wait_us); /* holds the look-up open, not a sync point */
  if (atomic_load(&s->fail) || strncmp(account, "err", 3) == 0)
    return fin_err_set(e, FIN_UNAVAILABLE, "service down");
  *disabled = strncmp(account, "off", 3) == 0;
  return FIN_OK;
}

struct fx {
  struct fin_clock clock;
  struct ustat *c;
  struct svc svc;
};

static struct fx *fx_new(long ttl_s, size_t capacity) {
  struct fx *f = calloc(1, sizeof *f);
  f->clock = mem_fake_clock_new(T0_MS);
  f->c = ustat_new(&(struct ustat_cfg){.ttl_s = ttl_s, .capacity = capacity, .clock = &f->clock});
  assert_non_null(f->c);
  return f;
}

static void fx_free(struct fx *f) {
  ustat_free(f->c);
  f->clock.ops->destroy(f->clock.self);
  free(f);
}

static bool get(struct fx *f, const char *account, enum fin_status want) {
  bool disabled = true;
  struct fin_err e = {0};
  assert_int_equal(ustat_get(f->c, account, lookup, &f->svc, &disabled, &e), want);
  return disabled;
}

static void hit_within_ttl(void **state) {
  struct fx *f = fx_new(30, 0);
  assert_false(get(f, "ana", FIN_OK));
  assert_true(get(f, "off-bob", FIN_OK));
  assert_int_equal(atomic_load(&f->svc.calls), 2);
  mem_fake_clock_advance(&f->clock, 29999);
  assert_false(get(f, "ana", FIN_OK));
  assert_true(get(f, "off-bob", FIN_OK));
  assert_int_equal(atomic_load(&f->svc.calls), 2); /* both kept */
  assert_int_equal(ustat_size(f->c), 2);
  fx_free(f);
}

static void expires_after_ttl(void **state) {
  struct fx *f = fx_new(30, 0);
  assert_false(get(f, "ana", FIN_OK));
  mem_fake_clock_advance(&f->clock, 30000);
  assert_int_equal(ustat_size(f->c), 0);
  assert_false(get(f, "ana", FIN_OK));
  assert_int_equal(atomic_load(&f->svc.calls), 2); /* asked again */
  fx_free(f);
}

static void errors_are_not_kept(void **state) {
  struct fx *f = fx_new(30, 0);
  get(f, "err-1", FIN_UNAVAILABLE);
  get(f, "err-1", FIN_UNAVAILABLE);
  assert_int_equal(atomic_load(&f->svc.calls), 2);
  assert_int_equal(ustat_size(f->c), 0);
  /* a failing service after an answer was kept: the kept answer serves */
  assert_true(get(f, "off-1", FIN_OK));
  atomic_store(&f->svc.fail, true);
  assert_true(get(f, "off-1", FIN_OK));
  mem_fake_clock_advance(&f->clock, 30000);
  get(f, "off-1", FIN_UNAVAILABLE); /* expired: the failure is the answer, not the old status */
  atomic_store(&f->svc.fail, false);
  assert_true(get(f, "off-1", FIN_OK));
  assert_int_equal(atomic_load(&f->svc.calls), 5);
  fx_free(f);
}

/* The readiness probe: a good answer trusted USTAT_PROBE_KEEP_MS, even with
 * caching off; an error asked again every time; the account it names. */
static void probe_keeps_good_answers_only(void **state) {
  struct fx *f = fx_new(0, 0);
  struct fin_err e = {0};
  atomic_store(&f->svc.fail, true);
  assert_int_equal(ustat_probe(f->c, lookup, &f->svc, &e), FIN_UNAVAILABLE);
  assert_int_equal(ustat_probe(f->c, lookup, &f->svc, &e), FIN_UNAVAILABLE);
  assert_int_equal(atomic_load(&f->svc.calls), 2);
  atomic_store(&f->svc.fail, false);
  assert_int_equal(ustat_probe(f->c, lookup, &f->svc, &e), FIN_OK);
  atomic_store(&f->svc.fail, true);
  assert_int_equal(ustat_probe(f->c, lookup, &f->svc, &e), FIN_OK); /* trusted */
  mem_fake_clock_advance(&f->clock, USTAT_PROBE_KEEP_MS - 1);
  assert_int_equal(ustat_probe(f->c, lookup, &f->svc, &e), FIN_OK);
  assert_int_equal(atomic_load(&f->svc.calls), 3);
  mem_fake_clock_advance(&f->clock, 1);
  assert_int_equal(ustat_probe(f->c, lookup, &f->svc, &e), FIN_UNAVAILABLE); /* asked again */
  assert_int_equal(atomic_load(&f->svc.calls), 4);
  assert_int_equal(ustat_size(f->c), 0); /* the probe's account is not kept */
  fx_free(f);
}

static void ttl_zero_asks_every_time(void **state) {
  struct fx *f = fx_new(0, 0);
  for (int i = 0; i < 5; i++)
    assert_true(get(f, "off-1", FIN_OK));
  assert_int_equal(atomic_load(&f->svc.calls), 5);
  assert_int_equal(ustat_size(f->c), 0);
  fx_free(f);
}

static void bounded_and_evicts_soonest(void **state) {
  struct fx *f = fx_new(30, 16); /* two sets of USTAT_WAYS */
  char name[32];
  for (int i = 0; i < 200; i++) {
    snprintf(name, sizeof name, "user-%d", i);
    get(f, name, FIN_OK);
    mem_fake_clock_advance(&f->clock, 1);
    assert_true(ustat_size(f->c) <= 16);
  }
  assert_int_equal(ustat_size(f->c), 16); /* full, never more */
  /* the newest answer stayed (the oldest of its set went) */
  int before = atomic_load(&f->svc.calls);
  get(f, "user-199", FIN_OK);
  assert_int_equal(atomic_load(&f->svc.calls), before);
  get(f, "user-0", FIN_OK); /* evicted long ago: asked again */
  assert_int_equal(atomic_load(&f->svc.calls), before + 1);
  /* an account too long to keep is asked every time */
  char longname[USTAT_KEY_MAX + 8];
  memset(longname, 'x', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  get(f, longname, FIN_OK);
  get(f, longname, FIN_OK);
  assert_int_equal(atomic_load(&f->svc.calls), before + 3);
  fx_free(f);
}

static void *racer(void *arg) {
  struct fx *f = arg;
  bool disabled = false;
  struct fin_err e = {0};
  assert_int_equal(ustat_get(f->c, "off-race", lookup, &f->svc, &disabled, &e), FIN_OK);
  assert_true(disabled);
  return NULL;
}

static void concurrent_misses_ask_once(void **state) {
  struct fx *f = fx_new(30, 0);
  f->svc.wait_us = 20000;
  pthread_t t[8];
  for (int i = 0; i < 8; i++)
    pthread_create(&t[i], NULL, racer, f);
  for (int i = 0; i < 8; i++)
    pthread_join(t[i], NULL);
  assert_int_equal(atomic_load(&f->svc.calls), 1);
  fx_free(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(hit_within_ttl),
      cmocka_unit_test(expires_after_ttl),
      cmocka_unit_test(errors_are_not_kept),
      cmocka_unit_test(ttl_zero_asks_every_time),
      cmocka_unit_test(probe_keeps_good_answers_only),
      cmocka_unit_test(bounded_and_evicts_soonest),
      cmocka_unit_test(concurrent_misses_ask_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
