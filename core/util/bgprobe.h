/* bgprobe.h - a status check that runs on its own thread, so the request
 * that asks for it never waits on the network: callers get the last result
 * at once, and a result older than max_age asks the thread for a new one
 * (one check at a time, however many callers ask). Used for checks that an
 * unauthenticated request can trigger (the WhatsApp server's health). */
#ifndef FIN_BGPROBE_H
#define FIN_BGPROBE_H

#include <jansson.h>
#include <stdint.h>

struct fin_bgprobe;

/* fn(arg) performs the check and returns a new JSON reference (or NULL);
 * the first check starts right away. NULL on failure to start. */
struct fin_bgprobe *fin_bgprobe_new(json_t *(*fn)(void *arg), void *arg, int64_t max_age_ms);
/* A copy of the last result (NULL before the first check ended). Never
 * blocks on fn. */
json_t *fin_bgprobe_get(struct fin_bgprobe *p);
/* The same, but before the first check has ended waits for it up to
 * first_wait_ms (later calls never wait). */
json_t *fin_bgprobe_get_wait(struct fin_bgprobe *p, int64_t first_wait_ms);
/* Stops the thread (waits for a check in progress) and frees p. */
void fin_bgprobe_free(struct fin_bgprobe *p);

#endif
