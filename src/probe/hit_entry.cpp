// SPDX-License-Identifier: Apache-2.0
// The two hand-written entry points of a probe hit (x86-64 System V).
//
// _decade_probe_entry_stub is called by a site's trampoline (trampoline.cpp)
// with [rsp] = return into the trampoline, [rsp + 8] = the Site, then 128
// bytes skipped (the red zone of a probe inside a leaf function). It saves
// every general register, rflags and xmm0-15 (a probe may sit where any of
// them is live), lays the general registers out as the kernel's x86-64
// struct pt_regs (the uprobe program type's context), calls
// _decade_probe_on_entry(site, regs) on a 16-byte aligned stack with DF
// clear, and restores everything before returning to the trampoline.
//
// _decade_probe_return_stub is where a function whose return address a
// return probe replaced returns to. It saves the same state, calls
// _decade_probe_on_return(regs), which gives the real return address, and
// returns there with every register (rax/rdx, xmm0/xmm1 results) intact.
//
// _decade_probe_function_stub is the entry stub's lighter twin for probes
// at a function's first instruction, where the calling convention says
// what is live (see below).
//
// Not saved: the upper halves of ymm/zmm registers and x87 state; helpers
// using AVX (glibc's memcpy) may change ymm upper halves, so a probe in the
// middle of AVX code can disturb it (docs/uprobes.md).
#if defined(__x86_64__)

#define DECADE_SAVE_GPRS                                                                       \
  "  movq %r15, 0(%rsp)\n  movq %r14, 8(%rsp)\n  movq %r13, 16(%rsp)\n  movq %r12, 24(%rsp)\n" \
  "  movq %rbp, 32(%rsp)\n  movq %rbx, 40(%rsp)\n  movq %r11, 48(%rsp)\n  movq %r10, 56(%rsp)\n" \
  "  movq %r9, 64(%rsp)\n  movq %r8, 72(%rsp)\n  movq %rax, 80(%rsp)\n  movq %rcx, 88(%rsp)\n"   \
  "  movq %rdx, 96(%rsp)\n  movq %rsi, 104(%rsp)\n  movq %rdi, 112(%rsp)\n"                     \
  "  xorl %eax, %eax\n  movq %rax, 120(%rsp)\n  movq %rax, 136(%rsp)\n"                         \
  "  movq %rax, 160(%rsp)\n  movq 168(%rsp), %rax\n  movq %rax, 144(%rsp)\n"

// Only the registers the handler may change: the caller-saved ones and rbx,
// which the stub itself uses. rbp and r12-r15 are not reloaded: the handler
// is a System V function and keeps them (the program cannot write pt_regs:
// the uprobe context is read-only), so they still hold the probed code's
// values.
#define DECADE_RESTORE_GPRS                                                                    \
  "  movq 40(%rsp), %rbx\n  movq 48(%rsp), %r11\n  movq 56(%rsp), %r10\n"                       \
  "  movq 64(%rsp), %r9\n  movq 72(%rsp), %r8\n  movq 80(%rsp), %rax\n  movq 88(%rsp), %rcx\n"   \
  "  movq 96(%rsp), %rdx\n  movq 104(%rsp), %rsi\n  movq 112(%rsp), %rdi\n"

// Aligns the stack (rbx keeps the pt_regs address), saves xmm0-15, calls
// `fn`, restores them and points rsp back at pt_regs.
#define DECADE_CALL_ALIGNED(fn)                                                                      \
  "  movq %rsp, %rbx\n  andq $-16, %rsp\n  subq $256, %rsp\n"                                         \
  "  movaps %xmm0, 0(%rsp)\n  movaps %xmm1, 16(%rsp)\n  movaps %xmm2, 32(%rsp)\n  movaps %xmm3, 48(%rsp)\n"     \
  "  movaps %xmm4, 64(%rsp)\n  movaps %xmm5, 80(%rsp)\n  movaps %xmm6, 96(%rsp)\n  movaps %xmm7, 112(%rsp)\n"   \
  "  movaps %xmm8, 128(%rsp)\n  movaps %xmm9, 144(%rsp)\n  movaps %xmm10, 160(%rsp)\n  movaps %xmm11, 176(%rsp)\n" \
  "  movaps %xmm12, 192(%rsp)\n  movaps %xmm13, 208(%rsp)\n  movaps %xmm14, 224(%rsp)\n  movaps %xmm15, 240(%rsp)\n" \
  "  cld\n  call " fn "\n"                                                                            \
  "  movaps 0(%rsp), %xmm0\n  movaps 16(%rsp), %xmm1\n  movaps 32(%rsp), %xmm2\n  movaps 48(%rsp), %xmm3\n"     \
  "  movaps 64(%rsp), %xmm4\n  movaps 80(%rsp), %xmm5\n  movaps 96(%rsp), %xmm6\n  movaps 112(%rsp), %xmm7\n"   \
  "  movaps 128(%rsp), %xmm8\n  movaps 144(%rsp), %xmm9\n  movaps 160(%rsp), %xmm10\n  movaps 176(%rsp), %xmm11\n" \
  "  movaps 192(%rsp), %xmm12\n  movaps 208(%rsp), %xmm13\n  movaps 224(%rsp), %xmm14\n  movaps 240(%rsp), %xmm15\n" \
  "  movq %rbx, %rsp\n"

