// SPDX-License-Identifier: Apache-2.0
// bpf_spin_lock for checked (unverified) execution. The verifier's guarantee
// that a lock is always released is missing there, so acquiring gives up
// after a bounded wait (250 ms, like the kernel's rqspinlock timeout)
// instead of hanging the host. Both engines' checked modes use it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace decade {

struct RunContext;

inline constexpr uint32_t kSpinLockTimeoutMs = 250;

// Takes the 4-byte lock word at addr; false when it stayed held past the timeout.
bool spin_lock_acquire_bounded(uint64_t addr);

// The lock bookkeeping of a checked run, one for both engines: the lock is
// kept in the run's HeldResources (one at a time, as the verifier would
// require), so unwinding releases it like a verified program's.
// bpf_spin_lock / bpf_spin_unlock on addr: the reason for an
// ExecHelperFault, or nothing when the call succeeded.
std::optional<std::string> checked_spin_lock(RunContext& rc, uint64_t addr);
std::optional<std::string> checked_spin_unlock(RunContext& rc, uint64_t addr);

}  // namespace decade
