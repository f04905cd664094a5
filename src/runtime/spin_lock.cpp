// SPDX-License-Identifier: Apache-2.0
#include "runtime/spin_lock.hpp"

#include <atomic>
#include <chrono>
#include <thread>

namespace decade {

bool spin_lock_acquire_bounded(uint64_t addr) {
  std::atomic_ref<uint32_t> word(*reinterpret_cast<uint32_t*>(addr));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kSpinLockTimeoutMs);
  for (uint32_t spins = 0;; ++spins) {
    uint32_t expected = 0;
    if (word.compare_exchange_weak(expected, 1, std::memory_order_acquire, std::memory_order_relaxed)) return true;
    if (spins > 64) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::yield();
    }
  }
}

}  // namespace decade