// The same at a call boundary (a function's first instruction, or its
// return): the System V ABI makes every xmm register caller-saved and only
// xmm0-7 carry arguments (xmm0-1 results), so only those are kept.
#define DECADE_CALL_ALIGNED_ABI(fn)                                                                  \
  "  movq %rsp, %rbx\n  andq $-16, %rsp\n  subq $128, %rsp\n"                                         \
  "  movaps %xmm0, 0(%rsp)\n  movaps %xmm1, 16(%rsp)\n  movaps %xmm2, 32(%rsp)\n  movaps %xmm3, 48(%rsp)\n"     \
  "  movaps %xmm4, 64(%rsp)\n  movaps %xmm5, 80(%rsp)\n  movaps %xmm6, 96(%rsp)\n  movaps %xmm7, 112(%rsp)\n"   \
  "  cld\n  call " fn "\n"                                                                            \
  "  movaps 0(%rsp), %xmm0\n  movaps 16(%rsp), %xmm1\n  movaps 32(%rsp), %xmm2\n  movaps 48(%rsp), %xmm3\n"     \
  "  movaps 64(%rsp), %xmm4\n  movaps 80(%rsp), %xmm5\n  movaps 96(%rsp), %xmm6\n  movaps 112(%rsp), %xmm7\n"   \
  "  movq %rbx, %rsp\n"

// pt_regs at rsp: flags at +168 (pushfq), sp = the probed code's rsp; ip
// is the handler's to fill (the probed address, or the real return address).
asm(".text\n"
    ".globl _decade_probe_entry_stub\n"
    ".hidden _decade_probe_entry_stub\n"
    ".type _decade_probe_entry_stub, @function\n"
    "_decade_probe_entry_stub:\n"
    "  pushfq\n"
    "  subq $168, %rsp\n" DECADE_SAVE_GPRS
    "  leaq 320(%rsp), %rax\n"  // 168 regs + 8 flags + 8 return + 8 site + 128 red zone
    "  movq %rax, 152(%rsp)\n"
    "  movq 184(%rsp), %rdi\n"  // the Site
    "  movq %rsp, %rsi\n" DECADE_CALL_ALIGNED("_decade_probe_on_entry") DECADE_RESTORE_GPRS
    "  addq $168, %rsp\n"
    "  popfq\n"
    "  ret\n"
    ".size _decade_probe_entry_stub, .-_decade_probe_entry_stub\n"

    // At a function's first instruction: rflags are not live (DF is clear
    // by the ABI), so they are recorded but not restored (popfq is slow),
    // and only the argument xmm registers are kept.
    ".globl _decade_probe_function_stub\n"
    ".hidden _decade_probe_function_stub\n"
    ".type _decade_probe_function_stub, @function\n"
    "_decade_probe_function_stub:\n"
    "  pushfq\n"
    "  subq $168, %rsp\n" DECADE_SAVE_GPRS
    "  leaq 320(%rsp), %rax\n"
    "  movq %rax, 152(%rsp)\n"
    "  movq 184(%rsp), %rdi\n"
    "  movq %rsp, %rsi\n" DECADE_CALL_ALIGNED_ABI("_decade_probe_on_entry") DECADE_RESTORE_GPRS
    "  leaq 176(%rsp), %rsp\n"
    "  ret\n"
    ".size _decade_probe_function_stub, .-_decade_probe_function_stub\n"

    ".globl _decade_probe_return_stub\n"
    ".hidden _decade_probe_return_stub\n"
    ".type _decade_probe_return_stub, @function\n"
    "_decade_probe_return_stub:\n"
    "  pushq %rax\n"  // the slot the real return address goes in
    "  pushfq\n"
    "  subq $168, %rsp\n" DECADE_SAVE_GPRS
    "  leaq 184(%rsp), %rax\n"  // rsp after the function's ret
    "  movq %rax, 152(%rsp)\n"
    "  movq %rsp, %rdi\n" DECADE_CALL_ALIGNED_ABI("_decade_probe_on_return")
    "  movq %rax, 176(%rsp)\n" DECADE_RESTORE_GPRS
    "  leaq 176(%rsp), %rsp\n"  // rflags are not live after a return
    "  ret\n"
    ".size _decade_probe_return_stub, .-_decade_probe_return_stub\n");

#else
// Elsewhere attach() refuses with Unsupported, so no trampoline or
// hijacked return can reach these; they exist so the module links.
#include <cstdlib>
extern "C" void _decade_probe_entry_stub() { std::abort(); }
extern "C" void _decade_probe_return_stub() { std::abort(); }
extern "C" void _decade_probe_function_stub() { std::abort(); }
#endif
