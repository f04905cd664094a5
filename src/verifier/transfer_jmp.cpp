// SPDX-License-Identifier: Apache-2.0
// Conditional jumps: decide the branch when the values allow it, otherwise
// refine both sides (scalar ranges, NULL checks, packet ranges learnt from
// comparisons of packet data against data_end and of metadata against data;
// 64-bit comparisons only).
#include <fmt/format.h>

#include <algorithm>

#include "isa/semantics.hpp"
#include "verifier/transfer.hpp"

namespace decade::verifier {
namespace {

Cmp cmp_of(Sem s) {
  static constexpr std::pair<Sem, Cmp> kMap[] = {
      {Sem::Jeq, Cmp::Eq}, {Sem::Jne, Cmp::Ne}, {Sem::Jgt, Cmp::Gt}, {Sem::Jge, Cmp::Ge},
      {Sem::Jlt, Cmp::Lt}, {Sem::Jle, Cmp::Le}, {Sem::Jsgt, Cmp::Sgt}, {Sem::Jsge, Cmp::Sge},
      {Sem::Jslt, Cmp::Slt}, {Sem::Jsle, Cmp::Sle}};
  for (const auto& [sem, c] : kMap)
    if (sem == s) return c;
  return Cmp::Set;
}

// Copy a refined scalar to every register linked to it by a shared id,
// moved by their constant deltas (RegState::add_const). The link's base is
// r - r.off (in 32 bits when r is Add32: the link was made on a base that
// fits 32 bits, so that is the base itself), and x is base + x.off (in 32
// bits, zero-extended, when x is Add32), as the registers compute them.
void propagate_scalar(State& st, const RegState& r) {
  if (r.id == 0 || !r.is_scalar()) return;
  const auto shifted = [](const Scalar& v, int64_t delta, unsigned width) {
    return delta == 0 && width == 64 ? v : alu(AluOp::Add, v, Scalar::constant(static_cast<uint64_t>(delta)), width);
  };
  const bool r_linked = r.add_const != AddConst::None;
  st.for_each_reg([&](RegState& x) {
    if (!x.is_scalar() || x.id != r.id || &x == &r) return;
    const bool x_linked = x.add_const != AddConst::None;
    if ((!r_linked && !x_linked) || (r.add_const == x.add_const && r.off == x.off)) {
      x.val = r.val;
      return;
    }
    const Scalar base = r_linked ? shifted(r.val, -int64_t{r.off}, r.add_const == AddConst::Add32 ? 32 : 64) : r.val;
    x.val = shifted(base, x_linked ? int64_t{x.off} : 0, x.add_const == AddConst::Add32 ? 32 : 64);
  });
}

// A refined copy of the raw program's length: the memory at r1 is at least
// its lower bound long.
void learn_raw_length(State& st, const RegState& r) {
  if (r.id != kRawLengthId || !r.is_scalar()) return;
  const uint32_t len = static_cast<uint32_t>(std::min<uint64_t>(r.val.umin, uint64_t{1} << 30));
  st.for_each_reg([&](RegState& x) {
    if (x.type == RegType::Ctx && x.range < len) x.range = len;
  });
}

// Refine the scalar registers of `st` for `a c b`; false when impossible.
bool refine_scalars(State& st, const Insn& insn, bool reg_form, const Scalar& imm, Cmp c, unsigned width) {
  Scalar a = st.reg(insn.dst).val;
  Scalar b = reg_form ? st.reg(insn.src).val : imm;
  if (!refine(a, b, c, width)) return false;
  st.reg(insn.dst).val = a;
  propagate_scalar(st, st.reg(insn.dst));
  learn_raw_length(st, st.reg(insn.dst));
  if (reg_form) {
    st.reg(insn.src).val = b;
    propagate_scalar(st, st.reg(insn.src));
    learn_raw_length(st, st.reg(insn.src));
  }
  return true;
}

bool never_null(const RegState& r) {
  switch (r.type) {
    case RegType::Ctx: case RegType::Stack: case RegType::MapValue: case RegType::Packet: case RegType::PacketMeta:
    case RegType::PacketEnd: case RegType::Mem: case RegType::FuncPtr: case RegType::MapPtr: case RegType::MapKey:
      return !r.maybe_null;
    case RegType::BtfPtr:
      return is_sock_kind(r) && !r.maybe_null;  // the kernel's sock, sock_common, tcp_sock
    case RegType::NotInit: case RegType::Scalar: case RegType::Arena:
      return false;
  }
  return false;
}

// Whether a comparison with 0 is decided for pointer `r`: the kernel's
// reg_not_null list (map values and keys, sized memory, sockets), not the
// context, the stack, packet pointers or map and function pointers, which
// are never NULL either but whose NULL test the kernel explores both ways
// (a loop on `if r1 == 0` of the context is an infinite loop to it).
bool null_test_decided(const RegState& r) {
  if (r.maybe_null) return false;
  switch (r.type) {
    case RegType::MapValue: case RegType::MapKey: case RegType::Mem: return true;
    case RegType::BtfPtr: return is_sock_kind(r);
    case RegType::NotInit: case RegType::Scalar: case RegType::Ctx: case RegType::Stack: case RegType::MapPtr:
    case RegType::PacketMeta: case RegType::Packet: case RegType::PacketEnd: case RegType::Arena: case RegType::FuncPtr:
      return false;
  }
  return false;
}

// Whether `lo` and `hi` are a packet pointer and the end of its region:
// data_end for packet data, the packet's data start for its metadata.
bool packet_pair(const RegState& lo, const RegState& hi) {
  return (lo.type == RegType::Packet && hi.type == RegType::PacketEnd) ||
         (lo.type == RegType::PacketMeta && hi.type == RegType::Packet);
}

// In `st`, `lower c upper` holds for a packet_pair. A packet pointer is its
// region's start + a variable part + a constant offset, and its range counts
// bytes from start + variable part; the bound `upper` is the region's end
// plus upper's own offset (a constant: data_end cannot move, and a data
// pointer bounds metadata only when its whole offset is known). So
// `lower <= upper` proves lower.off - upper's offset bytes, and `lower <
// upper` one more; other operators prove nothing on this side.
void learn_packet_range(State& st, const RegState& lower, const RegState& upper, Cmp c) {
  if (c != Cmp::Le && c != Cmp::Lt) return;
  if (!upper.val.is_const()) return;
  // As the kernel (find_good_pkt_pointers): nothing is learnt from a pointer
  // that may lie past MAX_PACKET_OFF (0xffff) bytes, where its offset
  // arithmetic could wrap in the kernel's 16-bit range field.
  constexpr uint64_t kMaxPacketOff = 0xffff;
  if (lower.off < 0 || lower.val.umax > kMaxPacketOff || lower.val.umax + static_cast<uint64_t>(lower.off) > kMaxPacketOff)
    return;
  const int64_t upper_off = int64_t{upper.off} + static_cast<int64_t>(upper.val.value());
  const int64_t proven = int64_t{lower.off} - upper_off + (c == Cmp::Lt ? 1 : 0);
  if (proven <= 0) return;
  // Pointer offsets stay under 2^29; the clamp only keeps the narrowing exact.
  const auto range = static_cast<uint32_t>(std::min<int64_t>(proven, int64_t{1} << 30));
  const RegType t = lower.type;
  const uint32_t id = lower.id;
  st.for_each_reg([&](RegState& x) {
    if (x.type == t && x.id == id && x.range < range) x.range = range;
  });
}

// reg_form: the second operand is a register. As in the kernel, only a
// comparison with the immediate 0 null-checks a pointer (a register that
// holds 0 leaves it maybe-NULL on both sides).
BranchSides pointer_branch(State& fall, State& taken, const RegState& a, const RegState& b, Cmp c, unsigned width,
                           bool reg_form) {
  const bool a_zero = a.is_const() && a.val.value() == 0, b_zero = b.is_const() && b.val.value() == 0;
  if (width == 64 && (c == Cmp::Eq || c == Cmp::Ne) && (a_zero || b_zero)) {
    const RegState& p = a_zero ? b : a;
    if (p.is_ptr() && p.maybe_null && p.id && !reg_form) {
      // Eq: the taken side has NULL. Ne: the fall-through side has NULL.
      mark_null_checked(c == Cmp::Eq ? taken : fall, p.id, true);
      mark_null_checked(c == Cmp::Eq ? fall : taken, p.id, false);
      return {};
    }
    if (null_test_decided(p)) return c == Cmp::Eq ? BranchSides{true, false} : BranchSides{false, true};
  }
  // A pointer that may be NULL, equal to one that is not, is not NULL on
  // the equal side (the kernel infers it for jeq/jne of two pointers).
  if (width == 64 && (c == Cmp::Eq || c == Cmp::Ne) && a.is_ptr() && b.is_ptr() && a.maybe_null != b.maybe_null) {
    const RegState& p = a.maybe_null ? a : b;
    if (p.id && never_null(a.maybe_null ? b : a)) mark_null_checked(c == Cmp::Eq ? taken : fall, p.id, false);
  }
  if (width == 64 && c != Cmp::Eq && c != Cmp::Ne && c != Cmp::Set && c != Cmp::NotSet) {
    if (packet_pair(a, b)) {
      learn_packet_range(taken, a, b, c);
      learn_packet_range(fall, a, b, negate(c));
    } else if (packet_pair(b, a)) {
      learn_packet_range(taken, b, a, swap_operands(c));
      learn_packet_range(fall, b, a, swap_operands(negate(c)));
    }
  }
  return {};
}

}  // namespace

void mark_null_checked(State& st, uint32_t id, bool is_null) {
  uint32_t released = 0;
  st.for_each_reg([&](RegState& x) {
    if (!x.is_ptr() || !x.maybe_null || x.id != id) return;
    if (is_null) {
      // Only an acquiring call's own result (ref_id == id) acquired
      // nothing when NULL; a cast's (bpf_tcp_sock) leaves its socket held.
      if (x.ref_id && x.ref_id == id) released = x.ref_id;
      x = RegState::scalar(Scalar::constant(0));
    } else {
      x.maybe_null = false;
      // Ring-buffer records keep their id (it names the reference), values
      // with a lock too (it names the lock); others drop it.
      if (x.type == RegType::MapValue && x.map && x.map->lock_field_off() < 0) x.id = 0;
      if (x.type == RegType::MapPtr) x.id = 0;
    }
  });
  // A NULL result acquired nothing.
  if (released) st.drop_ref(released);
}

// Whether a branch on `a c b`, where one side is a pointer, depends only on
// what the program was given (offsets, lengths, NULL), never on where the
// host put the memory: a 64-bit NULL check, a packet pointer against the end
// of its region, or two 64-bit pointers into the same region (the same
// frame's stack, the context, the packet, one map's values or keys, one
// sized region), whose order is their offsets'. Arena pointers are addresses
// the program already knows. Anything else lets the program learn address
// bits one branch at a time (and made the engines disagree, since the
// interpreter's frames and the JIT's stack lie at different addresses).
bool address_free_branch(const RegState& a, const RegState& b, Cmp c, unsigned width) {
  if (a.type == RegType::Arena || b.type == RegType::Arena) return true;
  if (width != 64 || c == Cmp::Set || c == Cmp::NotSet) return false;
  const bool a_zero = a.is_const() && a.val.value() == 0, b_zero = b.is_const() && b.val.value() == 0;
  if ((c == Cmp::Eq || c == Cmp::Ne) && (a_zero || b_zero)) return true;
  const auto in_packet = [](const RegState& r) {
    return r.type == RegType::Packet || r.type == RegType::PacketMeta || r.type == RegType::PacketEnd;
  };
  if (in_packet(a) && in_packet(b)) return true;  // one buffer: metadata, data, end
  if (!a.is_ptr() || !b.is_ptr() || a.type != b.type) return false;
  switch (a.type) {
    case RegType::Stack: return a.frame == b.frame;
    case RegType::Ctx: return true;
    case RegType::MapValue: case RegType::MapKey: return a.map == b.map;
    case RegType::Mem: return a.id != 0 && a.id == b.id;
    case RegType::NotInit: case RegType::Scalar: case RegType::MapPtr: case RegType::Packet: case RegType::PacketMeta:
    case RegType::PacketEnd: case RegType::Arena: case RegType::BtfPtr: case RegType::FuncPtr:
      return false;
  }
  return false;
}

Result<BranchSides> do_branch(Env& env, State& fall, State& taken, const Insn& insn) {
  const Cmp c = cmp_of(insn.info().sem);
  const unsigned width = insn.info().width;
  const bool reg_form = insn.info().shape == Shape::JmpReg;
  if (auto s = check_readable(env, fall, insn.dst, insn.pc); !s) return std::unexpected(s.error());
  if (reg_form) {
    if (auto s = check_readable(env, fall, insn.src, insn.pc); !s) return std::unexpected(s.error());
  }
  const Scalar imm = Scalar::constant(width == 32 ? static_cast<uint32_t>(insn.imm) : decade::sem::imm64(insn.imm));
  const RegState a = fall.reg(insn.dst);
  const RegState b = reg_form ? fall.reg(insn.src) : RegState::scalar(imm);
  if (a.is_scalar() && b.is_scalar()) {
    const int t = branch_taken(a.val, b.val, c, width);
    if (t == 1) {
      taken = std::move(fall);
      return BranchSides{false, true};
    }
    if (t == 0) return BranchSides{true, false};
    taken = fall;
    BranchSides sides;
    sides.taken = refine_scalars(taken, insn, reg_form, imm, c, width);
    sides.fall = refine_scalars(fall, insn, reg_form, imm, negate(c), width);
    return sides;
  }
  // Root may branch on address bits (allow_ptr_leaks): both sides are
  // explored, nothing is learnt beyond what pointer_branch knows.
  if (!env.privileged && !address_free_branch(a, b, c, width))
    return fail(env, ErrorCode::VerifierPointerLeak, insn.pc, kernel_says("R{} pointer comparison prohibited", a.is_ptr() ? insn.dst : insn.src),
                fmt::format("comparison of {} with {} depends on a host address", a.to_string(), b.to_string()),
                "compare pointers only with NULL, with the end of their packet, or with a pointer into the same region");
  taken = fall;
  return pointer_branch(fall, taken, a, b, c, width, reg_form);
}

}  // namespace decade::verifier
