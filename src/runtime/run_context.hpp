// SPDX-License-Identifier: Apache-2.0
// Per-run state that helpers need, reached through a thread_local pointer the
// engine installs for the duration of a run (RunScope). Nested runs (a tail
// call executed by recursion, a program run from a host callback) push their
// own context and restore the outer one.
//
// Contract for engines:
//  - Install: `RunContext rc; rc.engine = this_run_state; rc.invoke_callback =
//    &my_invoke; rc.ctx = req.r1; RunScope scope(rc);` before running.
//  - invoke_callback(engine, target, r1..r5, &r0): run the subprogram
//    `target` (the value the program's ld_imm64 src=4 produced, i.e. whatever
//    the engine chose to encode for a function address) with r1..r5 on a
//    fresh frame below the current one, store its r0 and return true. Return
//    false if it faulted, after setting rc.fault; the helper then stops and
//    returns, and the engine reports rc.fault after the helper call.
//  - After every helper/kfunc call, if rc.fault is set, stop the run with it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "decade/error.hpp"

namespace decade {

class Platform;

using InvokeCallbackFn = bool (*)(void* engine, uint64_t target, uint64_t r1, uint64_t r2, uint64_t r3,
                                  uint64_t r4, uint64_t r5, uint64_t* r0);

// Where bpf_trace_printk output goes (one call = one line without its '\n').
using TraceSink = std::function<void(std::string_view)>;

struct RunContext {
  void* engine = nullptr;                   // engine-private state for invoke_callback
  InvokeCallbackFn invoke_callback = nullptr;
  uint64_t ctx = 0;                         // r1 at entry
  uint32_t tail_calls = 0;                  // tail calls made so far in this chain
  const TraceSink* trace = nullptr;         // overrides the process-wide sink when set
  std::optional<Error> fault;               // set by a helper or callback that cannot continue
  uint32_t callback_depth = 0;              // nested bpf_loop / for_each calls
  // The running program's platform (engines set it for each program of a
  // chain): what helpers that read host memory may read (Platform::grants).
  const Platform* platform = nullptr;
};

// The innermost active context of this thread, or nullptr outside a run.
RunContext* current_run_context();

class RunScope {
 public:
  explicit RunScope(RunContext& rc);
  ~RunScope();
  RunScope(const RunScope&) = delete;
  RunScope& operator=(const RunScope&) = delete;

 private:
  RunContext* saved_;
};

// Process-wide trace sink (default: stderr). Thread-safe.
void set_trace_sink(TraceSink sink);
// Emits one trace line to the current run's sink, else the process-wide one.
void emit_trace(std::string_view line);

// Runs callback `target` through the current engine. Sets a fault and
// returns nullopt when no engine is installed or the callback faulted.
std::optional<uint64_t> run_callback(uint64_t target, uint64_t r1, uint64_t r2 = 0, uint64_t r3 = 0,
                                     uint64_t r4 = 0, uint64_t r5 = 0);

// Records a fault in the current run (no-op outside a run). Helpers use it
// for conditions the kernel would have made impossible at verification time.
void raise_fault(ErrorCode code, std::string message);

}  // namespace decade
