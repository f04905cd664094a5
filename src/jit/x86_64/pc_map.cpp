// SPDX-License-Identifier: Apache-2.0
#include "jit/x86_64/pc_map.hpp"

#include <algorithm>

namespace decade::jit::x64 {

void PcMap::mark(uint32_t offset, int32_t pc) {
  if (!entries_.empty() && entries_.back().offset == offset) {
    entries_.back().pc = pc;  // nothing was emitted for the previous mark
    return;
  }
  if (!entries_.empty() && entries_.back().pc == pc) return;
  entries_.push_back({offset, pc});
}

int32_t PcMap::lookup(uint32_t offset) const {
  auto it = std::upper_bound(entries_.begin(), entries_.end(), offset,
                             [](uint32_t off, const Entry& e) { return off < e.offset; });
  if (it == entries_.begin()) return -1;
  return std::prev(it)->pc;
}

int64_t PcMap::start_of(uint32_t pc) const {
  for (const Entry& e : entries_)
    if (e.pc == static_cast<int32_t>(pc)) return e.offset;
  return -1;
}

}  // namespace decade::jit::x64
