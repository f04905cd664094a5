// SPDX-License-Identifier: Apache-2.0
#include "runtime/res_spin_lock.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <span>
#include <thread>

#include "runtime/cpu.hpp"
#include "runtime/run_context.hpp"

namespace decade {
namespace {

// One CPU slot's view of its run: the locks it holds (the first
// kResLockHeldMax, oldest first) and the one it waits for (0: none).
// Written only by the thread holding the slot, inside seq: odd while a
// change is under way, so readers can tell a consistent copy.
struct alignas(64) HeldTable {
  std::atomic<uint32_t> seq{0};
  std::atomic<uint32_t> n{0};
  std::atomic<uint64_t> waiting{0};
  std::array<std::atomic<uint64_t>, kResLockHeldMax> locks{};
};

std::span<HeldTable> tables() {
  // Leaked on purpose: runs on other threads may outlive static destruction.
  static HeldTable* t = new HeldTable[possible_cpus()];
  return {t, possible_cpus()};
}

// Writer side of the sequence count (the slot's own thread only).
template <class Fn>
void change(HeldTable& t, Fn&& fn) {
  t.seq.store(t.seq.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  fn();
  t.seq.store(t.seq.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

struct Snapshot {
  uint32_t seq = 0;
  uint32_t n = 0;
  uint64_t waiting = 0;
  std::array<uint64_t, kResLockHeldMax> locks{};
  bool holds(uint64_t addr) const { return std::find(locks.begin(), locks.begin() + n, addr) != locks.begin() + n; }
};

// A consistent copy of another slot's table; false while it keeps changing.
bool read_table(const HeldTable& t, Snapshot& s) {
  for (int tries = 0; tries < 4; ++tries) {
    const uint32_t before = t.seq.load(std::memory_order_acquire);
    if (before & 1) continue;
    s.n = std::min(t.n.load(std::memory_order_relaxed), kResLockHeldMax);
    s.waiting = t.waiting.load(std::memory_order_relaxed);
    for (uint32_t i = 0; i < s.n; ++i) s.locks[i] = t.locks[i].load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (t.seq.load(std::memory_order_relaxed) == before) {
      s.seq = before;
      return true;
    }
  }
  return false;
}

// The own table needs no snapshot: only this thread writes it.
bool own_holds(const HeldTable& t, uint64_t addr) {
  const uint32_t n = t.n.load(std::memory_order_relaxed);
  for (uint32_t i = 0; i < n; ++i)
    if (t.locks[i].load(std::memory_order_relaxed) == addr) return true;
  return false;
}

void record(HeldTable& t, uint64_t addr) {
  const uint32_t n = t.n.load(std::memory_order_relaxed);
  if (n == kResLockHeldMax) return;  // taken but unrecorded: only the timeout covers it
  change(t, [&] {
    t.locks[n].store(addr, std::memory_order_relaxed);
    t.n.store(n + 1, std::memory_order_relaxed);
  });
}

void unrecord(HeldTable& t, uint64_t addr) {
  const uint32_t n = t.n.load(std::memory_order_relaxed);
  uint32_t i = n;
  while (i > 0 && t.locks[i - 1].load(std::memory_order_relaxed) != addr) --i;
  if (i == 0) return;
  change(t, [&] {
    for (uint32_t k = i; k < n; ++k) t.locks[k - 1].store(t.locks[k].load(std::memory_order_relaxed), std::memory_order_relaxed);
    t.n.store(n - 1, std::memory_order_relaxed);
  });
}

void set_waiting(HeldTable& t, uint64_t addr) {
  change(t, [&] { t.waiting.store(addr, std::memory_order_relaxed); });
}

// Cycles longer than this many runs are left to the timeout.
constexpr uint32_t kMaxCycle = 64;

// Whether slot `self`, waiting for `want`, closes a cycle of waits: want's
// owner waits for a lock whose owner waits ... for a lock self holds. Each
// table on the path is read once and must still be unchanged at the end, so
// every edge held at that moment and the cycle is real.
bool closes_cycle(uint32_t self, uint64_t want) {
  std::span<HeldTable> tabs = tables();
  std::array<std::pair<uint32_t, uint32_t>, kMaxCycle> path;  // (slot, seq read)
  uint64_t lock = want;
  for (uint32_t hop = 0; hop < kMaxCycle; ++hop) {
    if (hop > 0 && own_holds(tabs[self], lock)) {
      for (uint32_t k = 0; k < hop; ++k)
        if (tabs[path[k].first].seq.load(std::memory_order_acquire) != path[k].second) return false;
      return true;
    }
    Snapshot s;
    uint32_t owner = self;
    for (uint32_t c = 0; c < tabs.size() && owner == self; ++c)
      if (c != self && read_table(tabs[c], s) && s.holds(lock)) owner = c;
    if (owner == self || s.waiting == 0) return false;
    path[hop] = {owner, s.seq};
    lock = s.waiting;
  }
  return false;
}

// The slow path: wait for the word, watching for a cycle and the deadline.
int64_t wait_for(std::atomic_ref<uint32_t> word, HeldTable& t, uint32_t self, uint64_t addr) {
  set_waiting(t, addr);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kResLockTimeoutMs);
  int64_t result = -ETIMEDOUT;
  for (uint32_t spins = 1;; ++spins) {
    uint32_t expected = 0;
    if (word.load(std::memory_order_relaxed) == 0 &&
        word.compare_exchange_weak(expected, 1, std::memory_order_acquire, std::memory_order_relaxed)) {
      result = 0;
      break;
    }
    if (spins < 64) continue;
    // Host threads are preempted (a kernel CPU holding a lock is not): give
    // the holder the core, then look for a deadlock.
    std::this_thread::yield();
    if (closes_cycle(self, addr)) {
      result = -EDEADLK;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) break;
  }
  set_waiting(t, 0);
  return result;
}

void unlock_word(uint64_t addr) {
  std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(addr)).store(0, std::memory_order_release);
}

// Gives a lock back: out of the slot's table before the word is free, so a
// table never names a lock its slot does not hold (what makes a seen cycle
// real). Also the HeldResources release function, which unwinding calls
// while the run's CPU slot is still its own.
void release_lock(uint64_t addr) {
  unrecord(tables()[current_cpu()], addr);
  unlock_word(addr);
}

}  // namespace

int64_t res_lock_acquire(uint64_t addr) {
  RunContext* rc = current_run_context();
  if (!rc) return -EINVAL;
  const uint32_t self = current_cpu();
  HeldTable& t = tables()[self];
  // AA: the slot (this run or one it is nested in) already holds it.
  if (own_holds(t, addr) || rc->held.holds(addr, HeldResources::Kind::ResLock)) return -EDEADLK;
  std::atomic_ref<uint32_t> word(*reinterpret_cast<uint32_t*>(addr));
  uint32_t expected = 0;
  if (!word.compare_exchange_strong(expected, 1, std::memory_order_acquire, std::memory_order_relaxed))
    if (const int64_t err = wait_for(word, t, self, addr)) return err;
  record(t, addr);
  if (!rc->held.hold(HeldResources::Kind::ResLock, addr, release_lock)) {
    release_lock(addr);
    return -ENOMEM;  // not held: the program's error path runs, as for a timeout
  }
  return 0;
}

bool res_lock_release(uint64_t addr) {
  RunContext* rc = current_run_context();
  if (!rc || !rc->held.drop(addr, HeldResources::Kind::ResLock)) return false;
  release_lock(addr);
  return true;
}

}  // namespace decade
