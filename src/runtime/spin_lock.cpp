// SPDX-License-Identifier: Apache-2.0
#include "runtime/spin_lock.hpp"

#include <atomic>
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "runtime/run_context.hpp"

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

namespace {

void unlock_word(uint64_t addr) {
  std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(addr)).store(0, std::memory_order_release);
}

}  // namespace

std::optional<std::string> checked_spin_lock(RunContext& rc, uint64_t addr) {
  if (rc.held.holds_lock()) return "bpf_spin_lock while this program already holds a lock";
  if (!spin_lock_acquire_bounded(addr))
    return fmt::format("bpf_spin_lock at {:#x}: not released within {} ms", addr, kSpinLockTimeoutMs);
  if (!rc.held.hold(HeldResources::Kind::SpinLock, addr, unlock_word)) {
    unlock_word(addr);
    return "bpf_spin_lock: no memory to record the held lock";
  }
  return std::nullopt;
}

std::optional<std::string> checked_spin_unlock(RunContext& rc, uint64_t addr) {
  if (!rc.held.drop(addr, HeldResources::Kind::SpinLock)) return fmt::format("bpf_spin_unlock at {:#x}: lock not held", addr);
  unlock_word(addr);
  return std::nullopt;
}

}  // namespace decade
