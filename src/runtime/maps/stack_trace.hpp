// SPDX-License-Identifier: Apache-2.0
// BPF_MAP_TYPE_STACK_TRACE: u32 stack ids to stacks of u64 return
// addresses, filled by bpf_get_stackid and read (and deleted) by the host.
// As in the kernel, an id is the stack's hash masked to the bucket count
// (max_entries rounded up to a power of two), at most max_entries stacks are
// held at once, and two stacks whose hashes share a bucket collide: the
// second gets -EEXIST unless the program asks BPF_F_REUSE_STACKID.
#pragma once

#include <cstdint>

#include "runtime/map.hpp"

namespace decade {

// bpf_get_stackid's flags (uapi).
inline constexpr uint64_t kStackSkipMask = 0xff, kStackUserStack = 1ull << 8, kStackFastCmp = 1ull << 9,
                          kStackReuseId = 1ull << 10;

class StackTraceMap : public Map {
 public:
  using Map::Map;
  // Stores ips[0, nr) (1 <= nr <= value_size / 8: the skipped frames already
  // dropped, the stack already cut to the value's depth) and returns its id,
  // or -EEXIST (another stack holds the bucket, no BPF_F_REUSE_STACKID),
  // -ENOMEM (max_entries stacks held). With BPF_F_FAST_STACK_CMP a stack of
  // the same hash in the bucket is taken as equal without comparing frames.
  virtual long store(const uint64_t* ips, uint32_t nr, uint64_t flags) = 0;
};

StackTraceMap* as_stack_trace_map(Map* map);  // nullptr for other maps

}  // namespace decade
