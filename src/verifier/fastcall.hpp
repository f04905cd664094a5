// SPDX-License-Identifier: Apache-2.0
// bpf_fastcall: the spill/fill pairs clang-22 puts around calls to helpers
// and kfuncs declared __attribute__((bpf_fastcall)), and their removal
// (docs/isa-extensions.md, "bpf_fastcall").
//
// A pattern around a helper or kfunc call is k >= 1 pairs, spill j right
// before the call and fill j right after it (j = 1..k, nearest first):
//   *(u64 *)(r10 + off_j) = rX_j   ...   call   ...   rX_j = *(u64 *)(r10 + off_j)
// with rX_j among r1-r5, not clobbered by the callee (its
// FuncProto::fastcall_clobbers, or r0 and its argument registers when it
// is not fastcall), each register once, and off_j = lowest + 8 * (j - 1),
// lowest being the function's lowest 64-bit r10-based spill offset. The
// pairs are verified as written. They are removed, and the call keeps the
// registers, when the callee is kHelperFastcall and, in the pattern's
// function: no other instruction reaches a slot below the highest pattern
// slot end (Env::note_stack, on any path, through any frame), and no
// pattern can be entered past its outermost spill (no jump, call or
// function start lands inside it). Otherwise everything runs as written.
#pragma once

#include <vector>

#include "verifier/env.hpp"

namespace decade::verifier {

// Before exploration (after the CFG pass): finds the patterns of every
// function, marks their instructions and each function's pattern area.
void mark_fastcall_patterns(Env& env);

// After exploration: which spills and fills the engines leave out, and the
// registers each call keeps (InsnFacts, indexed like Program::insns).
void fastcall_facts(const Env& env, std::vector<InsnFacts>& facts);

}  // namespace decade::verifier
