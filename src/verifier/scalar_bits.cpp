// SPDX-License-Identifier: Apache-2.0
// Scalar transfer functions of the bitmanip extension (popcount, count
// leading/trailing zeros, rotates; docs/isa-extensions.md). Each works on
// the operand's low `width` bits, narrowed by both its tnum and its unsigned
// bounds, and gives a zero-extended result; a constant operand folds through
// isa/semantics.hpp, so the verifier and the engines agree bit for bit.
#include <algorithm>
#include <bit>

#include "isa/semantics.hpp"
#include "verifier/scalar.hpp"

namespace decade::verifier {
namespace {

constexpr uint64_t width_mask(unsigned width) { return width == 32 ? 0xffffffffULL : ~0ULL; }

// The operand's possible low `width` bits: the tnum cut to the width and
// intersected with what the unsigned bounds of that width allow.
Tnum operand_bits(const Scalar& a, unsigned width) {
  if (width == 32) return tnum_intersect(tnum_subreg(a.var), Tnum::range(a.u32min, a.u32max));
  return tnum_intersect(a.var, Tnum::range(a.umin, a.umax));
}

// Unsigned bounds of the operand's low `width` bits.
std::pair<uint64_t, uint64_t> operand_range(const Scalar& a, unsigned width) {
  if (width == 32) return {a.u32min, a.u32max};
  return {a.umin, a.umax};
}

uint64_t clz_w(uint64_t v, unsigned width) {
  return width == 32 ? decade::sem::clz32(static_cast<uint32_t>(v)) : decade::sem::clz64(v);
}
uint64_t ctz_w(uint64_t v, unsigned width) {
  return width == 32 ? decade::sem::ctz32(static_cast<uint32_t>(v)) : decade::sem::ctz64(v);
}

Tnum rotate_tnum(Tnum t, unsigned n, bool left, unsigned width) {
  auto rot = [&](uint64_t v) -> uint64_t {
    if (width == 32) {
      const auto v32 = static_cast<uint32_t>(v);
      return left ? decade::sem::rol32(v32, n) : decade::sem::ror32(v32, n);
    }
    return left ? decade::sem::rol64(v, n) : decade::sem::ror64(v, n);
  };
  return {rot(t.value), rot(t.mask)};
}

Scalar of_tnum(Tnum t) {
  Scalar r;
  r.var = t;
  r.sync();
  return r;
}

}  // namespace

Scalar popcount(const Scalar& a, unsigned width) {
  const Tnum t = operand_bits(a, width);
  if (t.is_const()) return Scalar::constant(decade::sem::popcnt64(t.value & width_mask(width)));
  // At least the bits known to be one, at most every bit that may be one.
  return Scalar::urange(static_cast<uint64_t>(std::popcount(t.value)),
                        static_cast<uint64_t>(std::popcount(t.value | t.mask)));
}

Scalar count_leading_zeros(const Scalar& a, unsigned width) {
  const Tnum t = operand_bits(a, width);
  if (t.is_const()) return Scalar::constant(clz_w(t.value, width));
  // clz falls as the value grows: the largest possible value gives the
  // fewest leading zeros, the smallest the most.
  const auto [umin, umax] = operand_range(a, width);
  const uint64_t lo = std::max(clz_w(t.max(), width), clz_w(umax, width));
  const uint64_t hi = std::min(clz_w(t.min(), width), clz_w(umin, width));
  return Scalar::urange(lo, std::max(lo, hi));
}

Scalar count_trailing_zeros(const Scalar& a, unsigned width) {
  const Tnum t = operand_bits(a, width);
  if (t.is_const()) return Scalar::constant(ctz_w(t.value, width));
  // No one bit below the lowest bit that may be one; at most up to the
  // lowest bit known to be one (the width when none is, unless the value is
  // known non-zero).
  const uint64_t lo = ctz_w(t.value | t.mask, width);
  uint64_t hi = ctz_w(t.value, width);
  if (operand_range(a, width).first > 0) hi = std::min<uint64_t>(hi, width - 1);
  return Scalar::urange(lo, std::max(lo, hi));
}

Scalar rotate(const Scalar& a, const Scalar& amount, bool left, unsigned width) {
  const Tnum t = operand_bits(a, width);
  const Tnum n{amount.var.value & (width - 1), amount.var.mask & (width - 1)};  // the amount modulo width
  // Every rotation the amount allows, joined: exact for a constant amount.
  Tnum acc = rotate_tnum(t, static_cast<unsigned>(n.value), left, width);
  for (unsigned k = 0; k < width; ++k)
    if (n.contains_value(k)) acc = tnum_union(acc, rotate_tnum(t, k, left, width));
  return of_tnum(acc);
}

}  // namespace decade::verifier
