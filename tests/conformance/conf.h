/* conf.h - shared helpers of the repository conformance suite.
 *
 * The suite talks to the ports of a wired container only (never to an
 * adapter's internals), so it runs unchanged against any wiring. Every test
 * makes its own ids (UUID v7), so it can share a non-empty store. Rows are
 * built with borrowed strings: the ports copy what they keep. */
#ifndef FIN_CONF_H
#define FIN_CONF_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "../../core/app/container.h"

extern struct fin_container C;

/* The container's clock. */
fin_ms now_ms(void);
/* store.commit */
enum fin_status commit(struct fin_write *w, size_t n, struct fin_err *e);
/* A fresh UUID v7 into id. */
void new_id(fin_id id);
/* "<prefix>-<uuid v7>" into buf (>= 64 bytes). */
void new_key(char *buf, const char *prefix);

/* Fill a row with test values (strings borrowed from the arguments or
 * literals). */
void fill_user(struct fin_user *u, const char *eco, int score);
void fill_card(struct fin_card *c, const char *eco, double limit);
void fill_txn(struct fin_txn *t, const char *eco, const char *card_id, const char *type, fin_ms ts);
void fill_request(struct fin_card_request *r, const char *eco, fin_ms created, const char *status);
/* payload stays NULL: set one and json_decref it yourself. */
void fill_event(struct fin_event *ev, const char *eco, const char *entity_type,
                const char *entity_id, fin_ms created);
void fill_idem(struct fin_idem *r, const char *eco, const char *key_hash, fin_ms created,
               fin_ms expires);
void fill_audit(struct fin_audit *a, const char *target_id, fin_ms ts);
void fill_decision(struct fin_decision *d, const char *outcome, fin_ms at);

/* Commit one row, asserting FIN_OK; ids come back through the filled row. */
void make_user(const char *eco, int score);
void make_card(const char *eco, double limit, fin_id card_id);
void make_request(const char *eco, fin_ms created, const char *status, fin_id request_id);
void put_txn(const char *eco, const char *card_id, const char *type, fin_ms ts, fin_id txn_id);
/* Appends one event (sequence allocated by the store); returns it. */
int64_t append_event(const char *eco, const char *entity_type, const char *entity_id,
                     fin_ms created, fin_id event_id);

/* What a test allocated is freed by the test's teardown, passed or failed:
 * a failed assertion leaves the test by longjmp, so a free after it would
 * never run and the sanitizer would report a leak besides the failure.
 * conf_hold: a zeroed heap object of `size` bytes (not on the test's stack,
 * which the longjmp abandons); clear(obj) runs on it at teardown, then it is
 * freed (clear may be NULL). Lists: copy what the assertions need, free the
 * list, then assert. */
void *conf_hold(size_t size, void (*clear)(void *));
/* Holds v (the caller's reference) until teardown, and returns it. */
json_t *conf_json(json_t *v);
/* The teardown of every conformance test (conf_test). */
int conf_teardown(void **state);
#define conf_test(f) cmocka_unit_test_teardown(f, conf_teardown)

/* Asserts status with the port's message in the failure output. */
#define assert_status(expr, want)                                                                  \
  do {                                                                                             \
    enum fin_status st_ = (expr);                                                                  \
    if (st_ != (want))                                                                             \
      fail_msg("%s -> %s, want %s", #expr, fin_status_name(st_), fin_status_name(want));           \
  } while (0)

/* The test groups (one file each). */
extern const struct CMUnitTest conf_store_tests[];
extern const size_t conf_store_count;
extern const struct CMUnitTest conf_commit_tests[];
extern const size_t conf_commit_count;
extern const struct CMUnitTest conf_list_tests[];
extern const size_t conf_list_count;
extern const struct CMUnitTest conf_request_list_tests[];
extern const size_t conf_request_list_count;
extern const struct CMUnitTest conf_repo_tests[];
extern const size_t conf_repo_count;
extern const struct CMUnitTest conf_race_tests[];
extern const size_t conf_race_count;
/* Delete whole tables: run last, skipped with FIN_CONFORMANCE_NO_WIPE=1. */
extern const struct CMUnitTest conf_wipe_tests[];
extern const size_t conf_wipe_count;

#endif
