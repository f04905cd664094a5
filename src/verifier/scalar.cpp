// SPDX-License-Identifier: Apache-2.0
#include "verifier/scalar.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "isa/semantics.hpp"

namespace decade::verifier {
namespace {

// Interval bounds of one width: U/S are the unsigned/signed integer types.
template <typename U, typename S>
struct Bounds {
  U umin, umax;
  S smin, smax;
  static constexpr Bounds full() {
    return {0, std::numeric_limits<U>::max(), std::numeric_limits<S>::min(), std::numeric_limits<S>::max()};
  }
  bool is_const() const { return umin == umax; }
};
using B64 = Bounds<uint64_t, int64_t>;
using B32 = Bounds<uint32_t, int32_t>;

B64 get64(const Scalar& s) { return {s.umin, s.umax, s.smin, s.smax}; }
B32 get32(const Scalar& s) { return {s.u32min, s.u32max, s.s32min, s.s32max}; }
void put64(Scalar& s, const B64& b) { s.umin = b.umin; s.umax = b.umax; s.smin = b.smin; s.smax = b.smax; }
void put32(Scalar& s, const B32& b) { s.u32min = b.umin; s.u32max = b.umax; s.s32min = b.smin; s.s32max = b.smax; }

template <typename U, typename S>
Bounds<U, S> b_add(const Bounds<U, S>& a, const Bounds<U, S>& b) {
  Bounds<U, S> r = Bounds<U, S>::full();
  U ulo, uhi;
  if (!__builtin_add_overflow(a.umin, b.umin, &ulo) && !__builtin_add_overflow(a.umax, b.umax, &uhi)) {
    r.umin = ulo;
    r.umax = uhi;
  }
  S slo, shi;
  if (!__builtin_add_overflow(a.smin, b.smin, &slo) && !__builtin_add_overflow(a.smax, b.smax, &shi)) {
    r.smin = slo;
    r.smax = shi;
  }
  return r;
}

template <typename U, typename S>
Bounds<U, S> b_sub(const Bounds<U, S>& a, const Bounds<U, S>& b) {
  Bounds<U, S> r = Bounds<U, S>::full();
  if (a.umin >= b.umax) {
    r.umin = a.umin - b.umax;
    r.umax = a.umax - b.umin;
  }
  S slo, shi;
  if (!__builtin_sub_overflow(a.smin, b.smax, &slo) && !__builtin_sub_overflow(a.smax, b.smin, &shi)) {
    r.smin = slo;
    r.smax = shi;
  }
  return r;
}

template <typename U, typename S>
Bounds<U, S> b_mul(const Bounds<U, S>& a, const Bounds<U, S>& b) {
  Bounds<U, S> r = Bounds<U, S>::full();
  U hi;
  if (!__builtin_mul_overflow(a.umax, b.umax, &hi)) {
    r.umin = a.umin * b.umin;
    r.umax = hi;
  }
  S p[4];
  if (!__builtin_mul_overflow(a.smin, b.smin, &p[0]) && !__builtin_mul_overflow(a.smin, b.smax, &p[1]) &&
      !__builtin_mul_overflow(a.smax, b.smin, &p[2]) && !__builtin_mul_overflow(a.smax, b.smax, &p[3])) {
    r.smin = std::min({p[0], p[1], p[2], p[3]});
    r.smax = std::max({p[0], p[1], p[2], p[3]});
  }
  return r;
}

// Interval part of the bitwise, shift and division operators; the tnum part
// is computed separately and sync() combines them.
template <typename U, typename S>
Bounds<U, S> b_other(AluOp op, const Bounds<U, S>& a, const Bounds<U, S>& b) {
  using Bd = Bounds<U, S>;
  constexpr unsigned kBits = sizeof(U) * 8;
  Bd r = Bd::full();
  switch (op) {
    case AluOp::And:
      r.umax = std::min(a.umax, b.umax);
      if (a.smin >= 0 && b.smin >= 0) { r.smin = 0; r.smax = std::min(a.smax, b.smax); }
      break;
    case AluOp::Or:
      r.umin = std::max(a.umin, b.umin);
      if (a.smin >= 0 && b.smin >= 0) r.smin = 0;
      break;
    case AluOp::Lsh:
      if (b.is_const()) {
        const unsigned k = static_cast<unsigned>(b.umin & (kBits - 1));
        if (a.umax <= (std::numeric_limits<U>::max() >> k)) { r.umin = a.umin << k; r.umax = a.umax << k; }
      }
      break;
    case AluOp::Rsh:
      if (b.is_const()) {
        const unsigned k = static_cast<unsigned>(b.umin & (kBits - 1));
        r.umin = a.umin >> k;
        r.umax = a.umax >> k;
      } else {
        r.umax = a.umax;
      }
      break;
    case AluOp::Arsh:
      if (b.is_const()) {
        const unsigned k = static_cast<unsigned>(b.umin & (kBits - 1));
        r.smin = static_cast<S>(a.smin >> k);
        r.smax = static_cast<S>(a.smax >> k);
      } else {
        r.smin = std::min<S>(a.smin, 0);
        r.smax = std::max<S>(a.smax, 0);
      }
      break;
    case AluOp::Div:
      if (b.is_const() && b.umin != 0) { r.umin = a.umin / b.umin; r.umax = a.umax / b.umin; }
      else r.umax = a.umax;  // x / y <= x, and x / 0 = 0
      break;
    case AluOp::Mod:
      if (b.umin != 0 && a.umax < b.umin) return a;  // x % y = x when x < y
      if (b.umin != 0) r.umax = std::min<U>(a.umax, b.umax - 1);
      else r.umax = a.umax;  // x % 0 = x, otherwise x % y < x
      break;
    case AluOp::SMod:
      if (b.is_const() && b.smin != 0 && b.smin != std::numeric_limits<S>::min()) {
        const S m = static_cast<S>((b.smin < 0 ? -b.smin : b.smin) - 1);
        r.smin = a.smin >= 0 ? 0 : static_cast<S>(-m);
        r.smax = a.smax <= 0 ? 0 : m;
      }
      break;
    case AluOp::Add: case AluOp::Sub: case AluOp::Mul: case AluOp::SDiv: case AluOp::Xor:
      break;
  }
  return r;
}

template <typename U, typename S>
Bounds<U, S> b_alu(AluOp op, const Bounds<U, S>& a, const Bounds<U, S>& b) {
  if (op == AluOp::Add) return b_add(a, b);
  if (op == AluOp::Sub) return b_sub(a, b);
  if (op == AluOp::Mul) return b_mul(a, b);
  return b_other(op, a, b);
}

uint64_t fold(AluOp op, uint64_t a, uint64_t b, unsigned width) {
  namespace s = decade::sem;
  if (width == 32) {
    const auto x = static_cast<uint32_t>(a), y = static_cast<uint32_t>(b);
    switch (op) {
      case AluOp::Add: return static_cast<uint32_t>(x + y);
      case AluOp::Sub: return static_cast<uint32_t>(x - y);
      case AluOp::Mul: return static_cast<uint32_t>(x * y);
      case AluOp::Div: return s::udiv32(x, y);
      case AluOp::SDiv: return s::sdiv32(x, y);
      case AluOp::Mod: return s::umod32(x, y);
      case AluOp::SMod: return s::smod32(x, y);
      case AluOp::Or: return x | y;
      case AluOp::And: return x & y;
      case AluOp::Xor: return x ^ y;
      case AluOp::Lsh: return s::lsh32(x, y);
      case AluOp::Rsh: return s::rsh32(x, y);
      case AluOp::Arsh: return s::arsh32(x, y);
    }
  }
  switch (op) {
    case AluOp::Add: return a + b;
    case AluOp::Sub: return a - b;
    case AluOp::Mul: return a * b;
    case AluOp::Div: return s::udiv64(a, b);
    case AluOp::SDiv: return s::sdiv64(a, b);
    case AluOp::Mod: return s::umod64(a, b);
    case AluOp::SMod: return s::smod64(a, b);
    case AluOp::Or: return a | b;
    case AluOp::And: return a & b;
    case AluOp::Xor: return a ^ b;
    case AluOp::Lsh: return s::lsh64(a, b);
    case AluOp::Rsh: return s::rsh64(a, b);
    case AluOp::Arsh: return s::arsh64(a, b);
  }
  return 0;
}

Tnum tnum_alu(AluOp op, Tnum a, Tnum b, unsigned width) {
  const unsigned mask = width - 1;
  switch (op) {
    case AluOp::Add: return tnum_add(a, b);
    case AluOp::Sub: return tnum_sub(a, b);
    case AluOp::Mul: return tnum_mul(a, b);
    case AluOp::And: return tnum_and(a, b);
    case AluOp::Or: return tnum_or(a, b);
    case AluOp::Xor: return tnum_xor(a, b);
    case AluOp::Lsh:
      return b.is_const() ? tnum_lshift(a, static_cast<unsigned>(b.value & mask)) : Tnum::unknown();
    case AluOp::Rsh:
      return b.is_const() ? tnum_rshift(a, static_cast<unsigned>(b.value & mask)) : Tnum::unknown();
    case AluOp::Arsh:
      return b.is_const() ? tnum_arshift(a, static_cast<unsigned>(b.value & mask), width) : Tnum::unknown();
    case AluOp::Div: case AluOp::SDiv: case AluOp::Mod: case AluOp::SMod:
      return Tnum::unknown();
  }
  return Tnum::unknown();
}

// A 64-bit value that is the zero-extension of 32-bit bounds and tnum.
Scalar zext_from32(const B32& b, Tnum sub) {
  Scalar r;
  r.var = tnum_subreg(sub);
  put32(r, b);
  r.umin = b.umin;
  r.umax = b.umax;
  r.smin = b.umin;
  r.smax = b.umax;
  r.sync();
  return r;
}

template <typename T>
void tighten(T& lo, T& hi, T nlo, T nhi) {
  lo = std::max(lo, nlo);
  hi = std::min(hi, nhi);
}

// A signed range that crosses the sign boundary covers both ends of the
// unsigned domain: [0, smax] and [(U)smin, max]. An unsigned range that
// misses one end leaves only the other (the kernel's deduction for ranges
// crossing the sign boundary), e.g. s8 values with u <= 0xff..ff00 are
// 0..127. Contract: only narrows; an empty result stays empty.
template <typename U, typename S>
void deduce_across_sign(U& umin, U& umax, S& smin, S& smax) {
  if (smin >= 0 || smax < 0) return;
  if (umax < static_cast<U>(smin)) {  // no negative value
    tighten<U>(umin, umax, 0, static_cast<U>(smax));
    if (umin <= umax) tighten<S>(smin, smax, static_cast<S>(umin), static_cast<S>(umax));
  } else if (static_cast<U>(smax) < umin) {  // no non-negative value
    tighten<U>(umin, umax, static_cast<U>(smin), std::numeric_limits<U>::max());
    if (umin <= umax) tighten<S>(smin, smax, static_cast<S>(umin), static_cast<S>(umax));
  }
}

void sync_once(Scalar& s) {
  // From the tnum.
  const Tnum sub = tnum_subreg(s.var);
  tighten<int32_t>(s.s32min, s.s32max, static_cast<int32_t>(sub.value | (sub.mask & 0x80000000u)),
                   static_cast<int32_t>(sub.value | (sub.mask & 0x7fffffffu)));
  tighten<uint32_t>(s.u32min, s.u32max, static_cast<uint32_t>(sub.value), static_cast<uint32_t>(sub.value | sub.mask));
  tighten<int64_t>(s.smin, s.smax, static_cast<int64_t>(s.var.value | (s.var.mask & (1ULL << 63))),
                   static_cast<int64_t>(s.var.value | (s.var.mask & ~(1ULL << 63))));
  tighten<uint64_t>(s.umin, s.umax, s.var.value, s.var.value | s.var.mask);
  // 64 -> 32 when the upper halves agree.
  if ((s.umin >> 32) == (s.umax >> 32)) {
    tighten<uint32_t>(s.u32min, s.u32max, static_cast<uint32_t>(s.umin), static_cast<uint32_t>(s.umax));
    if (static_cast<int32_t>(s.umin) <= static_cast<int32_t>(s.umax))
      tighten<int32_t>(s.s32min, s.s32max, static_cast<int32_t>(s.umin), static_cast<int32_t>(s.umax));
  }
  if ((static_cast<uint64_t>(s.smin) >> 32) == (static_cast<uint64_t>(s.smax) >> 32)) {
    tighten<uint32_t>(s.u32min, s.u32max, static_cast<uint32_t>(s.smin), static_cast<uint32_t>(s.smax));
    if (static_cast<int32_t>(s.smin) <= static_cast<int32_t>(s.smax))
      tighten<int32_t>(s.s32min, s.s32max, static_cast<int32_t>(s.smin), static_cast<int32_t>(s.smax));
  }
  // Signed <-> unsigned inside one width when the range does not cross the sign boundary.
  if (static_cast<int32_t>(s.u32min) <= static_cast<int32_t>(s.u32max))
    tighten<int32_t>(s.s32min, s.s32max, static_cast<int32_t>(s.u32min), static_cast<int32_t>(s.u32max));
  if (static_cast<uint32_t>(s.s32min) <= static_cast<uint32_t>(s.s32max))
    tighten<uint32_t>(s.u32min, s.u32max, static_cast<uint32_t>(s.s32min), static_cast<uint32_t>(s.s32max));
  if (static_cast<int64_t>(s.umin) <= static_cast<int64_t>(s.umax))
    tighten<int64_t>(s.smin, s.smax, static_cast<int64_t>(s.umin), static_cast<int64_t>(s.umax));
  if (static_cast<uint64_t>(s.smin) <= static_cast<uint64_t>(s.smax))
    tighten<uint64_t>(s.umin, s.umax, static_cast<uint64_t>(s.smin), static_cast<uint64_t>(s.smax));
  deduce_across_sign<uint32_t, int32_t>(s.u32min, s.u32max, s.s32min, s.s32max);
  deduce_across_sign<uint64_t, int64_t>(s.umin, s.umax, s.smin, s.smax);
  // 32 -> 64 when the upper halves are known.
  if ((s.umin >> 32) == (s.umax >> 32) && s.u32min <= s.u32max) {
    const uint64_t hi = s.umin & ~0xffffffffULL;
    tighten<uint64_t>(s.umin, s.umax, hi | s.u32min, hi | s.u32max);
  }
  // Tnum from the bounds.
  if (s.umin <= s.umax && s.u32min <= s.u32max) {
    const Tnum r = Tnum::range(s.umin, s.umax);
    if (!tnum_overlap(s.var, r)) { s.umin = 1; s.umax = 0; return; }
    s.var = tnum_intersect(s.var, r);
    const Tnum r32 = Tnum::range(s.u32min, s.u32max), sub2 = tnum_subreg(s.var);
    if (!tnum_overlap(sub2, r32)) { s.umin = 1; s.umax = 0; return; }
    s.var = tnum_with_subreg(s.var, tnum_intersect(sub2, r32));
  }
}

}  // namespace

Scalar Scalar::constant(uint64_t v) {
  Scalar s;
  s.var = Tnum::constant(v);
  s.umin = s.umax = v;
  s.smin = s.smax = static_cast<int64_t>(v);
  s.u32min = s.u32max = static_cast<uint32_t>(v);
  s.s32min = s.s32max = static_cast<int32_t>(v);
  return s;
}

Scalar Scalar::urange(uint64_t lo, uint64_t hi) {
  Scalar s;
  s.umin = lo;
  s.umax = hi;
  s.sync();
  return s;
}

Scalar Scalar::of_size(unsigned bytes) {
  if (bytes >= 8) return unknown();
  return urange(0, (1ULL << (8 * bytes)) - 1);
}

bool Scalar::empty() const {
  return umin > umax || smin > smax || u32min > u32max || s32min > s32max;
}

void Scalar::sync() {
  for (int i = 0; i < 3 && !empty(); ++i) {
    const Scalar before = *this;
    sync_once(*this);
    if (*this == before) break;
  }
}

bool Scalar::contains(const Scalar& o) const {
  return o.umin >= umin && o.umax <= umax && o.smin >= smin && o.smax <= smax && o.u32min >= u32min &&
         o.u32max <= u32max && o.s32min >= s32min && o.s32max <= s32max && var.contains(o.var);
}

Scalar Scalar::join(const Scalar& o) const {
  Scalar r;
  r.var = tnum_union(var, o.var);
  r.umin = std::min(umin, o.umin);
  r.umax = std::max(umax, o.umax);
  r.smin = std::min(smin, o.smin);
  r.smax = std::max(smax, o.smax);
  r.u32min = std::min(u32min, o.u32min);
  r.u32max = std::max(u32max, o.u32max);
  r.s32min = std::min(s32min, o.s32min);
  r.s32max = std::max(s32max, o.s32max);
  r.sync();
  return r;
}

std::string Scalar::to_string() const {
  if (is_const()) return fmt::format("{}", static_cast<int64_t>(var.value));
  std::string s = "(";
  const char* sep = "";
  auto add = [&](const std::string& x) { s += sep + x; sep = ","; };
  if (umin != 0) add(fmt::format("umin={}", umin));
  if (umax != UINT64_MAX) add(fmt::format("umax={}", umax));
  if (smin != INT64_MIN && static_cast<uint64_t>(smin) != umin) add(fmt::format("smin={}", smin));
  if (smax != INT64_MAX && static_cast<uint64_t>(smax) != umax) add(fmt::format("smax={}", smax));
  if (u32min != 0 && u32min != umin) add(fmt::format("umin32={}", u32min));
  if (u32max != UINT32_MAX && u32max != umax) add(fmt::format("umax32={}", u32max));
  if (var.mask != ~0ULL && var.mask != (Tnum::range(umin, umax).mask)) add(fmt::format("var_off=({:#x}; {:#x})", var.value, var.mask));
  return s + ")";
}

Scalar alu(AluOp op, const Scalar& a, const Scalar& b, unsigned width) {
  if (width == 32) {
    if (a.is_const32() && b.is_const32()) return Scalar::constant(fold(op, a.value(), b.value(), 32));
    const B32 r = b_alu(op, get32(a), get32(b));
    return zext_from32(r, tnum_subreg(tnum_alu(op, tnum_subreg(a.var), tnum_subreg(b.var), 32)));
  }
  if (a.is_const() && b.is_const()) return Scalar::constant(fold(op, a.value(), b.value(), 64));
  Scalar r;
  put64(r, b_alu(op, get64(a), get64(b)));
  // x << 32 is the low half of x, as a signed 32-bit number, times 2^32: the
  // signed 32-bit bounds carry over (`<<= 32; s>>= 32` sign-extends a
  // 32-bit result and keeps its range, as in the kernel).
  if (op == AluOp::Lsh && b.is_const() && b.value() == 32) {
    r.smin = static_cast<int64_t>(static_cast<uint64_t>(static_cast<int64_t>(a.s32min)) << 32);
    r.smax = static_cast<int64_t>(static_cast<uint64_t>(static_cast<int64_t>(a.s32max)) << 32);
  }
  r.var = tnum_alu(op, a.var, b.var, 64);
  r.sync();
  return r;
}

Scalar neg(const Scalar& a, unsigned width) { return alu(AluOp::Sub, Scalar::constant(0), a, width); }

Scalar truncate(const Scalar& a, unsigned bytes) {
  if (bytes >= 8) return a;
  if (bytes == 4) return zext_from32(get32(a), a.var);
  const uint64_t m = (1ULL << (8 * bytes)) - 1;
  Scalar r = Scalar::urange(0, m);
  r.var = tnum_intersect(r.var, tnum_cast(a.var, bytes));
  if ((a.umin & ~m) == (a.umax & ~m)) { r.umin = a.umin & m; r.umax = a.umax & m; }
  r.sync();
  return r;
}

Scalar sign_extend(const Scalar& a, unsigned bits, unsigned width) {
  Scalar r;
  if (a.is_const()) {
    r = Scalar::constant(decade::sem::sext(a.value(), bits));
  } else {
    const Scalar low = truncate(a, bits / 8);
    const uint64_t half = 1ULL << (bits - 1);
    if (low.umax < half) r = low;  // the sign bit is known clear: same value
    else if (low.umin >= half) {     // known set: every value drops by 2^bits
      r.smin = static_cast<int64_t>(low.umin) - static_cast<int64_t>(2 * half);
      r.smax = static_cast<int64_t>(low.umax) - static_cast<int64_t>(2 * half);
      r.sync();
    } else { r.smin = -static_cast<int64_t>(half); r.smax = static_cast<int64_t>(half - 1); r.sync(); }
  }
  return width == 32 ? truncate(r, 4) : r;
}

Scalar byte_swap(const Scalar& a, unsigned bits) {
  if (a.is_const()) return Scalar::constant(decade::sem::bswap(a.value(), bits));
  return Scalar::of_size(bits / 8);
}

Cmp negate(Cmp c) {
  switch (c) {
    case Cmp::Eq: return Cmp::Ne;
    case Cmp::Ne: return Cmp::Eq;
    case Cmp::Gt: return Cmp::Le;
    case Cmp::Ge: return Cmp::Lt;
    case Cmp::Lt: return Cmp::Ge;
    case Cmp::Le: return Cmp::Gt;
    case Cmp::Sgt: return Cmp::Sle;
    case Cmp::Sge: return Cmp::Slt;
    case Cmp::Slt: return Cmp::Sge;
    case Cmp::Sle: return Cmp::Sgt;
    case Cmp::Set: return Cmp::NotSet;
    case Cmp::NotSet: return Cmp::Set;
  }
  return c;
}

Cmp swap_operands(Cmp c) {
  switch (c) {
    case Cmp::Gt: return Cmp::Lt;
    case Cmp::Ge: return Cmp::Le;
    case Cmp::Lt: return Cmp::Gt;
    case Cmp::Le: return Cmp::Ge;
    case Cmp::Sgt: return Cmp::Slt;
    case Cmp::Sge: return Cmp::Sle;
    case Cmp::Slt: return Cmp::Sgt;
    case Cmp::Sle: return Cmp::Sge;
    case Cmp::Eq: case Cmp::Ne: case Cmp::Set: case Cmp::NotSet: return c;
  }
  return c;
}

namespace {

template <typename U, typename S>
int taken(const Bounds<U, S>& a, const Bounds<U, S>& b, Tnum ta, Tnum tb, Cmp c) {
  switch (c) {
    case Cmp::Eq:
      if (a.is_const() && b.is_const()) return a.umin == b.umin;
      if (a.umin > b.umax || a.umax < b.umin || a.smin > b.smax || a.smax < b.smin || !tnum_overlap(ta, tb)) return 0;
      return -1;
    case Cmp::Ne: { const int t = taken(a, b, ta, tb, Cmp::Eq); return t < 0 ? -1 : !t; }
    case Cmp::Gt: return a.umin > b.umax ? 1 : a.umax <= b.umin ? 0 : -1;
    case Cmp::Ge: return a.umin >= b.umax ? 1 : a.umax < b.umin ? 0 : -1;
    case Cmp::Lt: return a.umax < b.umin ? 1 : a.umin >= b.umax ? 0 : -1;
    case Cmp::Le: return a.umax <= b.umin ? 1 : a.umin > b.umax ? 0 : -1;
    case Cmp::Sgt: return a.smin > b.smax ? 1 : a.smax <= b.smin ? 0 : -1;
    case Cmp::Sge: return a.smin >= b.smax ? 1 : a.smax < b.smin ? 0 : -1;
    case Cmp::Slt: return a.smax < b.smin ? 1 : a.smin >= b.smax ? 0 : -1;
    case Cmp::Sle: return a.smax <= b.smin ? 1 : a.smin > b.smax ? 0 : -1;
    case Cmp::Set:
      if (ta.value & tb.value) return 1;
      if (((ta.value | ta.mask) & (tb.value | tb.mask)) == 0) return 0;
      return -1;
    case Cmp::NotSet: { const int t = taken(a, b, ta, tb, Cmp::Set); return t < 0 ? -1 : !t; }
  }
  return -1;
}

// Narrow interval bounds for `a c b`; the tnum parts are handled by the caller.
template <typename U, typename S>
bool narrow(Bounds<U, S>& a, Bounds<U, S>& b, Cmp c) {
  constexpr U kUMax = std::numeric_limits<U>::max();
  constexpr S kSMin = std::numeric_limits<S>::min(), kSMax = std::numeric_limits<S>::max();
  switch (c) {
    case Cmp::Eq:
      tighten(a.umin, a.umax, b.umin, b.umax);
      tighten(a.smin, a.smax, b.smin, b.smax);
      b.umin = a.umin; b.umax = a.umax; b.smin = a.smin; b.smax = a.smax;
      break;
    case Cmp::Ne:
      if (b.is_const()) {
        const U v = b.umin;
        if (a.umin == v && a.umin < kUMax) ++a.umin;
        else if (a.umax == v && a.umax > 0) --a.umax;
        const S sv = static_cast<S>(v);
        if (a.smin == sv && a.smin < kSMax) ++a.smin;
        else if (a.smax == sv && a.smax > kSMin) --a.smax;
        if (a.is_const() && a.umin == v) return false;
      } else if (a.is_const()) {
        return narrow(b, a, c);
      }
      break;
    case Cmp::Lt:
      if (b.umax == 0 || a.umin == kUMax) return false;
      a.umax = std::min<U>(a.umax, b.umax - 1);
      b.umin = std::max<U>(b.umin, a.umin + 1);
      break;
    case Cmp::Le:
      a.umax = std::min(a.umax, b.umax);
      b.umin = std::max(b.umin, a.umin);
      break;
    case Cmp::Slt:
      if (b.smax == kSMin || a.smin == kSMax) return false;
      a.smax = std::min<S>(a.smax, b.smax - 1);
      b.smin = std::max<S>(b.smin, a.smin + 1);
      break;
    case Cmp::Sle:
      a.smax = std::min(a.smax, b.smax);
      b.smin = std::max(b.smin, a.smin);
      break;
    case Cmp::Gt: return narrow(b, a, Cmp::Lt);
    case Cmp::Ge: return narrow(b, a, Cmp::Le);
    case Cmp::Sgt: return narrow(b, a, Cmp::Slt);
    case Cmp::Sge: return narrow(b, a, Cmp::Sle);
    case Cmp::Set: case Cmp::NotSet: break;
  }
  return a.umin <= a.umax && a.smin <= a.smax && b.umin <= b.umax && b.smin <= b.smax;
}

// Tnum part of `a c b` at one width (t values already cut to that width).
bool narrow_tnum(Tnum& ta, Tnum& tb, Cmp c) {
  if (c == Cmp::Eq) {
    if (!tnum_overlap(ta, tb)) return false;
    ta = tb = tnum_intersect(ta, tb);
  } else if (c == Cmp::NotSet && tb.is_const()) {
    if (ta.value & tb.value) return false;
    ta.mask &= ~tb.value;
  } else if (c == Cmp::Set && tb.is_const() && std::has_single_bit(tb.value)) {
    if (!(ta.mask & tb.value) && !(ta.value & tb.value)) return false;
    ta.value |= tb.value;
    ta.mask &= ~tb.value;
  }
  return true;
}

}  // namespace

int branch_taken(const Scalar& a, const Scalar& b, Cmp c, unsigned width) {
  if (width == 32) return taken(get32(a), get32(b), tnum_subreg(a.var), tnum_subreg(b.var), c);
  return taken(get64(a), get64(b), a.var, b.var, c);
}

bool refine(Scalar& a, Scalar& b, Cmp c, unsigned width) {
  if (branch_taken(a, b, c, width) == 0) return false;
  if (width == 32) {
    B32 x = get32(a), y = get32(b);
    if (!narrow(x, y, c)) return false;
    put32(a, x);
    put32(b, y);
    Tnum ta = tnum_subreg(a.var), tb = tnum_subreg(b.var);
    if (!narrow_tnum(ta, tb, c)) return false;
    a.var = tnum_with_subreg(a.var, ta);
    b.var = tnum_with_subreg(b.var, tb);
  } else {
    B64 x = get64(a), y = get64(b);
    if (!narrow(x, y, c)) return false;
    put64(a, x);
    put64(b, y);
    if (!narrow_tnum(a.var, b.var, c)) return false;
  }
  a.sync();
  b.sync();
  return !a.empty() && !b.empty();
}

}  // namespace decade::verifier
