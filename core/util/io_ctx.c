/* io_ctx.c - see io_ctx.h. */
#include "io_ctx.h"

#include <stdint.h>

#if defined(__x86_64__)
/* System V: what a callee must keep is rbx, rbp, r12-r15, the MXCSR control
 * bits and the x87 control word. They go on the stack being left, whose
 * stack pointer goes in from->sp (fin_ctx's only member). */
__asm__(".pushsection .text\n"
        ".globl fin_ctx_swap\n"
        ".type fin_ctx_swap,@function\n"
        "fin_ctx_swap:\n"
        "  pushq %rbp\n"
        "  pushq %rbx\n"
        "  pushq %r12\n"
        "  pushq %r13\n"
        "  pushq %r14\n"
        "  pushq %r15\n"
        "  subq $8, %rsp\n"
        "  stmxcsr (%rsp)\n"
        "  fnstcw 4(%rsp)\n"
        "  movq %rsp, (%rdi)\n"
        "  movq (%rsi), %rsp\n"
        "  ldmxcsr (%rsp)\n"
        "  fldcw 4(%rsp)\n"
        "  addq $8, %rsp\n"
        "  popq %r15\n"
        "  popq %r14\n"
        "  popq %r13\n"
        "  popq %r12\n"
        "  popq %rbx\n"
        "  popq %rbp\n"
        "  ret\n"
        ".size fin_ctx_swap,.-fin_ctx_swap\n"
        ".popsection\n");

/* The new stack looks as the switch leaves a stack: its first switch
 * "returns" into fn, with the alignment of a call (rsp + 8 a multiple of
 * 16) and a null return address. */
int fin_ctx_init(fin_ctx *c, void *stack, size_t size, void (*fn)(void)) {
  uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
  uint64_t *sp = (uint64_t *)top;
  *--sp = 0;
  *--sp = (uint64_t)(uintptr_t)fn;
  for (int i = 0; i < 6; i++)
    *--sp = 0;                             /* rbp, rbx, r12-r15 */
  *--sp = (uint64_t)0x037F << 32 | 0x1F80; /* x87 control word, MXCSR: defaults */
  c->sp = sp;
  return 0;
}
#else
int fin_ctx_init(fin_ctx *c, void *stack, size_t size, void (*fn)(void)) {
  if (getcontext(c) != 0) return -1;
  c->uc_stack.ss_sp = stack;
  c->uc_stack.ss_size = size;
  c->uc_link = NULL;
  makecontext(c, fn, 0);
  return 0;
}

void fin_ctx_swap(fin_ctx *from, fin_ctx *to) {
  swapcontext(from, to);
}
#endif
