// SPDX-License-Identifier: Apache-2.0
// Lowering of the bitmanip extension (docs/isa-extensions.md): popcount,
// count leading/trailing zeros and rotates. 32-bit forms write 32-bit x86
// registers, which zero-extends the result as the extension requires.
//
// popcnt, lzcnt and tzcnt are used only when the host has them (LowerOptions,
// from CPUID in jit.cpp). Without them: a SWAR popcount, and bsr/bsf with the
// zero case chosen by cmovz (bsr/bsf leave their destination undefined for
// a zero source). lzcnt and tzcnt must never be emitted unchecked: on a CPU
// without them they decode as bsr/bsf and give wrong results, not a fault.
// Semantics: src/isa/semantics.hpp.
#include "isa/semantics.hpp"
#include "jit/x86_64/lower.hpp"
#include "jit/x86_64/regs.hpp"

namespace decade::jit::x64 {

namespace x = asmjit::x86;

void Lowerer::bit_count(const Insn& in) {
  const Sem s = in.info().sem;
  const unsigned bits = in.info().width;
  const Gp d = reg_w(in.dst, bits);
  const Gp t1 = bits == 64 ? Gp(kTmp1) : Gp(kTmp1.r32());
  const Gp t2 = bits == 64 ? Gp(kTmp2) : Gp(kTmp2.r32());
  if (s == Sem::Popcnt) {
    if (opts_.popcnt) a_.popcnt(d, d);
    else popcount_swar(d, bits);
  } else if (s == Sem::Clz) {
    if (opts_.lzcnt) {
      a_.lzcnt(d, d);
    } else {
      // clz = (width - 1) - index of the highest one; index -1 for zero.
      a_.mov(t2, -1);
      a_.bsr(t1, d);
      a_.cmovz(t1, t2);
      a_.mov(d, static_cast<int32_t>(bits - 1));
      a_.sub(d, t1);
    }
  } else if (opts_.tzcnt) {
    a_.tzcnt(d, d);
  } else {
    a_.mov(t2, static_cast<int32_t>(bits));
    a_.bsf(t1, d);
    a_.cmovz(t1, t2);
    a_.mov(d, t1);
  }
}

// The classic parallel bit count (pairs, nibbles, bytes, then one multiply
// to add the bytes up); r11 and r10 are scratch.
void Lowerer::popcount_swar(const Gp& d, unsigned bits) {
  const bool w64 = bits == 64;
  const Gp t1 = w64 ? Gp(kTmp1) : Gp(kTmp1.r32());
  const Gp t2 = w64 ? Gp(kTmp2) : Gp(kTmp2.r32());
  auto constant = [&](uint64_t pattern) { a_.mov(t2, w64 ? pattern : pattern & 0xffffffffULL); };
  a_.mov(t1, d);
  a_.shr(t1, 1);
  constant(0x5555555555555555ULL);
  a_.and_(t1, t2);
  a_.sub(d, t1);
  constant(0x3333333333333333ULL);
  a_.mov(t1, d);
  a_.and_(d, t2);
  a_.shr(t1, 2);
  a_.and_(t1, t2);
  a_.add(d, t1);
  a_.mov(t1, d);
  a_.shr(t1, 4);
  a_.add(d, t1);
  constant(0x0f0f0f0f0f0f0f0fULL);
  a_.and_(d, t2);
  constant(0x0101010101010101ULL);
  a_.imul(d, t2);
  a_.shr(d, static_cast<uint32_t>(bits - 8));
}

// Rotate counts are taken modulo the width, as x86 masks them too.
void Lowerer::rotate(const Insn& in) {
  const bool left = in.info().sem == Sem::Rol;
  const unsigned bits = in.info().width;
  const Gp d = reg_w(in.dst, bits);
  if (in.info().shape == Shape::AluImm) {
    const auto n = static_cast<uint32_t>(in.imm) & (bits - 1);
    if (n == 0) {
      if (bits == 32) a_.mov(d, d);
      return;
    }
    if (left) a_.rol(d, n);
    else a_.ror(d, n);
    return;
  }
  with_count_in_cl(in, [&](const Gp& r) {
    if (left) a_.rol(r, x::cl);
    else a_.ror(r, x::cl);
  });
}

}  // namespace decade::jit::x64
