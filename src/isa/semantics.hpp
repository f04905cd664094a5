// SPDX-License-Identifier: Apache-2.0
// Instruction semantics written once: the interpreter, the verifier's constant
// folding and the JITs' differential tests all call these.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>

namespace decade::sem {

constexpr uint64_t zext32(uint64_t v) { return v & 0xffffffffULL; }
constexpr uint64_t sext32(uint64_t v) { return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(v))); }
constexpr uint64_t sext(uint64_t v, unsigned bits) {
  const unsigned sh = 64 - bits;
  return static_cast<uint64_t>(static_cast<int64_t>(v << sh) >> sh);
}
// An imm used by an ALU64/JMP instruction: sign-extended to 64 bits.
constexpr uint64_t imm64(int32_t imm) { return static_cast<uint64_t>(static_cast<int64_t>(imm)); }

// Unsigned division and modulo: x/0 = 0, x%0 = x.
constexpr uint64_t udiv64(uint64_t a, uint64_t b) { return b ? a / b : 0; }
constexpr uint64_t umod64(uint64_t a, uint64_t b) { return b ? a % b : a; }
constexpr uint32_t udiv32(uint32_t a, uint32_t b) { return b ? a / b : 0; }
constexpr uint32_t umod32(uint32_t a, uint32_t b) { return b ? a % b : a; }

// Signed division and modulo: round toward zero, remainder has the dividend's
// sign; x/0 = 0, x%0 = x, INT_MIN/-1 = INT_MIN, INT_MIN%-1 = 0.
constexpr uint64_t sdiv64(uint64_t ua, uint64_t ub) {
  const auto a = static_cast<int64_t>(ua), b = static_cast<int64_t>(ub);
  if (b == 0) return 0;
  if (b == -1) return 0 - ua;  // wraps INT_MIN to INT_MIN
  return static_cast<uint64_t>(a / b);
}
constexpr uint64_t smod64(uint64_t ua, uint64_t ub) {
  const auto a = static_cast<int64_t>(ua), b = static_cast<int64_t>(ub);
  if (b == 0) return ua;
  if (b == -1) return 0;
  return static_cast<uint64_t>(a % b);
}
constexpr uint32_t sdiv32(uint32_t ua, uint32_t ub) {
  const auto a = static_cast<int32_t>(ua), b = static_cast<int32_t>(ub);
  if (b == 0) return 0;
  if (b == -1) return 0u - ua;
  return static_cast<uint32_t>(a / b);
}
constexpr uint32_t smod32(uint32_t ua, uint32_t ub) {
  const auto a = static_cast<int32_t>(ua), b = static_cast<int32_t>(ub);
  if (b == 0) return ua;
  if (b == -1) return 0;
  return static_cast<uint32_t>(a % b);
}

// Shifts: the count is masked to the operand width.
constexpr uint64_t lsh64(uint64_t a, uint64_t n) { return a << (n & 63); }
constexpr uint64_t rsh64(uint64_t a, uint64_t n) { return a >> (n & 63); }
constexpr uint64_t arsh64(uint64_t a, uint64_t n) { return static_cast<uint64_t>(static_cast<int64_t>(a) >> (n & 63)); }
constexpr uint32_t lsh32(uint32_t a, uint64_t n) { return a << (n & 31); }
constexpr uint32_t rsh32(uint32_t a, uint64_t n) { return a >> (n & 31); }
constexpr uint32_t arsh32(uint32_t a, uint64_t n) { return static_cast<uint32_t>(static_cast<int32_t>(a) >> (n & 31)); }

