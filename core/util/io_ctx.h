/* io_ctx.h - the bare switch between two stacks under the request fibers
 * (io_loops.c). On x86-64 a few instructions of its own: glibc's swapcontext()
 * also saves and restores the signal mask, a system call per switch, and
 * the fibers never change it. Elsewhere, ucontext. */
#ifndef FIN_CTX_H
#define FIN_CTX_H

#include <stddef.h>

#if defined(__x86_64__)
typedef struct {
  void *sp;
} fin_ctx;
#else
#include <ucontext.h>
typedef ucontext_t fin_ctx;
#endif

/* Prepares c to run fn (which must never return) on the stack
 * [stack, stack + size). 0, or -1 on failure. */
int fin_ctx_init(fin_ctx *c, void *stack, size_t size, void (*fn)(void));

/* Saves the running context in *from and continues *to. Returns when
 * something switches back to *from. */
void fin_ctx_swap(fin_ctx *from, fin_ctx *to);

#endif
