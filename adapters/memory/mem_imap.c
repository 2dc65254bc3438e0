/* mem_imap.c - the map that grows a little at a time (see mem_imap.h). */
#include "mem_imap.h"

#include <stdlib.h>

/* Old slots moved per reserved insertion. The new array holds twice the
 * old one's slots, so at least 3/4 of the old capacity can be inserted
 * before it must grow in turn; by then, at this pace, nothing is left to
 * move (a growth still under way is finished first, all the same). */
#define MOVE_PER_INSERT 8

static void move_some(struct mem_imap *m, uint64_t slots) {
  for (; m->old.cap != 0 && slots > 0; slots--) {
    const struct mem_slot *s = &m->old.slots[m->moved];
    if (s->val != NULL) {
      mem_map_put_reserved(&m->cur, s->h, s->val);
      m->old.n--;
    }
    if (++m->moved == m->old.cap) { /* all moved: the old array goes */
      mem_map_free(&m->old);
      m->old = (struct mem_map){0};
      m->moved = 0;
    }
  }
}

void *mem_imap_get(const struct mem_imap *m, uint32_t h, mem_eq_fn eq, const void *probe) {
  void *v = mem_map_get(&m->cur, h, eq, probe);
  /* a value not found in cur is in the old array's part not moved yet; the
   * moved part is left as it was, so the old probe chains hold */
  return v != NULL || m->old.cap == 0 ? v : mem_map_get(&m->old, h, eq, probe);
}

void **mem_imap_ref(const struct mem_imap *m, uint32_t h, mem_eq_fn eq, const void *probe) {
  /* a value replaced in the old array's unmoved part is moved with its new
   * value; the moved part is never read for a value cur holds */
  long i = mem_map_find(&m->cur, h, eq, probe);
  if (i >= 0) return &m->cur.slots[i].val;
  i = m->old.cap != 0 ? mem_map_find(&m->old, h, eq, probe) : -1;
  return i >= 0 ? &m->old.slots[i].val : NULL;
}

int mem_imap_reserve(struct mem_imap *m, uint32_t extra) {
  move_some(m, (uint64_t)MOVE_PER_INSERT * (extra > 0 ? extra : 1));
  uint64_t need = (uint64_t)m->cur.n + m->old.n + extra;
  if (need * 4 <= (uint64_t)m->cur.cap * 3) return 0; /* load factor <= 3/4 */
  move_some(m, UINT64_MAX);                           /* never two growths at once */
  uint64_t cap = m->cur.cap ? (uint64_t)m->cur.cap * 2 : 8;
  while (need * 4 > cap * 3)
    cap *= 2;
  if (cap > UINT32_MAX / 2 + 1) return -1;
  struct mem_slot *slots = calloc(cap, sizeof *slots);
  if (slots == NULL) return -1;
  m->old = m->cur;
  m->moved = 0;
  m->cur = (struct mem_map){.slots = slots, .cap = (uint32_t)cap, .n = 0};
  if (m->old.n == 0) { /* nothing to move */
    mem_map_free(&m->old);
    m->old = (struct mem_map){0};
  }
  return 0;
}

void mem_imap_put_reserved(struct mem_imap *m, uint32_t h, void *val) {
  mem_map_put_reserved(&m->cur, h, val);
}

uint32_t mem_imap_count(const struct mem_imap *m) {
  return m->cur.n + m->old.n;
}

void mem_imap_each(const struct mem_imap *m, void (*fn)(void *val)) {
  for (uint32_t i = 0; i < m->cur.cap; i++)
    if (m->cur.slots[i].val != NULL) fn(m->cur.slots[i].val);
  for (uint32_t i = m->moved; i < m->old.cap; i++) /* the part not moved */
    if (m->old.slots[i].val != NULL) fn(m->old.slots[i].val);
}

void mem_imap_free(struct mem_imap *m) {
  mem_map_free(&m->cur);
  mem_map_free(&m->old);
  *m = (struct mem_imap){0};
}
