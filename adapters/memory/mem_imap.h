/* mem_imap.h - a hash map (mem_db.h's struct mem_map) that grows without a
 * pause. mem_map_reserve moves every value into a new slot array at once:
 * about 30 ms for 800,000 values on our machines, with the store's write
 * lock held, so every request waits. Here, when the map must grow, the old
 * array stays readable and a few of its slots are moved into the new one at
 * each reservation; a look-up reads the new array, then the old. For maps
 * that only grow: no removal (the outbox's events by id, and the newest event
 * of each sequence key). Not thread-safe: the store's lock guards it (look-ups
 * under the read lock do not write). */
#ifndef FIN_MEM_IMAP_H
#define FIN_MEM_IMAP_H

#include "mem_db.h"

/* struct mem_imap is in mem_db.h, which embeds it. */

void *mem_imap_get(const struct mem_imap *m, uint32_t h, mem_eq_fn eq, const void *probe);
/* The value's slot, to replace the value in place, or NULL. */
void **mem_imap_ref(const struct mem_imap *m, uint32_t h, mem_eq_fn eq, const void *probe);
/* Room for `extra` insertions, moving some old slots along. 0 or -1 (OOM). */
int mem_imap_reserve(struct mem_imap *m, uint32_t extra);
/* Inserts a value whose key is absent; room must have been reserved. */
void mem_imap_put_reserved(struct mem_imap *m, uint32_t h, void *val);
uint32_t mem_imap_count(const struct mem_imap *m);
/* Calls fn once on each value. */
void mem_imap_each(const struct mem_imap *m, void (*fn)(void *val));
/* Frees the slot arrays (values are the caller's). */
void mem_imap_free(struct mem_imap *m);

#endif
