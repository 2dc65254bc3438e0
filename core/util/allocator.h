/* allocator.h - which malloc serves this process.
 *
 * The release build links mimalloc ahead of the C library, so it replaces
 * malloc and free for every library in the process (docs/performance.md,
 * "The allocator"); the sanitizer builds keep the C library's, which
 * AddressSanitizer replaces. */
#ifndef FIN_ALLOCATOR_H
#define FIN_ALLOCATOR_H

/* "mimalloc 2.0.9" when a block from malloc lies in mimalloc's heap, else
 * "glibc" (a static string). */
const char *fin_allocator(void);

#endif
