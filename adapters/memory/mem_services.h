/* mem_services.h - in-process auth, publisher, config, clock and messenger. */
#ifndef FIN_MEM_SERVICES_H
#define FIN_MEM_SERVICES_H

#include <stdio.h>

#include "../../core/ports/services.h"

struct fin_auth mem_dev_auth(void);
/* Keeps published events; fail_next makes the next n publishes fail. */
struct fin_publisher mem_publisher(void);
void mem_publisher_fail_next(struct fin_publisher *p, int n);
size_t mem_publisher_count(struct fin_publisher *p);
/* keys/values copied; n pairs. NULL on OOM. */
struct fin_config mem_config(const char *const *keys, const char *const *values, size_t n);
struct fin_clock mem_clock(void);
/* A clock that stays at `ms` until mem_fake_clock_set. */
struct fin_clock mem_fake_clock(long long ms);
void mem_fake_clock_set(struct fin_clock *c, long long ms);
/* Records every message (tests); status() reports connected = false. */
struct fin_messenger mem_recording_messenger(void);
size_t mem_messenger_sent(struct fin_messenger *m);

#endif
