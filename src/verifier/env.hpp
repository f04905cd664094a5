// SPDX-License-Identifier: Apache-2.0
// What one verification run knows and records: the inputs, the control-flow
// facts computed before exploration, per-instruction proof facts, ids, the
// log and statistics. The transfer functions read it; the driver owns it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "verifier/state.hpp"
#include "verifier/verifier.hpp"

namespace decade::verifier {

struct SubprogInfo {
  uint32_t start = 0, end = 0;  // slots [start, end)
  std::string name;
  bool global = false;             // verified once on its own from its BTF signature
  std::vector<uint8_t> arg_kinds;  // global functions: 0 scalar, 1 ctx, 2 memory (nullable)
  std::vector<uint32_t> arg_sizes; // global functions: memory argument sizes
  uint32_t stack_depth = 0;        // bytes, the deepest access seen
  int32_t stack_args = -1;         // stack arguments (past r5) its BTF prototype declares; -1 without one
  bool changes_packet = false;     // may move or resize the packet (frames.cpp: mark_packet_changers)
  bool callback = false;           // entered as a helper's callback on some path (set while exploring)
  bool async_callback = false;     // ... as a bpf_timer callback: it must return 0
  bool exception_cb = false;       // the program's exception callback (exceptions.hpp)
  // bpf_fastcall (fastcall.hpp): stack offsets below fastcall_area_end hold
  // only spill/fill pattern slots; fastcall_kept when something else
  // reached them or a pattern can be entered past its first spill, so no
  // pattern of this function is removed.
  int64_t fastcall_area_end = INT64_MIN;
  bool fastcall_kept = false;
  // Every pattern of the function is removable and the host lets them go
  // (VerifyOptions::fastcall): unless kept, the engines never touch the
  // pattern slots, so they do not count in a call chain's stack, as the
  // kernel leaves them out of check_max_stack_depth.
  bool fastcall_droppable = false;
  // alloca (alloca.hpp): in a function with alloca instructions, the bytes
  // below r10 its fixed accesses may use (-1: no alloca), and the most its
  // allocation area held on any path.
  int64_t fixed_stack = -1;
  uint32_t alloca_top = 0;
  // What the function adds to a call chain's stack: its fixed bytes and its
  // allocations, not the frame's bottom where the allocations sit.
  uint32_t chain_depth() const {
    uint32_t d = stack_depth;
    if (fastcall_droppable && !fastcall_kept && fastcall_area_end > INT64_MIN)
      d = std::min<uint32_t>(d, fastcall_area_end < 0 ? static_cast<uint32_t>(-fastcall_area_end) : 0);
    return fixed_stack < 0 ? d : std::min(d, static_cast<uint32_t>(fixed_stack) + alloca_top);
  }
};

// A spill/fill pattern around a helper or kfunc call (fastcall.hpp).
struct FastcallPattern {
  uint32_t call = 0;       // index into Program::insns
  uint32_t pairs = 0;      // spills at call-1..call-pairs, fills at call+1..call+pairs
  uint8_t regs = 0;        // the spilled registers (bit i for ri)
  bool removable = false;  // the callee is kHelperFastcall: the engines can keep regs across it
};

// Tri-state per-instruction facts: unvisited, proven on every visit, not proven.
enum class Fact : int8_t { Unseen = -1, No = 0, Yes = 1 };

struct Env {
  const VerifyInput& in;
  const VerifyOptions& opts;
  const Program& prog;

  std::vector<SubprogInfo> subs;
  std::vector<int32_t> sub_of_pc;    // slot -> subprogram index
  std::vector<RegMask> live_in;      // slot -> registers live on entry
  std::vector<uint8_t> prune_point;  // slot -> states are stored here
  std::vector<uint8_t> visited;      // slot -> reached on some path

  std::vector<Fact> mem_safe, div_nonzero;  // per slot
  // Per slot: what its load or store went through on the paths so far
  // (0 unseen, then same_pointer_kind's classes), for the kernel's rule
  // that one instruction may not access the context or a socket on one
  // path and other memory on another.
  std::vector<uint8_t> access_kind;
  std::vector<int32_t> call_target;         // per slot
  std::vector<int32_t> alloca_offset;       // per slot: an alloca's area starts this many bytes below r10 (-1: unseen)
  std::map<uint32_t, std::vector<uint32_t>> gotox_targets;  // gotox slot -> its static successors (verifier/indirect.hpp)
  std::set<std::pair<uint32_t, uint32_t>> indirect_calls;  // (callx slot, target slot) seen while exploring
  std::vector<FastcallPattern> fastcall;  // found before exploration (fastcall.hpp)
  std::vector<uint8_t> fastcall_insn;     // slot -> a spill or fill of some pattern

  // The host granted kGrantPrivileged: the kernel's rules for root
  // (allow_ptr_leaks, allow_uninit_stack), docs/verifier.md "Privilege".
  const bool privileged;
  // A privileged path read stack bytes it had not written (directly or
  // through a helper): the engines zero the stack for this program.
  bool reads_uninit_stack = false;

  uint32_t next_id = 1;
  bool stack_grew = false;  // note_stack deepened a function's stack (the driver checks the call chain)
  std::string log;
  VerifierStats stats;
  uint64_t max_states_per_insn = 0;  // the most states stored at one instruction at once (the log's summary)

  Env(const VerifyInput& i, const VerifyOptions& o)
      : in(i), opts(o), prog(*i.program), privileged(i.platform && (i.platform->grants() & kGrantPrivileged)) {}
  uint32_t new_id() { return next_id++; }
  void note_mem(uint32_t pc, bool safe) { note(mem_safe, pc, safe); }
  void note_div(uint32_t pc, bool nonzero) { note(div_nonzero, pc, nonzero); }
  // Instruction pc reached frame's stack down to lowest_off.
  void note_stack(const State& st, uint32_t frame, int64_t lowest_off, uint32_t pc);

 private:
  static void note(std::vector<Fact>& v, uint32_t pc, bool yes) {
    if (v[pc] == Fact::Unseen) v[pc] = yes ? Fact::Yes : Fact::No;
    else if (!yes) v[pc] = Fact::No;
  }
};

// An Error about instruction `pc`, with its source line and a hint.
Error verr(const Env& env, ErrorCode code, uint32_t pc, std::string message, std::string hint = {});
inline std::unexpected<Error> fail(const Env& env, ErrorCode code, uint32_t pc, std::string message,
                                   std::string hint = {}) {
  return std::unexpected(verr(env, code, pc, std::move(message), std::move(hint)));
}

// The Linux verifier's words for the rule a check enforces (Error::kernel),
// formatted as its log prints them: register numbers, type names
// (kernel_type), offsets and sizes. Facts users search for, not its code.
struct KernelPhrase {
  std::string text;
};
template <typename... Args>
KernelPhrase kernel_says(fmt::format_string<Args...> f, Args&&... args) {
  return {fmt::format(f, std::forward<Args>(args)...)};
}
inline std::unexpected<Error> fail(const Env& env, ErrorCode code, uint32_t pc, KernelPhrase kernel, std::string message,
                                   std::string hint = {}) {
  Error e = verr(env, code, pc, std::move(message), std::move(hint));
  e.kernel = std::move(kernel.text);
  return std::unexpected(std::move(e));
}
// A register's type as the kernel's log names it: "scalar", "fp",
// "map_value_or_null", "ptr_or_null_".
std::string kernel_type(const RegState& r);
// A tnum as the kernel's log prints it: the value when known ("0",
// "0x10000"), else "(0x0; 0xff)".
std::string kernel_tnum(const Tnum& t);

}  // namespace decade::verifier
