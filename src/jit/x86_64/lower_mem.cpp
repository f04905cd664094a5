// SPDX-License-Identifier: Apache-2.0
// Loads, stores, atomics, ld_imm64 and addr_space_cast.
// Memory ordering: x86-64 is TSO (loads are not reordered with older loads,
// stores not with older stores), so load-acquire and store-release are plain
// movs; read-modify-write atomics use lock-prefixed instructions (xchg is
// locked implicitly) and are full barriers, as BPF requires.
#include <algorithm>
#include <bit>

#include "isa/semantics.hpp"
#include "jit/x86_64/jit_state.hpp"
#include "jit/x86_64/lower.hpp"
#include "jit/x86_64/regs.hpp"
#include "runtime/maps/arena.hpp"

namespace decade::jit::x64 {

namespace x = asmjit::x86;

namespace {

// The low `size` bytes of a register.
asmjit::x86::Gp sized(const asmjit::x86::Gp& r, unsigned size) {
  if (size == 8) return r.r64();
  if (size == 4) return r.r32();
  if (size == 2) return r.r16();
  return r.r8();
}

}  // namespace

asmjit::x86::Mem Lowerer::operand(const Gp& base, int16_t off, unsigned size) const {
  return x::ptr(base, off, size);
}

// Unproven accesses. With base r10 the access is meant for the stack: the
// current 512-byte frame is checked inline with one unsigned range compare.
// Any other base is checked inline against the run's primary region (the raw
// memory or the packet, JitHot::prim_*), one subtract and one compare:
//   lea r10, [base + off]; sub r10, [prim_base]; cmp r10, [prim_lim(size, w)]; jae cold
// The cold path tries the current frame, then glue::mem_check, which also
// knows the caller frames, the request's other regions and map storage.
void Lowerer::check_access(const Gp& base, int16_t off, unsigned size, bool write) {
  if (!needs_mem_check(*cur_)) return;
  const bool frame_base = base.id() == x::rbp.id();
  const auto frame = static_cast<int32_t>(opts_.frame_size);
  if (frame_base && off >= -frame && off + static_cast<int32_t>(size) <= 0)
    return;  // a constant offset into the current frame
  Cold c;
  c.entry = cb_.new_label();
  c.back = cb_.new_label();
  c.pc = static_cast<int32_t>(cur_->pc);
  c.arg = size | (write ? 0x100u : 0u);
  if (frame_base) {
    c.kind = ColdKind::MemSlow;
    a_.lea(kTmp1, x::ptr(base, off));
    a_.lea(kTmp2, x::ptr(kTmp1, frame));
    a_.sub(kTmp2, x::rbp);  // address - frame bottom
    a_.cmp(kTmp2, frame - static_cast<int32_t>(size));
    a_.ja(c.entry);
  } else {
    c.kind = ColdKind::MemPrim;
    c.base = base;
    c.off = off;
    const int32_t lim = hot::kPrimLim + static_cast<int32_t>(8 * ((write ? 4 : 0) + std::countr_zero(size)));
    a_.lea(kTmp2, x::ptr(base, off));
    a_.sub(kTmp2, x::qword_ptr(kState, hot::kPrimBase));
    a_.cmp(kTmp2, x::qword_ptr(kState, lim));
    a_.jae(c.entry);
  }
  a_.bind(c.back);
  cold_.push_back(c);
}

// Atomics, load-acquire and store-release fault with ExecMisaligned on an
// address not aligned to their size, as the interpreter does: a locked
// instruction across two cache lines is a split lock, which hosts with
// split-lock detection punish (SIGBUS when fatal), and arena and sized
// memory carry no alignment the verifier can prove.
void Lowerer::check_align(const Gp& base, int16_t off, unsigned size) {
  if (size == 1) return;
  a_.lea(kTmp2, x::ptr(base, off));
  a_.test(kTmp2.r8(), static_cast<int32_t>(size - 1));
  a_.jnz(fault(ErrorCode::ExecMisaligned));
}

Status Lowerer::mem(const Insn& in) {
  const Sem s = in.info().sem;
  const unsigned size = in.info().width / 8;
  if (s == Sem::Ldx || s == Sem::LdxSx || s == Sem::LoadAcquire) {
    const Gp base = reg64(in.src), d = reg64(in.dst);
    check_access(base, in.off, size, false);
    if (s == Sem::LoadAcquire) check_align(base, in.off, size);
    const Mem m = operand(base, in.off, size);
    if (s == Sem::LdxSx) {
      if (size == 4) a_.movsxd(d, m);
      else a_.movsx(d, m);
    } else if (size == 8) {
      a_.mov(d, m);
    } else if (size == 4) {
      a_.mov(d.r32(), m);
    } else {
      a_.movzx(d.r32(), m);
    }
    return ok();
  }
  const Gp base = reg64(in.dst);
  check_access(base, in.off, size, true);
  if (s != Sem::St && s != Sem::Stx) check_align(base, in.off, size);
  const Mem m = operand(base, in.off, size);
  if (s == Sem::St) {
    if (opts_.blind) {
      load_imm(kTmp1, sem::imm64(in.imm));
      a_.mov(m, sized(kTmp1, size));
    } else {
      // imm32 stores sign-extend into 64 bits, matching BPF's st dw.
      a_.mov(m, in.imm);
    }
    return ok();
  }
  if (s == Sem::Stx || s == Sem::StoreRelease) {
    const Gp v = reg64(in.src);
    a_.mov(m, sized(v, size));
    return ok();
  }
  if (s == Sem::AtomicFetchOr || s == Sem::AtomicFetchAnd || s == Sem::AtomicFetchXor) {
    atomic_fetch_loop(in);
    return ok();
  }
  atomic_rmw(in);
  return ok();
}

// stackargs: frame d has rbp = stack_top - d * frame_size, so its level in
// JitHot::stack_args is at (stack_top - rbp) >> log2(frame_size / 64) (3
// for 512-byte frames; frame sizes are powers of two); it reads level d and
// stores into level d + 1, which its callee reads. No check is needed:
// rbp is never written by the program and the call limit bounds d.
void Lowerer::stack_arg(const Insn& in) {
  const Sem s = in.info().sem;
  const int32_t slot = static_cast<int32_t>(8 * stack_arg_slot(in.off));
  a_.mov(kTmp1, x::qword_ptr(kState, hot::kStackTop));
  a_.sub(kTmp1, x::rbp);
  a_.shr(kTmp1, std::countr_zero(opts_.frame_size / static_cast<uint32_t>(kStackArgLevel)));
  if (s == Sem::LdxArg) {
    a_.mov(reg64(in.dst), x::qword_ptr(kState, kTmp1, 0, hot::kStackArgs + slot));
    return;
  }
  const Mem m = x::qword_ptr(kState, kTmp1, 0, hot::kStackArgs + kStackArgLevel + slot);
  if (s == Sem::StxArg) {
    a_.mov(m, reg64(in.src));
  } else if (opts_.blind) {
    load_imm(kTmp2, sem::imm64(in.imm));
    a_.mov(m, kTmp2);
  } else {
    a_.mov(m, in.imm);  // sign-extends, as st dw does
  }
}

// alloca: dst = r10 - K, K the verifier's placement of the area
// (InsnFacts::alloca_offset, at most the frame's bytes, so the area lies
// inside the frame the run was given). Checked code takes K from imm where
// a host put a placement there (every access is checked anyway); a decoded
// alloca has 0 and faults when reached, as in the interpreter.
void Lowerer::alloca_area(const Insn& in) {
  const bool verified = !opts_.checked && opts_.facts && cur_index_ < opts_.facts->size();
  const int32_t k = verified ? (*opts_.facts)[cur_index_].alloca_offset : opts_.checked ? in.imm : -1;
  if (k <= 0) {
    a_.jmp(fault(ErrorCode::ExecUnsupported));
    return;
  }
  if (opts_.blind) {
    load_imm(reg64(in.dst), static_cast<uint64_t>(-int64_t{k}));
    a_.add(reg64(in.dst), x::rbp);
  } else {
    a_.lea(reg64(in.dst), x::ptr(x::rbp, -k));
  }
}

void Lowerer::atomic_rmw(const Insn& in) {
  const Sem s = in.info().sem;
  const unsigned bits = in.info().width;
  const Mem m = operand(reg64(in.dst), in.off, bits / 8);
  const Gp v = reg_w(in.src, bits);
  if (s == Sem::AtomicAdd) a_.lock().add(m, v);
  else if (s == Sem::AtomicOr) a_.lock().or_(m, v);
  else if (s == Sem::AtomicAnd) a_.lock().and_(m, v);
  else if (s == Sem::AtomicXor) a_.lock().xor_(m, v);
  else if (s == Sem::AtomicFetchAdd) a_.lock().xadd(m, v);  // 32-bit: the old value zero-extends
  else if (s == Sem::AtomicXchg) a_.xchg(m, v);
  else if (s == Sem::AtomicCmpxchg) {
    a_.lock().cmpxchg(m, v, bits == 64 ? Gp(x::rax) : Gp(x::eax));
    // A successful 32-bit cmpxchg does not write eax; BPF wants r0 zero-extended.
    if (bits == 32) a_.mov(x::eax, x::eax);
  }
}

// fetch_or/and/xor have no x86 instruction: a cmpxchg loop. rax (BPF r0) is
// the comparand, so r0 is parked in r9 and the address kept in r10.
void Lowerer::atomic_fetch_loop(const Insn& in) {
  const Sem s = in.info().sem;
  const unsigned bits = in.info().width;
  auto w = [bits](const Gp& r) { return bits == 64 ? Gp(r.r64()) : Gp(r.r32()); };
  const Gp val = in.src == 0 ? w(kTmp3) : reg_w(in.src, bits);
  a_.mov(kTmp3, x::rax);
  a_.lea(kTmp2, x::ptr(reg64(in.dst), in.off));
  const Mem m = x::ptr(kTmp2, 0, bits / 8);
  a_.mov(w(x::rax), m);
  Label loop = cb_.new_label();
  a_.bind(loop);
  a_.mov(w(kTmp1), w(x::rax));
  if (s == Sem::AtomicFetchOr) a_.or_(w(kTmp1), val);
  else if (s == Sem::AtomicFetchAnd) a_.and_(w(kTmp1), val);
  else a_.xor_(w(kTmp1), val);
  a_.lock().cmpxchg(m, w(kTmp1), w(x::rax));
  a_.jnz(loop);
  a_.mov(w(kTmp1), w(x::rax));  // the old value, zero-extended for 32-bit forms
  a_.mov(x::rax, kTmp3);
  a_.mov(reg64(in.src), kTmp1);
}

Status Lowerer::ld_imm64(const Insn& in) {
  const Sem s = in.info().sem;
  const Gp d = reg64(in.dst);
  if (s == Sem::LdImm64) {
    load_imm(d, in.imm64);
    return ok();
  }
  if (s == Sem::LdBtfId) {  // kernel variables (ksyms) do not exist in user space
    a_.jmp(fault(ErrorCode::ExecUnsupported));
    return ok();
  }
  if (s == Sem::LdFunc) {
    for (size_t i = 0; i < funcs_.size(); ++i)
      if (static_cast<int32_t>(funcs_[i].start) == in.target) {
        a_.lea(d, x::ptr(func_table_, static_cast<int32_t>(8 * i)));
        return ok();
      }
    return make_error(ErrorCode::ExecBadCall, "jit: function address of a non-function", in.pc);
  }
  const auto idx = static_cast<uint32_t>(in.imm);
  if (prog_.raw_map_fd(in))
    return make_error(ErrorCode::MapNotFound, "jit: map fd " + std::to_string(idx) + ": an object's maps are named by relocation",
                      in.pc);
  if (idx >= env_.maps.size() || !env_.maps[idx])
    return make_error(ErrorCode::MapNotFound, "jit: map index " + std::to_string(idx) + " is not among the program's maps",
                      in.pc);
  Map* map = env_.maps[idx];
  if (s == Sem::LdMapFd || s == Sem::LdMapIdx) {
    a_.mov(d, reinterpret_cast<uint64_t>(map));
    return ok();
  }
  uint8_t* base = map->direct_value_base();
  if (!base) return make_error(ErrorCode::MapBadType, "jit: map " + map->def().name + " has no direct value access", in.pc);
  a_.mov(d, reinterpret_cast<uint64_t>(base) + static_cast<uint64_t>(static_cast<int64_t>(in.imm2)));
  return ok();
}

// Arena pointers: host -> arena keeps the low 32 bits; arena -> host puts
// the arena's upper 32 bits above a non-zero low half, or above any low
// half when the arena starts at its 4 GiB window (runtime/maps/arena.hpp).
Status Lowerer::addr_space_cast(const Insn& in) {
  const Gp d = reg64(in.dst), src = reg64(in.src);
  if (in.imm != sem::kCastArenaToHost) {
    a_.mov(d.r32(), src.r32());
    return ok();
  }
  uint64_t upper = 0;
  bool starts_window = false;
  for (Map* m : env_.maps)
    if (m && m->type() == MapType::Arena) {
      const uint64_t start = static_cast<ArenaMap*>(m)->user_vm_start();
      upper = start & ~uint64_t{0xffffffff};
      starts_window = (start & uint64_t{0xffffffff}) == 0;
    }
  if (upper == 0) {
    a_.mov(d.r32(), src.r32());
    return ok();
  }
  Label zero = cb_.new_label();
  a_.mov(kTmp1.r32(), src.r32());
  if (!starts_window) {
    a_.test(kTmp1.r32(), kTmp1.r32());
    a_.jz(zero);
  }
  a_.mov(kTmp2, upper);
  a_.or_(kTmp1, kTmp2);
  a_.bind(zero);
  a_.mov(d, kTmp1);
  return ok();
}

}  // namespace decade::jit::x64
