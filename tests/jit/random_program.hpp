// SPDX-License-Identifier: Apache-2.0
// Random, structurally valid BPF programs for differential testing of the
// JIT against the interpreter (tests/jit/diff_test.cpp, fuzz/jit_diff_fuzz.cpp).
// Every register is initialised; memory accesses stay inside the stack frame
// or the run's buffer (r1, never written); loops are counted by r9 and end;
// jumps go forward or back to a loop head. Every ALU, load, store and atomic
// row of the ISA table can appear.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "isa/encode.hpp"
#include "isa/insn.hpp"

namespace decade::jit::test {

inline constexpr uint32_t kRandomMemSize = 64;

// pick(n) returns a value in [0, n).
class RandomProgram {
 public:
  explicit RandomProgram(std::function<uint32_t(uint32_t)> pick) : pick_(std::move(pick)) {}

  std::vector<RawInsn> generate(uint32_t max_items) {
    items_.clear();
    for (uint8_t r = 0; r <= 9; ++r)
      if (r != 1) emit(make_insn(Op::LDDW, r, 0, 0, 0, value()));
    while (items_.size() < max_items && pick_(16) != 0) {
      if (pick_(6) == 0) loop();
      else straight(4 + pick_(8), items_.size() + 64);
    }
    // Fold every register into r0 so all of them are compared.
    for (uint8_t r = 2; r <= 9; ++r) {
      emit(make_insn(Op::LSH64_IMM, 0, 0, 0, 7));
      emit(make_insn(Op::XOR64_REG, 0, r));
    }
    emit(make_insn(Op::EXIT));
    return encode_items();
  }

 private:
  struct Item {
    Insn insn;
    int64_t target = -1;  // item index for jumps
  };

  uint64_t value() {
    static const uint64_t kEdges[] = {0, 1, 2, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
                                      0x8000000000000000, 0xffffffffffffffff, 63, 64, 31, 32};
    if (pick_(2)) return kEdges[pick_(16)];
    return (uint64_t{pick_(0x10000)} << 48) ^ (uint64_t{pick_(0x10000)} << 24) ^ pick_(0x1000000);
  }
  void emit(Insn in, int64_t target = -1) { items_.push_back({in, target}); }
  // A destination register: r0, r2..r8 (r1 holds the buffer, r9 counts loops).
  uint8_t dst() {
    const uint8_t r = static_cast<uint8_t>(pick_(8));
    return r == 1 ? 8 : r;
  }
  // A source register: any but r1 and r10, whose values (addresses) differ
  // between engines.
  uint8_t src() {
    const uint8_t r = static_cast<uint8_t>(pick_(9));
    return r == 1 ? 9 : r;
  }

  // A random row satisfying ok: a random start, then the next matching row
  // in table order, so a byte source that keeps repeating itself (as fuzz
  // input does) cannot make this loop forever.
  const OpInfo& row_where(bool (*ok)(const OpInfo&)) {
    const uint32_t start = pick_(static_cast<uint32_t>(kOpCount));
    for (uint32_t k = 0; k < kOpCount; ++k) {
      const OpInfo& i = kOps[(start + k) % kOpCount];
      if (ok(i)) return i;
    }
    return kOps[start];  // unreachable for the predicates used here: each matches some row
  }

  void alu() {
    const OpInfo& i = row_where([](const OpInfo& o) { return is_alu(o.sem) && o.sem != Sem::AddrSpaceCast; });
    Insn in = make_insn(i.op, dst());
    if (i.shape == Shape::AluReg) in.src = src();
    if (i.shape == Shape::AluImm) in.imm = static_cast<int32_t>(pick_(3) ? value() : pick_(70) - 5);
    if (i.shape == Shape::AluImm && (i.sem == Sem::Rol || i.sem == Sem::Ror)) in.imm = static_cast<int32_t>(pick_(i.width));
    emit(in);
  }

  // [base + off] for an access of `size` bytes: the buffer or the frame.
  std::pair<uint8_t, int16_t> address(unsigned size) {
    if (pick_(2)) return {1, static_cast<int16_t>(pick_(kRandomMemSize / size) * size)};
    return {10, static_cast<int16_t>(-static_cast<int>(size) * static_cast<int>(1 + pick_(16)))};
  }

  void memory() {
    const OpInfo& i = row_where([](const OpInfo& o) {
      const Shape s = o.shape;
      return (s == Shape::Load || s == Shape::StoreImm || s == Shape::StoreReg || s == Shape::AtomicRmw ||
              s == Shape::AtomicLoad || s == Shape::AtomicStore) &&
             o.sem != Sem::LdAbs && o.sem != Sem::LdInd;
    });
    const unsigned size = i.width / 8;
    auto [base, off] = address(size);
    if (i.shape == Shape::Load || i.shape == Shape::AtomicLoad) emit(make_insn(i.op, dst(), base, off));
    else if (i.shape == Shape::StoreImm) emit(make_insn(i.op, base, 0, off, static_cast<int32_t>(value())));
    else if (i.shape == Shape::StoreReg || i.shape == Shape::AtomicStore) emit(make_insn(i.op, base, src(), off));
    else emit(make_insn(i.op, base, (i.dval & 1) ? dst() : src(), off));  // fetch forms write src
  }

  void jump_forward(size_t limit) {
    const OpInfo& i = row_where([](const OpInfo& o) { return is_cond_jump(o.sem); });
    Insn in = make_insn(i.op, dst());
    if (i.shape == Shape::JmpReg) in.src = src();
    else in.imm = static_cast<int32_t>(pick_(2) ? value() : pick_(10));
    const size_t target = items_.size() + 1 + pick_(6);
    emit(in, static_cast<int64_t>(std::min(target, limit)));
  }

  // Straight-line code; forward jumps land no further than item `limit`.
  void straight(uint32_t n, size_t limit) {
    const size_t end = items_.size() + n;
    while (items_.size() < end) {
      const uint32_t k = pick_(10);
      if (k < 5) alu();
      else if (k < 8) memory();
      else jump_forward(std::min(end, limit));
    }
  }

  void loop() {
    emit(make_insn(Op::MOV64_IMM, 9, 0, 0, static_cast<int32_t>(1 + pick_(20))));
    const size_t head = items_.size();
    const uint32_t body = 2 + pick_(8);
    straight(body, head + body);
    emit(make_insn(Op::SUB64_IMM, 9, 0, 0, 1));
    emit(make_insn(Op::JNE64_IMM, 9, 0, 0, 0), static_cast<int64_t>(head));
  }

  std::vector<RawInsn> encode_items() {
    std::vector<uint32_t> slot(items_.size() + 1, 0);
    for (size_t k = 0; k < items_.size(); ++k) slot[k + 1] = slot[k] + items_[k].insn.slots();
    std::vector<RawInsn> out;
    for (size_t k = 0; k < items_.size(); ++k) {
      Insn in = items_[k].insn;
      if (items_[k].target >= 0) {
        const auto t = static_cast<size_t>(std::min<int64_t>(items_[k].target, static_cast<int64_t>(items_.size() - 1)));
        in.off = static_cast<int16_t>(static_cast<int64_t>(slot[t]) - static_cast<int64_t>(slot[k]) - 1);
      }
      encode(in, out);
    }
    return out;
  }

  std::function<uint32_t(uint32_t)> pick_;
  std::vector<Item> items_;
};

}  // namespace decade::jit::test
