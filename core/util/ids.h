/* ids.h - identifiers: UUID v4 (random) and UUID v7 (time-ordered, monotonic
 * within a process: a counter inside each millisecond keeps them sorted in
 * creation order). Lower-case, hyphenated, 36 chars. Thread-safe. */
#ifndef FIN_IDS_H
#define FIN_IDS_H

#include <stdint.h>

/* buf >= 37 bytes; returns buf. */
char *fin_uuid_v4(char *buf);
char *fin_uuid_v7(char *buf);
/* A UUID v7 carrying the time `ms`: ids made one after another for the
 * same millisecond increase. Transactions take theirs from their timestamp,
 * so id order is time order (stores keyed by id list them newest first). */
char *fin_uuid_v7_at(int64_t ms, char *buf);

#endif
