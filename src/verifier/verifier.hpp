// SPDX-License-Identifier: Apache-2.0
// The verifier's entry point. Only verify() makes a VerifiedProgram.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "btf/btf.hpp"
#include "decade/error.hpp"
#include "isa/insn.hpp"
#include "runtime/map.hpp"
#include "runtime/platform.hpp"
#include "verifier/verified_program.hpp"

namespace decade {

inline constexpr uint32_t kDefaultStackSize = 512;         // the kernel's limit
inline constexpr uint32_t kMaxStackSize = uint32_t{1} << 16;  // what a host may raise it to

struct VerifyOptions {
  uint64_t max_insns_processed = 1'000'000;  // budget; VerifierBudget when exceeded
  // Bytes the exploration may hold at once (stored states, pending paths,
  // the log; docs/verifier.md); VerifierMemoryLimit when exceeded.
  uint64_t max_memory = uint64_t{1} << 30;
  // Stack bytes of one frame and, unless divided_stack, of every call chain
  // together (docs/isa-extensions.md, "stack"). 512 is the kernel's rule;
  // a host may raise it to kMaxStackSize, in multiples of 8.
  uint32_t max_stack = kDefaultStackSize;
  // The divstack extension: max_stack bounds each frame alone; the call
  // depth (max_call_depth) bounds the chain, not the sum of its frames.
  bool divided_stack = false;
  uint32_t max_call_depth = 8;
  int log_level = 0;                         // 0 none, 1 like `-v`, 2 every state (`-vv`)
  // Remove the bpf_fastcall spill/fill pairs the verifier proves removable
  // (verifier/fastcall.hpp); false runs them as written (for comparison).
  bool fastcall = true;
  // BPF_F_STRICT_ALIGNMENT: loads and stores through packet pointers (as if
  // the packet started 2 bytes past a word, NET_IP_ALIGN), map values and
  // keys and the context must be aligned to their size, as the kernel
  // demands with the flag; the stack and atomics always must.
  bool strict_alignment = false;
};

// What a program refers to, indexed the way its instructions refer to them
// after loading: ld_imm64 map_idx / map_idx_value imm = index into maps;
// call kfunc imm = index into kfuncs.
struct VerifyInput {
  const Program* program = nullptr;
  const Platform* platform = nullptr;
  const ProgramType* type = nullptr;
  std::vector<const MapDef*> maps;
  std::vector<const FuncProto*> kfuncs;
  const Btf* btf = nullptr;  // the object's BTF (global function signatures), may be null
  // A sleepable program (libbpf's ".s" sections: uprobe.s/, fentry.s/, ...):
  // it may call helpers that may sleep (kHelperMaySleep).
  bool sleepable = false;
};

struct VerifyResult {
  std::shared_ptr<const VerifiedProgram> program;  // set when accepted
  std::string log;                                 // the verifier log at opts.log_level
};

// Accepted: VerifyResult with the program. Rejected: an Error with a verifier
// code (700..799), the instruction, its source line when known, and a hint;
// the log up to the rejection is in Error::message after the first line.
Result<VerifyResult> verify(const VerifyInput& in, const VerifyOptions& opts = {});

}  // namespace decade
