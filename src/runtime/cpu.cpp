// SPDX-License-Identifier: Apache-2.0
#include "runtime/cpu.hpp"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

namespace decade {
namespace {

// Parses a cpulist such as "0-3,8-11" and returns the highest index + 1.
uint32_t parse_cpulist(const std::string& s) {
  uint32_t highest = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t end = s.find(',', i);
    if (end == std::string::npos) end = s.size();
    std::string part = s.substr(i, end - i);
    size_t dash = part.find('-');
    std::string last = dash == std::string::npos ? part : part.substr(dash + 1);
    try {
      highest = std::max<uint32_t>(highest, static_cast<uint32_t>(std::stoul(last)) + 1);
    } catch (...) {
      // Malformed entry: ignore it, the fallback below still applies.
    }
    i = end + 1;
  }
  return highest;
}

uint32_t detect_possible() {
  std::ifstream f("/sys/devices/system/cpu/possible");
  std::string line;
  uint32_t n = 0;
  if (f && std::getline(f, line)) n = parse_cpulist(line);
  n = std::max<uint32_t>(n, std::thread::hardware_concurrency());
  return std::clamp<uint32_t>(n, 1, 4096);
}

// One slot per possible CPU, each on its own cache line; 1 while a run holds it.
struct alignas(64) SlotWord {
  std::atomic<uint32_t> held{0};
};

struct SlotTable {
  std::unique_ptr<SlotWord[]> slots;
  uint32_t n;
  std::atomic<uint32_t> next_home{0};  // spreads the threads' first choices
  // Threads waiting for a slot, and a counter they sleep on (atomic wait).
  std::atomic<uint32_t> waiters{0};
  std::atomic<uint32_t> generation{0};

  SlotTable() : slots(new SlotWord[possible_cpus()]), n(possible_cpus()) {}

  bool try_take(uint32_t i) {
    return !slots[i].held.load(std::memory_order_relaxed) && !slots[i].held.exchange(1, std::memory_order_acquire);
  }
  // Home first, then the others in order; n on failure.
  uint32_t scan(uint32_t home) {
    for (uint32_t k = 0; k < n; ++k) {
      const uint32_t i = home + k < n ? home + k : home + k - n;
      if (try_take(i)) return i;
    }
    return n;
  }
  uint32_t take(uint32_t home) {
    if (uint32_t i = scan(home); i < n) return i;
    // Slow path. The waiter count is raised before the generation is read and
    // the slots scanned again, and a release stores its slot before reading
    // the count (all sequentially consistent): either the scan sees the freed
    // slot or the releaser sees the waiter and bumps the generation.
    waiters.fetch_add(1);
    uint32_t i;
    for (;;) {
      const uint32_t g = generation.load();
      if ((i = scan(home)) < n) break;
      generation.wait(g);
    }
    waiters.fetch_sub(1);
    return i;
  }
  void give_back(uint32_t i) {
    slots[i].held.store(0);
    if (waiters.load()) {
      generation.fetch_add(1);
      generation.notify_all();
    }
  }
};

SlotTable& table() {
  static SlotTable* t = new SlotTable();  // leaked: threads may exit during static destruction
  return *t;
}

struct ThreadSlot {
  uint32_t home = table().next_home.fetch_add(1, std::memory_order_relaxed) % table().n;
  uint32_t depth = 0;  // nested CpuSlots on this thread; the slot is held while > 0
};
thread_local ThreadSlot tls_slot;

}  // namespace

uint32_t possible_cpus() {
  static const uint32_t n = detect_possible();
  return n;
}

uint32_t current_cpu() { return tls_slot.home; }

CpuSlot::CpuSlot() {
  ThreadSlot& t = tls_slot;
  if (t.depth++ == 0) t.home = table().take(t.home);
}

CpuSlot::~CpuSlot() {
  ThreadSlot& t = tls_slot;
  if (--t.depth == 0) table().give_back(t.home);
}

uint32_t CpuSlot::cpu() const { return tls_slot.home; }

}  // namespace decade
