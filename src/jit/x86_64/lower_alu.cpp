// SPDX-License-Identifier: Apache-2.0
// ALU lowering. 32-bit forms write 32-bit x86 registers, which zero-extends
// the upper half exactly as BPF requires. Semantics: src/isa/semantics.hpp.
#include "isa/semantics.hpp"
#include "jit/x86_64/lower.hpp"
#include "jit/x86_64/regs.hpp"

namespace decade::jit::x64 {

namespace x = asmjit::x86;

Status Lowerer::alu(const Insn& in) {
  const Sem s = in.info().sem;
  const unsigned bits = in.info().width;
  const Shape shape = in.info().shape;
  const Gp d = reg_w(in.dst, bits);
  // lower_insn's switch already sorted the instruction into ALU; here only
  // the ALU semantics remain.
  if (s == Sem::Div || s == Sem::SDiv || s == Sem::Mod || s == Sem::SMod) {
    div_mod(in);
    return ok();
  }
  if (s == Sem::Lsh || s == Sem::Rsh || s == Sem::Arsh) {
    shift(in);
    return ok();
  }
  if (s == Sem::Le || s == Sem::Be || s == Sem::Bswap) {
    endian(in);
    return ok();
  }
  if (s == Sem::Popcnt || s == Sem::Clz || s == Sem::Ctz) {
    bit_count(in);
    return ok();
  }
  if (s == Sem::Rol || s == Sem::Ror) {
    rotate(in);
    return ok();
  }
  if (s == Sem::Neg) {
    a_.neg(d);
    return ok();
  }
  if (s == Sem::MovSx) {
    const Gp src = reg64(in.src);
    if (in.off == 8) a_.movsx(d, src.r8());
    else if (in.off == 16) a_.movsx(d, src.r16());
    else a_.movsxd(d, src.r32());
    return ok();
  }
  if (s == Sem::Mov) {
    if (shape == Shape::AluImm) {
      load_imm(reg64(in.dst), bits == 64 ? sem::imm64(in.imm) : sem::zext32(static_cast<uint32_t>(in.imm)));
    } else if (bits == 32 || in.dst != in.src) {
      a_.mov(d, reg_w(in.src, bits));  // mov32 to itself still clears the upper half
    }
    return ok();
  }
  if (s == Sem::Add || s == Sem::Sub || s == Sem::Mul || s == Sem::Or || s == Sem::And || s == Sem::Xor) {
    if (shape == Shape::AluReg) {
      alu_binop(s, d, reg_w(in.src, bits));
    } else if (opts_.blind) {
      load_imm(kTmp1, sem::imm64(in.imm));
      alu_binop(s, d, bits == 64 ? Gp(kTmp1) : Gp(kTmp1.r32()));
    } else {
      alu_imm(s, bits, d, in.imm);
    }
    return ok();
  }
  return make_error(ErrorCode::Internal, "jit: not an ALU instruction", in.pc);
}

void Lowerer::alu_binop(Sem s, const Gp& dst, const Gp& src) {
  if (s == Sem::Add) a_.add(dst, src);
  else if (s == Sem::Sub) a_.sub(dst, src);
  else if (s == Sem::Mul) a_.imul(dst, src);
  else if (s == Sem::Or) a_.or_(dst, src);
  else if (s == Sem::And) a_.and_(dst, src);
  else if (s == Sem::Xor) a_.xor_(dst, src);
}

void Lowerer::alu_imm(Sem s, unsigned bits, const Gp& dst, int32_t imm) {
  // x86 sign-extends an imm32 in 64-bit operations exactly as BPF does.
  if (s == Sem::Add) a_.add(dst, imm);
  else if (s == Sem::Sub) a_.sub(dst, imm);
  else if (s == Sem::Mul) a_.imul(dst, dst, imm);
  else if (s == Sem::Or) a_.or_(dst, imm);
  else if (s == Sem::And) a_.and_(dst, imm);
  else if (s == Sem::Xor) a_.xor_(dst, imm);
  (void)bits;
}

// Division and modulo with the kernel's semantics and never a #DE:
// x/0 = 0, x%0 = x, INT_MIN/-1 = INT_MIN, INT_MIN%-1 = 0.
void Lowerer::div_mod(const Insn& in) {
  const Sem s = in.info().sem;
  const unsigned bits = in.info().width;
  const bool is_div = s == Sem::Div || s == Sem::SDiv;
  const bool is_signed = s == Sem::SDiv || s == Sem::SMod;
  const Gp d = reg_w(in.dst, bits);
  if (in.info().shape == Shape::AluImm) {
    if (in.imm == 0) {
      if (is_div) a_.xor_(d.r32(), d.r32());
      else if (bits == 32) a_.mov(d.r32(), d.r32());
      return;
    }
    if (is_signed && in.imm == -1) {
      if (is_div) a_.neg(d);
      else a_.xor_(d.r32(), d.r32());
      return;
    }
    load_imm(kTmp1, bits == 64 ? sem::imm64(in.imm) : sem::zext32(static_cast<uint32_t>(in.imm)));
    div_mod_reg(s, bits, d, false, false);  // a constant divisor is neither 0 nor -1 here
    return;
  }
  a_.mov(bits == 64 ? Gp(kTmp1) : Gp(kTmp1.r32()), reg_w(in.src, bits));
  div_mod_reg(s, bits, d, !divisor_proven(in), true);
}

// Divisor in r11 (its low half for 32-bit forms). rax and rdx are BPF r0 and
// r3, so they are parked in r9/r10 around the divide.
void Lowerer::div_mod_reg(Sem s, unsigned bits, const Gp& d, bool check_zero, bool check_neg1) {
  const bool is_div = s == Sem::Div || s == Sem::SDiv;
  const bool is_signed = s == Sem::SDiv || s == Sem::SMod;
  const bool minus1 = check_neg1 && is_signed;
  const Gp t = bits == 64 ? Gp(kTmp1) : Gp(kTmp1.r32());
  const Gp ax = bits == 64 ? Gp(x::rax) : Gp(x::eax);
  const Gp dx = bits == 64 ? Gp(x::rdx) : Gp(x::edx);
  Label zero = cb_.new_label(), neg1 = cb_.new_label(), done = cb_.new_label();
  if (check_zero) {
    a_.test(t, t);
    a_.jz(zero);
  }
  if (minus1) {
    a_.cmp(t, -1);
    a_.je(neg1);
  }
  // The destination's own x86 register need not be preserved.
  const bool keep_ax = d.id() != x::rax.id(), keep_dx = d.id() != x::rdx.id();
  if (keep_ax) a_.mov(kTmp3, x::rax);
  if (keep_dx) a_.mov(kTmp2, x::rdx);
  if (keep_ax) a_.mov(ax, d);
  if (is_signed) {
    if (bits == 64) a_.cqo(x::rdx, x::rax);
    else a_.cdq(x::edx, x::eax);
  } else {
    a_.xor_(x::edx, x::edx);
  }
  if (is_signed) a_.idiv(dx, ax, t);
  else a_.div(dx, ax, t);
  if (!keep_ax) {  // dst is r0 (rax)
    if (!is_div) a_.mov(ax, dx);
    a_.mov(x::rdx, kTmp2);
  } else if (!keep_dx) {  // dst is r3 (rdx)
    if (is_div) a_.mov(dx, ax);
    a_.mov(x::rax, kTmp3);
  } else {
    a_.mov(t, is_div ? ax : dx);
    a_.mov(x::rax, kTmp3);
    a_.mov(x::rdx, kTmp2);
    a_.mov(d.r64(), kTmp1);
  }
  if (!check_zero && !minus1) return;
  a_.jmp(done);
  if (check_zero) {
    a_.bind(zero);
    if (is_div) a_.xor_(d.r32(), d.r32());
    else if (bits == 32) a_.mov(d.r32(), d.r32());
    if (minus1) a_.jmp(done);
  }
  if (minus1) {
    a_.bind(neg1);
    if (is_div) a_.neg(d);
    else a_.xor_(d.r32(), d.r32());
  }
  a_.bind(done);
}

// `r <<= 32; r >>= 32` (zero extension, as clang emits it for u32 values)
// is one `mov r32, r32`; `r <<= 32; r s>>= 32` is one `movsxd`. Only when
// the second instruction is no jump target, so no path enters between them.
bool Lowerer::fuse_extend(const Insn& in) {
  if (in.info().sem != Sem::Lsh || in.info().shape != Shape::AluImm || in.info().width != 64 || in.imm != 32)
    return false;
  if (cur_index_ + 1 >= prog_.insns.size()) return false;
  const Insn& next = prog_.insns[cur_index_ + 1];
  const Sem ns = next.info().sem;
  if (next.pc != in.pc + 1 || next.pc >= cur_func_->end || slot_labels_[next.pc].isValid()) return false;
  if ((ns != Sem::Rsh && ns != Sem::Arsh) || next.info().shape != Shape::AluImm || next.info().width != 64 ||
      next.imm != 32 || next.dst != in.dst)
    return false;
  const Gp d = reg64(in.dst);
  if (ns == Sem::Rsh) a_.mov(d.r32(), d.r32());
  else a_.movsxd(d, d.r32());
  skip_pc_ = next.pc;
  return true;
}

// Shift counts are masked to the operand width, as x86 masks them too.
void Lowerer::shift(const Insn& in) {
  const Sem s = in.info().sem;
  const unsigned bits = in.info().width;
  const Gp d = reg_w(in.dst, bits);
  if (fuse_extend(in)) return;
  if (in.info().shape == Shape::AluImm) {
    const auto n = static_cast<uint32_t>(in.imm) & (bits - 1);
    if (n == 0) {
      if (bits == 32) a_.mov(d, d);
      return;
    }
    if (s == Sem::Lsh) a_.shl(d, n);
    else if (s == Sem::Rsh) a_.shr(d, n);
    else a_.sar(d, n);
    return;
  }
  const Gp src = reg_w(in.src, bits);
  if (opts_.bmi2) {
    if (s == Sem::Lsh) a_.shlx(d, d, src);
    else if (s == Sem::Rsh) a_.shrx(d, d, src);
    else a_.sarx(d, d, src);
    return;
  }
  with_count_in_cl(in, [&](const Gp& r) {
    if (s == Sem::Lsh) a_.shl(r, x::cl);
    else if (s == Sem::Rsh) a_.shr(r, x::cl);
    else a_.sar(r, x::cl);
  });
}

// x86 takes a shift or rotate count by register only in cl, and rcx is BPF
// r4: emit(r) runs with the count (src) in cl on the register r that holds
// dst, and r4 is what it was before, unless it is dst.
void Lowerer::with_count_in_cl(const Insn& in, const std::function<void(const Gp&)>& emit) {
  const unsigned bits = in.info().width;
  const Gp d = reg_w(in.dst, bits);
  if (in.src == 4) {
    emit(d);
    return;
  }
  a_.mov(kTmp1, x::rcx);
  a_.mov(x::rcx, reg64(in.src));
  if (in.dst == 4) {
    const Gp t = bits == 64 ? Gp(kTmp1) : Gp(kTmp1.r32());
    emit(t);
    a_.mov(d, t);
    return;
  }
  emit(d);
  a_.mov(x::rcx, kTmp1);
}

void Lowerer::endian(const Insn& in) {
  const Sem s = in.info().sem;
  const Gp d = reg64(in.dst);
  const int32_t w = in.imm;
  if (s == Sem::Le) {
    if (w == 16) a_.movzx(d.r32(), d.r16());
    else if (w == 32) a_.mov(d.r32(), d.r32());
    return;
  }
  if (w == 16) {
    a_.ror(d.r16(), 8);
    a_.movzx(d.r32(), d.r16());
  } else if (w == 32) {
    a_.bswap(d.r32());
  } else {
    a_.bswap(d);
  }
}

}  // namespace decade::jit::x64
