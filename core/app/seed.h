/* seed.h - the dev users of memory mode (behaviour.md §3.4). */
#ifndef FIN_SEED_H
#define FIN_SEED_H

#include "container.h"

/* Creates each c->seeds user that does not exist yet. Returns 0 or -1. */
int fin_seed_users(struct fin_container *c);

#endif
