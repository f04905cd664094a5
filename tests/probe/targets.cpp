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
    ".data\n.p2align 3\nt_rip_value:\n  .quad 1000\n.text\n");
