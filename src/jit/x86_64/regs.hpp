// SPDX-License-Identifier: Apache-2.0
// BPF registers pinned to x86-64 registers, as the kernel's JIT does. r1..r5
// are the SysV argument registers, so helper calls need no shuffling; r0 is
// the return register; r6..r9 and r10 are callee-saved, so helper calls
// preserve them for free.
#pragma once

#include <asmjit/x86.h>

namespace decade::jit::x64 {

namespace a64 = asmjit::x86;

// Indexed by BPF register number.
inline const a64::Gp kBpfReg[11] = {
    a64::rax,  // r0
    a64::rdi,  // r1
    a64::rsi,  // r2
    a64::rdx,  // r3
    a64::rcx,  // r4
    a64::r8,   // r5
    a64::rbx,  // r6
    a64::r13,  // r7
    a64::r14,  // r8
    a64::r15,  // r9
    a64::rbp,  // r10 (frame pointer: top of the current frame, JitCode::frame_size bytes)
};

// Scratch registers never visible to BPF code. r12 holds the JitHot pointer
// for the whole run (callee-saved, so helpers keep it).
inline const a64::Gp kTmp1 = a64::r11;
inline const a64::Gp kTmp2 = a64::r10;
inline const a64::Gp kTmp3 = a64::r9;
inline const a64::Gp kState = a64::r12;

inline a64::Gp reg64(uint8_t r) { return kBpfReg[r]; }
inline a64::Gp reg32(uint8_t r) { return kBpfReg[r].r32(); }
inline a64::Gp reg_w(uint8_t r, unsigned bits) { return bits == 64 ? a64::Gp(kBpfReg[r].r64()) : a64::Gp(kBpfReg[r].r32()); }

}  // namespace decade::jit::x64
