// SPDX-License-Identifier: Apache-2.0
// Stopping a run from outside: cancellation tokens, deadlines, and the stop
// words engines poll (docs/runtime-control.md has the design and costs).
//
// A run that may be stopped has one RunControl (made by whoever starts the
// run, e.g. the API's test_run; nullptr in RunRequest when the run has no
// token and no deadline). Every engine run that executes code for it
// attaches a StopWord of its own (the interpreter's RunState::stop, the
// JIT's JitHot::stop): the hot path then reads one word at a fixed offset
// from a pointer it already holds, at loop back-edges (the interpreter's
// only while a stop is pending, which the stop arranges through its
// on_stop hook). Stopping (a token's cancel(), or the watchdog when the
// deadline passes) writes the reason into every attached word; a word
// attached later gets it at once.
//
// Deadlines are enforced by one process-wide watchdog thread, started on the
// first deadline: engines never read the clock at back-edges.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

#include <sys/types.h>
#include <vector>

#include "decade/error.hpp"

namespace decade {

// Why a run was stopped; 0 while it may go on. Engines map it to the error
// the run ends with (stop_error_code).
enum class StopReason : uint32_t { None = 0, Cancelled = 1, Timeout = 2 };
using StopWord = std::atomic<uint32_t>;

ErrorCode stop_error_code(uint32_t reason);  // ExecCancelled or ExecTimeout
const char* stop_message(uint32_t reason);   // "cancelled by the host" / "deadline passed"

class CancelState;

class RunControl {
 public:
  RunControl() = default;
  ~RunControl();  // leaves its token and the watchdog before it goes
  RunControl(const RunControl&) = delete;
  RunControl& operator=(const RunControl&) = delete;

  // The run stops when `token` is cancelled (at once if it already is).
  void watch(std::shared_ptr<CancelState> token);
  // The run stops with Timeout when `deadline` passes.
  void set_deadline(std::chrono::steady_clock::time_point deadline);

  // The first reason wins; later calls change nothing. Thread-safe.
  void stop(StopReason why);
  // An interrupt stop() owes an attached thread (see attach).
  using InterruptFn = void (*)(pid_t tid);
  struct Kick {
    InterruptFn fn;
    pid_t tid;
  };
  // stop() for callers that hold a lock the run's end may wait for (a
  // token's, the watchdog's): writes the words and returns the interrupts,
  // which the caller sends (send) once it has let go of its lock.
  std::vector<Kick> stop_deferred(StopReason why);
  static void send(const std::vector<Kick>& kicks);
  uint32_t reason() const { return reason_.load(std::memory_order_relaxed); }

  // Engines: `w` receives the reason now and at every later stop(), until
  // detached. Each attach is paired with a detach before `w` goes away.
  // An engine whose code does not poll `w` everywhere (the JIT's loops) also
  // passes `interrupt`: a later stop() calls it with the attaching thread's
  // id after writing the words and after letting go of every lock, so a
  // run that stops by itself meanwhile is not held up by the interrupt (a
  // signal costs tens of microseconds to send on a virtual machine). The
  // thread may have left the run by then: the interrupt must do nothing to
  // a thread that is not running the engine's code for this word. It is
  // not called for a word attached after the stop, which the engine reads
  // at entry.
  //
  // An engine that polls `w` only where a stop asks it to (the
  // interpreter's back-edges, which run checking handlers only while a run
  // of their code has a stop pending) passes `on_stop` instead: a stop()
  // calls on_stop(arg) after writing the word (seq_cst), under the
  // control's lock, so while `w` is still attached; it must not take this
  // control's lock or a token's or the watchdog's. A word attached after
  // the stop gets the reason and no call: the engine reads it after attach.
  using OnStopFn = void (*)(void* arg);
  void attach(StopWord* w, InterruptFn interrupt = nullptr, OnStopFn on_stop = nullptr, void* arg = nullptr);
  void detach(StopWord* w);

 private:
  struct Attached {
    StopWord* word;
    InterruptFn interrupt;
    pid_t tid;
    OnStopFn on_stop;
    void* arg;
  };
  std::mutex mu_;
  StopWord reason_{0};
  std::vector<Attached> words_;
  std::shared_ptr<CancelState> token_;
  bool timed_ = false;
};

// The shared state behind a public CancelToken: cancelled once, for good;
// every run watching it stops.
class CancelState {
 public:
  void cancel();
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

 private:
  friend class RunControl;
  void add(RunControl* c);
  void remove(RunControl* c);
  std::mutex mu_;
  std::atomic<bool> cancelled_{false};
  std::vector<RunControl*> runs_;
};

// ---- Timed may_goto (the kernel's timed loop budget) ----
//
// Each call frame keeps a count and the time its slice started (0: not yet).
// may_goto falls through while the count is non-zero (and decrements it);
// at zero the count is refilled by timed_loop_refill, which starts the
// slice on first use and returns 0 once the slice is over, so may_goto
// jumps from then on. A loop governed by may_goto thus runs for
// kTimedLoopSliceNs per frame, with a clock read every kTimedLoopCount
// iterations.
inline constexpr uint64_t kTimedLoopCount = 0xffff;
inline constexpr uint64_t kTimedLoopSliceNs = 250'000'000;
uint64_t timed_loop_refill(uint64_t* slice_start_ns);

}  // namespace decade
