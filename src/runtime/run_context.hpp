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
//  - A run that may be stopped from outside has rc.control (run_control.hpp):
//    the engine attaches a stop word of its own to it and polls that word.
//  - However the outermost run of a context ends (exit, fault, cancel,
//    timeout), the engine calls release_run_resources(rc) while the run's
//    stack still exists: what the program acquired and still holds is given
//    back (HeldResources).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "decade/error.hpp"
#include "runtime/cpu.hpp"

namespace decade {

class Executable;  // runtime/engine.hpp
class Platform;
class RunControl;  // runtime/run_control.hpp

using InvokeCallbackFn = bool (*)(void* engine, uint64_t target, uint64_t r1, uint64_t r2, uint64_t r3,
                                  uint64_t r4, uint64_t r5, uint64_t* r0);

// Where bpf_trace_printk output goes (one call = one line without its '\n').
using TraceSink = std::function<void(std::string_view)>;

// Callbacks may themselves call bpf_loop; the kernel bounds this through the
// call-frame limit, here a depth counter keeps the host stack safe.
inline constexpr uint32_t kMaxCallbackDepth = 8;

// The keys bpf_for_each_map_elem hands to callbacks. A callback gets a copy
// in memory the run owns, never the map's own key nor a buffer of the walk:
// the verifier lets the program keep the pointer after the walk (a callback
// may leave it in its caller's stack), so it must stay readable until the
// run ends, and it is read-only (verifier and checked execution), so
// nothing done through it can rewrite a stored key or move a walk. One
// buffer per callback nesting level, allocated on first use and reused by
// later walks at that level: a kept pointer then reads a later key, never
// freed memory.
class CallbackKeys {
 public:
  // The largest key of a map bpf_for_each_map_elem walks (hash maps: the
  // 512-byte BPF stack, as create_map enforces).
  static constexpr size_t kMaxKey = 512;
  // A copy of `key` for a walk at callback depth `depth`; nullptr when the
  // depth or size is out of range or memory ran out.
  const uint8_t* hold(uint32_t depth, const void* key, size_t size);
  // [addr, addr + size) lies inside the keys handed out at some level
  // (checked execution lets programs read them).
  bool contains(uint64_t addr, uint64_t size) const;

 private:
  std::unique_ptr<uint8_t[]> bytes_;  // kMaxCallbackDepth buffers of kMaxKey bytes
  std::array<uint16_t, kMaxCallbackDepth> size_{};
};

// What a run has acquired and not yet released: a bpf_spin_lock (verified
// or checked code), bpf_res_spin_locks, ring buffer records reserved, open
// iterators, socket references (socket map lookups; bpf_sk_release). Acquiring
// helpers and kfuncs hold() the object with the function that releases it;
// their releasing counterparts drop() it. A program the verifier accepted
// drops everything before it exits; a run that ends early (a fault, a
// cancel, a timeout, an exception) leaves items here, and
// release_run_resources gives them back, newest first: locks are unlocked,
// records discarded, iterators destroyed, references dropped, so maps stay
// consistent and nothing leaks.
class HeldResources {
 public:
  enum class Kind : uint8_t { SpinLock, ResLock, RingbufRecord, Iterator, Reference };
  using ReleaseFn = void (*)(uint64_t object);
  // false (and nothing held) when memory ran out; the caller then releases
  // at once and fails.
  bool hold(Kind kind, uint64_t object, ReleaseFn release);
  // The program released `object` (held as `kind`) itself; false when it
  // was not held.
  bool drop(uint64_t object, Kind kind);
  bool holds(uint64_t object, Kind kind) const;
  // A bpf_spin_lock is held (res locks do not count: a run holding one may
  // be stopped, and unwinding releases it).
  bool holds_lock() const { return locks_ != 0; }
  size_t size() const { return items_.size(); }
  // Releases everything still held, newest first; returns how many.
  size_t release_all();

 private:
  struct Item {
    uint64_t object;
    ReleaseFn release;
    Kind kind;
  };
  std::vector<Item> items_;
  uint32_t locks_ = 0;
};

struct RunContext {
  void* engine = nullptr;                   // engine-private state for invoke_callback
  InvokeCallbackFn invoke_callback = nullptr;
  uint64_t ctx = 0;                         // r1 at entry
  uint32_t tail_calls = 0;                  // tail calls made so far in this chain
  const TraceSink* trace = nullptr;         // overrides the process-wide sink when set
  std::optional<Error> fault;               // set by a helper or callback that cannot continue
  std::optional<uint64_t> thrown;           // bpf_throw's cookie while the run unwinds (with fault set)
  uint32_t callback_depth = 0;              // nested bpf_loop / for_each calls
  CallbackKeys callback_keys;               // keys handed to for_each callbacks, kept until the run ends
  // The running program's platform (engines set it for each program of a
  // chain): what helpers that read host memory may read (Platform::grants).
  const Platform* platform = nullptr;
  // The running program's Executable (ProgramEnv::self), set with platform.
  Executable* executable = nullptr;
  // Stops the run from outside (a cancel token, a deadline); nullptr when
  // nothing can. Set for the outermost run; tail calls keep the chain's.
  RunControl* control = nullptr;
  HeldResources held;  // what the program holds now (bookkeeping for unwinding)
};

// Gives back everything the run holds (HeldResources::release_all): the
// one unwinding step for every early
// end of a run (faults, cancellation, timeouts, exceptions). Engines call it
// when their outermost run of `rc` ends, before the run's stack is freed, and
// before a caught bpf_throw runs the exception callback; returns how many
// items it released.
size_t release_run_resources(RunContext& rc);

// The run is being stopped from outside (RunContext::control): a helper
// that loops (bpf_loop, bpf_for_each_map_elem, ...) polls this between
// iterations and, when it is true, raises the stop as the run's fault
// (raise_stop) and returns.
bool stop_requested(const RunContext& rc);
void raise_stop(const RunContext& rc);

namespace detail {
// Plain data with constant initialisation, defined here so that a run's
// entry reaches it inline, with no call and no TLS initialisation call.
inline constinit thread_local RunContext* t_current_run = nullptr;
}  // namespace detail

// The innermost active context of this thread, or nullptr outside a run.
inline RunContext* current_run_context() { return detail::t_current_run; }

// Installs rc as the thread's current context. The outermost scope on a
// thread also holds a CPU slot for the run (cpu.hpp), so per-CPU map values
// and bpf_get_smp_processor_id are the run's own until it ends. The
// outermost scope of rc (not a tail call's scope joining it) releases the
// bpf_res_spin_locks the run still holds when it ends, whatever ended it.
class RunScope {
 public:
  explicit RunScope(RunContext& rc) : saved_(detail::t_current_run) {
    if (!saved_) cpu_.emplace();
    detail::t_current_run = &rc;
  }
  ~RunScope() { detail::t_current_run = saved_; }
  RunScope(const RunScope&) = delete;
  RunScope& operator=(const RunScope&) = delete;
  // The CPU slot the run holds: this scope's, or the enclosing run's.
  uint32_t cpu() const { return cpu_ ? cpu_->cpu() : current_cpu(); }

 private:
  RunContext* saved_;
  std::optional<CpuSlot> cpu_;
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
