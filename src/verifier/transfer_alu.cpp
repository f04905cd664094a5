// SPDX-License-Identifier: Apache-2.0
// ALU transfer functions: scalars go through the scalar domain; pointers
// allow only adding or subtracting a bounded scalar and subtracting two
// pointers into the same region. Privileged programs (kGrantPrivileged, the
// kernel's allow_ptr_leaks) may also turn a pointer into a number as root
// may: 32-bit and sign-extending copies, negation and the other unary
// operations, and subtracting any two pointers give an unknown scalar.
#include <fmt/format.h>

#include "isa/semantics.hpp"
#include "verifier/insn_text.hpp"
#include "verifier/transfer.hpp"

namespace decade::verifier {
namespace {

constexpr int64_t kMaxVarOff = 1 << 29;  // offsets past this are refused (the kernel's BPF_MAX_VAR_OFF)

AluOp alu_op(Sem s) {
  static constexpr std::pair<Sem, AluOp> kMap[] = {
      {Sem::Add, AluOp::Add}, {Sem::Sub, AluOp::Sub}, {Sem::Mul, AluOp::Mul}, {Sem::Div, AluOp::Div},
      {Sem::SDiv, AluOp::SDiv}, {Sem::Mod, AluOp::Mod}, {Sem::SMod, AluOp::SMod}, {Sem::Or, AluOp::Or},
      {Sem::And, AluOp::And}, {Sem::Xor, AluOp::Xor}, {Sem::Lsh, AluOp::Lsh}, {Sem::Rsh, AluOp::Rsh}};
  for (const auto& [sem, op] : kMap)
    if (sem == s) return op;
  return AluOp::Arsh;
}

bool arith_allowed(RegType t) {
  switch (t) {
    case RegType::Ctx: case RegType::Stack: case RegType::MapValue: case RegType::Packet: case RegType::PacketMeta:
    case RegType::Mem: case RegType::Arena: case RegType::MapKey:
      return true;
    case RegType::NotInit: case RegType::Scalar: case RegType::MapPtr: case RegType::PacketEnd: case RegType::BtfPtr:
    case RegType::FuncPtr:
      return false;
  }
  return false;
}

bool same_region(const RegState& a, const RegState& b) {
  auto pkt = [](RegType t) { return t == RegType::Packet || t == RegType::PacketMeta || t == RegType::PacketEnd; };
  if (pkt(a.type) && pkt(b.type)) return true;
  if (a.type != b.type) return false;
  if (a.type == RegType::Stack) return a.frame == b.frame;
  if (a.type == RegType::MapValue) return a.map == b.map && a.id == b.id;
  if (a.type == RegType::Mem) return a.ref_id == b.ref_id && a.id == b.id;
  return a.type == RegType::Arena || a.type == RegType::Ctx;
}

// The operator of an ALU instruction as the kernel's log names it ("/=").
std::string kernel_op(const Insn& insn, const Env& env) {
  const std::string text = kernel_insn_text(insn, *env.in.platform);
  const size_t a = text.find(' '), b = a == std::string::npos ? a : text.find(' ', a + 1);
  return b == std::string::npos ? text : text.substr(a + 1, b - a - 1);
}

// ptr +/- scalar (64-bit only).
Status pointer_arith(Env& env, RegState& dst, const RegState& ptr, const RegState& scalar, bool subtract,
                     const Insn& insn) {
  // The kernel lets root add a known 0 to a map pointer (CONST_PTR_TO_MAP):
  // it stays the same map. Unprivileged programs may not (its Spectre
  // sanitation has no rule for the type: "unsupported alu operation").
  if (ptr.type == RegType::MapPtr && env.privileged && !ptr.maybe_null && !subtract && scalar.val.is_const() &&
      scalar.val.value() == 0) {
    dst = ptr;
    return ok();
  }
  if (!arith_allowed(ptr.type))
    return fail(env, ErrorCode::VerifierBadPointerArith, insn.pc,
                kernel_says("R{} pointer arithmetic on {} prohibited", insn.dst, kernel_type(ptr)),
                fmt::format("arithmetic on a {} pointer is not allowed", reg_type_name(ptr.type)));
  if (ptr.maybe_null)
    return fail(env, ErrorCode::VerifierBadPointerArith, insn.pc,
                kernel_says("R{} pointer arithmetic on {} prohibited, null-check it first", insn.dst, kernel_type(ptr)),
                fmt::format("arithmetic on a {} pointer that may be NULL", reg_type_name(ptr.type)),
                "compare the pointer against NULL before doing arithmetic on it");
  const Scalar& s = scalar.val;
  RegState r = ptr;
  // Arena pointers carry no offset bounds (every access is masked into the
  // arena), so a constant is added to the value like a variable.
  if (s.is_const() && ptr.type != RegType::Arena) {
    const int64_t v = static_cast<int64_t>(s.value());
    const int64_t off = subtract ? int64_t{ptr.off} - v : int64_t{ptr.off} + v;
    if (v <= -kMaxVarOff || v >= kMaxVarOff || off <= -kMaxVarOff || off >= kMaxVarOff)
      return fail(env, ErrorCode::VerifierBadPointerArith, insn.pc,
                  v <= -kMaxVarOff || v >= kMaxVarOff ? kernel_says("math between {} pointer and {} is not allowed", kernel_type(ptr), v)
                                                      : kernel_says("{} pointer offset {} is not allowed", kernel_type(ptr), off),
                  fmt::format("pointer offset {} is out of the allowed range", off));
    r.off = static_cast<int32_t>(off);
  } else {
    if (ptr.fixed_offset)
      return fail(env, ErrorCode::VerifierBadPointerArith, insn.pc,
                  kernel_says("R{} pointer arithmetic on flow_keys prohibited", insn.dst),
                  fmt::format("variable offset {} added to a {} pointer that allows constant offsets only", scalar.to_string(),
                              reg_type_name(ptr.type)),
                  "access the flow keys at constant offsets");
    // The kernel's sanity bound on the offset register and on the result:
    // a minimum past +-2^29 (or unbounded) is refused at the arithmetic,
    // even if the pointer is never used. Arena pointers are exempt, as in
    // the kernel: they carry no offset bounds (every access is masked into
    // the arena).
    const auto insane = [&](const Scalar& v) {
      return ptr.type != RegType::Arena && (v.smin == INT64_MIN || v.smin >= kMaxVarOff || v.smin <= -kMaxVarOff);
    };
    if (insane(s))
      return fail(env, ErrorCode::VerifierBadPointerArith, insn.pc,
                  s.smin == INT64_MIN
                      ? kernel_says("math between {} pointer and register with unbounded min value is not allowed", kernel_type(ptr))
                      : kernel_says("value {} makes {} pointer be out of bounds", s.smin, kernel_type(ptr)),
                  fmt::format("pointer arithmetic with an unbounded value {}", scalar.to_string()),
                  "bound the value with a comparison (e.g. if (i >= N) return) before adding it to a pointer");
    r.val = alu(subtract ? AluOp::Sub : AluOp::Add, ptr.val, s, 64);
    if (insane(r.val))
      return fail(env, ErrorCode::VerifierBadPointerArith, insn.pc,
                  fmt::format("variable offset {} of the result is out of the allowed range", r.val.to_string()));
    if (r.type == RegType::Packet || r.type == RegType::PacketMeta) {
      r.id = env.new_id();
      r.range = 0;
    }
  }
  dst = r;
  return ok();
}

// An unknown number of `width` bits: what a privileged operation that
// turns a pointer into a number gives.
RegState leaked(unsigned width) { return RegState::scalar(width == 32 ? truncate(Scalar::unknown(), 4) : Scalar::unknown()); }

Status ptr_alu(Env& env, State& st, const Insn& insn, const RegState& d, const RegState& s, Sem sem) {
  RegState& dst = st.reg(insn.dst);
  // Root may subtract a pointer from a pointer (any two, NULL or not) and
  // do 32-bit subtraction with a pointer: the result is a number (the
  // kernel's allow_ptr_leaks; a 32-bit result is zero-extended).
  if (env.privileged && sem == Sem::Sub && d.is_ptr() && s.is_ptr() &&
      (insn.info().width == 32 || d.maybe_null || s.maybe_null || !same_region(d, s))) {
    dst = leaked(insn.info().width);
    return ok();
  }
  if (env.privileged && sem == Sem::Sub && insn.info().width == 32) {
    dst = leaked(32);
    return ok();
  }
  if (insn.info().width == 32)
    return fail(env, ErrorCode::VerifierBadPointerArith, insn.pc, kernel_says("R{} 32-bit pointer arithmetic prohibited", insn.dst),
                "32-bit arithmetic on a pointer",
                "use 64-bit arithmetic on pointers");
  if (sem == Sem::Add) {
    if (d.is_ptr() && s.is_ptr())
      return fail(env, ErrorCode::VerifierBadPointerArith, insn.pc, kernel_says("R{} pointer += pointer prohibited", insn.dst),
                  "adding two pointers");
    return d.is_ptr() ? pointer_arith(env, dst, d, s, false, insn) : pointer_arith(env, dst, s, d, false, insn);
  }
  if (sem == Sem::Sub) {
    // Refused to root too, as the kernel refuses it: offsets from the frame
    // pointer are made by adding (negative) numbers.
    if (d.type == RegType::Stack && s.is_scalar())
      return fail(env, ErrorCode::VerifierBadPointerArith, insn.pc,
                  kernel_says("R{} subtraction from stack pointer prohibited", insn.dst), "subtraction from a stack pointer",
                  "add a negative offset instead (r1 += -8)");
    if (d.is_ptr() && s.is_scalar()) return pointer_arith(env, dst, d, s, true, insn);
    if (d.is_ptr() && s.is_ptr() && same_region(d, s)) {
      Scalar diff = Scalar::unknown();
      if (d.type == s.type && d.val.is_const() && s.val.is_const() && d.type != RegType::Packet &&
          d.type != RegType::PacketMeta)
        diff = Scalar::constant(static_cast<uint64_t>(int64_t{d.off} - s.off + static_cast<int64_t>(d.val.value()) -
                                                      static_cast<int64_t>(s.val.value())));
      dst = RegState::scalar(diff);
      return ok();
    }
    return fail(env, ErrorCode::VerifierBadPointerArith, insn.pc,
                d.is_scalar() ? kernel_says("R{} tried to subtract pointer from scalar", insn.dst)
                              : kernel_says("R{} pointer -= pointer prohibited", insn.dst),
                fmt::format("subtracting {} from {}", s.to_string(), d.to_string()));
  }
  const bool bitwise = sem == Sem::And || sem == Sem::Or || sem == Sem::Xor;
  return fail(env, ErrorCode::VerifierBadPointerArith, insn.pc,
              bitwise ? kernel_says("R{} bitwise operator {} on pointer prohibited", insn.dst, kernel_op(insn, env))
                      : kernel_says("R{} pointer arithmetic with {} operator prohibited", insn.dst, kernel_op(insn, env)),
              fmt::format("{} on a pointer is not allowed", sem_name(sem)), "only add and subtract work on pointers");
}

// A copy made from a register linked by a delta starts a new link: the
// source's delta cannot be carried into it (the kernel clears the source's
// id first, so `r2 = r1` after `r1 += 1` links r1 and r2 only).
void unlink_add_const(RegState& r) {
  if (!r.is_scalar() || r.add_const == AddConst::None) return;
  r.id = 0;
  r.off = 0;
  r.add_const = AddConst::None;
}

// `dst += K` or `dst -= K` (K a constant, dst linked and not already
// shifted, not `r += r`) keeps dst in its link with the delta K: root's rule
// (the kernel's BPF_ADD_CONST64/32, as Linux 6.18 has it). 64-bit: the
// signed delta must fit 32 bits. 32-bit: dst must fit 32 bits (else the
// result is not base + K in any width), and the delta counts modulo 2^32.
// Every other result is unlinked (RegState::scalar gives id 0).
void link_add_const(const Env& env, const Insn& insn, const RegState& dst, const RegState& src, RegState& out) {
  const Sem sem = insn.info().sem;
  const bool wide = insn.info().width == 64;
  if (!env.privileged || (sem != Sem::Add && sem != Sem::Sub)) return;
  if (dst.id == 0 || dst.add_const != AddConst::None || !src.is_const()) return;
  if (insn.info().shape == Shape::AluReg && insn.src == insn.dst) return;
  int64_t delta = 0;
  if (wide) {
    const auto k = static_cast<int64_t>(src.val.value());
    if (k == INT64_MIN) return;  // its negation does not exist, and is far outside 32 bits anyway
    delta = sem == Sem::Add ? k : -k;
    if (delta < INT32_MIN || delta > INT32_MAX) return;
  } else {
    if (dst.val.umax > 0xffffffffULL) return;
    const auto k = static_cast<uint32_t>(src.val.value());
    delta = static_cast<int32_t>(sem == Sem::Add ? k : 0u - k);
  }
  out.id = dst.id;
  out.off = static_cast<int32_t>(delta);
  out.add_const = wide ? AddConst::Add64 : AddConst::Add32;
}

Status do_mov(Env& env, State& st, const Insn& insn) {
  RegState& dst = st.reg(insn.dst);
  const unsigned width = insn.info().width;
  if (insn.info().shape == Shape::AluImm) {
    const uint64_t v = width == 32 ? static_cast<uint32_t>(insn.imm) : decade::sem::imm64(insn.imm);
    dst = RegState::scalar(Scalar::constant(v));
    return ok();
  }
  if (auto s = check_readable(env, st, insn.src, insn.pc); !s) return s;
  RegState& src = st.reg(insn.src);
  if (width == 64) {
    unlink_add_const(src);
    if (src.is_scalar() && src.id == 0 && !src.val.is_const()) src.id = env.new_id();
    dst = src;
    return ok();
  }
  if (src.is_ptr() && env.privileged) {
    dst = leaked(32);
    return ok();
  }
  if (src.is_ptr())
    return fail(env, ErrorCode::VerifierPointerLeak, insn.pc, kernel_says("R{} partial copy of pointer", insn.src),
                fmt::format("32-bit copy of a pointer ({})", src.to_string()),
                "pointers cannot be truncated to 32 bits");
  // A number that fits 32 bits is copied unchanged, so the copy is linked
  // to its source as a 64-bit move's is (the kernel's rule for alu32 moves).
  if (src.val.umax <= 0xffffffffULL) unlink_add_const(src);
  if (!src.val.is_const() && src.val.umax <= 0xffffffffULL) {
    if (src.id == 0) src.id = env.new_id();
    dst = src;
    return ok();
  }
  dst = RegState::scalar(truncate(src.val, 4));
  return ok();
}

Status do_unary(Env& env, State& st, const Insn& insn, Sem sem) {
  RegState& dst = st.reg(insn.dst);
  if (dst.is_ptr() && env.privileged) {
    dst = leaked(insn.info().width);
    return ok();
  }
  if (!dst.is_scalar())
    return fail(env, ErrorCode::VerifierBadPointerArith, insn.pc,
                kernel_says("R{} pointer arithmetic with {} operator prohibited", insn.dst, kernel_op(insn, env)),
                fmt::format("{} on a pointer is not allowed", sem_name(sem)));
  const unsigned bits = static_cast<unsigned>(insn.imm), width = insn.info().width;
  Scalar r;
  if (sem == Sem::Neg) r = neg(dst.val, width);
  else if (sem == Sem::Popcnt) r = popcount(dst.val, width);
  else if (sem == Sem::Clz) r = count_leading_zeros(dst.val, width);
  else if (sem == Sem::Ctz) r = count_trailing_zeros(dst.val, width);
  else if (sem == Sem::Le) r = truncate(dst.val, bits / 8);
  else r = byte_swap(dst.val, bits);  // be16/32/64 on a little-endian machine, bswap
  dst = RegState::scalar(r);
  return ok();
}

bool program_has_arena(const Env& env) {
  for (const MapDef* m : env.in.maps)
    if (m && m->type == MapType::Arena) return true;
  return false;
}

}  // namespace

Status do_alu(Env& env, State& st, const Insn& insn) {
  const Sem sem = insn.info().sem;
  const unsigned width = insn.info().width;
  if (sem == Sem::Mov) return do_mov(env, st, insn);
  if (sem == Sem::MovSx || sem == Sem::AddrSpaceCast) {
    if (auto s = check_readable(env, st, insn.src, insn.pc); !s) return s;
    const RegState src = st.reg(insn.src);
    if (sem == Sem::AddrSpaceCast) {
      if (!program_has_arena(env))
        return fail(env, ErrorCode::VerifierUnsupported, insn.pc, "addr_space_cast in a program without an arena map");
      if (src.is_ptr() && src.type != RegType::Arena)
        return fail(env, ErrorCode::VerifierBadPointerArith, insn.pc, "addr_space_cast of a non-arena pointer");
      RegState r = RegState::pointer(RegType::Arena);
      r.val = src.is_scalar() ? Scalar::unknown() : src.val;
      st.reg(insn.dst) = r;
      return ok();
    }
    if (src.is_ptr() && env.privileged) {
      st.reg(insn.dst) = leaked(width);
      return ok();
    }
    if (src.is_ptr())
      return fail(env, ErrorCode::VerifierPointerLeak, insn.pc, kernel_says("R{} sign-extension part of pointer", insn.src),
                  "sign-extending move of a pointer");
    st.reg(insn.dst) = RegState::scalar(sign_extend(src.val, static_cast<unsigned>(insn.off), width));
    return ok();
  }
  if (auto s = check_readable(env, st, insn.dst, insn.pc); !s) return s;
  if (insn.info().shape == Shape::Unary) return do_unary(env, st, insn, sem);
  RegState src;
  if (insn.info().shape == Shape::AluImm) {
    // Division by a register that is zero gives the ISA's result (0, or the
    // dividend for modulo); a zero immediate divisor is refused where it is
    // reached, as the kernel refuses it ("div by zero").
    const AluOp op = alu_op(sem);
    if (insn.imm == 0 && (op == AluOp::Div || op == AluOp::SDiv || op == AluOp::Mod || op == AluOp::SMod))
      return fail(env, ErrorCode::VerifierReject, insn.pc, kernel_says("div by zero"), "division by the immediate 0",
                  "divide by a register, or test the divisor before dividing");
    src = RegState::scalar(Scalar::constant(width == 32 ? static_cast<uint32_t>(insn.imm) : decade::sem::imm64(insn.imm)));
  } else {
    if (auto s = check_readable(env, st, insn.src, insn.pc); !s) return s;
    src = st.reg(insn.src);
  }
  const RegState dst = st.reg(insn.dst);
  if (dst.is_ptr() || src.is_ptr()) return ptr_alu(env, st, insn, dst, src, sem);
  if (sem == Sem::Rol || sem == Sem::Ror) {
    st.reg(insn.dst) = RegState::scalar(rotate(dst.val, src.val, sem == Sem::Rol, width));
    return ok();
  }
  const AluOp op = alu_op(sem);
  const bool division = op == AluOp::Div || op == AluOp::SDiv || op == AluOp::Mod || op == AluOp::SMod;
  if (division) {
    const Scalar z = Scalar::constant(0);
    env.note_div(insn.pc, branch_taken(src.val, z, Cmp::Eq, width) == 0);
  }
  // Where the kernel's verifier computes no range
  // (is_safe_to_compute_dst_reg_range): division and modulo, and a shift
  // by a constant of at least the width. The domain's operators know
  // those results (the ISA masks shift counts and defines division by
  // zero); the result is taken as unknown anyway, so that a program Linux
  // refuses for relying on them is refused here too.
  const bool shift = op == AluOp::Lsh || op == AluOp::Rsh || op == AluOp::Arsh;
  const bool oversized = width == 32 ? src.val.is_const32() && static_cast<uint32_t>(src.val.value()) >= 32
                                     : src.val.is_const() && src.val.value() >= 64;
  const Scalar value = division || (shift && oversized) ? (width == 32 ? Scalar::of_size(4) : Scalar::unknown())
                                                        : alu(op, dst.val, src.val, width);
  RegState out = RegState::scalar(value);
  link_add_const(env, insn, dst, src, out);
  st.reg(insn.dst) = out;
  return ok();
}

}  // namespace decade::verifier
