// SPDX-License-Identifier: Apache-2.0
// Lowering driver: functions, trampoline, cold paths, tables, and the one
// switch over Sem that sends each instruction to its lowering.
#include "jit/x86_64/lower.hpp"

#include <algorithm>

#include "isa/decode.hpp"
#include "isa/semantics.hpp"
#include "jit/x86_64/glue.hpp"
#include "jit/x86_64/jit_state.hpp"
#include "jit/x86_64/regs.hpp"

namespace decade::jit::x64 {

namespace x = asmjit::x86;

Lowerer::Lowerer(const Program& prog, const ProgramEnv& env, const LowerOptions& opts, CodeBuffer& cb)
    : prog_(prog), env_(env), opts_(opts), cb_(cb), a_(cb.as()), rng_(opts.blind_seed) {}

// Subprograms start at slot 0, at every decoded subprogram, at the
// exception callback, and at every local-call or function-pointer target.
void Lowerer::find_functions() {
  std::vector<uint32_t> starts{0};
  for (const Subprogram& s : prog_.subprograms) starts.push_back(s.start_pc);
  if (prog_.exception_cb >= 0) starts.push_back(static_cast<uint32_t>(prog_.exception_cb));
  for (const Insn& in : prog_.insns) {
    const Sem s = in.info().sem;
    if ((s == Sem::CallLocal || s == Sem::LdFunc) && in.target >= 0) starts.push_back(static_cast<uint32_t>(in.target));
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  while (!starts.empty() && starts.back() >= prog_.slot_count) starts.pop_back();
  for (size_t i = 0; i < starts.size(); ++i) {
    Func f;
    f.start = starts[i];
    f.end = i + 1 < starts.size() ? starts[i + 1] : prog_.slot_count;
    f.entry = cb_.new_label();
    f.epilogue = cb_.new_label();
    for (uint32_t pc = f.start; pc < f.end; ++pc)
      if (const Insn* in = prog_.at_pc(pc); in && in->info().sem == Sem::MayGoto) f.may_goto = true;
    funcs_.push_back(f);
  }
}

Status Lowerer::emit() {
  if (prog_.insns.empty()) return make_error(ErrorCode::InvalidArgument, "jit: empty program");
  find_functions();
  slot_labels_.resize(prog_.slot_count);
  for (const Insn& in : prog_.insns)
    if (is_jump(in.info().sem) && in.target >= 0 && static_cast<uint32_t>(in.target) < prog_.slot_count)
      slot_labels_[static_cast<size_t>(in.target)] = cb_.new_label();
  tramp_ = cb_.new_label();
  tramp_exit_ = cb_.new_label();
  fault_unwind_ = cb_.new_label();
  body_ = cb_.new_label();
  mem_thunk_ = cb_.new_label();
  may_goto_thunk_ = cb_.new_label();
  func_table_ = cb_.new_label();
  text_end_ = cb_.new_label();
  gotox_tables_.resize(funcs_.size());
  gotox_bad_.resize(funcs_.size());
  // gotox may land on any instruction of its function: every one gets a label.
  for (const Func& f : funcs_) {
    bool has_gotox = false;
    for (uint32_t pc = f.start; pc < f.end; ++pc)
      if (const Insn* in = prog_.at_pc(pc); in && in->info().sem == Sem::GotoX) has_gotox = true;
    if (!has_gotox) continue;
    for (uint32_t pc = f.start; pc < f.end; ++pc)
      if (prog_.at_pc(pc) && !slot_labels_[pc].isValid()) slot_labels_[pc] = cb_.new_label();
  }
  emit_trampoline();
  a_.bind(body_);
  for (Func& f : funcs_)
    if (auto s = emit_function(f); !s) return s;
  emit_cold();
  // Tables: function entries (LdFunc values and callx targets point here),
  // then the gotox tables (one native address per slot of the function).
  cb_.mark(-1);
  a_.bind(text_end_);
  a_.align(asmjit::AlignMode::kData, 8);
  a_.bind(func_table_);
  for (const Func& f : funcs_) a_.embedLabel(f.entry, 8);
  for (size_t i = 0; i < funcs_.size(); ++i) {
    if (!gotox_tables_[i].isValid()) continue;
    a_.bind(gotox_tables_[i]);
    for (uint32_t slot = funcs_[i].start; slot < funcs_[i].end; ++slot) {
      const Label& l = slot_labels_[slot];
      a_.embedLabel(l.isValid() ? l : gotox_bad_[i], 8);  // a slot that starts no instruction
    }
  }
  return cb_.status();
}

Layout Lowerer::layout() const {
  Layout l;
  l.trampoline = cb_.label_offset(tramp_);
  l.main_entry = cb_.label_offset(funcs_.front().entry);
  l.fault_unwind = cb_.label_offset(fault_unwind_);
  l.body = cb_.label_offset(body_);
  l.func_table = cb_.label_offset(func_table_);
  l.text_end = cb_.label_offset(text_end_);
  for (const Func& f : funcs_) l.func_start.push_back(f.start);
  return l;
}

// uint64_t trampoline(JitHot* hot, uint64_t target, const uint64_t* args)
// args = r1..r5, then the r10 of the frame the target's frame goes below.
// Saves the host's callee-saved registers and the outer trampoline's rsp,
// so a fault anywhere below unwinds straight back here.
void Lowerer::emit_trampoline() {
  cb_.mark(-1);
  a_.bind(tramp_);
  for (const Gp& r : {x::rbp, x::rbx, x::r12, x::r13, x::r14, x::r15}) a_.push(r);
  a_.mov(kState, x::rdi);
  a_.push(x::qword_ptr(kState, hot::kSavedRsp));  // rsp is now 16-byte aligned
  a_.mov(x::qword_ptr(kState, hot::kSavedRsp), x::rsp);
  a_.mov(kTmp1, x::rsi);
  a_.mov(x::rbp, x::qword_ptr(x::rdx, 40));
  for (uint8_t r : {0, 6, 7, 8, 9}) a_.xor_(reg32(r), reg32(r));
  a_.mov(x::rdi, x::qword_ptr(x::rdx, 0));
  a_.mov(x::rsi, x::qword_ptr(x::rdx, 8));
  a_.mov(x::rcx, x::qword_ptr(x::rdx, 24));
  a_.mov(x::r8, x::qword_ptr(x::rdx, 32));
  a_.mov(x::rdx, x::qword_ptr(x::rdx, 16));
  a_.call(kTmp1);
  a_.bind(tramp_exit_);
  a_.pop(x::qword_ptr(kState, hot::kSavedRsp));
  for (const Gp& r : {x::r15, x::r14, x::r13, x::r12, x::rbx, x::rbp}) a_.pop(r);
  a_.ret();
  a_.bind(fault_unwind_);
  a_.mov(x::rsp, x::qword_ptr(kState, hot::kSavedRsp));
  a_.jmp(tramp_exit_);
}

Status Lowerer::emit_function(Func& f) {
  cur_func_ = &f;
  cb_.mark(-1);
  a_.bind(f.entry);
  // Each BPF function has its own frame (512 bytes unless a host-raised
  // stack size made them larger) below its caller's; r6-r9 and r10 are the
  // caller's to keep. 5 pushes keep rsp 16-byte aligned.
  for (const Gp& r : {x::rbp, x::rbx, x::r13, x::r14, x::r15}) a_.push(r);
  a_.sub(x::rbp, static_cast<int32_t>(opts_.frame_size));
  if (f.may_goto) {
    // Each call gets its own may_goto count and time slice (as the
    // interpreter's frames and the kernel's per-frame slots). 16 bytes keep
    // rsp 16-byte aligned.
    a_.sub(x::rsp, 16);
    a_.mov(x::qword_ptr(x::rsp), static_cast<int32_t>(kTimedLoopCount));
    a_.mov(x::qword_ptr(x::rsp, 8), 0);
  }
  // A trampoline enters here from C++, where a stop interrupts nothing
  // (interrupt.hpp): the word is read once per entry, in the prologue (its
  // cold path names the first instruction).
  if (const Insn* first = prog_.at_pc(f.start); first && trampoline_entry(f.start)) {
    cur_ = first;
    stop_check();
  }
  const Insn* last = nullptr;
  r1_map_ = nullptr;
  for (uint32_t pc = f.start; pc < f.end; ++pc) {
    const int32_t idx = prog_.slot_index[pc];
    if (idx < 0) continue;
    cur_index_ = static_cast<size_t>(idx);
    cur_ = &prog_.insns[cur_index_];
    last = cur_;
    if (pc == skip_pc_) {  // fused into the previous instruction's code
      track_r1(*cur_);
      continue;
    }
    cb_.mark(static_cast<int32_t>(pc));
    if (slot_labels_[pc].isValid()) {
      a_.bind(slot_labels_[pc]);
      r1_map_ = nullptr;  // another path may arrive here
    }
    if (fastcall_dropped()) continue;  // its call keeps the register instead (call_helper)
    if (auto s = lower_insn(*cur_); !s) {
      if (s.error().insn < 0) s.error().insn = pc;
      return s;
    }
    track_r1(*cur_);
  }
  const Sem ls = last ? last->info().sem : Sem::Exit;
  if (ls != Sem::Exit && ls != Sem::Ja && ls != Sem::GotoX) a_.jmp(fault(ErrorCode::ExecBadJump));  // falls off the end
  cb_.mark(-1);
  a_.bind(f.epilogue);
  if (f.may_goto) a_.add(x::rsp, 16);
  for (const Gp& r : {x::r15, x::r14, x::r13, x::rbx, x::rbp}) a_.pop(r);
  a_.ret();
  return ok();
}

// Out-of-line paths, each attributed to its instruction in the pc map.
void Lowerer::emit_cold() {
  for (const Cold& c : cold_) {
    cb_.mark(c.pc);
    a_.bind(c.entry);
    if (c.kind == ColdKind::Fault) {
      a_.mov(x::dword_ptr(kState, hot::kFaultCode), c.arg);
      a_.lea(kTmp1, x::ptr(c.entry));
      a_.mov(x::qword_ptr(kState, hot::kFaultNative), kTmp1);
      a_.jmp(fault_unwind_);
    } else if (c.kind == ColdKind::Stop) {
      emit_stop_cold(c);
    } else {
      emit_mem_cold(c);
    }
  }
  emit_may_goto_thunk();
  // Memory-check thunk: r11 = address, r10 = size | write << 8. Keeps every
  // BPF register; on a bad access glue::mem_check records the fault.
  cb_.mark(-1);
  a_.bind(mem_thunk_);
  const Gp saved[] = {x::rax, x::rdi, x::rsi, x::rdx, x::rcx, x::r8, x::r9};
  for (const Gp& r : saved) a_.push(r);
  a_.mov(x::rdi, kState);
  a_.mov(x::rsi, kTmp1);
  a_.mov(x::rdx, kTmp2);
  a_.mov(x::rcx, x::qword_ptr(x::rsp, 56));
  a_.mov(x::r8, x::rbp);
  call_abs(reinterpret_cast<const void*>(&glue::mem_check));
  a_.mov(kTmp1, x::rax);
  for (int i = 6; i >= 0; --i) a_.pop(saved[i]);
  a_.test(kTmp1, kTmp1);
  a_.jz(fault_unwind_);
  a_.ret();
}

// A missed inline check: the current frame (a stack pointer held in another
// register), then the thunk. r11 = address, r10 = size | write << 8.
void Lowerer::emit_mem_cold(const Cold& c) {
  if (c.kind == ColdKind::MemPrim) {
    const auto size = static_cast<int32_t>(c.arg & 0xff);
    a_.lea(kTmp1, x::ptr(c.base, c.off));
    a_.lea(kTmp2, x::ptr(kTmp1, static_cast<int32_t>(opts_.frame_size)));
    a_.sub(kTmp2, x::rbp);  // address - frame bottom
    a_.cmp(kTmp2, static_cast<int32_t>(opts_.frame_size) - size);
    a_.jbe(c.back);
  }
  a_.mov(kTmp2.r32(), c.arg);
  a_.call(mem_thunk_);
  a_.jmp(c.back);
}

asmjit::Label Lowerer::target_label(int32_t slot) {
  if (slot < 0 || static_cast<uint32_t>(slot) < cur_func_->start || static_cast<uint32_t>(slot) >= cur_func_->end)
    return fault(ErrorCode::ExecBadJump);  // into another function
  return slot_labels_[static_cast<size_t>(slot)];
}

asmjit::Label Lowerer::fault(ErrorCode code) {
  const auto pc = static_cast<int32_t>(cur_->pc);
  for (auto it = cold_.rbegin(); it != cold_.rend() && it->pc == pc; ++it)
    if (it->kind == ColdKind::Fault && it->arg == static_cast<uint32_t>(code)) return it->entry;
  Cold c;
  c.entry = cb_.new_label();
  c.pc = pc;
  c.kind = ColdKind::Fault;
  c.arg = static_cast<uint32_t>(code);
  cold_.push_back(c);
  return c.entry;
}

bool Lowerer::needs_mem_check(const Insn&) const {
  if (opts_.checked || !opts_.facts || cur_index_ >= opts_.facts->size()) return true;
  return !(*opts_.facts)[cur_index_].mem_access_safe;
}

bool Lowerer::fastcall_dropped() const {
  return !opts_.checked && opts_.facts && cur_index_ < opts_.facts->size() && (*opts_.facts)[cur_index_].fastcall_dropped;
}

uint8_t Lowerer::fastcall_keep() const {
  if (opts_.checked || !opts_.facts || cur_index_ >= opts_.facts->size()) return 0;
  return (*opts_.facts)[cur_index_].fastcall_keep;
}

bool Lowerer::divisor_proven(const Insn&) const {
  if (opts_.checked || !opts_.facts || cur_index_ >= opts_.facts->size()) return false;
  return (*opts_.facts)[cur_index_].div_nonzero;
}

// Flags are never live between BPF instructions, so zero may be an xor.
void Lowerer::load_imm(const Gp& r, uint64_t value) {
  if (!opts_.blind) {
    if (value == 0) a_.xor_(r.r32(), r.r32());
    else if (value <= UINT32_MAX) a_.mov(r.r32(), static_cast<uint32_t>(value));  // zero-extends, 5 bytes
    else a_.mov(r.r64(), value);
    return;
  }
  const auto sv = static_cast<int64_t>(value);
  if (sv >= INT32_MIN && sv <= INT32_MAX) {
    const auto key = static_cast<int32_t>(rng_());
    a_.mov(r.r64(), static_cast<int64_t>(static_cast<int32_t>(sv) ^ key));
    a_.xor_(r.r64(), key);
    return;
  }
  const uint64_t key = rng_();
  const Gp tmp = r.id() == kTmp3.id() ? kTmp2 : kTmp3;
  a_.mov(r.r64(), value ^ key);
  a_.mov(tmp, key);
  a_.xor_(r.r64(), tmp);
}

// The stop word (JitHot::stop) is 0 while the run may go on: one compare
// with memory at r12 and a branch that is never taken until the host stops
// the run. Loops carry none: a stop interrupts the thread and the signal
// handler moves code found running in a function to the fault exit
// (interrupt.hpp). What the handler cannot move, a thread in C++ (a
// helper, the glue) or in a trampoline, reads the word here when it comes
// back: after every call into C++ and at the first instruction of the
// functions a trampoline enters. The flags it sets are dead after it.
void Lowerer::stop_check() {
#if !defined(DECADE_NO_STOP_CHECKS)  // the benchmark-only build without them (CMake DECADE_BENCH_NO_STOP_CHECKS)
  Cold c;
  c.entry = cb_.new_label();
  c.back = cb_.new_label();
  c.pc = static_cast<int32_t>(cur_->pc);
  c.kind = ColdKind::Stop;
  c.fail = fault(ErrorCode::ExecCancelled);  // glue::fault_error_code tells a timeout apart
  cold_.push_back(c);
  a_.cmp(x::dword_ptr(kState, hot::kStop), 0);
  a_.jne(c.entry);
  a_.bind(c.back);
#endif
}

// The main function, the exception callback and functions whose address the
// program takes (callbacks): the ones a trampoline may enter.
bool Lowerer::trampoline_entry(uint32_t start) const {
  if (start == 0 || static_cast<int32_t>(start) == prog_.exception_cb) return true;
  for (const Insn& in : prog_.insns)
    if (in.info().sem == Sem::LdFunc && in.target == static_cast<int32_t>(start)) return true;
  return false;
}

// Keeps every BPF register the glue call may clobber (r0-r5); rsp is 16-byte
// aligned in a function body, and six pushes keep it so.
void Lowerer::emit_stop_cold(const Cold& c) {
  const Gp saved[] = {x::rax, x::rdi, x::rsi, x::rdx, x::rcx, x::r8};
  for (const Gp& r : saved) a_.push(r);
  a_.mov(x::rdi, kState);
  call_abs(reinterpret_cast<const void*>(&glue::stop_now));
  a_.mov(kTmp1, x::rax);
  for (int i = 5; i >= 0; --i) a_.pop(saved[i]);
  a_.test(kTmp1, kTmp1);
  a_.jnz(c.fail);
  a_.jmp(c.back);
}

// Timed may_goto's refill, called with the frame's count at [rsp + 8] (its
// time slice after it): keeps r0-r5 and calls glue::may_goto_refill.
void Lowerer::emit_may_goto_thunk() {
  cb_.mark(-1);
  a_.bind(may_goto_thunk_);
  const Gp saved[] = {x::rax, x::rdi, x::rsi, x::rdx, x::rcx, x::r8};
  for (const Gp& r : saved) a_.push(r);
  a_.sub(x::rsp, 8);  // the call left rsp 8 off 16-byte alignment; six pushes did not change that
  a_.lea(x::rdi, x::ptr(x::rsp, 8 + 48 + 8));
  call_abs(reinterpret_cast<const void*>(&glue::may_goto_refill));
  a_.add(x::rsp, 8);
  for (int i = 5; i >= 0; --i) a_.pop(saved[i]);
  a_.ret();
}

void Lowerer::budget_charge(uint64_t n) {
  if (!opts_.checked) return;
  a_.sub(x::qword_ptr(kState, hot::kBudget), static_cast<int32_t>(std::min<uint64_t>(n, INT32_MAX)));
  a_.jb(fault(ErrorCode::ExecBudgetExhausted));
}

// Follows which map r1 holds through straight-line code, for inlined
// array lookups.
void Lowerer::track_r1(const Insn& in) {
  const Sem s = in.info().sem;
  const Shape sh = in.info().shape;
  if ((s == Sem::LdMapFd || s == Sem::LdMapIdx) && in.dst == 1) {
    const auto idx = static_cast<uint32_t>(in.imm);
    r1_map_ = idx < env_.maps.size() ? env_.maps[idx] : nullptr;
    return;
  }
  const bool writes_dst = sh == Shape::AluImm || sh == Shape::AluReg || sh == Shape::Unary ||
                          sh == Shape::AddrSpaceCast || sh == Shape::Load || sh == Shape::LdImm64 ||
                          sh == Shape::AtomicLoad || sh == Shape::LoadArg;
  if ((writes_dst && in.dst == 1) || (sh == Shape::AtomicRmw && in.src == 1) || s == Sem::Call ||
      s == Sem::CallLocal || s == Sem::CallKfunc || s == Sem::CallX || s == Sem::LdAbs || s == Sem::LdInd)
    r1_map_ = nullptr;
}

void Lowerer::call_abs(const void* fn) {
  a_.mov(kTmp1, reinterpret_cast<uint64_t>(fn));
  a_.call(kTmp1);
}

Status Lowerer::lower_insn(const Insn& in) {
  // Programs handed to compile_checked may be built by hand, not decoded.
  const bool arg_field = in.info().group == Group::stackargs;  // r11 in the row's fixed field
  if ((in.dst > kFramePointer && !(arg_field && in.dst == kArgRegister)) ||
      (in.src > kFramePointer && !(arg_field && in.src == kArgRegister)))
    return make_error(ErrorCode::DecodeBadRegister, "jit: invalid register", in.pc);
  if (writes_frame_pointer(in)) {
    // Dead code of a verified program (the verifier refuses the reachable
    // ones); in checked execution a fault when reached.
    a_.jmp(fault(ErrorCode::ExecUnsupported));
    return ok();
  }
  if (has_target(in.op) && (in.target < 0 || static_cast<uint32_t>(in.target) >= prog_.slot_count ||
                            prog_.slot_index[static_cast<size_t>(in.target)] < 0))
    return make_error(ErrorCode::DecodeJumpOutOfRange, "jit: bad jump target", in.pc);
  switch (in.info().sem) {
    case Sem::Add: case Sem::Sub: case Sem::Mul: case Sem::Div: case Sem::SDiv: case Sem::Or: case Sem::And:
    case Sem::Lsh: case Sem::Rsh: case Sem::Mod: case Sem::SMod: case Sem::Xor: case Sem::Mov: case Sem::Arsh:
    case Sem::Neg: case Sem::MovSx: case Sem::Le: case Sem::Be: case Sem::Bswap:
    case Sem::Popcnt: case Sem::Clz: case Sem::Ctz: case Sem::Rol: case Sem::Ror:
      return alu(in);
    case Sem::AddrSpaceCast:
      return addr_space_cast(in);
    case Sem::Ldx: case Sem::LdxSx: case Sem::St: case Sem::Stx:
    case Sem::AtomicAdd: case Sem::AtomicFetchAdd: case Sem::AtomicOr: case Sem::AtomicFetchOr:
    case Sem::AtomicAnd: case Sem::AtomicFetchAnd: case Sem::AtomicXor: case Sem::AtomicFetchXor:
    case Sem::AtomicXchg: case Sem::AtomicCmpxchg: case Sem::LoadAcquire: case Sem::StoreRelease:
      return mem(in);
    case Sem::LdxArg: case Sem::StArg: case Sem::StxArg:
      stack_arg(in);
      return ok();
    case Sem::Alloca: alloca_area(in); return ok();
    case Sem::LdImm64: case Sem::LdMapFd: case Sem::LdMapValue: case Sem::LdBtfId: case Sem::LdFunc:
    case Sem::LdMapIdx: case Sem::LdMapIdxValue:
      return ld_imm64(in);
    case Sem::LdAbs: case Sem::LdInd: ld_abs(in); return ok();
    case Sem::Jeq: case Sem::Jgt: case Sem::Jge: case Sem::Jset: case Sem::Jne: case Sem::Jsgt: case Sem::Jsge:
    case Sem::Jlt: case Sem::Jle: case Sem::Jslt: case Sem::Jsle: case Sem::Ja:
      return jump(in);
    case Sem::GotoX: gotox(in); return ok();
    case Sem::MayGoto: may_goto(in); return ok();
    case Sem::Call: case Sem::CallKfunc: return call_helper(in);
    case Sem::CallLocal: call_local(in); return ok();
    case Sem::CallX: callx(in); return ok();
    case Sem::Exit: exit_insn(in); return ok();
  }
  return make_error(ErrorCode::Internal, "jit: instruction without lowering", in.pc);
}

}  // namespace decade::jit::x64
