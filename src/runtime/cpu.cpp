// SPDX-License-Identifier: Apache-2.0
#include "runtime/cpu.hpp"

#include <algorithm>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

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

// Free CPU indexes; a thread takes the lowest free one and gives it back at exit.
struct CpuPool {
  std::mutex mu;
  std::vector<bool> used;
  uint32_t next_shared = 0;

  uint32_t take() {
    std::lock_guard lock(mu);
    if (used.empty()) used.assign(possible_cpus(), false);
    for (uint32_t i = 0; i < used.size(); ++i) {
      if (!used[i]) {
        used[i] = true;
        return i;
      }
    }
    // More live threads than CPUs: share round-robin (never marked free twice).
    return (next_shared++) % static_cast<uint32_t>(used.size()) | 0x80000000u;
  }
  void give_back(uint32_t idx) {
    if (idx & 0x80000000u) return;
    std::lock_guard lock(mu);
    if (idx < used.size()) used[idx] = false;
  }
};

CpuPool& pool() {
  static CpuPool* p = new CpuPool();  // leaked: threads may exit during static destruction
  return *p;
}

struct ThreadCpu {
  uint32_t raw = pool().take();
  ~ThreadCpu() { pool().give_back(raw); }
};

}  // namespace

uint32_t possible_cpus() {
  static const uint32_t n = detect_possible();
  return n;
}

uint32_t current_cpu() {
  thread_local ThreadCpu cpu;
  return cpu.raw & 0x7fffffffu;
}

}  // namespace decade
