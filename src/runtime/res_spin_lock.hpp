// SPDX-License-Identifier: Apache-2.0
// bpf_res_spin_lock: the kernel's resilient spin lock (rqspinlock) for
// programs that hold several locks at once. Taking one never hangs: it
// returns 0 with the lock held, -EDEADLK when waiting could never end, or
// -ETIMEDOUT after kResLockTimeoutMs. The lock is a 4-byte word in a map
// value (MapDef::res_lock_off), 0 when free.
//
// Deadlock detection. Every CPU slot (runtime/cpu.hpp: one per running
// program, exclusive, as a kernel CPU runs one program at a time) has a
// table of the locks its run holds (the first kResLockHeldMax; more are
// taken but not recorded, as in the kernel, and only the timeout covers
// them) and the lock it is waiting for. Only the slot's own thread writes
// its table, under a sequence count, so other threads read consistent
// snapshots. A waiter looks for a cycle in the wait-for graph: the owner
// of the lock it wants (the slot whose table holds it), the lock that
// owner waits for, its owner, ... back to itself. A cycle is reported
// only when every table on it was unchanged from its read until the whole
// cycle was seen, so all its edges held at one moment: AA (a run taking
// a lock its own slot holds) is found before waiting, ABBA and longer
// cycles while waiting. Every member of a cycle may see it and fail.
//
// Contract: the calls below are made from inside a run (RunScope), which
// holds a CPU slot and a RunContext. The run's HeldResources keeps each
// lock it took (Kind::ResLock) with the function that gives it back, so a
// run that ends abnormally releases them with everything else it holds
// (release_run_resources).
#pragma once

#include <cstdint>

#include "runtime/spin_lock.hpp"

namespace decade {

struct RunContext;

// The kernel's per-CPU table size (RES_NR_HELD) and timeout.
inline constexpr uint32_t kResLockHeldMax = 31;
inline constexpr uint32_t kResLockTimeoutMs = kSpinLockTimeoutMs;

// Takes the lock word at addr for the current run: 0, -EDEADLK or
// -ETIMEDOUT (as a 64-bit value). Outside a run: -EINVAL.
int64_t res_lock_acquire(uint64_t addr);
// Releases a lock the current run holds; false (nothing changed) when the
// run does not hold it.
bool res_lock_release(uint64_t addr);

}  // namespace decade
