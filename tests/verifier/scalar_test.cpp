// SPDX-License-Identifier: Apache-2.0
// The scalar domain against concrete arithmetic: for random abstract values
// and random members of them, every operation's result must contain the
// concrete result, refinement must keep values that satisfy the condition,
// and a decided branch must agree with the concrete comparison.
#include <gtest/gtest.h>

#include <random>

#include "isa/semantics.hpp"
#include "verifier/scalar.hpp"

namespace decade::verifier {
namespace {

bool member(const Scalar& s, uint64_t v) {
  const auto sv = static_cast<int64_t>(v);
  const auto v32 = static_cast<uint32_t>(v);
  const auto s32 = static_cast<int32_t>(v);
  return v >= s.umin && v <= s.umax && sv >= s.smin && sv <= s.smax && v32 >= s.u32min && v32 <= s.u32max &&
         s32 >= s.s32min && s32 <= s.s32max && s.var.contains_value(v);
}

struct Gen {
  std::mt19937_64 rng{12345};
  uint64_t value() {
    switch (rng() % 6) {
      case 0: return rng() % 16;
      case 1: return static_cast<uint64_t>(-static_cast<int64_t>(rng() % 16));
      case 2: return rng() & 0xffffffffULL;
      case 3: return 0x7fffffffffffffffULL - rng() % 4;
      case 4: return 0x80000000ULL + rng() % 4 - 2;
      default: return rng();
    }
  }
  // An abstract value holding v.
  Scalar around(uint64_t v) {
    switch (rng() % 5) {
      case 0: return Scalar::constant(v);
      case 1: {
        const uint64_t d1 = rng() % 64, d2 = rng() % 64;
        const uint64_t lo = v >= d1 ? v - d1 : 0, hi = v <= ~0ULL - d2 ? v + d2 : ~0ULL;
        return Scalar::urange(lo, hi);
      }
      case 2: {
        Scalar s;
        const auto sv = static_cast<int64_t>(v);
        const int64_t d = static_cast<int64_t>(rng() % 100);
        s.smin = sv > INT64_MIN + d ? sv - d : INT64_MIN;
        s.smax = sv < INT64_MAX - d ? sv + d : INT64_MAX;
        s.sync();
        return s;
      }
      case 3: {
        Scalar s;
        const uint64_t mask = rng() & rng();
        s.var = Tnum{v & ~mask, mask};
        s.sync();
        return s;
      }
      default: return Scalar::unknown();
    }
  }
};

uint64_t concrete(AluOp op, uint64_t a, uint64_t b, unsigned w) {
  namespace s = decade::sem;
  if (w == 32) {
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

bool holds(Cmp c, uint64_t a, uint64_t b, unsigned w) {
  if (w == 32) {
    a = static_cast<uint32_t>(a);
    b = static_cast<uint32_t>(b);
  }
  const auto sa = w == 32 ? int64_t{static_cast<int32_t>(a)} : static_cast<int64_t>(a);
  const auto sb = w == 32 ? int64_t{static_cast<int32_t>(b)} : static_cast<int64_t>(b);
  switch (c) {
    case Cmp::Eq: return a == b;
    case Cmp::Ne: return a != b;
    case Cmp::Gt: return a > b;
    case Cmp::Ge: return a >= b;
    case Cmp::Lt: return a < b;
    case Cmp::Le: return a <= b;
    case Cmp::Sgt: return sa > sb;
    case Cmp::Sge: return sa >= sb;
    case Cmp::Slt: return sa < sb;
    case Cmp::Sle: return sa <= sb;
    case Cmp::Set: return (a & b) != 0;
    case Cmp::NotSet: return (a & b) == 0;
  }
  return false;
}

constexpr AluOp kOps[] = {AluOp::Add, AluOp::Sub, AluOp::Mul, AluOp::Div, AluOp::SDiv, AluOp::Mod, AluOp::SMod,
                          AluOp::Or,  AluOp::And, AluOp::Xor, AluOp::Lsh, AluOp::Rsh,  AluOp::Arsh};
constexpr Cmp kCmps[] = {Cmp::Eq, Cmp::Ne, Cmp::Gt, Cmp::Ge, Cmp::Lt, Cmp::Le,
                         Cmp::Sgt, Cmp::Sge, Cmp::Slt, Cmp::Sle, Cmp::Set, Cmp::NotSet};

TEST(ScalarDomain, GeneratorsHoldTheirValue) {
  Gen g;
  for (int i = 0; i < 20000; ++i) {
    const uint64_t v = g.value();
    const Scalar s = g.around(v);
    ASSERT_TRUE(member(s, v)) << s.to_string() << " lost " << v;
  }
}

TEST(ScalarDomain, AluIsSound) {
  Gen g;
  for (int i = 0; i < 200000; ++i) {
    const uint64_t a = g.value(), b = g.value();
    const Scalar A = g.around(a), B = g.around(b);
    const AluOp op = kOps[g.rng() % std::size(kOps)];
    const unsigned w = g.rng() % 2 ? 32 : 64;
    const Scalar R = alu(op, A, B, w);
    const uint64_t r = concrete(op, a, b, w);
    ASSERT_TRUE(member(R, r)) << "op " << static_cast<int>(op) << " w" << w << " a=" << a << " " << A.to_string()
                              << " b=" << b << " " << B.to_string() << " -> " << r << " not in " << R.to_string();
  }
}

TEST(ScalarDomain, UnaryIsSound) {
  Gen g;
  for (int i = 0; i < 50000; ++i) {
    const uint64_t a = g.value();
    const Scalar A = g.around(a);
    ASSERT_TRUE(member(neg(A, 64), 0 - a));
    ASSERT_TRUE(member(neg(A, 32), static_cast<uint32_t>(0 - a)));
    for (unsigned bytes : {1u, 2u, 4u, 8u}) ASSERT_TRUE(member(truncate(A, bytes), decade::sem::truncate(a, bytes * 8)));
    for (unsigned bits : {8u, 16u, 32u}) {
      ASSERT_TRUE(member(sign_extend(A, bits, 64), decade::sem::sext(a, bits))) << A.to_string() << " " << a;
      ASSERT_TRUE(member(sign_extend(A, bits, 32), static_cast<uint32_t>(decade::sem::sext(a, bits))));
    }
    for (unsigned bits : {16u, 32u, 64u}) ASSERT_TRUE(member(byte_swap(A, bits), decade::sem::bswap(a, bits)));
  }
}

TEST(ScalarDomain, BitManipulationIsSound) {
  namespace sem = decade::sem;
  Gen g;
  for (int i = 0; i < 50000; ++i) {
    const uint64_t a = g.value(), n = g.value();
    const Scalar A = g.around(a), N = g.around(n);
    const auto a32 = static_cast<uint32_t>(a);
    ASSERT_TRUE(member(popcount(A, 64), sem::popcnt64(a))) << A.to_string() << " " << a;
    ASSERT_TRUE(member(popcount(A, 32), sem::popcnt32(a32))) << A.to_string() << " " << a;
    ASSERT_TRUE(member(count_leading_zeros(A, 64), sem::clz64(a))) << A.to_string() << " " << a;
    ASSERT_TRUE(member(count_leading_zeros(A, 32), sem::clz32(a32))) << A.to_string() << " " << a;
    ASSERT_TRUE(member(count_trailing_zeros(A, 64), sem::ctz64(a))) << A.to_string() << " " << a;
    ASSERT_TRUE(member(count_trailing_zeros(A, 32), sem::ctz32(a32))) << A.to_string() << " " << a;
    ASSERT_TRUE(member(rotate(A, N, true, 64), sem::rol64(a, n))) << A.to_string() << " by " << N.to_string();
    ASSERT_TRUE(member(rotate(A, N, false, 64), sem::ror64(a, n))) << A.to_string() << " by " << N.to_string();
    ASSERT_TRUE(member(rotate(A, N, true, 32), sem::rol32(a32, n))) << A.to_string() << " by " << N.to_string();
    ASSERT_TRUE(member(rotate(A, N, false, 32), sem::ror32(a32, n))) << A.to_string() << " by " << N.to_string();
  }
}

TEST(ScalarDomain, BitManipulationOfConstantsFolds) {
  const Scalar zero = Scalar::constant(0), ones = Scalar::constant(~0ULL);
  EXPECT_EQ(count_leading_zeros(zero, 64), Scalar::constant(64));
  EXPECT_EQ(count_trailing_zeros(zero, 32), Scalar::constant(32));
  EXPECT_EQ(popcount(ones, 32), Scalar::constant(32));
  EXPECT_EQ(rotate(Scalar::constant(0x80000001), Scalar::constant(33), true, 32), Scalar::constant(3));
  // The result of an unknown 32-bit operand is a 32-bit value: at most 32.
  EXPECT_EQ(popcount(Scalar::of_size(4), 64).umax, 32u);
}

TEST(ScalarDomain, BranchesAreSound) {
  Gen g;
  for (int i = 0; i < 200000; ++i) {
    const uint64_t a = g.value(), b = g.value();
    const Scalar A = g.around(a), B = g.around(b);
    const Cmp c = kCmps[g.rng() % std::size(kCmps)];
    const unsigned w = g.rng() % 2 ? 32 : 64;
    const bool truth = holds(c, a, b, w);
    const int t = branch_taken(A, B, c, w);
    if (t >= 0) {
      ASSERT_EQ(t == 1, truth) << A.to_string() << " " << B.to_string() << " c" << static_cast<int>(c) << " w" << w;
    }
    Scalar RA = A, RB = B;
    const bool ok = refine(RA, RB, truth ? c : negate(c), w);
    ASSERT_TRUE(ok) << "refuted a feasible branch: a=" << a << " " << A.to_string() << " b=" << b << " " << B.to_string();
    ASSERT_TRUE(member(RA, a) && member(RB, b)) << "c" << static_cast<int>(c) << " w" << w << " a=" << a << " " << RA.to_string()
                                                << " b=" << b << " " << RB.to_string();
  }
}

TEST(ScalarDomain, ContainsAndJoin) {
  Gen g;
  for (int i = 0; i < 50000; ++i) {
    const uint64_t a = g.value(), b = g.value();
    const Scalar A = g.around(a), B = g.around(b);
    const Scalar J = A.join(B);
    ASSERT_TRUE(member(J, a) && member(J, b));
    ASSERT_TRUE(J.contains(A) || !A.contains(A));
    ASSERT_TRUE(Scalar::unknown().contains(A));
  }
}

TEST(ScalarDomain, Precision) {
  // A few facts the verifier relies on to accept ordinary programs.
  EXPECT_TRUE(alu(AluOp::And, Scalar::unknown(), Scalar::constant(63), 64).umax == 63);
  EXPECT_TRUE(alu(AluOp::Rsh, Scalar::of_size(4), Scalar::constant(30), 64).umax == 3);
  EXPECT_TRUE(alu(AluOp::Add, Scalar::constant(0xffffffff), Scalar::constant(3), 32).is_const());
  Scalar x = Scalar::of_size(4), k = Scalar::constant(10);
  ASSERT_TRUE(refine(x, k, Cmp::Lt, 64));
  EXPECT_EQ(x.umax, 9u);
  Scalar y = Scalar::unknown(), z = Scalar::constant(5);
  ASSERT_TRUE(refine(y, z, Cmp::Le, 32));
  EXPECT_EQ(y.u32max, 5u);
}

}  // namespace
}  // namespace decade::verifier
