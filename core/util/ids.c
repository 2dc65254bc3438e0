/* ids.c - UUID v4 (getrandom, buffered per thread) and monotonic UUID v7 (RFC 9562). */
#include "ids.h"

#include <errno.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"
#include "timefmt.h"

static int random_failed(void) {
  fin_log("error", "random_source_failed",
          "\"note\":\"getrandom and RAND_bytes failed; no id made, the request fails\"");
  return -1;
}

#ifdef UNIT_TESTING_BUILD
static atomic_bool fail_random;
static atomic_int ids_left = -1; /* ids still made before failing; -1: no countdown */

void fin_ids_test_fail_random(bool on) {
  atomic_store(&ids_left, -1);
  atomic_store(&fail_random, on);
}

void fin_ids_test_fail_random_after(int n) {
  atomic_store(&fail_random, false);
  atomic_store(&ids_left, n);
}

/* Whether the hook fails this id: counted per id, not per random draw. */
static bool test_fail_id(void) {
  if (atomic_load(&fail_random)) return true;
  int left = atomic_load(&ids_left);
  while (left > 0)
    if (atomic_compare_exchange_weak(&ids_left, &left, left - 1)) return false;
  return left == 0;
}
/* In each generator, after it emptied buf. */
#define TEST_FAIL_ID()                                                                             \
  do {                                                                                             \
    if (test_fail_id()) return random_failed();                                                    \
  } while (0)
#else
#define TEST_FAIL_ID() ((void)0)
#endif

/* Kernel randomness, buffered per thread: one getrandom() per 256 ids
 * worth of bytes instead of one RAND_bytes (and its fork check) per id.
 * Returns -1 when neither getrandom nor OpenSSL gives bytes: the pool is
 * then left empty rather than handed out zeroed. */
static int random_bytes(unsigned char *b, size_t n) {
  static _Thread_local unsigned char pool[4096];
  static _Thread_local size_t left;
  if (n > sizeof pool) n = sizeof pool;
  if (left < n) {
    size_t got = 0;
    while (got < sizeof pool) {
      ssize_t r = getrandom(pool + got, sizeof pool - got, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      got += (size_t)r;
    }
    if (got < sizeof pool && RAND_bytes(pool, (int)sizeof pool) != 1) return random_failed();
    left = sizeof pool;
  }
  memcpy(b, pool + sizeof pool - left, n);
  memset(pool + sizeof pool - left, 0, n); /* never hand out the same bytes twice */
  left -= n;
  return 0;
}

static int format_uuid(const unsigned char u[16], char *buf) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) buf[o++] = '-';
    buf[o++] = hex[u[i] >> 4];
    buf[o++] = hex[u[i] & 15];
  }
  buf[o] = '\0';
  return 0;
}

int fin_uuid_v4(char *buf) {
  unsigned char u[16];
  buf[0] = '\0';
  TEST_FAIL_ID();
  if (random_bytes(u, sizeof u)) return -1;
  u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
  u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
  return format_uuid(u, buf);
}

/* unix_ts_ms(48) | ver(4) | rand_a(12) = counter | var(2) | rand_b(62) */
static int make_v7(int64_t ms, unsigned counter, char *buf) {
  unsigned char u[16];
  if (random_bytes(u + 8, 8)) return -1;
  uint64_t t = (uint64_t)ms & 0xffffffffffffULL;
  for (int i = 0; i < 6; i++)
    u[i] = (unsigned char)(t >> (40 - 8 * i));
  u[6] = (unsigned char)(0x70 | ((counter >> 8) & 0x0f));
  u[7] = (unsigned char)(counter & 0xff);
  u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
  return format_uuid(u, buf);
}

static pthread_mutex_t v7_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t v7_last_ms = -1;
static unsigned v7_counter;

int fin_uuid_v7(char *buf) {
  unsigned char seed[2];
  buf[0] = '\0';
  TEST_FAIL_ID();
  if (random_bytes(seed, sizeof seed)) return -1;
  int64_t now = fin_now_ms();
  pthread_mutex_lock(&v7_lock);
  if (now > v7_last_ms) {
    v7_last_ms = now;
    /* random start in the lower half leaves room for 2048+ ids per ms */
    v7_counter = ((unsigned)seed[0] << 8 | seed[1]) & 0x7ff;
  } else if (++v7_counter > 0xfff) {
    v7_last_ms++; /* counter exhausted: borrow the next millisecond */
    v7_counter = 0;
  }
  int64_t ms = v7_last_ms;
  unsigned counter = v7_counter;
  pthread_mutex_unlock(&v7_lock);
  return make_v7(ms, counter, buf);
}

/* The last counter given out for recent milliseconds (direct-mapped), so
 * ids for one millisecond keep increasing even when ids for other times are
 * made in between. */
#define AT_SLOTS 256
static int64_t at_ms[AT_SLOTS];
static unsigned at_counter[AT_SLOTS];
static bool at_used[AT_SLOTS];

int fin_uuid_v7_at(int64_t ms, char *buf) {
  unsigned char seed[2];
  buf[0] = '\0';
  TEST_FAIL_ID();
  if (random_bytes(seed, sizeof seed)) return -1;
  size_t slot = (size_t)((uint64_t)ms % AT_SLOTS);
  pthread_mutex_lock(&v7_lock);
  if (!at_used[slot] || at_ms[slot] != ms || at_counter[slot] >= 0xfff) {
    at_used[slot] = true;
    at_ms[slot] = ms;
    at_counter[slot] = ((unsigned)seed[0] << 8 | seed[1]) & 0x7ff;
  } else {
    at_counter[slot]++;
  }
  unsigned counter = at_counter[slot];
  pthread_mutex_unlock(&v7_lock);
  return make_v7(ms, counter, buf);
}
