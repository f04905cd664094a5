// SPDX-License-Identifier: Apache-2.0
// The verifier's output: an immutable program plus the facts the engines use.
// Only verify() can make one; engines that take a VerifiedProgram skip the
// run-time checks the proof made unnecessary.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "isa/insn.hpp"

namespace decade {

struct VerifierStats {
  uint64_t insns_processed = 0;
  uint64_t states_stored = 0;
  uint64_t peak_states = 0;
  uint64_t peak_memory = 0;  // bytes: the most the exploration held at once (VerifyOptions::max_memory)
  uint64_t time_ns = 0;
};

// Per-instruction facts (indexed like Program::insns).
struct InsnFacts {
  bool mem_access_safe = false;  // load/store proven in bounds: no run-time check needed
  bool div_nonzero = false;      // divisor proven non-zero
  int32_t call_target = -1;      // resolved target slot for calls (local, and callx when unique)
  // bpf_fastcall (verifier/fastcall.hpp): a spill or fill the engines leave
  // out; on the call they surround, the registers (bit i for ri, among
  // r1-r5) whose pairs were left out, which the call must keep.
  bool fastcall_dropped = false;
  uint8_t fastcall_keep = 0;
  // alloca: the area the instruction returns starts this many bytes below
  // r10 (the same on every path; docs/isa-extensions.md "alloca"); -1 for
  // an alloca no path reached, and for every other instruction.
  int32_t alloca_offset = -1;
};

class VerifiedProgram {
 public:
  const Program& program() const { return prog_; }
  const std::vector<InsnFacts>& facts() const { return facts_; }
  const std::vector<uint32_t>& stack_depth() const { return stack_depth_; }  // per subprogram, bytes
  // Bytes the engines give each call frame: the kernel's 512 unless a
  // host-raised stack size (VerifyOptions::max_stack) let a function use
  // more, then the next power of two that holds the deepest function (the
  // JIT finds a frame's depth from its r10 with a shift). docs/isa-extensions.md.
  uint32_t frame_size() const {
    uint32_t deepest = 512;
    for (const uint32_t d : stack_depth_) deepest = std::max(deepest, d);
    return std::bit_ceil(deepest);
  }
  const VerifierStats& stats() const { return stats_; }
  // A path may read stack bytes it has not written (allowed only under
  // kGrantPrivileged, as the kernel allows root): every engine runs the
  // program on a zeroed stack, so such a read gives 0, or what this run
  // itself left in a frame an earlier call used, never an earlier run's
  // or program's bytes (docs/verifier.md "Privilege").
  bool zero_stack() const { return zero_stack_; }

 private:
  friend class VerifierAccess;  // defined inside the verifier only
  VerifiedProgram() = default;
  Program prog_;
  std::vector<InsnFacts> facts_;
  std::vector<uint32_t> stack_depth_;
  VerifierStats stats_;
  bool zero_stack_ = false;
};

}  // namespace decade
