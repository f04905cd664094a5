// SPDX-License-Identifier: Apache-2.0
// The probe targets of targets.hpp, in AT&T syntax with ELF sizes (the
// probe core reads a function's bounds from its symbol).
#include "targets.hpp"

#define FN(name) ".globl " #name "\n.type " #name ", @function\n" #name ":\n"
#define END(name) ".size " #name ", .-" #name "\n"

asm(".text\n.p2align 4\n"
    FN(t_work)
    "  push %rbp\n  mov %rsp, %rbp\n  lea 1(%rdi,%rdi,2), %rax\n  pop %rbp\n  ret\n"
    END(t_work) ".p2align 4\n"
    FN(t_call_work)
    "  push %rbp\n  mov %rsp, %rbp\n  call t_work\n"
    ".globl t_call_work_ret\nt_call_work_ret:\n  pop %rbp\n  ret\n"
    END(t_call_work) ".p2align 4\n"
    FN(t_rip_rel)
    "  mov t_rip_value(%rip), %rax\n  add %rdi, %rax\n  ret\n"
    END(t_rip_rel) ".p2align 4\n"
    FN(t_short_jcc)
    "  test %rdi, %rdi\n  jz 1f\n  mov $1, %eax\n  ret\n1:\n  mov $2, %eax\n  ret\n"
    END(t_short_jcc) ".p2align 4\n"
    FN(t_add1)
    "  lea 1(%rdi), %rax\n  ret\n"
    END(t_add1) ".p2align 4\n"
    FN(t_call_first)
    "  sub $8, %rsp\n  call t_add1\n  add $8, %rsp\n  ret\n"
    END(t_call_first) ".p2align 4\n"
    FN(t_too_short)
    "  xor %eax, %eax\n  ret\n"
    END(t_too_short) ".p2align 4\n"
    FN(t_jump_into)
    "  xor %eax, %eax\n1:\n  add $1, %eax\n  cmp %edi, %eax\n  jl 1b\n  ret\n"
    END(t_jump_into) ".p2align 4\n"
    FN(t_loop_first)
    "  loop 1f\n  mov %edi, %eax\n  add $1, %eax\n1:\n  ret\n"
    END(t_loop_first)
    ".p2align 4\n"
    FN(t_fadd2)
    "  addsd %xmm1, %xmm0\n  addsd %xmm1, %xmm0\n  ret\n"
    END(t_fadd2) ".p2align 4\n"
    FN(t_less)
    "  cmp %rsi, %rdi\n  setl %al\n  movzbl %al, %eax\n  ret\n"
    END(t_less)
    ".p2align 4\n"
    // Sets every general register but rax and rsp, reaches t_keep_regs_at
    // (a 5-byte window), checks them all, calls t_keep_regs_inner and
    // checks the callee-saved ones again: 1 when all held, else 0.
    FN(t_keep_regs)
    "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n  sub $8, %rsp\n"
    "  mov $0x1001, %ebx\n  mov $0x1002, %ebp\n  mov $0x1003, %r12d\n  mov $0x1004, %r13d\n"
    "  mov $0x1005, %r14d\n  mov $0x1006, %r15d\n  mov $0x2001, %edi\n  mov $0x2002, %esi\n"
    "  mov $0x2003, %edx\n  mov $0x2004, %ecx\n  mov $0x2005, %r8d\n  mov $0x2006, %r9d\n"
    "  mov $0x2007, %r10d\n  mov $0x2008, %r11d\n"
    ".globl t_keep_regs_at\nt_keep_regs_at:\n  mov $7, %eax\n"
    "  cmp $0x2001, %rdi\n  jne 1f\n  cmp $0x2002, %rsi\n  jne 1f\n  cmp $0x2003, %rdx\n  jne 1f\n"
    "  cmp $0x2004, %rcx\n  jne 1f\n  cmp $0x2005, %r8\n  jne 1f\n  cmp $0x2006, %r9\n  jne 1f\n"
    "  cmp $0x2007, %r10\n  jne 1f\n  cmp $0x2008, %r11\n  jne 1f\n  cmp $7, %eax\n  jne 1f\n"
    "  call 3f\n"
    "  call t_keep_regs_inner\n"
    "  call 3f\n"
    "  mov $1, %eax\n  jmp 2f\n"
    "3:\n  cmp $0x1001, %rbx\n  jne 4f\n  cmp $0x1002, %rbp\n  jne 4f\n  cmp $0x1003, %r12\n  jne 4f\n"
    "  cmp $0x1004, %r13\n  jne 4f\n  cmp $0x1005, %r14\n  jne 4f\n  cmp $0x1006, %r15\n  jne 4f\n  ret\n"
    "4:\n  add $8, %rsp\n"  // from the check called above: drop its return address
    "1:\n  xor %eax, %eax\n"
    "2:\n  add $8, %rsp\n  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n  ret\n"
    END(t_keep_regs) ".p2align 4\n"
    FN(t_keep_regs_inner)
    "  mov $7, %eax\n  ret\n"
    END(t_keep_regs_inner)
    ".data\n.p2align 3\nt_rip_value:\n  .quad 1000\n.text\n");