// Bit manipulation (Decade extension bitmanip, docs/isa-extensions.md).
// clz and ctz of 0 give the width. Rotate amounts are taken modulo the width
// (an immediate amount is already in [0, width) after decoding).
constexpr uint64_t popcnt64(uint64_t a) { return static_cast<uint64_t>(std::popcount(a)); }
constexpr uint64_t popcnt32(uint32_t a) { return static_cast<uint64_t>(std::popcount(a)); }
constexpr uint64_t clz64(uint64_t a) { return static_cast<uint64_t>(std::countl_zero(a)); }
constexpr uint64_t clz32(uint32_t a) { return static_cast<uint64_t>(std::countl_zero(a)); }
constexpr uint64_t ctz64(uint64_t a) { return static_cast<uint64_t>(std::countr_zero(a)); }
constexpr uint64_t ctz32(uint32_t a) { return static_cast<uint64_t>(std::countr_zero(a)); }
constexpr uint64_t rol64(uint64_t a, uint64_t n) { return std::rotl(a, static_cast<int>(n & 63)); }
constexpr uint64_t ror64(uint64_t a, uint64_t n) { return std::rotr(a, static_cast<int>(n & 63)); }
constexpr uint32_t rol32(uint32_t a, uint64_t n) { return std::rotl(a, static_cast<int>(n & 31)); }
constexpr uint32_t ror32(uint32_t a, uint64_t n) { return std::rotr(a, static_cast<int>(n & 31)); }

// Byte order (the host is little-endian; the static_assert keeps that honest).
static_assert(std::endian::native == std::endian::little, "Decade assumes a little-endian host");
constexpr uint64_t bswap(uint64_t v, unsigned bits) {
  switch (bits) {
    case 16: return std::byteswap(static_cast<uint16_t>(v));
    case 32: return std::byteswap(static_cast<uint32_t>(v));
    default: return std::byteswap(v);
  }
}
constexpr uint64_t truncate(uint64_t v, unsigned bits) { return bits >= 64 ? v : v & ((1ULL << bits) - 1); }
constexpr uint64_t to_le(uint64_t v, unsigned bits) { return truncate(v, bits); }
constexpr uint64_t to_be(uint64_t v, unsigned bits) { return bswap(v, bits); }

// Conditions. `bits` is 32 for JMP32 (compares the low halves), else 64.
constexpr bool cond_eq(uint64_t a, uint64_t b) { return a == b; }
constexpr bool cond_gt(uint64_t a, uint64_t b) { return a > b; }
constexpr bool cond_ge(uint64_t a, uint64_t b) { return a >= b; }
constexpr bool cond_lt(uint64_t a, uint64_t b) { return a < b; }
constexpr bool cond_le(uint64_t a, uint64_t b) { return a <= b; }
constexpr bool cond_set(uint64_t a, uint64_t b) { return (a & b) != 0; }
constexpr bool cond_sgt64(uint64_t a, uint64_t b) { return static_cast<int64_t>(a) > static_cast<int64_t>(b); }
constexpr bool cond_sge64(uint64_t a, uint64_t b) { return static_cast<int64_t>(a) >= static_cast<int64_t>(b); }
constexpr bool cond_slt64(uint64_t a, uint64_t b) { return static_cast<int64_t>(a) < static_cast<int64_t>(b); }
constexpr bool cond_sle64(uint64_t a, uint64_t b) { return static_cast<int64_t>(a) <= static_cast<int64_t>(b); }
constexpr bool cond_sgt32(uint32_t a, uint32_t b) { return static_cast<int32_t>(a) > static_cast<int32_t>(b); }
constexpr bool cond_sge32(uint32_t a, uint32_t b) { return static_cast<int32_t>(a) >= static_cast<int32_t>(b); }
constexpr bool cond_slt32(uint32_t a, uint32_t b) { return static_cast<int32_t>(a) < static_cast<int32_t>(b); }
constexpr bool cond_sle32(uint32_t a, uint32_t b) { return static_cast<int32_t>(a) <= static_cast<int32_t>(b); }

// addr_space_cast immediates.
inline constexpr int32_t kCastArenaToHost = 1;         // dst_as 0, src_as 1
inline constexpr int32_t kCastHostToArena = 0x10000;   // dst_as 1, src_as 0

// Atomic imm codes.
inline constexpr int32_t kAtomicFetch = 0x01;
inline constexpr int32_t kAtomicXchg = 0xe1;
inline constexpr int32_t kAtomicCmpxchg = 0xf1;
inline constexpr int32_t kLoadAcquire = 0x100;
inline constexpr int32_t kStoreRelease = 0x110;

// Loop budget shared by may_goto, bpf_loop and iterators.
inline constexpr uint64_t kLoopBudget = 8'388'608;

}  // namespace decade::sem
