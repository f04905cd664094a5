// SPDX-License-Identifier: Apache-2.0
// The scalar value domain: a tnum combined with unsigned and signed intervals
// over the full 64-bit value and over its low 32 bits. Knows nothing of BPF
// beyond the arithmetic it models (wrapping two's-complement, 32-bit
// operations that zero-extend, the shift/division rules of semantics.hpp).
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "verifier/tnum.hpp"

namespace decade::verifier {

struct Scalar {
  Tnum var = Tnum::unknown();
  uint64_t umin = 0, umax = std::numeric_limits<uint64_t>::max();
  int64_t smin = std::numeric_limits<int64_t>::min(), smax = std::numeric_limits<int64_t>::max();
  uint32_t u32min = 0, u32max = std::numeric_limits<uint32_t>::max();
  int32_t s32min = std::numeric_limits<int32_t>::min(), s32max = std::numeric_limits<int32_t>::max();

  static Scalar unknown() { return {}; }
  static Scalar constant(uint64_t v);
  // [lo, hi] as unsigned 64-bit values.
  static Scalar urange(uint64_t lo, uint64_t hi);
  // Any value of `bytes` bytes, zero-extended.
  static Scalar of_size(unsigned bytes);

  bool is_const() const { return var.is_const(); }
  uint64_t value() const { return var.value; }
  bool is_const32() const { return tnum_subreg(var).is_const(); }
  // No concrete value fits every constraint (a refuted branch).
  bool empty() const;
  // Tighten every component from the others (the kernel's reg_bounds_sync).
  void sync();
  // Every value of o is a value of *this.
  bool contains(const Scalar& o) const;
  bool operator==(const Scalar&) const = default;
  // The smallest scalar holding the values of both.
  Scalar join(const Scalar& o) const;
  std::string to_string() const;
};

// Binary ALU operations on `width`-bit operands (32 or 64); 32-bit results are
// zero-extended. Shift counts are masked and division by zero follows
// semantics.hpp, so every result is sound for every input.
enum class AluOp : uint8_t { Add, Sub, Mul, Div, SDiv, Mod, SMod, Or, And, Xor, Lsh, Rsh, Arsh };
Scalar alu(AluOp op, const Scalar& a, const Scalar& b, unsigned width);
Scalar neg(const Scalar& a, unsigned width);
// Keep the low `bytes` bytes (zero-extended), e.g. a narrow load or mov32.
Scalar truncate(const Scalar& a, unsigned bytes);
// Sign-extend the low `bits` bits to `width` bits (movsx, sign-extending loads).
Scalar sign_extend(const Scalar& a, unsigned bits, unsigned width);
// Byte swap of the low `bits` bits (result zero-extended to 64 bits).
Scalar byte_swap(const Scalar& a, unsigned bits);
// The bitmanip extension on the low `width` bits (32 or 64), results
// zero-extended (scalar_bits.cpp): popcount in [known ones, possible ones];
// clz/ctz bounded by the tnum and the unsigned bounds (the width for 0);
// rotates move the tnum's value and mask, by an amount taken modulo width.
Scalar popcount(const Scalar& a, unsigned width);
Scalar count_leading_zeros(const Scalar& a, unsigned width);
Scalar count_trailing_zeros(const Scalar& a, unsigned width);
Scalar rotate(const Scalar& a, const Scalar& amount, bool left, unsigned width);

enum class Cmp : uint8_t { Eq, Ne, Gt, Ge, Lt, Le, Sgt, Sge, Slt, Sle, Set, NotSet };
Cmp negate(Cmp c);
// Swap operand order: a OP b == b swap(OP) a.
Cmp swap_operands(Cmp c);
// 1: always true, 0: always false, -1: depends on the values.
int branch_taken(const Scalar& a, const Scalar& b, Cmp c, unsigned width);
// Assume `a c b` holds; narrow both. False when that is impossible.
bool refine(Scalar& a, Scalar& b, Cmp c, unsigned width);

}  // namespace decade::verifier
