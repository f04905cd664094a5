// SPDX-License-Identifier: Apache-2.0
// A small program builder for the structured generator (gen_shapes.hpp):
// instructions with symbolic jump targets (labels, or absolute instruction
// numbers for the random bodies), resolved to slot-relative offsets once the
// whole program is laid out (ld_imm64 takes two slots). Out-of-range jumps
// become `r0 = 0`, as in build(); the result goes through decode() like any
// program from outside.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "isa/decode.hpp"
#include "isa/encode.hpp"

namespace decade::fuzzgen {

class Asm {
 public:
  using Label = int32_t;

  uint32_t here() const { return static_cast<uint32_t>(insns_.size()); }
  Label label() {
    pos_.push_back(-1);
    return static_cast<Label>(pos_.size() - 1);
  }
  void bind(Label l) { pos_[static_cast<size_t>(l)] = here(); }

  void emit(const Insn& in) { add(in, kNone); }
  // A jump or call to a label (bound before or after).
  void to(const Insn& in, Label l) { add(in, -2 - l); }
  // A jump to an absolute instruction number (the random bodies' targets).
  void to_abs(const Insn& in, uint32_t index) { add(in, index); }

  Result<Program> finish() {
    std::vector<uint32_t> slot(insns_.size() + 1, 0);
    for (size_t k = 0; k < insns_.size(); ++k) slot[k + 1] = slot[k] + insns_[k].slots();
    std::vector<RawInsn> raw;
    for (size_t k = 0; k < insns_.size(); ++k) {
      Insn in = insns_[k];
      if (tgt_[k] != kNone) {
        const int64_t t = tgt_[k] >= 0 ? tgt_[k] : pos_[static_cast<size_t>(-2 - tgt_[k])];
        const int64_t idx = std::clamp<int64_t>(t, 0, static_cast<int64_t>(insns_.size()));
        const int64_t rel = int64_t{slot[static_cast<size_t>(idx)]} - (int64_t{slot[k]} + 1);
        if (target_in_imm(in.op) || in.info().sem == Sem::LdFunc) in.imm = static_cast<int32_t>(rel);
        else if (rel < INT16_MIN || rel > INT16_MAX) in = make_insn(Op::MOV64_IMM, 0, 0, 0, 0);
        else in.off = static_cast<int16_t>(rel);
      }
      encode(in, raw);
    }
    return decode(std::span<const RawInsn>(raw));
  }

 private:
  static constexpr int64_t kNone = INT64_MIN;
  void add(const Insn& in, int64_t tgt) {
    insns_.push_back(in);
    tgt_.push_back(tgt);
  }
  std::vector<Insn> insns_;
  std::vector<int64_t> tgt_;
  std::vector<int64_t> pos_;
};

// Input bytes read front to back; zeros once they run out.
struct ByteReader {
  const uint8_t* p;
  size_t n;
  size_t i = 0;
  uint8_t u8() { return i < n ? p[i++] : 0; }
  uint32_t pick(uint32_t k) { return k ? u8() % k : 0; }
  bool coin(uint32_t num, uint32_t den) { return pick(den) < num; }
  // The next `k` eight-byte body chunks available (at most max).
  uint32_t chunks(uint32_t max) const { return static_cast<uint32_t>(std::min<size_t>((n - std::min(i, n)) / 8, max)); }
  const uint8_t* take(uint32_t chunks) {
    const uint8_t* at = p + std::min(i, n);
    i += size_t{chunks} * 8;
    return at;
  }
};

}  // namespace decade::fuzzgen
