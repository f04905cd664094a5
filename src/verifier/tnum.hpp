// SPDX-License-Identifier: Apache-2.0
// Tristate numbers: a 64-bit value where each bit is known 0, known 1 or
// unknown (mask bit set). A domain that knows nothing of BPF; the operations
// are the standard sound tnum transfer functions (Vishwanathan et al.,
// "Sound, Precise, and Fast Abstract Interpretation with Tristate Numbers").
#pragma once

#include <bit>
#include <cstdint>

namespace decade::verifier {

struct Tnum {
  uint64_t value = 0;  // known-1 bits (never overlaps mask)
  uint64_t mask = ~0ULL;  // unknown bits

  static constexpr Tnum constant(uint64_t v) { return {v, 0}; }
  static constexpr Tnum unknown() { return {0, ~0ULL}; }
  // The smallest tnum containing every value of [min, max].
  static constexpr Tnum range(uint64_t min, uint64_t max) {
    const uint64_t chi = min ^ max;
    const unsigned bits = chi ? 64 - static_cast<unsigned>(std::countl_zero(chi)) : 0;
    if (bits > 63) return unknown();
    const uint64_t delta = (1ULL << bits) - 1;
    return {min & ~delta, delta};
  }

  constexpr bool is_const() const { return mask == 0; }
  constexpr bool operator==(const Tnum&) const = default;
  constexpr uint64_t min() const { return value; }
  constexpr uint64_t max() const { return value | mask; }
  // Every value of b is a value of *this.
  constexpr bool contains(const Tnum& b) const {
    if (b.mask & ~mask) return false;
    return (b.value & ~mask) == value;
  }
  constexpr bool contains_value(uint64_t v) const { return (v & ~mask) == value; }
};

constexpr Tnum tnum_add(Tnum a, Tnum b) {
  const uint64_t sm = a.mask + b.mask, sv = a.value + b.value, sigma = sm + sv;
  const uint64_t chi = sigma ^ sv, mu = chi | a.mask | b.mask;
  return {sv & ~mu, mu};
}
constexpr Tnum tnum_sub(Tnum a, Tnum b) {
  const uint64_t dv = a.value - b.value, alpha = dv + a.mask, beta = dv - b.mask;
  const uint64_t chi = alpha ^ beta, mu = chi | a.mask | b.mask;
  return {dv & ~mu, mu};
}
constexpr Tnum tnum_neg(Tnum a) { return tnum_sub(Tnum::constant(0), a); }
constexpr Tnum tnum_and(Tnum a, Tnum b) {
  const uint64_t alpha = a.value | a.mask, beta = b.value | b.mask, v = a.value & b.value;
  return {v, alpha & beta & ~v};
}
constexpr Tnum tnum_or(Tnum a, Tnum b) {
  const uint64_t v = a.value | b.value, mu = a.mask | b.mask;
  return {v, mu & ~v};
}
constexpr Tnum tnum_xor(Tnum a, Tnum b) {
  const uint64_t v = a.value ^ b.value, mu = a.mask | b.mask;
  return {v & ~mu, mu};
}
constexpr Tnum tnum_lshift(Tnum a, unsigned n) { return {a.value << n, a.mask << n}; }
constexpr Tnum tnum_rshift(Tnum a, unsigned n) { return {a.value >> n, a.mask >> n}; }
// Arithmetic shift of a value `bits` wide (32 or 64), result zero-extended.
constexpr Tnum tnum_arshift(Tnum a, unsigned n, unsigned bits) {
  if (bits == 32) {
    return {static_cast<uint32_t>(static_cast<int32_t>(a.value) >> n),
            static_cast<uint32_t>(static_cast<int32_t>(a.mask) >> n)};
  }
  return {static_cast<uint64_t>(static_cast<int64_t>(a.value) >> n),
          static_cast<uint64_t>(static_cast<int64_t>(a.mask) >> n)};
}
constexpr Tnum tnum_mul(Tnum a, Tnum b) {
  uint64_t acc_v = a.value * b.value;
  Tnum acc_m{0, 0};
  while (a.value || a.mask) {
    if (a.value & 1) acc_m = tnum_add(acc_m, Tnum{0, b.mask});
    else if (a.mask & 1) acc_m = tnum_add(acc_m, Tnum{0, b.value | b.mask});
    a = tnum_rshift(a, 1);
    b = tnum_lshift(b, 1);
  }
  return tnum_add(Tnum::constant(acc_v), acc_m);
}
// Values in both (callers make sure the two overlap).
constexpr Tnum tnum_intersect(Tnum a, Tnum b) {
  const uint64_t v = a.value | b.value, mu = a.mask & b.mask;
  return {v & ~mu, mu};
}
// Smallest tnum holding every value of either.
constexpr Tnum tnum_union(Tnum a, Tnum b) {
  const uint64_t mu = a.mask | b.mask | (a.value ^ b.value);
  return {a.value & ~mu, mu};
}
// Two tnums share at least one value.
constexpr bool tnum_overlap(Tnum a, Tnum b) { return ((a.value ^ b.value) & ~(a.mask | b.mask)) == 0; }
// Keep the low `bytes` bytes.
constexpr Tnum tnum_cast(Tnum a, unsigned bytes) {
  if (bytes >= 8) return a;
  const uint64_t m = (1ULL << (8 * bytes)) - 1;
  return {a.value & m, a.mask & m};
}
constexpr Tnum tnum_subreg(Tnum a) { return tnum_cast(a, 4); }
constexpr Tnum tnum_with_subreg(Tnum a, Tnum sub) {
  const Tnum hi{a.value & ~0xffffffffULL, a.mask & ~0xffffffffULL};
  return tnum_or(hi, tnum_subreg(sub));
}

}  // namespace decade::verifier
