// SPDX-License-Identifier: Apache-2.0
#include <algorithm>

#include "isa/insn.hpp"

namespace decade {

const LineInfo* Program::line_for(uint32_t pc) const {
  // The last line record at or before pc (line info marks the start of a source line).
  auto it = std::upper_bound(lines.begin(), lines.end(), pc, [](uint32_t p, const LineInfo& l) { return p < l.pc; });
  if (it == lines.begin()) return nullptr;
  return &*(it - 1);
}

}  // namespace decade
