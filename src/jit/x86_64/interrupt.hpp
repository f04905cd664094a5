// SPDX-License-Identifier: Apache-2.0
// Stopping JIT code without a check in its loops (docs/runtime-control.md):
// RunControl::stop() sends the run's thread kInterruptSignal; the handler,
// finding the thread in the code of its innermost JIT run with that run's
// stop word set, moves it to the fault exit as if the instruction it was
// executing had faulted with ExecCancelled. Anywhere else (in a helper, in
// the glue, in the trampoline) the handler leaves the thread alone: emitted
// code reads the stop word after every call into C++ and at the first
// instruction of every function a trampoline enters, so such a thread stops
// when it comes back to JIT code.
#pragma once

#include <sys/types.h>

#include "decade/error.hpp"
#include "jit/x86_64/jit_state.hpp"

namespace decade::jit::x64 {

// The signal stop() sends: SIGRTMIN + 6 unless the host chose another
// (the probes' thread parking uses SIGRTMIN + 7). Threads that run JIT code
// must not block it, or a stop waits for the run's next call.
int interrupt_signal();
// Chooses it: a real-time signal with the default disposition (no handler
// of the host's, not ignored), before the first interrupt installs the
// handler; after that only the installed one is accepted (a stop in flight
// may still send it). InvalidArgument otherwise.
Status set_interrupt_signal(int signo);

// RunControl::InterruptFn of the JIT: installs the handler on first use and
// signals thread `tid` of this process (tgkill: a thread that has exited
// meanwhile is ESRCH, not undefined behaviour as with pthread_kill).
void interrupt_thread(pid_t tid);

// The thread's innermost JIT run that may be interrupted, for the span of
// the scope (runs nest: tail calls, programs started by helpers).
class InterruptScope {
 public:
  explicit InterruptScope(JitState& st);
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  JitState* saved_;
};

}  // namespace decade::jit::x64
