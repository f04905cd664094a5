// SPDX-License-Identifier: Apache-2.0
// Native pc -> BPF instruction (slot) index. Every byte of emitted code that
// belongs to an instruction, including its out-of-line cold paths, is
// covered, so a fault recorded as a native return address names the
// instruction behind it.
#pragma once

#include <cstdint>
#include <vector>

namespace decade::jit::x64 {

class PcMap {
 public:
  // Code from native offset `offset` on belongs to slot `pc` (-1: glue code
  // that belongs to no instruction). Offsets must not decrease.
  void mark(uint32_t offset, int32_t pc);
  // The slot covering native offset `offset`, or -1.
  int32_t lookup(uint32_t offset) const;
  // Native offset where slot `pc`'s main code starts, or -1.
  int64_t start_of(uint32_t pc) const;
  struct Entry {
    uint32_t offset;
    int32_t pc;
  };
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

}  // namespace decade::jit::x64
