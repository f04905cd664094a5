// SPDX-License-Identifier: Apache-2.0
// BPF_MAP_TYPE_PERF_EVENT_ARRAY: slot i holds the perf ring a reader opened
// for CPU i (libbpf's perf_buffer opens one per CPU and stores its fd at the
// CPU's index). bpf_perf_event_output appends a sample to the ring of the
// CPU the run holds; a full ring counts the sample as lost, and the reader
// sees the count (PERF_RECORD_LOST) before the next sample that fits.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "runtime/map.hpp"

namespace decade {

// One CPU's ring: capacity bytes of records, as the kernel accounts them
// (an 8-byte perf_event_header, the u32 raw size, the data padded so the
// record is a multiple of 8 bytes; a lost record takes 24 bytes).
class PerfRing {
 public:
  PerfRing(uint32_t cpu, uint64_t capacity, std::shared_ptr<struct PerfWakeup> wakeup);
  // The sample is data then `extra` (packet bytes): 0, or -ENOSPC when it
  // does not fit (counted as lost).
  long write(std::span<const uint8_t> data, std::span<const uint8_t> extra);
  struct Record {
    bool lost = false;
    uint64_t lost_count = 0;
    std::vector<uint8_t> data;  // padded raw sample
  };
  // Takes every record written so far, in order.
  std::vector<Record> drain();
  uint32_t cpu() const { return cpu_; }

 private:
  std::mutex mu_;
  const uint32_t cpu_;
  const uint64_t capacity_;
  uint64_t used_ = 0;
  uint64_t lost_ = 0;  // samples lost since the last lost record
  std::deque<Record> records_;
  std::shared_ptr<struct PerfWakeup> wakeup_;
};

// Wakes a reader waiting in poll when any of its rings gets a record.
struct PerfWakeup {
  std::mutex mu;
  std::condition_variable cv;
  uint64_t seq = 0;
  void notify();
};

// The map's program-facing and reader-facing sides.
class PerfEventArray : public Map {
 public:
  using Map::Map;
  // bpf_perf_event_output's delivery: index is the map slot (BPF_F_CURRENT_CPU
  // already resolved), cpu the running CPU. -E2BIG past max_entries, -ENOENT
  // without a ring, -EOPNOTSUPP when the ring belongs to another CPU.
  virtual long output(uint32_t index, uint32_t cpu, std::span<const uint8_t> data, std::span<const uint8_t> extra) = 0;
  // The reader's side: puts ring at its CPU's slot (replacing what was there)
  // or clears the slot (nullptr). -E2BIG past max_entries.
  virtual long attach(uint32_t index, std::shared_ptr<PerfRing> ring) = 0;
};

PerfEventArray* as_perf_event_array(Map* map);  // nullptr for other maps

}  // namespace decade
