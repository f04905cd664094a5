// SPDX-License-Identifier: Apache-2.0
// Superinstructions for verified programs: frequent pairs in clang's output
// (address computation, indexed loads, zero/sign extension by shifts, paired loads, loop
// step + test, copy + test) run from the first instruction's TInsn with one dispatch
// instead of two. A pair is fused only when its second instruction can be
// reached by falling through from the first alone: it is no jump, call or
// function-address target, no call's return point, and the program has no
// gotox (which may enter any instruction). The second TInsn is left as it
// was, so each half keeps its own operands, bounds flag and pc for errors.
#include "interp/threaded.hpp"

namespace decade::interp::detail {
namespace {

constexpr Kind offset(Kind base, unsigned n) { return static_cast<Kind>(static_cast<unsigned>(base) + n); }
constexpr unsigned index(Kind k) { return static_cast<unsigned>(k); }

static_assert(offset(Kind::ADD64_IMM_JEQ64_IMM, 2 * 10 + 1) == Kind::ADD64_IMM_JSLE64_REG);
static_assert(offset(Kind::MOV64_REG_JEQ64_IMM, 2 * 10 + 1) == Kind::MOV64_REG_JSLE64_REG);
static_assert(offset(Kind::JEQ64_IMM, 4 * 10 + 1) == Kind::JSLE64_REG);
static_assert(offset(Kind::ADD64_REG_LDX8, 3) == Kind::ADD64_REG_LDX64 && offset(Kind::LDX8, 3) == Kind::LDX64);

// `first; if ... goto` with a 64-bit compare: the fused kinds follow the
// compare kinds' order (EQ..SLE), imm then reg.
std::optional<Kind> compare_pair(Kind fused_eq_imm, Kind second) {
  if (second < Kind::JEQ64_IMM || second > Kind::JSLE32_REG) return std::nullopt;
  const unsigned rel = index(second) - index(Kind::JEQ64_IMM);
  if (rel % 4 >= 2) return std::nullopt;  // 32-bit compares are not fused
  return offset(fused_eq_imm, 2 * (rel / 4) + rel % 4);
}

// The superinstruction for `first; second`, or nullopt.
// Kind is an internal enum of several hundred values: the pairs are matched
// with ifs, not a switch (-Wswitch-enum would ask for every kind).
std::optional<Kind> pair_kind(Kind first, Kind second) {
  if (first == Kind::MOV64_REG && second == Kind::ADD64_IMM) return Kind::MOV64_REG_ADD64_IMM;
  if (first == Kind::MOV64_REG && second == Kind::ADD64_REG) return Kind::MOV64_REG_ADD64_REG;
  if (first == Kind::LSH64_IMM && second == Kind::RSH64_IMM) return Kind::LSH64_IMM_RSH64_IMM;
  if (first == Kind::LSH64_IMM && second == Kind::ARSH64_IMM) return Kind::LSH64_IMM_ARSH64_IMM;
  if (first == Kind::LDX32 && second == Kind::LDX32) return Kind::LDX32_LDX32;
  if (first == Kind::LDX64 && second == Kind::LDX64) return Kind::LDX64_LDX64;
  if (first == Kind::ADD64_REG && second >= Kind::LDX8 && second <= Kind::LDX64)
    return offset(Kind::ADD64_REG_LDX8, index(second) - index(Kind::LDX8));
  if (first == Kind::ADD64_IMM) return compare_pair(Kind::ADD64_IMM_JEQ64_IMM, second);
  if (first == Kind::MOV64_REG) return compare_pair(Kind::MOV64_REG_JEQ64_IMM, second);
  return std::nullopt;
}

bool returns_to_next(Kind k) {
  return k == Kind::CALL_LOCAL || k == Kind::CALLX || k == Kind::CALL_HELPER || k == Kind::CALL_KFUNC ||
         k == Kind::TAIL_CALL;
}

}  // namespace

size_t fuse(TProgram& tp) {
  auto& code = tp.code;
  const size_t n = code.size() - 1;  // not the sentinel
  std::vector<bool> target(code.size(), false);
  for (size_t i = 0; i < n; ++i) {
    const TInsn& t = code[i];
    if (t.kind == Kind::GOTOX) return 0;
    if (t.t) target[static_cast<size_t>(t.t - code.data())] = true;
    if (returns_to_next(t.kind)) target[i + 1] = true;  // the return point
  }
  size_t fused = 0;
  for (size_t i = 0; i + 1 < n; ++i) {
    if (target[i + 1]) continue;
    if (const auto k = pair_kind(code[i].kind, code[i + 1].kind)) {
      code[i].kind = *k;
      ++fused;
      ++i;  // the second half is only reached through the first
    }
  }
  return fused;
}

}  // namespace decade::interp::detail
