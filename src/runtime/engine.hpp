// SPDX-License-Identifier: Apache-2.0
// What engines (interpreter, JITs) share: the environment a loaded program
// runs in, and the executable interface.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "decade/error.hpp"
#include "runtime/map.hpp"
#include "runtime/platform.hpp"

namespace decade {

struct RunContext;  // runtime/run_context.hpp
class RunControl;   // runtime/run_control.hpp

// A memory range a program was given (checked execution bounds every access by these).
// With stride != 0 the range is a run of stride-sized elements of which only
// the first `window` bytes of each may be accessed (MapStorage's strided form).
struct MemRegion {
  uintptr_t start = 0;
  size_t size = 0;
  bool writable = true;
  size_t stride = 0;
  size_t window = 0;

  bool allows(uint64_t addr, uint64_t len, bool write) const {
    if (write && !writable) return false;
    if (addr < start) return false;
    const uint64_t rel = addr - start;
    if (rel > size || len > size - rel) return false;
    return stride == 0 || (len <= window && rel % stride <= window - len);
  }
  static MemRegion of(const MapStorage& s, bool writable) {
    return {reinterpret_cast<uintptr_t>(s.bytes.data()), s.bytes.size(), writable, s.stride, s.window};
  }
};

// What a program's pseudo instructions and calls refer to once loaded.
//  - ld_imm64 map_idx (src 5) / map_fd (src 1, resolved by the loader to an index): maps[imm]
//  - ld_imm64 map_idx_value (src 6) / map_value (src 2): maps[imm]->direct_value_base() + imm2
//  - call helper: platform->helper(imm)
//  - call kfunc: kfuncs[imm] (the loader rewrites imm to an index here)
class Executable;

struct ProgramEnv {
  const Platform* platform = nullptr;
  // The Executable that runs this code, set when the engine builds it:
  // runs publish it as RunContext::executable (bpf_timer_set_callback keeps
  // it alive through Executable's shared ownership).
  Executable* self = nullptr;
  std::vector<Map*> maps;
  std::vector<const FuncProto*> kfuncs;
};

struct RunRequest {
  uint64_t r1 = 0;                    // context pointer, or memory for raw programs
  // Length for raw programs. It must not exceed the bytes readable (and,
  // unless the region is read-only, writable) at r1: the verifier proves raw
  // accesses from the program's own comparisons of r2, and the engines then
  // drop their run-time checks (api/test_run.cpp sets it to the data length).
  uint64_t r2 = 0;
  // Nonzero: run the function `callback` (a value the program's ld_imm64
  // src=4 produced in an earlier run of this Executable) instead of the
  // main program, with r1, r2, r3 as its arguments and no context (the
  // timer service's runs of bpf_timer callbacks, runtime/timer.hpp).
  uint64_t callback = 0;
  uint64_t r3 = 0;
  std::vector<MemRegion> regions;     // memory the program was given (checked mode)
  uint64_t insn_budget = 0;           // checked mode: stop after this many instructions (0 = default)
  // Stops the run from another thread (cancel token, deadline); nullptr:
  // nothing can. The run ends with ExecCancelled or ExecTimeout naming the
  // instruction where it stopped. Tail calls keep the chain's.
  RunControl* control = nullptr;
  // Executable::run_repeat calls it with `between_arg` before each run
  // after the first, in the thread's CPU slot (a test run clears what the
  // run before recorded about its packet); nullptr: nothing.
  void (*between_runs)(void* arg) = nullptr;
  void* between_arg = nullptr;
};

// Held through std::shared_ptr by whoever loads it (ProgramHandle): a
// bpf_timer callback keeps its program alive with shared_from_this().
class Executable : public std::enable_shared_from_this<Executable> {
 public:
  virtual ~Executable() = default;
  // Runs once; returns r0 at the outermost exit, or an execution error naming the instruction.
  virtual Result<uint64_t> run(const RunRequest& req) = 0;
  // Runs as the target of a tail call made inside `chain`, the RunContext of
  // the run that made it (whichever engine that is): the chain's count of
  // tail calls and its fault slot go on, so kMaxTailCalls holds for the whole
  // chain across engines. Unlike run(), installs no new context.
  virtual Result<uint64_t> run_chained(const RunRequest& req, RunContext& chain) = 0;
  virtual std::string_view engine_name() const = 0;

  // Runs `repeat` times (0: once) on one request and returns the last r0,
  // as the kernel's test run with `repeat` does: the engine enters once
  // (run context, CPU slot, its state) and each run after the first starts
  // as a run() would (fresh tail-call count, budget, zeroed stack where the
  // program may read it, nothing held) without entering again. The context
  // and memory are not reset: each run sees what the one before left, as
  // N calls of run() would. Stops at the first run that fails, with its
  // error. req.control may stop any of the runs. The default runs run()
  // `repeat` times.
  virtual Result<uint64_t> run_repeat(const RunRequest& req, uint64_t repeat) {
    Result<uint64_t> r = run(req);
    for (uint64_t i = 1; i < repeat && r; ++i) {
      if (req.between_runs) req.between_runs(req.between_arg);
      r = run(req);
    }
    return r;
  }

