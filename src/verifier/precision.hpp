// SPDX-License-Identifier: Apache-2.0
// Precision: which registers' exact values may matter from an instruction on.
//
// A scalar's value matters when it can flow (through moves and arithmetic)
// into a safety decision: a branch condition, pointer arithmetic, a divisor,
// a helper/kfunc/subprogram argument, a return value the program type or a
// callback restricts, or an indirect jump/call. The same holds for the
// innermost frame's 8-byte stack slots, followed through spills and fills
// at constant offsets from r10 (an access through any other pointer to the
// stack makes every slot matter). Any other live scalar is compared as
// "any scalar" when looking for a stored state that covers the current one,
// so loops that carry data-dependent values (checksums, accumulators,
// counters nothing branches on) converge.
//
// The analysis is a backward data-flow over each function's control flow,
// with summaries at local calls (arguments the callee needs, whether a
// caller uses r0). Which instructions are pointer arithmetic or stack
// accesses is only known while exploring, so those facts are observed on
// every visit and the result grows incrementally (a worklist) when one is
// seen for the first time. A stored state is only used to prune once its
// subtree is finished; every instruction of that subtree has then been
// visited and observed, and the paths from a state it covers go through the
// same instructions with the same register types, so the facts that matter
// are all known at that point. Outcomes grow monotonically, so a mask that
// justified an earlier pruning stays a subset of every later one.
#pragma once

#include <cstdint>
#include <vector>

#include "verifier/env.hpp"

namespace decade::verifier {

class Precision {
 public:
  // Needs env.subs and env.sub_of_pc (analyze_cfg) and the global flags.
  explicit Precision(const Env& env);
  struct Need {
    RegMask regs = 0;    // bit r: register r
    uint64_t slots = 0;  // bit k: stack slot k of the innermost frame (fp-8k-8 .. fp-8k-1)
    bool operator==(const Need&) const = default;
  };
  // What may matter from the start of `pc` on.
  Need need(uint32_t pc) const { return need_in_[pc]; }
  // Called before the instruction at st.pc runs in state st.
  void observe(const State& st, const Insn& insn);
  // Heap bytes of the analysis (per instruction; fixed once built, the
  // worklist never holds more than one entry per instruction).
  size_t footprint() const;

 private:
  Need transfer(const Insn& insn, Need out) const;
  Need out_of(const Insn& insn) const;
  Need transfer_mem(const Insn& insn, Need out) const;
  void push(uint32_t pc);
  void solve();

  const Env& env_;
  std::vector<Need> need_in_;
  std::vector<uint8_t> ptr_arith_;    // slot -> an ALU operand was seen as a pointer
  std::vector<uint8_t> stack_access_; // slot -> the memory operand was seen on the stack (not via r10)
  bool outer_stack_read_ = false;      // some load read a caller's stack through a pointer
  std::vector<std::vector<uint32_t>> preds_;
  std::vector<std::vector<uint32_t>> call_sites_;  // subprogram -> its local call slots
  std::vector<std::vector<uint32_t>> exits_;       // subprogram -> its exit slots
  std::vector<int32_t> returns_from_;              // slot after a local call -> callee subprogram
  std::vector<uint8_t> restricted_r0_;             // subprogram -> r0 at exit is checked
  std::vector<uint32_t> work_;
  std::vector<uint8_t> queued_;
};

}  // namespace decade::verifier
