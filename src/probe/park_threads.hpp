// SPDX-License-Identifier: Apache-2.0
// Stopping the other threads of the process while a probe's jump is
// written, so none of them is half-way through the instructions it replaces.
//
// A 5-byte jump replaces several instructions; a thread stopped (preempted,
// or just running) between two of them would resume in the middle of the
// jump. Every other thread is sent kParkSignal; its handler waits until the
// code is written, then, if the thread's pc lies strictly inside the
// replaced bytes at an instruction boundary, moves it to the same
// instruction's copy in the trampoline. Threads that block the signal
// cannot be parked: the attach then fails after a timeout.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "decade/error.hpp"

namespace decade::probe {

// SIGRTMIN + 7, installed on first use (docs/uprobes.md).
int park_signal();

// Where a thread at `from + first` continues after the write: `second`.
using PcMove = std::pair<uint32_t, uint64_t>;

// Runs `write` with every other thread parked, then applies `moves` to the
// parked threads whose pc is in (from, from + len). ProbeAttachFailed when
// a thread did not stop within a second (nothing is written then).
Status with_threads_parked(const std::function<Status()>& write, uint64_t from, uint32_t len,
                           const std::vector<PcMove>& moves);

}  // namespace decade::probe