  // What a probe hit calls (src/api/uprobe.cpp), resolved once when the
  // probe is attached: run(code, r1) runs the program as run() would with a
  // request of only r1 (no regions, no control, so verified programs only)
  // and drops its result and errors, which a hit has nowhere to report.
  // Cheaper than run() because nothing is looked up or built per hit.
  struct HitEntry {
    void (*run)(const void* code, uint64_t r1) = nullptr;
    const void* code = nullptr;
  };
  // The engine's hit entry, or an empty one (run == nullptr) when it has
  // none: callers then use run(). Valid while this Executable lives.
  virtual HitEntry hit_entry() const { return {}; }
};

// ---- Runtime contracts for engines (interpreter, JITs) ----
//
// Map pointers. The value an ld_imm64 of a map (src 1 / 5) puts in a register
// is the address of the Map object: reinterpret_cast<uint64_t>(env.maps[i]).
// Helpers and kfuncs cast it back. A lookup in an array_of_maps /
// hash_of_maps returns such a Map* too, usable in the next helper call.
//
// Helpers and kfuncs. Call FuncProto::fn with r1..r5 and put the result in
// r0. Before the first call of a run, install a RunContext (see
// runtime/run_context.hpp, RAII RunScope) so helpers that need per-run state
// (bpf_loop, bpf_for_each_map_elem, bpf_tail_call) reach the engine.
// After every helper call, check RunContext::fault: a helper or a callback
// that faulted sets it, and the engine must stop with that error.
//
// Tail calls (helper 12, bpf_tail_call(ctx, prog_array, index)). Engines
// special-case it rather than calling fn: resolve the target with
// tail_call_target(map, index); if it returns nullptr, or the chain already
// made kMaxTailCalls (33) tail calls (RunContext::tail_calls), execution
// continues with the next instruction as the kernel does (set r0 to
// -ENOENT, -2; programs cannot rely on r0 there). Otherwise increment
// RunContext::tail_calls and replace the current frame: the target's exit is
// this frame's exit, with the same r1. Engines run a target of another engine
// with handle->executable->run_chained(req, chain), never run(), which would
// start a new chain and let a cycle of programs recurse without bound; they
// may run their own targets in place (the interpreter does, so a chain does
// not grow the host stack).

// What a tail call carries from the caller to the target unchanged: the
// context (and the packet behind it), the engine's run state and the chain's
// count. Every program of one prog_array must agree on all of it, as the
// kernel's map owner requires (program type, jited, xdp_has_frags,
// sleepable, expected attach type); otherwise a target verified against one
// context would run on another.
struct TailCallProfile {
  std::string program_type;  // ProgramType::name
  // The type's context contract as the verifier used it: size, fields and
  // their kinds and access rights, packet access, raw memory, return range.
  // Two host platforms may register different types under one name.
  std::string context;
  std::string engine;        // "jit" or "interp": tail calls stay inside one engine's chain
  bool checked = false;      // unverified checked execution: its callers may leave a context verified code never sees
  bool xdp_frags = false;    // libbpf's "xdp.frags" sections
  bool sleepable = false;    // libbpf's ".s" sections
  std::string attach;        // expected attach type (libbpf's section table), empty for none

  // The first property that differs, or "" when b may join a's array.
  std::string_view mismatch(const TailCallProfile& b) const;
};

// A program stored in a prog_array. Opaque to the runtime: whoever loads
// the program fills it in; the engine that runs a tail call resolves it.
struct ProgramHandle {
  std::shared_ptr<Executable> executable;   // always set: runs the target
  std::string name;
  TailCallProfile profile;                  // prog_array entries must agree (prog_array_insert)
};

inline constexpr uint32_t kMaxTailCalls = 33;

// Target of bpf_tail_call(ctx, map, index); nullptr when map is not a
// prog_array, index is out of range or the slot is empty.
const ProgramHandle* tail_call_target(Map* map, uint32_t index);

// prog_array ownership. The first program that joins an array fixes its
// owner profile: either a program loaded with a reference to the array
// (prog_array_claim, at load) or the first one stored in it. Later programs
// of either kind must match it, else MapProgArrayMismatch naming the array,
// the program and the property. An owner is never released, as in the kernel.
Status prog_array_claim(Map& map, const ProgramHandle& prog);
// Stores registered program `id` in slot `index` (the host's update;
// kBpfAny or kBpfExist).
Status prog_array_insert(Map& map, uint32_t index, uint32_t id, uint64_t flags);

}  // namespace decade
