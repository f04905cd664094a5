// SPDX-License-Identifier: Apache-2.0
// Memory transfer functions and the region checks behind them: stack (per
// byte, spills per 8-byte slot), context fields per the program type's
// table, map values, packet data with the range learnt from comparisons,
// sized memory (ring-buffer records), callback map keys and arena memory.
#include <fmt/format.h>

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include "isa/semantics.hpp"
#include "runtime/timer.hpp"
#include "verifier/indirect.hpp"
#include "verifier/alloca.hpp"
#include "verifier/stack_args.hpp"
#include "verifier/transfer.hpp"

namespace decade::verifier {
namespace {

using i128 = __int128;

// The value is below 2^bits (the kernel's get_reg_width(reg) <= bits).
bool fits_bits(const Scalar& s, unsigned bits) { return bits >= 64 || s.umax < (uint64_t{1} << bits); }

Scalar loaded_scalar(unsigned size, bool sext) {
  Scalar s = Scalar::of_size(size);
  return sext && size < 8 ? sign_extend(s, size * 8, 64) : s;
}

Scalar fold_bytes(uint64_t v, unsigned size, bool sext) {
  const uint64_t t = decade::sem::truncate(v, size * 8);
  return Scalar::constant(sext && size < 8 ? decade::sem::sext(t, size * 8) : t);
}

// The kernel's phrases for the failed access checks below (Error::kernel).
// Offsets are the constant part, pointer plus instruction, as its log
// prints them.
KernelPhrase stack_bounds_phrase(const RegState& ptr, const MemOp& op) {
  const char* what = op.helper ? " indirect access to" : op.access == Access::Read ? " read from" : " write to";
  const int64_t off = int64_t{ptr.off} + op.off;
  if (ptr.val.is_const()) {
    const int64_t at = off + static_cast<int64_t>(ptr.val.value());
    // The kernel checks alignment first: a misaligned access past the
    // frame is refused as misaligned.
    if (!op.helper && at % op.size != 0)
      return kernel_says("misaligned stack access off 0+{}+{} size {}", at - op.off, op.off, op.size);
    return kernel_says("invalid{} stack R{} off={} size={}", what, op.ptr, at, op.size);
  }
  constexpr int64_t kMaxVarOff = int64_t{1} << 29;
  if (ptr.val.smax >= kMaxVarOff || ptr.val.smin <= -kMaxVarOff)
    return kernel_says("invalid unbounded variable-offset{} stack R{}", what, op.ptr);
  return kernel_says("invalid variable-offset{} stack R{} var_off={} off={} size={}", what, op.ptr, kernel_tnum(ptr.val.var), off,
                     op.size);
}

KernelPhrase ctx_phrase(int64_t off, const MemOp& op) {
  return kernel_says("invalid bpf_context access off={} size={}", off, op.size);
}

KernelPhrase modified_ctx_phrase(const RegState& ptr, const MemOp& op) {
  if (!ptr.val.is_const()) return kernel_says("variable ctx access var_off={} disallowed", kernel_tnum(ptr.val.var));
  const int64_t off = ptr.off + static_cast<int64_t>(ptr.val.value());
  if (off < 0) return kernel_says("negative offset ctx ptr R{} off={} disallowed", op.ptr, off);
  return kernel_says("dereference of modified ctx ptr R{} off={} disallowed", op.ptr, off);
}

// A region of `limit` bytes (map value, map key, sized memory) reached at a
// possibly variable offset: the kernel checks the lowest offset, then that
// the highest is bounded, then the highest, and says which failed after the
// region's own line (`region`: "invalid access to map value, value_size=48").
KernelPhrase region_phrase(const RegState& ptr, const MemOp& op, uint64_t limit, const std::string& region) {
  const int64_t off = int64_t{ptr.off} + op.off;
  const i128 lo = i128{off} + ptr.val.smin;
  if (ptr.val.smin < 0 && lo < 0)
    return kernel_says("R{} min value is negative, either use unsigned index or do a if (index >=0) check.", op.ptr);
  if (lo < 0 || lo + op.size > static_cast<i128>(limit))
    return kernel_says("{} off={} size={}\nR{} min value is outside of the allowed memory range", region, static_cast<int64_t>(lo),
                       op.size, op.ptr);
  if (ptr.val.umax >= (uint64_t{1} << 29))
    return kernel_says("R{} unbounded memory access, make sure to bounds check any such access", op.ptr);
  return kernel_says("{} off={} size={}\nR{} max value is outside of the allowed memory range", region,
                     static_cast<int64_t>(off + static_cast<int64_t>(ptr.val.umax)), op.size, op.ptr);
}

KernelPhrase packet_phrase(const RegState& ptr, const MemOp& op) {
  if (ptr.val.smin < 0)
    return kernel_says("R{} min value is negative, either use unsigned index or do a if (index >=0) check.", op.ptr);
  const int64_t off = int64_t{ptr.off} + op.off;
  return kernel_says("invalid access to packet, off={} size={}, R{}(id={},off={},r={})\nR{} offset is outside of the packet", off,
                     op.size, op.ptr, ptr.id, off, ptr.range, op.ptr);
}

KernelPhrase read_only_phrase(const RegState& ptr, const MemOp& op) {
  if (ptr.type == RegType::MapValue && ptr.map)
    return kernel_says("write into map forbidden, value_size={} off={} size={}", ptr.map->value_size,
                       int64_t{ptr.off} + op.off + static_cast<int64_t>(ptr.val.smin), op.size);
  return kernel_says("R{} cannot write into rdonly_{}", op.ptr, kernel_type(ptr));
}

Status stack_read_const(Env& env, Frame& fr, int64_t o, const MemOp& op, uint32_t pc, RegState* loaded) {
  const size_t lo = static_cast<size_t>(-o - op.size), hi = static_cast<size_t>(-o - 1);
  const size_t k = lo / 8;
  bool zero = true, uninit = false, spill = false, iter = false;
  for (size_t i = lo; i <= hi; ++i) {
    const SlotByte b = fr.bytes[i];
    zero &= b == SlotByte::Zero;
    uninit |= b == SlotByte::Invalid;
    spill |= b == SlotByte::Spill;
    iter |= b == SlotByte::Iter;
  }
  if (iter) return fail(env, ErrorCode::VerifierIterator, pc, fmt::format("access to iterator state at fp{}", o));
  const int64_t base = -static_cast<int64_t>(k * 8 + 8);
  const unsigned width = lo / 8 == hi / 8 ? fr.spill_width(k) : 0;
  if (spill && width > 0 && o - base + op.size <= width) {
    // The read lies inside one spilled register.
    const RegState& sp = fr.spills[k];
    if (sp.is_ptr()) {
      // Refused to root too (the kernel's "invalid size of register fill").
      if (op.size != 8)
        return fail(env, ErrorCode::VerifierInvalidMemAccess, pc, kernel_says("invalid size of register fill"),
                    fmt::format("{}-byte read of a spilled pointer at fp{}", op.size, o), "read spilled pointers with 8-byte loads");
      if (loaded) *loaded = sp;
      return ok();
    }
    if (loaded) {
      if (op.size == 8) *loaded = sp;
      else if (sp.val.is_const()) *loaded = RegState::scalar(fold_bytes(sp.val.value() >> (8 * (o - base)), op.size, op.sign_extend));
      else if (o == base) {
        *loaded = RegState::scalar(op.sign_extend ? sign_extend(sp.val, op.size * 8, 64) : truncate(sp.val, op.size));
        // A narrow fill of a value that fits the loaded width (and, when
        // sign-extended, whose sign bit is clear) reads the same number the
        // spill held, so it stays linked to the spilled register's copies.
        if (fits_bits(sp.val, op.size * 8 - (op.sign_extend ? 1 : 0))) loaded->id = sp.id;
      } else *loaded = RegState::scalar(loaded_scalar(op.size, op.sign_extend));
    }
    return ok();
  }
  if (uninit && !op.helper) {
    if (!env.privileged)
      return fail(env, ErrorCode::VerifierUninitStack, pc, kernel_says("invalid read from stack off {}+0 size {}", o, op.size),
                  fmt::format("read of uninitialised stack at fp{} ({} bytes)", o, op.size),
                  "write the stack slot before reading it");
    env.reads_uninit_stack = true;  // an unknown number: the engines make it the zeroed stack's
  }
  for (size_t i = lo; i <= hi; ++i)
    if (fr.bytes[i] == SlotByte::Spill && fr.spills[i / 8].is_ptr() && !op.helper)
      return fail(env, ErrorCode::VerifierInvalidMemAccess, pc, fmt::format("partial read of a spilled pointer at fp{}", o));
  if (loaded) *loaded = RegState::scalar(zero ? Scalar::constant(0) : loaded_scalar(op.size, op.sign_extend));
  return ok();
}

// Overwrite bytes [lo, hi] of the frame with `kind`, breaking spills they touch.
void clobber(Frame& fr, size_t lo, size_t hi, SlotByte kind) {
  for (size_t k = lo / 8; k <= hi / 8; ++k) fr.break_spill(k);
  for (size_t i = lo; i <= hi; ++i) fr.bytes[i] = kind;
}

// Privileged programs may (allow_ptr_leaks): the bytes read as a number,
// and a write over part of the pointer leaves a number behind.
Status no_spilled_pointer(const Env& env, const Frame& fr, size_t lo, size_t hi, uint32_t pc, std::string_view what) {
  if (env.privileged) return ok();
  for (size_t i = lo; i <= hi; ++i)
    if (fr.bytes[i] == SlotByte::Spill && fr.spills[i / 8].is_ptr())
      return fail(env, ErrorCode::VerifierPointerLeak, pc,
                  fmt::format("{} may touch the pointer spilled at fp{}", what, -static_cast<int64_t>(i / 8 * 8) - 8),
                  "keep spilled pointers out of the range of variable-offset and variable-size stack accesses");
  return ok();
}

void maybe_written(Frame& fr, size_t lo, size_t hi, size_t sure) {
  // Bytes [hi - sure + 1, hi] (the lowest addresses) are written; the others
  // may be, so spills they touch break and uninitialised bytes stay
  // uninitialised (a later read would see whatever was there before). The
  // caller has refused spilled pointers among them: breaking such a spill
  // would let the untouched pointer bytes be read as a number.
  for (size_t k = lo / 8; k <= hi / 8; ++k) fr.break_spill(k);
  for (size_t i = lo; i <= hi; ++i)
    if (i + sure > hi || fr.bytes[i] == SlotByte::Zero) fr.bytes[i] = SlotByte::Misc;
}

Status stack_write_const(Env& env, Frame& fr, int64_t o, const MemOp& op, uint32_t pc) {
  const size_t lo = static_cast<size_t>(-o - op.size), hi = static_cast<size_t>(-o - 1);
  for (size_t i = lo; i <= hi; ++i)
    if (fr.bytes[i] == SlotByte::Iter)
      return fail(env, ErrorCode::VerifierIterator, pc, fmt::format("write over iterator state at fp{}", o),
                  "destroy the iterator before reusing its stack slot");
  const RegState* v = op.value;
  // Refused to root too (the kernel's "invalid size of register spill").
  if (v && v->is_ptr() && op.size != 8)
    return fail(env, ErrorCode::VerifierPointerLeak, pc, kernel_says("invalid size of register spill"),
                fmt::format("{}-byte spill of a pointer at fp{}", op.size, o),
                "spill pointers with 8-byte stores");
  // A narrow write into a spilled pointer leaves its other bytes readable as
  // a number (the kernel's "attempt to corrupt spilled pointer on stack"
  // unless root).
  if (op.size != 8 && !env.privileged && fr.spilled(lo / 8) && fr.spills[lo / 8].is_ptr())
    return fail(env, ErrorCode::VerifierPointerLeak, pc, kernel_says("attempt to corrupt spilled pointer on stack"),
                fmt::format("{}-byte write into the pointer spilled at fp{}", op.size,
                                                                     -static_cast<int64_t>(lo / 8 * 8) - 8),
                "overwrite spilled pointers with 8-byte stores");
  if (op.size == 8 && (v || op.access == Access::ReadWrite)) {
    const size_t k = lo / 8;
    for (size_t i = lo; i <= hi; ++i) fr.bytes[i] = SlotByte::Spill;
    fr.spills[k] = v ? *v : RegState::unknown();
    fr.iters[k] = IterSlot{};
    return ok();
  }
  const bool zero = v && v->is_const() && decade::sem::truncate(v->val.value(), op.size * 8) == 0;
  if (v && v->is_scalar() && !zero && o % 8 == 0) {
    // A narrow scalar spilled at the start of a slot keeps its value (as the
    // kernel does); the slot's other bytes keep what they held.
    const size_t k = lo / 8;
    fr.break_spill(k);
    for (size_t i = lo; i <= hi; ++i) fr.bytes[i] = SlotByte::Spill;
    fr.spills[k] = RegState::scalar(truncate(v->val, op.size));
    // Truncation changed nothing when the value fits: the slot keeps the
    // register's link (do_mem gave it an id for this spill).
    if (fits_bits(v->val, op.size * 8)) fr.spills[k].id = v->id;
    fr.iters[k] = IterSlot{};
    return ok();
  }
  clobber(fr, lo, hi, zero ? SlotByte::Zero : SlotByte::Misc);
  return ok();
}

Status stack_access(Env& env, State& st, const RegState& ptr, const MemOp& op, uint32_t pc, RegState* loaded) {
  if (ptr.frame >= st.frames.size())
    return fail(env, ErrorCode::VerifierInvalidMemAccess, pc, "pointer into a stack frame that no longer exists");
  Frame& fr = st.frames[ptr.frame];
  const i128 lo = i128{ptr.off} + op.off + ptr.val.smin;
  const i128 hi = i128{ptr.off} + op.off + ptr.val.smax;
  const int64_t limit = env.opts.max_stack;
  if (lo < -limit || hi + op.size > 0)
    return fail(env, ErrorCode::VerifierOutOfBounds, pc, stack_bounds_phrase(ptr, op),
                fmt::format("stack access fp{:+} size {} outside [-{}, 0)", static_cast<int64_t>(lo), op.size, limit),
                fmt::format("the stack is {} bytes: offsets from r10 must lie in [-{}, -1]", limit, limit));
  if (auto s = check_alloca_access(env, st, ptr, static_cast<int64_t>(lo), static_cast<int64_t>(hi) + op.size, pc); !s)
    return s;
  fr.grow(static_cast<size_t>(-lo));
  env.note_stack(st, ptr.frame, static_cast<int64_t>(lo), pc);
  env.note_mem(pc, true);
  if (ptr.val.is_const()) {
    const int64_t o = static_cast<int64_t>(lo);
    if (!op.helper && o % op.size != 0)
      return fail(env, ErrorCode::VerifierMisaligned, pc,
                  kernel_says("misaligned stack access off 0+{}+{} size {}", o - op.off, op.off, op.size),
                  fmt::format("misaligned stack access fp{} size {}", o, op.size),
                  "align stack accesses to their size");
    if (op.access == Access::Write) return stack_write_const(env, fr, o, op, pc);
    if (auto s = stack_read_const(env, fr, o, op, pc, loaded); !s) return s;
    return op.access == Access::ReadWrite ? stack_write_const(env, fr, o, op, pc) : ok();
  }
  // Variable offset: every byte the access may touch.
  const size_t blo = static_cast<size_t>(-(hi + op.size)), bhi = static_cast<size_t>(-lo - 1);
  if (op.access != Access::Write) {
    for (size_t i = blo; i <= bhi; ++i) {
      if (fr.bytes[i] == SlotByte::Iter) return fail(env, ErrorCode::VerifierIterator, pc, "variable-offset access to iterator state");
      if (fr.bytes[i] == SlotByte::Invalid && !env.privileged)
        return fail(env, ErrorCode::VerifierUninitStack, pc, "variable-offset read of uninitialised stack",
                    "initialise the whole array before indexing it");
      if (fr.bytes[i] == SlotByte::Invalid) env.reads_uninit_stack = true;
    }
    // The read gives a number: it may not be the bytes of a spilled pointer.
    if (auto s = no_spilled_pointer(env, fr, blo, bhi, pc, "variable-offset read"); !s) return s;
    if (loaded) *loaded = RegState::scalar(loaded_scalar(op.size, op.sign_extend));
  }
  if (op.access != Access::Read) {
    if (op.value && op.value->is_ptr() && !env.privileged)
      return fail(env, ErrorCode::VerifierPointerLeak, pc, "variable-offset spill of a pointer");
    for (size_t i = blo; i <= bhi; ++i)
      if (fr.bytes[i] == SlotByte::Iter) return fail(env, ErrorCode::VerifierIterator, pc, "variable-offset write over iterator state");
    if (auto s = no_spilled_pointer(env, fr, blo, bhi, pc, "variable-offset write"); !s) return s;
    maybe_written(fr, blo, bhi, 0);
  }
  return ok();
}

const CtxField* find_field(const ProgramType& t, int64_t o, uint32_t size) {
  for (const CtxField& f : t.fields)
    if (o >= f.offset && o + size <= int64_t{f.offset} + f.size) return &f;
  return nullptr;
}

// A raw context (r1 = memory, r2 = its length) is plain memory whose size is
// known only at run time: any offset, even a variable one, is allowed. An
// access inside the length a branch proved r2 to have (RegState::range of
// the context pointer, see learn_raw_length) needs no run-time check; the
// engines check every other one against the run's memory region. Helpers
// are not checked at run time: their memory must lie inside the proven
// length (before, bpf_get_current_comm(mem, 4000) on a 4-byte region wrote
// past it on every engine).
Status raw_access(Env& env, const RegState& ptr, const MemOp& op, uint32_t pc, RegState* loaded) {
  if (op.access != Access::Read && op.value && op.value->is_ptr() && !env.privileged)
    return fail(env, ErrorCode::VerifierPointerLeak, pc, "storing a pointer into the context");
  const int64_t base = int64_t{ptr.off} + op.off;
  constexpr int64_t kLimit = int64_t{1} << 30;
  const bool bounded = ptr.val.smin > -kLimit && ptr.val.smax < kLimit;
  const bool proven = bounded && base + ptr.val.smin >= 0 && base + ptr.val.smax + op.size <= int64_t{ptr.range};
  if (op.helper && !proven)
    return fail(env, ErrorCode::VerifierOutOfBounds, pc,
                fmt::format("helper memory at context{:+} size {} outside the proven length {}", base, op.size, ptr.range),
                "compare the length (r2 at entry) with the end of the buffer before passing it to a helper");
  env.note_mem(pc, proven);
  if (loaded) *loaded = RegState::scalar(loaded_scalar(op.size, op.sign_extend));
  return ok();
}

Status ctx_access(Env& env, const RegState& ptr, const MemOp& op, uint32_t pc, RegState* loaded) {
  const ProgramType& t = *env.in.type;
  if (t.raw_ctx && (!ptr.val.is_const() || ptr.val.value() != 0 || ptr.off != 0 || op.off >= 0))
    return raw_access(env, ptr, op, pc, loaded);
  if (!ptr.val.is_const() || ptr.val.value() != 0 || ptr.off != 0)
    return fail(env, ErrorCode::VerifierBadCtxAccess, pc, modified_ctx_phrase(ptr, op),
                "context access through a modified context pointer",
                "access context fields as *(ctx + constant) from the unmodified context pointer");
  const int64_t o = op.off;
  if (op.access != Access::Read && op.value && op.value->is_ptr() && !env.privileged)
    return fail(env, ErrorCode::VerifierPointerLeak, pc, "storing a pointer into the context");
  if (t.plain_ctx) {
    if (o < 0 || (!t.raw_ctx && o + op.size > t.ctx_size))
      return fail(env, ErrorCode::VerifierBadCtxAccess, pc, ctx_phrase(o, op),
                  fmt::format("context access off={} size={} outside [0, {})", o, op.size, t.ctx_size));
    if (!t.raw_ctx && o % op.size != 0)
      return fail(env, ErrorCode::VerifierBadCtxAccess, pc, ctx_phrase(o, op),
                  fmt::format("misaligned context access off={} size={}", o, op.size));
    // ctx_size only bounds what a program may name: the caller's context
    // (syscall programs, host types without fields) may be shorter, even
    // empty. Loads and stores are checked at run time against its region;
    // helpers are not, so they get no plain context (before, a 4-byte
    // context was written 30000 bytes past its end by a proven store).
    if (op.helper)
      return fail(env, ErrorCode::VerifierOutOfBounds, pc,
                  fmt::format("helper memory in a {} context whose length is known only at run time", t.name),
                  "copy the bytes to the stack first");
    env.note_mem(pc, false);
    if (loaded) *loaded = RegState::scalar(loaded_scalar(op.size, op.sign_extend));
    return ok();
  }
  // A typed context is not memory a helper may copy: the engines hold it
  // in their own layout (xdp_md's data is the low half of the host packet
  // address), so bpf_map_update_elem(map, ctx, ...) stored host address bits
  // as a key. The kernel refuses a context as helper memory too.
  if (op.helper)
    return fail(env, ErrorCode::VerifierBadHelperArg, pc, fmt::format("the {} context is not helper memory", t.name),
                "copy the fields the helper needs to the stack");
  const CtxField* f = find_field(t, o, op.size);
  if (!f || op.access == Access::ReadWrite || o % op.size != 0)
    return fail(env, ErrorCode::VerifierBadCtxAccess, pc, ctx_phrase(o, op),
                fmt::format("invalid {} context access off={} size={}", t.name, o, op.size),
                "only the fields of the program type's context may be accessed, aligned, with their own size");
  // Narrower than the field: allowed only where the kernel allows it (CtxField::narrow_read/narrow_write).
  const bool whole = o == f->offset && op.size == f->size;
  if (op.access == Access::Write) {
    if (!f->writable || f->kind != CtxFieldKind::Scalar || (f->write_privileged && !env.privileged))
      return fail(env, ErrorCode::VerifierBadCtxAccess, pc, ctx_phrase(o, op), fmt::format("context field {} is not writable", f->name));
    if (!whole && !f->narrow_write)
      return fail(env, ErrorCode::VerifierBadCtxAccess, pc, ctx_phrase(o, op),
                  fmt::format("context field {} must be written whole ({} bytes)", f->name, f->size));
    env.note_mem(pc, true);
    return ok();
  }
  if (!f->readable)
    return fail(env, ErrorCode::VerifierBadCtxAccess, pc, ctx_phrase(o, op),
                fmt::format("context field {} is not readable by {} programs", f->name, t.name));
  if (!whole && !f->narrow_read)
    return fail(env, ErrorCode::VerifierBadCtxAccess, pc, ctx_phrase(o, op),
                fmt::format("context field {} of {} must be read whole ({} bytes)", f->name, t.name, f->size));
  env.note_mem(pc, true);
  if (f->kind == CtxFieldKind::Scalar) {
    if (loaded) *loaded = RegState::scalar(loaded_scalar(op.size, op.sign_extend));
    return ok();
  }
  if (o != f->offset || op.size != f->size || op.sign_extend)
    return fail(env, ErrorCode::VerifierBadCtxAccess, pc, ctx_phrase(o, op), fmt::format("pointer field {} must be read whole", f->name));
  if (!loaded) return ok();
  switch (f->kind) {
    case CtxFieldKind::PacketData: *loaded = RegState::pointer(RegType::Packet); break;
    case CtxFieldKind::PacketEnd: *loaded = RegState::pointer(RegType::PacketEnd); break;
    case CtxFieldKind::PacketMeta: *loaded = RegState::pointer(RegType::PacketMeta); break;
    case CtxFieldKind::Mem:
      *loaded = RegState::pointer(RegType::Mem);
      loaded->mem_size = f->mem_size;
      loaded->fixed_offset = true;
      loaded->id = env.new_id();  // its own region (same_region)
      break;
    case CtxFieldKind::PtrToBtf:
      *loaded = RegState::pointer(RegType::BtfPtr);
      loaded->maybe_null = f->maybe_null;
      loaded->mem_size = sock_kind_of(f->btf_type);
      loaded->id = env.new_id();  // null-check identity
      break;
    case CtxFieldKind::Scalar: break;  // returned above
  }
  return ok();
}

// [lo, hi + size) inside [0, limit)?
bool in_bounds(i128 lo, i128 hi, uint32_t size, uint64_t limit) { return lo >= 0 && hi + size <= static_cast<i128>(limit); }

Status map_value_access(Env& env, const RegState& ptr, const MemOp& op, uint32_t pc, RegState* loaded) {
  const MapDef& m = *ptr.map;
  const i128 lo = i128{ptr.off} + op.off + ptr.val.smin;
  const i128 hi = i128{ptr.off} + op.off + static_cast<i128>(ptr.val.umax);
  if (!in_bounds(lo, hi, op.size, m.value_size))
    return fail(env, ErrorCode::VerifierOutOfBounds, pc,
                region_phrase(ptr, op, m.value_size, fmt::format("invalid access to map value, value_size={}", m.value_size)),
                fmt::format("map value access off={}{} size={} outside value_size={} of map {}", ptr.off + op.off,
                            ptr.val.is_const() ? "" : " var" + ptr.val.to_string(), op.size, m.value_size, m.name),
                "compare the index against the value size (as an unsigned number) before using it");
  if (op.access != Access::Read && op.value && op.value->is_ptr() && op.value->type != RegType::Arena && !env.privileged)
    return fail(env, ErrorCode::VerifierPointerLeak, pc, fmt::format("storing a pointer into map {}", m.name),
                "maps hold data only: store a scalar");
  // Helpers too (as in the kernel): bpf_get_current_comm(value, 4) wrote
  // the lock word, and the next bpf_spin_lock spun forever.
  if (const int32_t lk = m.lock_field_off(); lk >= 0 && lo < lk + 4 && hi + op.size > lk)
    return fail(env, ErrorCode::VerifierLock, pc, "access to a spin lock", "use the lock and unlock calls only");
  // Nor the timer, which only the bpf_timer_* helpers touch.
  if (const int32_t tm = m.timer_off; tm >= 0 && lo < tm + static_cast<int32_t>(kBpfTimerSize) && hi + op.size > tm)
    return fail(env, ErrorCode::VerifierInvalidMemAccess, pc, kernel_says("bpf_timer cannot be accessed directly by load/store"),
                fmt::format("access to the bpf_timer of map {} at offset {}", m.name, tm), "use the bpf_timer_* helpers only");
  env.note_mem(pc, true);
  if (loaded && jump_table_load(m, static_cast<int64_t>(lo), static_cast<int64_t>(hi), ptr.val, op.size, op.sign_extend, loaded))
    return ok();  // an entry of a jump table, for gotox (verifier/indirect.hpp)
  if (loaded) {
    const int64_t o = static_cast<int64_t>(lo);
    if (m.frozen && ptr.val.is_const() && o + op.size <= static_cast<int64_t>(m.initial_value.size())) {
      uint64_t v = 0;
      for (uint32_t i = 0; i < op.size; ++i) v |= uint64_t{m.initial_value[static_cast<size_t>(o) + i]} << (8 * i);
      *loaded = RegState::scalar(fold_bytes(v, op.size, op.sign_extend));
    } else {
      *loaded = RegState::scalar(loaded_scalar(op.size, op.sign_extend));
    }
  }
  return ok();
}

Status packet_access(Env& env, const RegState& ptr, const MemOp& op, uint32_t pc, RegState* loaded) {
  const i128 o = i128{ptr.off} + op.off;
  if (ptr.val.smin < 0 || ptr.val.umax > 0xffff || o < 0 || o + op.size > ptr.range)
    return fail(env, ErrorCode::VerifierOutOfBounds, pc, packet_phrase(ptr, op),
                fmt::format("packet access off={} size={} outside the checked range r={}", static_cast<int64_t>(o), op.size, ptr.range),
                "compare data + offset + size against data_end before the access");
  if (op.access != Access::Read && op.value && op.value->is_ptr() && !env.privileged)
    return fail(env, ErrorCode::VerifierPointerLeak, pc, "storing a pointer into the packet");
  // may_access_direct_pkt_data: these types read the packet only.
  if (op.access != Access::Read && !env.in.type->packet_writable)
    return fail(env, ErrorCode::VerifierInvalidMemAccess, pc, kernel_says("cannot write into packet"),
                fmt::format("{} programs may not write the packet", env.in.type->name));
  env.note_mem(pc, true);
  if (loaded) *loaded = RegState::scalar(loaded_scalar(op.size, op.sign_extend));
  return ok();
}

Status sized_access(Env& env, const RegState& ptr, const MemOp& op, uint32_t pc, RegState* loaded) {
  const i128 lo = i128{ptr.off} + op.off + ptr.val.smin;
  const i128 hi = i128{ptr.off} + op.off + static_cast<i128>(ptr.val.umax);
  if (ptr.val.smin < 0 || !in_bounds(lo, hi, op.size, ptr.mem_size))
    return fail(env, ErrorCode::VerifierOutOfBounds, pc,
                region_phrase(ptr, op, ptr.mem_size, fmt::format("invalid access to memory, mem_size={}", ptr.mem_size)),
                fmt::format("memory access off={} size={} outside [0, {})", static_cast<int64_t>(lo), op.size, ptr.mem_size));
  if (op.access != Access::Read && op.value && op.value->is_ptr() && !env.privileged)
    return fail(env, ErrorCode::VerifierPointerLeak, pc, "storing a pointer into memory the program hands out");
  env.note_mem(pc, true);
  if (loaded) *loaded = RegState::scalar(loaded_scalar(op.size, op.sign_extend));
  return ok();
}

// The key bpf_for_each_map_elem hands its callback: a copy the run owns
// (runtime/run_context.hpp). It is made read_only (transfer_call.cpp), as in
// the kernel, so check_mem has refused every write before this point: the
// callback can neither rewrite the map's key nor disturb the walk.
Status map_key_access(Env& env, const RegState& ptr, const MemOp& op, uint32_t pc, RegState* loaded) {
  const MapDef& m = *ptr.map;
  const i128 lo = i128{ptr.off} + op.off + ptr.val.smin;
  const i128 hi = i128{ptr.off} + op.off + static_cast<i128>(ptr.val.umax);
  if (ptr.val.smin < 0 || !in_bounds(lo, hi, op.size, m.key_size))
    return fail(env, ErrorCode::VerifierOutOfBounds, pc,
                region_phrase(ptr, op, m.key_size, fmt::format("invalid access to map key, key_size={}", m.key_size)),
                fmt::format("map key access off={} size={} outside key_size={} of map {}", static_cast<int64_t>(lo), op.size,
                            m.key_size, m.name));
  env.note_mem(pc, true);
  if (loaded) *loaded = RegState::scalar(loaded_scalar(op.size, op.sign_extend));
  return ok();
}

}  // namespace

bool read_only_map(const MapDef& m) {
  // .rodata (frozen: its loads fold to constants) and maps the program may
  // only read; redirect targets belong to the host (the kernel forces
  // BPF_F_RDONLY_PROG on devmaps and hands out xdp_sock pointers it cannot write).
  return m.frozen || (m.map_flags & kMapFRdonlyProg) != 0 || m.type == MapType::Devmap ||
         m.type == MapType::DevmapHash || m.type == MapType::Xskmap;
}

RegState map_value_pointer(const MapDef& m, int32_t off) {
  RegState r = RegState::pointer(RegType::MapValue, off);
  r.map = &m;
  r.read_only = read_only_map(m);
  return r;
}

Status check_readable(const Env& env, const State& st, uint8_t reg, uint32_t pc) {
  if (reg >= kNumRegs) return fail(env, ErrorCode::VerifierUnsupported, pc, fmt::format("register r{} is not modelled", reg));
  if (st.reg(reg).type == RegType::NotInit)
    return fail(env, ErrorCode::VerifierUninitRegister, pc, kernel_says("R{} !read_ok", reg),
                fmt::format("R{} is read before it is written", reg),
                fmt::format("set r{} on every path that reaches this instruction (after a call only r0 and r6-r9 keep values)", reg));
  return ok();
}

// An access of `size` bytes at ptr + extra is aligned to its size: the
// constant offset and the known low bits of the variable offset decide.
bool provably_aligned(const RegState& ptr, int64_t extra, unsigned size) {
  const uint64_t low = size - 1;
  const auto fixed = static_cast<uint64_t>(int64_t{ptr.off} + extra);
  return (ptr.val.var.mask & low) == 0 && ((ptr.val.var.value + fixed) & low) == 0;
}

// BPF_F_STRICT_ALIGNMENT (VerifyOptions::strict_alignment), the kernel's
// check_ptr_alignment: the constant offset and the known low bits of the
// variable offset decide; packet offsets count from NET_IP_ALIGN (2).
Status check_strict_align(Env& env, const RegState& ptr, const MemOp& op, uint32_t pc) {
  if (op.size == 1) return ok();
  const char* desc = nullptr;
  uint64_t ip_align = 0;
  switch (ptr.type) {
    case RegType::Packet: case RegType::PacketMeta: desc = "packet "; ip_align = 2; break;
    case RegType::MapValue: desc = "value "; break;
    case RegType::MapKey: desc = "key "; break;
    case RegType::Ctx: desc = "context "; break;
    case RegType::NotInit: case RegType::Scalar: case RegType::Stack: case RegType::MapPtr: case RegType::PacketEnd:
    case RegType::Mem: case RegType::Arena: case RegType::BtfPtr: case RegType::FuncPtr:
      return ok();
  }
  if (provably_aligned(ptr, static_cast<int64_t>(ip_align) + op.off, op.size)) return ok();
  const std::string where = ip_align ? fmt::format("{}+{}+{}+{}", ip_align, kernel_tnum(ptr.val.var), ptr.off, op.off)
                                     : fmt::format("{}+{}+{}", kernel_tnum(ptr.val.var), ptr.off, op.off);
  return fail(env, ErrorCode::VerifierMisaligned, pc, kernel_says("misaligned {}access off {} size {}", desc, where, op.size),
              fmt::format("misaligned {}access: R{} ({}) off {} size {} (BPF_F_STRICT_ALIGNMENT)", desc, op.ptr,
                          ptr.to_string(), op.off, op.size),
              "align the access to its size, or load without strict alignment");
}

Status check_mem(Env& env, State& st, const MemOp& op, uint32_t pc, RegState* loaded) {
  if (auto s = check_readable(env, st, op.ptr, pc); !s) return s;
  const RegState ptr = st.reg(op.ptr);
  if (ptr.maybe_null)
    return fail(env, ErrorCode::VerifierNullDeref, pc, kernel_says("R{} invalid mem access '{}'", op.ptr, kernel_type(ptr)),
                fmt::format("R{} ({}) may be NULL", op.ptr, ptr.to_string()),
                "check the pointer returned by the helper (e.g. bpf_map_lookup_elem) against NULL before using it");
  // The one check of read-only memory: direct stores, atomics, and helper
  // or global-function arguments the callee may write all come through here.
  if (ptr.read_only && op.access != Access::Read)
    return fail(env, ErrorCode::VerifierReadOnly, pc, read_only_phrase(ptr, op),
                fmt::format("R{} ({}) points to read-only memory", op.ptr, ptr.to_string()),
                ptr.type == RegType::MapValue ? "values of .rodata and BPF_F_RDONLY_PROG maps cannot be written by the program"
                                              : "the program may only read this memory");
  // BPF_F_WRONLY_PROG: the program may store into the value but not read it
  // (loads, atomics and helper arguments the callee reads).
  if (ptr.type == RegType::MapValue && ptr.map && (ptr.map->map_flags & kMapFWronlyProg) && op.access != Access::Write)
    return fail(env, ErrorCode::VerifierInvalidMemAccess, pc,
                kernel_says("read from map forbidden, value_size={} off={} size={}", ptr.map->value_size,
                            int64_t{ptr.off} + op.off + static_cast<int64_t>(ptr.val.smin), op.size),
                fmt::format("R{} ({}) points to a write-only map value", op.ptr, ptr.to_string()),
                "BPF_F_WRONLY_PROG maps can only be written by the program");
  if (env.opts.strict_alignment && !op.helper)
    if (auto s = check_strict_align(env, ptr, op, pc); !s) return s;
  switch (ptr.type) {
    case RegType::Stack: return stack_access(env, st, ptr, op, pc, loaded);
    case RegType::Ctx: return ctx_access(env, ptr, op, pc, loaded);
    case RegType::MapValue: return map_value_access(env, ptr, op, pc, loaded);
    case RegType::Packet: case RegType::PacketMeta: return packet_access(env, ptr, op, pc, loaded);
    case RegType::Mem: return sized_access(env, ptr, op, pc, loaded);
    case RegType::MapKey: return map_key_access(env, ptr, op, pc, loaded);
    case RegType::Arena:
      // Arena accesses are checked by the engines at each load and store;
      // a helper's or global function's accesses are not (an arena pointer
      // 1 GiB past its page made bpf_get_current_comm write the host). The
      // kernel refuses arena memory as a helper argument too.
      if (op.helper)
        return fail(env, ErrorCode::VerifierBadHelperArg, pc, fmt::format("R{} ({}) is arena memory", op.ptr, ptr.to_string()),
                    "copy arena data to the stack before passing it to a helper or function");
      if (op.access != Access::Read && op.value && op.value->is_ptr() && op.value->type != RegType::Arena)
        return fail(env, ErrorCode::VerifierPointerLeak, pc, "storing a non-arena pointer into the arena");
      env.note_mem(pc, false);  // arena accesses are checked (or fault-handled) at run time
      if (loaded) *loaded = RegState::scalar(loaded_scalar(op.size, op.sign_extend));
      return ok();
    case RegType::Scalar:
      return fail(env, ErrorCode::VerifierInvalidMemAccess, pc, kernel_says("R{} invalid mem access 'scalar'", op.ptr),
                  fmt::format("R{} is a scalar ({}), not a pointer", op.ptr, ptr.to_string()),
                  ptr.is_const() && ptr.val.value() == 0 ? "this is a NULL pointer: check it before using it" : "");
    case RegType::BtfPtr:
      if (is_sock_kind(ptr)) return sock_access(env, ptr, op, pc, loaded);
      break;
    case RegType::NotInit: case RegType::MapPtr: case RegType::PacketEnd: case RegType::FuncPtr:
      break;
  }
  return fail(env, ErrorCode::VerifierInvalidMemAccess, pc, kernel_says("R{} invalid mem access '{}'", op.ptr, kernel_type(ptr)),
              fmt::format("memory access through {} is not allowed", ptr.to_string()));
}

Status check_mem_range(Env& env, State& st, uint8_t ptr, const Scalar& size, Access access, uint32_t pc, bool zero_ok) {
  if (size.umax == 0) {
    if (!zero_ok)
      return fail(env, ErrorCode::VerifierBadHelperArg, pc,
                  kernel_says("R{} invalid zero-sized read: u64=[{},{}]", ptr + 1, size.umin, size.umax), "memory size is zero");
    return ok();
  }
  if (size.umax > (1u << 29))
    return fail(env, ErrorCode::VerifierBadHelperArg, pc,
                size.smin < 0 ? kernel_says("R{} min value is negative, either use unsigned or 'var &= const'", ptr + 1)
                              : kernel_says("R{} unbounded memory access, use 'var &= const' or 'if (var < const)'", ptr + 1),
                fmt::format("unbounded memory size {}", size.to_string()),
                "bound the size with a comparison before passing it");
  MemOp op;
  op.ptr = ptr;
  op.off = 0;
  op.size = static_cast<uint32_t>(size.umax);
  op.access = access;
  op.helper = true;
  const RegState& p = st.reg(ptr);
  if (p.type == RegType::Stack && !p.val.is_const() && access != Access::Read)
    return fail(env, ErrorCode::VerifierBadHelperArg, pc,
                kernel_says("invalid variable-offset indirect access to stack R{} var_off={} size={}", ptr, kernel_tnum(p.val.var), op.size),
                "helper writes to the stack at a variable offset");
  if (p.type == RegType::Stack && p.frame >= st.frames.size())
    return fail(env, ErrorCode::VerifierInvalidMemAccess, pc, "pointer into a stack frame that no longer exists");
  if (p.type == RegType::Stack && p.val.is_const()) {
    // Whole-range stack argument: check bounds, then read/write byte by byte.
    const int64_t o = p.off + static_cast<int64_t>(p.val.value());
    if (o < -int64_t{env.opts.max_stack} || o + int64_t{op.size} > 0)
      return fail(env, ErrorCode::VerifierOutOfBounds, pc, kernel_says("invalid indirect access to stack R{} off={} size={}", ptr, o, op.size),
                  fmt::format("stack memory fp{} size {} outside the stack", o, op.size),
                  fmt::format("the buffer must lie inside the {}-byte stack", env.opts.max_stack));
    if (auto s = check_alloca_access(env, st, p, o, o + int64_t{op.size}, pc); !s) return s;
    Frame& fr = st.frames[p.frame];
    fr.grow(static_cast<size_t>(-o));
    env.note_stack(st, p.frame, o, pc);
    const size_t lo = static_cast<size_t>(-o - op.size), hi = static_cast<size_t>(-o - 1);
    for (size_t i = lo; i <= hi; ++i) {
      if (fr.bytes[i] == SlotByte::Iter) return fail(env, ErrorCode::VerifierIterator, pc, "helper access to iterator state");
      if (access == Access::Read && fr.bytes[i] == SlotByte::Spill && fr.spills[i / 8].is_ptr() && !env.privileged)
        return fail(env, ErrorCode::VerifierPointerLeak, pc, fmt::format("helper reads a spilled pointer at fp{}", -static_cast<int64_t>(i) - 1));
      // Uninitialised bytes hold whatever an earlier function or run left
      // there (host addresses among it): a helper may not copy them out
      // unless privileged, where the engines zero the stack first.
      if (access != Access::Write && fr.bytes[i] == SlotByte::Invalid) {
        if (!env.privileged)
          return fail(env, ErrorCode::VerifierUninitStack, pc,
                      kernel_says("invalid indirect read from stack R{} off {}+{} size {}", ptr, o, static_cast<int64_t>(hi - i), op.size),
                      fmt::format("helper reads uninitialised stack at fp{}", -static_cast<int64_t>(i) - 1),
                      "initialise the whole buffer (padding included) before passing it");
        env.reads_uninit_stack = true;
      }
    }
    if (access != Access::Read) {
      // The helper writes `size` bytes: only the first size.umin surely.
      // Before, all size.umax bytes became initialised, and a variable-size
      // bpf_get_current_comm let the program read what an earlier frame
      // had spilled there (host addresses) as numbers.
      const size_t sure = static_cast<size_t>(std::min<uint64_t>(size.umin, op.size));
      // A write over part of a spilled pointer leaves its other bytes
      // readable as a number (the kernel refuses it unless root).
      for (const size_t k : {lo / 8, hi / 8})
        if (!env.privileged && (k * 8 < lo || k * 8 + 7 > hi) && fr.spilled(k) && fr.spills[k].is_ptr())
          return fail(env, ErrorCode::VerifierPointerLeak, pc,
                      fmt::format("helper writes part of the pointer spilled at fp{}", -static_cast<int64_t>(k * 8) - 8),
                      "keep helper buffers out of spilled pointers' slots");
      if (sure < op.size)
        if (auto s = no_spilled_pointer(env, fr, lo, hi - sure, pc, "variable-size helper write"); !s) return s;
      maybe_written(fr, lo, hi, sure);
    }
    return ok();
  }
  return check_mem(env, st, op, pc, nullptr);
}

namespace {

Status do_ld_imm64(Env& env, State& st, const Insn& insn) {
  RegState& dst = st.reg(insn.dst);
  const Sem sem = insn.info().sem;
  if (sem == Sem::LdImm64) {
    dst = RegState::scalar(Scalar::constant(insn.imm64));
    return ok();
  }
  if (sem == Sem::LdFunc) {
    RegState r = RegState::pointer(RegType::FuncPtr);
    r.func_pc = insn.target;
    dst = r;
    return ok();
  }
  if (sem == Sem::LdBtfId)
    return fail(env, ErrorCode::VerifierUnsupported, insn.pc, "ld_imm64 of a kernel BTF variable (ksym) is not supported");
  const auto idx = static_cast<uint32_t>(insn.imm);
  if (env.prog.raw_map_fd(insn))
    return fail(env, ErrorCode::VerifierBadMap, insn.pc, kernel_says("fd {} is not pointing to valid bpf_map", idx),
                fmt::format("ld_imm64 of map fd {} that no relocation names: an object's maps are named by relocation, "
                            "and Decade has no map file descriptors", idx),
                "reference the map by name (a relocation against its symbol)");
  if (idx >= env.in.maps.size() || !env.in.maps[idx])
    return fail(env, ErrorCode::VerifierBadMap, insn.pc, fmt::format("map index {} out of range ({} maps)", idx, env.in.maps.size()));
  const MapDef* m = env.in.maps[idx];
  if (sem == Sem::LdMapFd || sem == Sem::LdMapIdx) {
    RegState r = RegState::pointer(RegType::MapPtr);
    r.map = m;
    dst = r;
    return ok();
  }
  if (m->type == MapType::Arena) {
    dst = RegState::pointer(RegType::Arena, 0);
    return ok();
  }
  if (insn.imm2 < 0 || static_cast<uint32_t>(insn.imm2) >= std::max<uint32_t>(m->value_size, 1) ||
      (m->type != MapType::Array && m->type != MapType::PercpuArray) || m->max_entries < 1)
    return fail(env, ErrorCode::VerifierBadMap, insn.pc,
                fmt::format("direct value of map {} at offset {} (needs an array map, offset < value_size {})", m->name, insn.imm2, m->value_size));
  dst = map_value_pointer(*m, insn.imm2);
  return ok();
}

Status do_ld_packet(Env& env, State& st, const Insn& insn) {
  const ProgramType& t = *env.in.type;
  if (!t.legacy_packet_loads)
    return fail(env, ErrorCode::VerifierInvalidMemAccess, insn.pc,
                kernel_says("BPF_LD_[ABS|IND] instructions not allowed for this program type"),
                fmt::format("legacy packet loads (ld_abs/ld_ind) are not allowed in {} programs", t.name));
  if (auto s = check_readable(env, st, 6, insn.pc); !s) return s;
  if (st.reg(6).type != RegType::Ctx)
    return fail(env, ErrorCode::VerifierInvalidMemAccess, insn.pc, "ld_abs/ld_ind need the context in r6");
  if (insn.info().shape == Shape::LdInd) {
    if (auto s = check_readable(env, st, insn.src, insn.pc); !s) return s;
    if (!st.reg(insn.src).is_scalar())
      return fail(env, ErrorCode::VerifierPointerLeak, insn.pc, "ld_ind index is a pointer");
  }
  if (!st.refs.empty() || st.holds_lock())
    return fail(env, ErrorCode::VerifierLock, insn.pc,
                st.refs.empty() ? kernel_says("BPF_LD_[ABS|IND] cannot be used inside bpf_spin_lock-ed region")
                                : kernel_says("BPF_LD_[ABS|IND] cannot be mixed with socket references"),
                "ld_abs/ld_ind may end the program while a reference or lock is held");
  for (uint8_t r = 1; r <= 5; ++r) st.reg(r) = RegState{};
  st.reg(0) = RegState::scalar(Scalar::of_size(insn.info().width / 8));
  env.note_mem(insn.pc, false);
  return ok();
}

// Atomics, load-acquire and store-release must be aligned to their size,
// as the kernel demands (strict alignment): the bases are 8-byte aligned
// (stack frames, map values), so the constant offset and the known low bits
// of the variable offset decide. Arena and sized memory (`Mem`) carry no
// alignment the verifier can prove; both engines fault on a misaligned
// atomic address at run time (ExecMisaligned).
Status check_atomic_align(Env& env, const RegState& ptr, int16_t off, unsigned size, uint32_t pc) {
  if (size == 1 || !ptr.is_ptr() || ptr.type == RegType::Arena || ptr.type == RegType::Mem) return ok();
  if (provably_aligned(ptr, off, size)) return ok();
  return fail(env, ErrorCode::VerifierMisaligned, pc,
              kernel_says("misaligned {}access off {}+{}+{} size {}", ptr.type == RegType::Stack ? "stack " : ptr.type == RegType::MapValue ? "value " : "",
                          kernel_tnum(ptr.val.var), ptr.off, off, size),
              fmt::format("misaligned atomic access: {} off {} size {}", ptr.to_string(), off, size),
              "atomic operations, load-acquire and store-release need an address aligned to their size");
}

Status do_atomic(Env& env, State& st, const Insn& insn) {
  const Sem sem = insn.info().sem;
  const unsigned size = insn.info().width / 8;
  if (auto s = check_readable(env, st, insn.dst, insn.pc); !s) return s;
  if (auto s = check_readable(env, st, insn.src, insn.pc); !s) return s;
  const RegState base = st.reg(insn.dst), val = st.reg(insn.src);
  // Root may store pointer bits with an atomic (allow_ptr_leaks); they
  // become numbers in memory like any store's.
  if (val.is_ptr() && !env.privileged)
    return fail(env, ErrorCode::VerifierPointerLeak, insn.pc, "atomic operation with a pointer operand");
  if (sem == Sem::AtomicCmpxchg) {
    if (auto s = check_readable(env, st, 0, insn.pc); !s) return s;
    if (st.reg(0).is_ptr() && !env.privileged)
      return fail(env, ErrorCode::VerifierPointerLeak, insn.pc, "cmpxchg compares with a pointer in r0");
  }
  if (base.type != RegType::Stack && base.type != RegType::MapValue && base.type != RegType::Mem && base.type != RegType::Arena &&
      !base.maybe_null && base.is_ptr())
    return fail(env, ErrorCode::VerifierInvalidMemAccess, insn.pc,
                kernel_says("BPF_ATOMIC stores into R{} {} is not allowed", insn.dst, kernel_type(base)),
                fmt::format("atomic operation on {} memory", reg_type_name(base.type)));
  if (auto s = check_atomic_align(env, base, insn.off, size, insn.pc); !s) return s;
  const RegState unknown = RegState::unknown();
  MemOp op{insn.dst, insn.off, size, Access::ReadWrite, false, &unknown, false};
  RegState old;
  if (auto s = check_mem(env, st, op, insn.pc, &old); !s) return s;
  // The old value reaches the program (fetch forms, cmpxchg) or stays in
  // memory as a number: a pointer's bits would leak either way.
  if (old.is_ptr() && !env.privileged)
    return fail(env, ErrorCode::VerifierPointerLeak, insn.pc, fmt::format("atomic operation on a spilled pointer ({})", old.to_string()),
                "atomics work on numbers only");
  const Scalar fetched = Scalar::of_size(size);
  if (sem == Sem::AtomicCmpxchg) st.reg(0) = RegState::scalar(fetched);
  else if ((insn.imm & decade::sem::kAtomicFetch) || sem == Sem::AtomicXchg) st.reg(insn.src) = RegState::scalar(fetched);
  return ok();
}

// The kernel links a privileged scalar spill at the start of a stack slot
// to the register it came from when the value fits the store's width (it
// gives the register an id, as a move does), so a bound learnt later on
// either copy holds for the other (propagate_scalar reaches spilled slots).
void link_spill(Env& env, State& st, const Insn& insn, unsigned size) {
  RegState& src = st.reg(insn.src);
  const RegState& dst = st.reg(insn.dst);
  if (!env.privileged || !src.is_scalar() || src.id != 0 || src.val.is_const() || dst.type != RegType::Stack) return;
  if (!dst.val.is_const() || (static_cast<int64_t>(dst.val.value()) + dst.off + insn.off) % 8 != 0) return;
  if (fits_bits(src.val, size * 8)) src.id = env.new_id();
}

}  // namespace

// The kernel rewrites context and socket accesses per instruction
// (convert_ctx_accesses), so one load or store may not reach the context or
// a socket on one path and anything else on another ("same insn cannot be
// used with different pointers", save_aux_ptr_type). Decade checks each
// path's access against its own region and would not need the rule; it
// keeps it so that programs Linux refuses are refused here too. Classes:
// 1 any other memory, 2 the context, 3.. socket kinds, 6 other BTF objects.
Status same_pointer_kind(Env& env, const RegState& ptr, uint32_t pc) {
  uint8_t k = 1;
  if (ptr.type == RegType::Ctx) k = 2;
  else if (ptr.type == RegType::BtfPtr) k = is_sock_kind(ptr) ? static_cast<uint8_t>(2 + ptr.mem_size) : 6;
  uint8_t& seen = env.access_kind[pc];
  if (seen == 0) seen = k;
  else if (seen != k)
    return fail(env, ErrorCode::VerifierBadCtxAccess, pc, kernel_says("same insn cannot be used with different pointers"),
                "this instruction accesses the context or a socket on one path and other memory on another",
                "use a separate load or store for each kind of pointer");
  return ok();
}

Status do_mem(Env& env, State& st, const Insn& insn) {
  const Sem sem = insn.info().sem;
  const unsigned size = insn.info().width / 8;
  switch (insn.info().shape) {
    case Shape::LdImm64: return do_ld_imm64(env, st, insn);
    case Shape::LdAbs: case Shape::LdInd: return do_ld_packet(env, st, insn);
    case Shape::Load: case Shape::AtomicLoad: {
      if (insn.info().shape == Shape::AtomicLoad) {
        if (auto s = check_readable(env, st, insn.src, insn.pc); !s) return s;
        if (auto s = check_atomic_align(env, st.reg(insn.src), insn.off, size, insn.pc); !s) return s;
      }
      MemOp op{insn.src, insn.off, size, Access::Read, sem == Sem::LdxSx, nullptr, false};
      RegState loaded;
      const RegState base = st.reg(insn.src);
      if (auto s = check_mem(env, st, op, insn.pc, &loaded); !s) return s;
      if (insn.info().shape == Shape::Load)
        if (auto s = same_pointer_kind(env, base, insn.pc); !s) return s;
      st.reg(insn.dst) = loaded;
      return ok();
    }
    case Shape::StoreImm: {
      if (auto s = check_readable(env, st, insn.dst, insn.pc); !s) return s;
      const RegState v = RegState::scalar(Scalar::constant(decade::sem::truncate(decade::sem::imm64(insn.imm), size * 8)));
      const RegState v8 = RegState::scalar(Scalar::constant(decade::sem::imm64(insn.imm)));
      MemOp op{insn.dst, insn.off, size, Access::Write, false, size == 8 ? &v8 : &v, false};
      const RegState base = st.reg(insn.dst);
      if (auto s = check_mem(env, st, op, insn.pc, nullptr); !s) return s;
      return same_pointer_kind(env, base, insn.pc);
    }
    case Shape::StoreReg: case Shape::AtomicStore: {
      if (auto s = check_readable(env, st, insn.src, insn.pc); !s) return s;
      if (insn.info().shape == Shape::StoreReg) link_spill(env, st, insn, size);
      RegState v = st.reg(insn.src);
      if (size < 8 && v.is_scalar() && !fits_bits(v.val, size * 8)) v = RegState::scalar(truncate(v.val, size));
      if (insn.info().shape == Shape::AtomicStore) {
        if (auto s = check_readable(env, st, insn.dst, insn.pc); !s) return s;
        if (auto s = check_atomic_align(env, st.reg(insn.dst), insn.off, size, insn.pc); !s) return s;
      }
      MemOp op{insn.dst, insn.off, size, Access::Write, false, &v, false};
      const RegState base = st.reg(insn.dst);
      if (auto s = check_mem(env, st, op, insn.pc, nullptr); !s) return s;
      if (insn.info().shape == Shape::StoreReg) return same_pointer_kind(env, base, insn.pc);
      return ok();
    }
    case Shape::AtomicRmw: return do_atomic(env, st, insn);
    case Shape::LoadArg: case Shape::StoreArg: case Shape::StoreImmArg: return do_stack_arg(env, st, insn);
    case Shape::AluImm: case Shape::AluReg: case Shape::Unary: case Shape::AddrSpaceCast: case Shape::JmpImm:
    case Shape::JmpReg: case Shape::Ja: case Shape::Ja32: case Shape::GotoX: case Shape::MayGoto: case Shape::CallHelper:
    case Shape::CallLocal: case Shape::CallKfunc: case Shape::CallX: case Shape::Exit:
      break;
  }
  return fail(env, ErrorCode::Internal, insn.pc, "do_mem called for a non-memory instruction");
}

}  // namespace decade::verifier
