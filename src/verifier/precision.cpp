// SPDX-License-Identifier: Apache-2.0
#include "verifier/precision.hpp"

#include "isa/semantics.hpp"
#include "verifier/cfg.hpp"

namespace decade::verifier {
namespace {

constexpr RegMask bit(unsigned r) { return static_cast<RegMask>(1u << r); }
constexpr RegMask kArgRegs = 0x3e;      // r1-r5
constexpr RegMask kCallerSaved = 0x3f;  // r0-r5
constexpr RegMask kAll = 0x7ff;         // r0-r10

bool is_div(Sem s) { return s == Sem::Div || s == Sem::SDiv || s == Sem::Mod || s == Sem::SMod; }

}  // namespace

Precision::Precision(const Env& env)
    : env_(env),
      need_in_(env.prog.slot_count),
      ptr_arith_(env.prog.slot_count, 0),
      stack_access_(env.prog.slot_count, 0),
      preds_(env.prog.slot_count),
      call_sites_(env.subs.size()),
      exits_(env.subs.size()),
      returns_from_(env.prog.slot_count, -1),
      restricted_r0_(env.subs.size(), 0),
      queued_(env.prog.slot_count, 0) {
  const Program& p = env.prog;
  const ProgramType* t = env.in.type;
  if (!env.subs.empty() && t && (t->ret_min != INT64_MIN || t->ret_max != INT64_MAX)) {
    restricted_r0_[0] = 1;
    for (size_t s = 1; s < env.subs.size(); ++s)  // the exception callback's r0 is the program's result
      if (env.subs[s].exception_cb) restricted_r0_[s] = 1;
  }
  std::vector<uint32_t> succ;
  for (const Insn& insn : p.insns) {
    successors(env, insn, succ);
    for (uint32_t s : succ)
      if (s < p.slot_count) preds_[s].push_back(insn.pc);
    const Sem sem = insn.info().sem;
    const auto sub = static_cast<size_t>(env.sub_of_pc[insn.pc]);
    if (sem == Sem::Exit) exits_[sub].push_back(insn.pc);
    if (sem == Sem::LdFunc || sem == Sem::CallLocal) {
      const auto callee = static_cast<size_t>(env.sub_of_pc[static_cast<size_t>(insn.target)]);
      if (sem == Sem::LdFunc) restricted_r0_[callee] = 1;  // callbacks: the helper checks r0
      if (sem == Sem::CallLocal) {
        call_sites_[callee].push_back(insn.pc);
        if (insn.pc + 1 < p.slot_count) returns_from_[insn.pc + 1] = static_cast<int32_t>(callee);
      }
    }
  }
  for (auto it = p.insns.rbegin(); it != p.insns.rend(); ++it) push(it->pc);
  solve();
}

size_t Precision::footprint() const {
  auto bytes = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
  size_t n = bytes(need_in_) + bytes(ptr_arith_) + bytes(stack_access_) + bytes(returns_from_) + bytes(restricted_r0_) +
             bytes(queued_) + need_in_.size() * sizeof(uint32_t);  // work_ at its largest
  for (const auto* lists : {&preds_, &call_sites_, &exits_}) {
    n += bytes(*lists);
    for (const auto& l : *lists) n += bytes(l);
  }
  return n;
}

Precision::Need Precision::out_of(const Insn& insn) const {
  Need out;
  std::vector<uint32_t> succ;
  successors(env_, insn, succ);
  for (uint32_t s : succ) {
    if (s >= need_in_.size()) continue;
    out.regs |= need_in_[s].regs;
    out.slots |= need_in_[s].slots;
  }
  return out;
}

// Loads, stores and atomics. Through r10 at a constant offset the slots are
// known; through another pointer seen on the stack they are not.
Precision::Need Precision::transfer_mem(const Insn& insn, Need out) const {
  const Shape shape = insn.info().shape;
  const bool load = shape == Shape::Load || shape == Shape::AtomicLoad;
  const uint8_t base = load ? insn.src : insn.dst;
  const RegMask d = bit(insn.dst), s = bit(insn.src);
  const bool cmpxchg = shape == Shape::AtomicRmw && insn.imm == decade::sem::kAtomicCmpxchg;
  const bool fetch = shape == Shape::AtomicRmw && !cmpxchg &&
                     ((insn.imm & decade::sem::kAtomicFetch) || insn.imm == decade::sem::kAtomicXchg);
  const RegMask value = shape == Shape::StoreImm ? 0 : static_cast<RegMask>(s | (cmpxchg ? bit(0) : 0));
  // What the instruction writes to registers.
  const RegMask written = load ? d : cmpxchg ? bit(0) : fetch ? s : 0;
  const bool result_needed = (out.regs & written) != 0;
  Need in = out;
  in.regs = static_cast<RegMask>(in.regs & ~written);
  const uint32_t size = insn.info().width / 8;
  if (base == 10) {
    const int64_t o = insn.off;
    if (o + size > 0) return in;  // rejected by the checks anyway
    if (o < -kMaskedStack) {
      // Past the slots Need tracks (a host-raised stack size): such slots
      // are always compared exactly (stack_covers), so a stored value matters.
      if (!load) in.regs |= value;
      return in;
    }
    const auto lo = static_cast<unsigned>((-o - size) / 8), hi = static_cast<unsigned>((-o - 1) / 8);
    uint64_t touched = 0;
    for (unsigned k = lo; k <= hi; ++k) touched |= uint64_t{1} << k;
    if (load) {
      if (result_needed) in.slots |= touched;
      return in;
    }
    if (shape == Shape::AtomicRmw) {  // reads and writes the slot
      in.regs |= value;
      in.slots |= touched;
      return in;
    }
    if (out.slots & touched) in.regs |= value;
    if (size == 8 && o % 8 == 0) in.slots &= ~touched;  // the whole slot is replaced
    return in;
  }
  if (!stack_access_[insn.pc]) {
    // Not the stack: loads give values unrelated to registers; stored values
    // are never read back into a register as themselves.
    if (shape == Shape::AtomicRmw && cmpxchg) in.regs |= bit(0);
    return in;
  }
  if (load || shape == Shape::AtomicRmw) {
    if (result_needed || shape == Shape::AtomicRmw) in.slots = ~uint64_t{0};
  }
  if (!load) in.regs |= value;
  return in;
}

Precision::Need Precision::transfer(const Insn& insn, Need out) const {
  const Sem sem = insn.info().sem;
  const RegMask d = bit(insn.dst), s = bit(insn.src);
  const uint64_t all_slots = outer_stack_read_ ? ~uint64_t{0} : 0;
  Need in = out;
  auto regs = [&](unsigned m) {
    in.regs = static_cast<RegMask>(m);
    return in;
  };
  switch (insn.info().shape) {
    case Shape::AluImm:
      return regs(sem == Sem::Mov ? out.regs & ~d : out.regs);
    case Shape::AluReg: {
      if (sem == Sem::Mov || sem == Sem::MovSx) return regs((out.regs & ~d) | ((out.regs & d) ? s : 0));
      if (sem == Sem::Alloca) return regs((out.regs & ~d) | s);  // the size's bound sizes the area
      unsigned m = out.regs;
      if (out.regs & d) m |= s;
      if (ptr_arith_[insn.pc]) m |= d | s;  // the scalar is a pointer offset
      if (is_div(sem)) m |= s;              // whether it can be zero is a fact
      return regs(m);
    }
    case Shape::Unary:
      return in;
    case Shape::AddrSpaceCast:
      return regs((out.regs & ~d) | ((out.regs & d) ? s : 0));
    case Shape::Load: case Shape::AtomicLoad: case Shape::StoreReg: case Shape::AtomicStore: case Shape::StoreImm:
    case Shape::AtomicRmw:
      return transfer_mem(insn, out);
    case Shape::LdImm64:
      return regs(out.regs & ~d);
    // Stack arguments are compared exactly wherever states are (stored_state.cpp):
    // what a stored argument came from is needed, what a loaded one replaces is not.
    case Shape::LoadArg:
      return regs(out.regs & ~d);
    case Shape::StoreArg:
      return regs(out.regs | s);
    case Shape::StoreImmArg:
      return in;
    case Shape::LdAbs:
      return regs(out.regs & ~kCallerSaved);
    case Shape::LdInd:
      return regs((out.regs & ~kCallerSaved) | s);
    case Shape::JmpImm:
      return regs(out.regs | d);
    case Shape::JmpReg:
      return regs(out.regs | d | s);
    case Shape::Ja: case Shape::Ja32: case Shape::MayGoto:
      return in;
    case Shape::GotoX: case Shape::CallX:
      return Need{kAll, ~uint64_t{0}};
    case Shape::CallHelper: case Shape::CallKfunc:
      // Helpers read stack memory only for what it is (initialised or not),
      // except callbacks, which may read it through a pointer.
      in.slots |= all_slots;
      return regs((out.regs & ~kCallerSaved) | kArgRegs);
    case Shape::CallLocal: {
      const auto callee = static_cast<size_t>(env_.sub_of_pc[static_cast<size_t>(insn.target)]);
      const RegMask args =
          env_.subs[callee].global ? kArgRegs : static_cast<RegMask>(need_in_[env_.subs[callee].start].regs & kArgRegs);
      in.slots |= all_slots;
      return regs((out.regs & ~kCallerSaved) | args);
    }
    case Shape::Exit: {
      const auto sub = static_cast<size_t>(env_.sub_of_pc[insn.pc]);
      bool r0 = restricted_r0_[sub] != 0;
      if (!env_.subs[sub].global)
        for (uint32_t c : call_sites_[sub])
          if (c + 1 < need_in_.size() && (need_in_[c + 1].regs & bit(0))) r0 = true;
      return Need{r0 ? bit(0) : RegMask{0}, 0};
    }
  }
  return Need{kAll, ~uint64_t{0}};
}

void Precision::push(uint32_t pc) {
  if (queued_[pc]) return;
  queued_[pc] = 1;
  work_.push_back(pc);
}

void Precision::solve() {
  while (!work_.empty()) {
    const uint32_t pc = work_.back();
    work_.pop_back();
    queued_[pc] = 0;
    const Insn* insn = env_.prog.at_pc(pc);
    if (!insn) continue;
    const Need t = transfer(*insn, out_of(*insn));
    const Need in{static_cast<RegMask>(t.regs | need_in_[pc].regs), t.slots | need_in_[pc].slots};
    if (in == need_in_[pc]) continue;
    const RegMask grown = static_cast<RegMask>(in.regs & ~need_in_[pc].regs);
    need_in_[pc] = in;
    for (uint32_t q : preds_[pc]) push(q);
    const auto sub = static_cast<size_t>(env_.sub_of_pc[pc]);
    if (pc == env_.subs[sub].start)
      for (uint32_t c : call_sites_[sub]) push(c);  // the callee needs more arguments
    if (returns_from_[pc] >= 0 && (grown & bit(0)))
      for (uint32_t e : exits_[static_cast<size_t>(returns_from_[pc])]) push(e);  // a caller uses r0
  }
}

void Precision::observe(const State& st, const Insn& insn) {
  const uint32_t pc = insn.pc;
  const Shape shape = insn.info().shape;
  bool grew = false;
  if (shape == Shape::AluReg && !ptr_arith_[pc] && (st.reg(insn.dst).is_ptr() || st.reg(insn.src).is_ptr())) {
    ptr_arith_[pc] = 1;
    grew = true;
  }
  const bool load = shape == Shape::Load || shape == Shape::AtomicLoad;
  const bool mem = load || shape == Shape::StoreReg || shape == Shape::StoreImm || shape == Shape::AtomicStore ||
                   shape == Shape::AtomicRmw;
  const uint8_t base = load ? insn.src : insn.dst;
  if (mem && base != 10 && st.reg(base).type == RegType::Stack) {
    if (!stack_access_[pc]) {
      stack_access_[pc] = 1;
      grew = true;
    }
    if (size_t{st.reg(base).frame} + 1 < st.frames.size() && !outer_stack_read_) {
      // A caller's stack read or written through a pointer: every call may
      // touch any slot of its caller.
      outer_stack_read_ = true;
      for (const auto& sites : call_sites_)
        for (uint32_t c : sites) push(c);
      for (const Insn& i : env_.prog.insns)
        if (i.info().shape == Shape::CallHelper || i.info().shape == Shape::CallKfunc) push(i.pc);
      grew = true;
    }
  }
  if (!grew) return;
  push(pc);
  solve();
}

}  // namespace decade::verifier
