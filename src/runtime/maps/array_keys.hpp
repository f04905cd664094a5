// SPDX-License-Identifier: Apache-2.0
// Keys of the maps indexed by a u32 (array, per-CPU array, prog_array,
// perf_event_array, devmap, cpumap, xskmap, sockmap, reuseport arrays):
// reading the index and the kernel's BPF_MAP_GET_NEXT_KEY order over it.
#pragma once

#include <cstdint>
#include <cstring>

#include "decade/error.hpp"

namespace decade::array_keys {

inline uint32_t index_of(const void* key) {
  uint32_t idx;
  std::memcpy(&idx, key, 4);
  return idx;
}

// The index after `key`: 0 for no key or one out of range (the kernel's
// rule), MapKeyNotFound after the last.
inline Status next_key(const void* key, void* next_key, uint32_t max_entries) {
  const uint32_t idx = key ? index_of(key) : UINT32_MAX;
  const uint32_t next = idx >= max_entries ? 0 : idx + 1;
  if (next >= max_entries) return make_error(ErrorCode::MapKeyNotFound, "last element");
  std::memcpy(next_key, &next, 4);
  return ok();
}

}  // namespace decade::array_keys
