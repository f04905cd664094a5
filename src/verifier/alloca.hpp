// SPDX-License-Identifier: Apache-2.0
// The alloca extension in the verifier (docs/isa-extensions.md "alloca").
//
// Every frame has an allocation area at its bottom, from r10 - max_stack
// upwards; Frame::alloc_top bytes of it are taken. `dst = alloca src` takes
// the next round_up(umax(src), 8) bytes: dst points at their start, K bytes
// below r10 with K = max_stack - alloc_top. K is the same on every path to
// the instruction (VerifierAllocaPlacement otherwise), so the engines give
// the instruction one constant, InsnFacts::alloca_offset, and pay nothing
// at run time beyond `dst = r10 - K`.
//
// The function's own stack (the offsets clang addresses from r10) sits at
// the frame's top: plan_alloca_frames bounds it before exploring
// (SubprogInfo::fixed_stack), and an access through a pointer that is not
// an allocation's may not reach below it. An allocation's pointer
// (RegState::range = K, mem_size = umax(src)) reaches [p, p + umax(src))
// only. The area is fresh (uninitialised) when taken and goes with the
// frame when the function returns.
#pragma once

#include "verifier/env.hpp"

namespace decade::verifier {

// Before exploration (needs env.subs): SubprogInfo::fixed_stack of every
// function with an alloca instruction, the deepest offset from r10 that
// its instructions address directly (`*(rX)(r10 - k)`, `rX = r10; rX += -k`),
// rounded up to 8.
void plan_alloca_frames(Env& env);

// `dst = alloca src`: src must be a number whose upper bound (1 or more)
// fits the frame's remaining room (VerifierAllocaSize).
Status do_alloca(Env& env, State& st, const Insn& insn);

// A stack access of bytes [lo, end) (offsets from the r10 of ptr's frame)
// through ptr: inside ptr's area when ptr is an allocation's
// (VerifierAllocaBounds), else not below the fixed stack of a function with
// alloca instructions (VerifierAllocaPlacement).
Status check_alloca_access(const Env& env, const State& st, const RegState& ptr, int64_t lo, int64_t end, uint32_t pc);

}  // namespace decade::verifier
