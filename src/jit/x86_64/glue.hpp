// SPDX-License-Identifier: Apache-2.0
// C++ entry points that emitted code calls (SysV ABI), and the engine's
// RunContext::invoke_callback. Everything here runs with a JitState whose
// JitHot is in r12 of the calling code.
#pragma once

#include <cstdint>

#include "jit/x86_64/jit_state.hpp"

namespace decade::jit::x64::glue {

// Checked access [addr, addr + (size_write & 0xff)) (write when bit 8 is set),
// from the instruction whose code contains `ret`. Returns 1 when allowed;
// otherwise records ExecOutOfBounds in hot and returns 0. A stop of the run
// (when stop_now agrees) is recorded the same way, as ExecCancelled. `r10` is the
// current frame pointer (the live stack is [r10 - frame size, stack top)).
uint64_t mem_check(JitHot* hot, uint64_t addr, uint64_t size_write, uint64_t ret, uint64_t r10);

// A helper or kfunc call in checked mode: JitHot::pending is the FuncProto;
// pointer arguments are checked against the run's memory before the call.
uint64_t helper_checked(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5);

// callx with a helper id in JitHot::callx_value.
uint64_t callx_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5);

// bpf_tail_call(ctx, map, index). status: 0 the kernel falls through
// (value = -ENOENT), 1 the target ran (value = its r0), 2 it faulted
// (RunContext::fault is set).
struct TailResult {
  uint64_t value;
  uint64_t status;
};
TailResult tail_call(JitHot* hot, uint64_t ctx, uint64_t map, uint64_t index);

// RunContext::invoke_callback for this engine (engine = JitState*).
bool invoke_callback(void* engine, uint64_t target, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                     uint64_t r5, uint64_t* r0);

// Whether [addr, addr + size) is memory the run may touch (checked mode).
bool mem_ok(JitState& st, uint64_t addr, uint64_t size, bool write, uint64_t r10);


// The cold path of a stop check that found the stop word set: 1 when the run
// stops now, 0 while it holds a bpf_spin_lock (the stop then waits for the
// unlock, so a critical section is never cut in half).
uint64_t stop_now(JitHot* hot);

// Timed may_goto: slot[0] is the frame's count, slot[1] the start of its
// time slice; refills the count (0 once the slice is over).
void may_goto_refill(uint64_t* slot);

// The error a fault recorded in `hot` stands for: the stop reason decides
// between ExecCancelled and ExecTimeout.
ErrorCode fault_error_code(const JitHot& hot);

// Offset of std::optional<Error>'s engaged flag inside the optional, or -1
// when this standard library lays it out differently than probed.
int64_t fault_flag_offset();

}  // namespace decade::jit::x64::glue
