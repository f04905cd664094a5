// SPDX-License-Identifier: Apache-2.0
// bpf_spin_lock for checked (unverified) execution. The verifier's guarantee
// that a lock is always released is missing there, so acquiring gives up
// after a bounded wait (250 ms, like the kernel's rqspinlock timeout)
// instead of hanging the host. Both engines' checked modes use it.
#pragma once

#include <cstdint>

namespace decade {

inline constexpr uint32_t kSpinLockTimeoutMs = 250;

// Takes the 4-byte lock word at addr; false when it stayed held past the timeout.
bool spin_lock_acquire_bounded(uint64_t addr);

}  // namespace decade
