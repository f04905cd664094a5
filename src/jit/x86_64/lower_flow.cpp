// SPDX-License-Identifier: Apache-2.0
// Control flow: jumps, may_goto, gotox, calls (helpers, kfuncs, local,
// callx, tail calls) and exit.
#include <bit>

#include "isa/semantics.hpp"
#include "runtime/ld_packet.hpp"
#include "runtime/map.hpp"
#include "jit/x86_64/glue.hpp"
#include "jit/x86_64/jit_state.hpp"
#include "jit/x86_64/lower.hpp"
#include "jit/x86_64/regs.hpp"
#include "runtime/platform.hpp"

namespace decade::jit::x64 {

namespace x = asmjit::x86;

namespace {

asmjit::x86::CondCode cond_of(Sem s) {
  using C = asmjit::x86::CondCode;
  if (s == Sem::Jeq) return C::kE;
  if (s == Sem::Jgt) return C::kA;
  if (s == Sem::Jge) return C::kAE;
  if (s == Sem::Jlt) return C::kB;
  if (s == Sem::Jle) return C::kBE;
  if (s == Sem::Jsgt) return C::kG;
  if (s == Sem::Jsge) return C::kGE;
  if (s == Sem::Jslt) return C::kL;
  if (s == Sem::Jsle) return C::kLE;
  return C::kNE;  // Jne, and Jset after test
}

// Helpers with a fixed, fault-free implementation in the standard platform
// are called directly, without the fault check and frame bookkeeping.
bool is_standard(const FuncProto& p) {
  static const Platform standard = Platform::standard();
  const FuncProto* s = standard.helper(p.id);
  return s && s->fn == p.fn;
}

bool is_trivial_helper(const FuncProto& p) {
  // bpf_ktime_get_ns (bpf_get_smp_processor_id is inlined: inline_cpu_id)
  return p.id == 5 && is_standard(p);
}

}  // namespace

Status Lowerer::jump(const Insn& in) {
  const Sem s = in.info().sem;
  if (in.target <= static_cast<int32_t>(in.pc)) budget_charge(in.pc - static_cast<uint32_t>(in.target) + 1);
  const Label target = target_label(in.target);
  if (s == Sem::Ja) {
    a_.jmp(target);
    return ok();
  }
  const unsigned bits = in.info().width;
  const Gp d = reg_w(in.dst, bits);
  if (in.info().shape == Shape::JmpReg || opts_.blind) {
    Gp src;
    if (in.info().shape == Shape::JmpReg) {
      src = reg_w(in.src, bits);
    } else {
      load_imm(kTmp1, sem::imm64(in.imm));
      src = bits == 64 ? Gp(kTmp1) : Gp(kTmp1.r32());
    }
    if (s == Sem::Jset) a_.test(d, src);
    else a_.cmp(d, src);
  } else if (s == Sem::Jset) {
    a_.test(d, in.imm);
  } else if (in.imm == 0 && (s == Sem::Jeq || s == Sem::Jne)) {
    a_.test(d, d);
  } else {
    a_.cmp(d, in.imm);  // imm32 sign-extends for 64-bit compares, as BPF wants
  }
  a_.j(cond_of(s), target);
  return ok();
}

// Timed may_goto (run_control.hpp): at a zero count the thunk refills it
// from the frame's time slice; still zero, the slice is over and it jumps.
void Lowerer::may_goto(const Insn& in) {
  if (in.target <= static_cast<int32_t>(in.pc)) budget_charge(in.pc - static_cast<uint32_t>(in.target) + 1);
  const Label target = target_label(in.target);
  const Label go_on = cb_.new_label();
  const Mem counter = x::qword_ptr(x::rsp);  // this call's count (emit_function)
  a_.cmp(counter, 0);
  a_.jne(go_on);
  a_.call(may_goto_thunk_);
  stop_check();  // the thunk called C++
  a_.cmp(counter, 0);
  a_.je(target);
  a_.bind(go_on);
  a_.sub(counter, 1);
}

// gotox: the register holds a slot index from a jump table.
void Lowerer::gotox(const Insn& in) {
  budget_charge(1);
  const size_t fi = static_cast<size_t>(cur_func_ - funcs_.data());
  if (!gotox_tables_[fi].isValid()) {
    gotox_tables_[fi] = cb_.new_label();
    gotox_bad_[fi] = fault(ErrorCode::ExecBadJump);
  }
  a_.mov(kTmp1, reg64(in.dst));
  a_.sub(kTmp1, static_cast<int32_t>(cur_func_->start));
  a_.cmp(kTmp1, static_cast<int32_t>(cur_func_->end - cur_func_->start));
  a_.jae(fault(ErrorCode::ExecBadJump));
  a_.lea(kTmp2, x::ptr(gotox_tables_[fi]));
  a_.jmp(x::qword_ptr(kTmp2, kTmp1, 3));
}

// A call whose bpf_fastcall spills and fills the verifier removed keeps
// the registers they saved: r1-r5 are SysV argument registers, which the
// native callee may change, so they are pushed around it (an odd count
// with 8 bytes of padding: rsp stays 16-byte aligned at the call). A fault
// in the call unwinds rsp from JitHot, pushes included.
Status Lowerer::call_helper(const Insn& in) {
  const uint8_t keep = fastcall_keep();
  if (!keep || inline_cpu_id(in)) return call_helper_body(in);
  std::vector<Gp> saved;
  for (uint8_t r = 1; r <= 5; ++r)
    if (keep & (1u << r)) saved.push_back(reg64(r));
  const bool pad = saved.size() % 2 != 0;
  for (const Gp& r : saved) a_.push(r);
  if (pad) a_.sub(x::rsp, 8);
  auto s = call_helper_body(in);
  if (pad) a_.add(x::rsp, 8);
  for (auto it = saved.rbegin(); it != saved.rend(); ++it) a_.pop(*it);
  return s;
}

Status Lowerer::call_helper_body(const Insn& in) {
  const FuncProto* p = nullptr;
  if (in.info().sem == Sem::Call) {
    if (in.imm == 12) {
      tail_call();
      return ok();
    }
    p = env_.platform ? env_.platform->helper(static_cast<uint32_t>(in.imm)) : nullptr;
  } else {
    const auto idx = static_cast<uint32_t>(in.imm);
    p = idx < env_.kfuncs.size() ? env_.kfuncs[idx] : nullptr;
  }
  if (!p || !p->fn) {
    a_.jmp(fault(ErrorCode::ExecBadCall));
    return ok();
  }
  if (in.info().sem == Sem::Call && p->id == 1 && is_standard(*p) && inline_array_lookup()) return ok();
  if (inline_cpu_id(in)) {
    a_.mov(x::eax, x::dword_ptr(kState, hot::kCpu));  // zero-extended, as the helper's u32
    return ok();
  }
  call_proto(*p);
  return ok();
}

// r1..r5 already sit in the SysV argument registers and r0 is rax.
void Lowerer::call_proto(const FuncProto& p) {
  if (opts_.checked) {
    a_.mov(x::qword_ptr(kState, hot::kCurR10), x::rbp);
    a_.mov(kTmp1, reinterpret_cast<uint64_t>(&p));
    a_.mov(x::qword_ptr(kState, hot::kPending), kTmp1);
    call_abs(reinterpret_cast<const void*>(&glue::helper_checked));
    fault_check();
    stop_check();
    return;
  }
  if (p.fn_wide) {
    call_wide(p);
    return;
  }
  if (is_trivial_helper(p)) {
    call_abs(reinterpret_cast<const void*>(p.fn));
    stop_check();
    return;
  }
  if (p.flags & kHelperCallback) a_.mov(x::qword_ptr(kState, hot::kCurR10), x::rbp);
  call_abs(reinterpret_cast<const void*>(p.fn));
  fault_check();
  stop_check();
}

// A host function of more than five arguments (stackargs): r1-r5 are
// already its first five SysV arguments; the sixth goes in r9 and the rest
// on the native stack, from this frame's outgoing level (stack_arg); slots
// past p.stack_args pass 0. 48 bytes keep rsp 16-byte aligned.
void Lowerer::call_wide(const FuncProto& p) {
  a_.mov(kTmp1, x::qword_ptr(kState, hot::kStackTop));
  a_.sub(kTmp1, x::rbp);
  a_.shr(kTmp1, 3);
  const int32_t level = hot::kStackArgs + kStackArgLevel;
  a_.sub(x::rsp, 48);
  for (int32_t k = 1; k < static_cast<int32_t>(kMaxStackArgs); ++k) {
    if (k < p.stack_args) {
      a_.mov(kTmp2, x::qword_ptr(kState, kTmp1, 0, level + 8 * k));
      a_.mov(x::qword_ptr(x::rsp, 8 * (k - 1)), kTmp2);
    } else {
      a_.mov(x::qword_ptr(x::rsp, 8 * (k - 1)), 0);
    }
  }
  if (p.stack_args > 0) a_.mov(x::r9, x::qword_ptr(kState, kTmp1, 0, level));
  else a_.xor_(x::r9d, x::r9d);
  call_abs(reinterpret_cast<const void*>(p.fn_wide));
  a_.add(x::rsp, 48);
  fault_check();
}

// bpf_map_lookup_elem on an array map that ld_imm64 put in r1 in this
// block, in a verified program (the key pointer is proven): an index check
// and an address computation, as the kernel's array_map_gen_lookup does.
bool Lowerer::inline_array_lookup() {
  if (opts_.checked || !r1_map_ || r1_map_->type() != MapType::Array || !r1_map_->direct_value_base()) return false;
  const MapDef& d = r1_map_->def();
  const uint64_t stride = (uint64_t{d.value_size} + 7) / 8 * 8;
  if (stride > INT32_MAX || d.max_entries > INT32_MAX) return false;
  Label null = cb_.new_label(), done = cb_.new_label();
  a_.mov(x::eax, x::dword_ptr(x::rsi));
  a_.cmp(x::eax, static_cast<int32_t>(d.max_entries));
  a_.jae(null);
  if ((stride & (stride - 1)) == 0) a_.shl(x::rax, static_cast<uint32_t>(std::countr_zero(stride)));
  else a_.imul(x::rax, x::rax, static_cast<int32_t>(stride));
  a_.mov(kTmp1, reinterpret_cast<uint64_t>(r1_map_->direct_value_base()));
  a_.add(x::rax, kTmp1);
  a_.jmp(done);
  a_.bind(null);
  a_.xor_(x::eax, x::eax);
  a_.bind(done);
  return true;
}

// bpf_get_smp_processor_id of the standard platform in verified code: the
// run's CPU slot, which JitHot holds (the kernel's x86 verifier inlines it
// as a per-CPU load too). No call: every register keeps its value.
bool Lowerer::inline_cpu_id(const Insn& in) const {
  if (opts_.checked || in.info().sem != Sem::Call || in.imm != 8 || !env_.platform) return false;
  const FuncProto* p = env_.platform->helper(8);
  return p && is_standard(*p);
}

// RunContext::fault set by the helper (or a callback it ran) ends the run.
void Lowerer::fault_check() {
  a_.mov(kTmp1, x::qword_ptr(kState, hot::kFaultFlag));
  a_.cmp(x::byte_ptr(kTmp1), 0);
  a_.jne(fault(ErrorCode::ExecHelperFault));
}

void Lowerer::call_local(const Insn& in) {
  const Func* f = nullptr;
  for (const Func& g : funcs_)
    if (static_cast<int32_t>(g.start) == in.target) f = &g;
  if (!f) {
    a_.jmp(fault(ErrorCode::ExecBadCall));
    return;
  }
  a_.cmp(x::rbp, x::qword_ptr(kState, hot::kCallLimit));
  a_.jb(fault(ErrorCode::ExecCallDepth));
  a_.call(f->entry);
}

// callx: a function address from ld_imm64 src=4 (an entry of the function
// table), or a helper id (values below kMaxHelperId).
void Lowerer::callx(const Insn& in) {
  const Gp v = reg64(in.dst);
  Label helper = cb_.new_label(), done = cb_.new_label();
  a_.cmp(v, static_cast<int32_t>(kMaxHelperId));
  a_.jb(helper);
  a_.lea(kTmp1, x::ptr(func_table_));
  a_.mov(kTmp2, v);
  a_.sub(kTmp2, kTmp1);
  a_.cmp(kTmp2, static_cast<int32_t>(8 * funcs_.size()));
  a_.jae(fault(ErrorCode::ExecBadCall));
  a_.test(kTmp2.r32(), 7);
  a_.jnz(fault(ErrorCode::ExecBadCall));
  a_.cmp(x::rbp, x::qword_ptr(kState, hot::kCallLimit));
  a_.jb(fault(ErrorCode::ExecCallDepth));
  a_.call(x::qword_ptr(v));
  a_.jmp(done);
  a_.bind(helper);
  a_.mov(x::qword_ptr(kState, hot::kCallxValue), v);
  a_.mov(x::qword_ptr(kState, hot::kCurR10), x::rbp);
  call_abs(reinterpret_cast<const void*>(&glue::callx_helper));
  fault_check();
  stop_check();
  a_.bind(done);
}

// bpf_tail_call(ctx = r1, map = r2, index = r3) through glue::tail_call,
// which returns {value, status} in rax:rdx. When the kernel would fall
// through, r1..r5 keep their values (as in the interpreter) and r0 = -ENOENT.
void Lowerer::tail_call() {
  const Gp args[] = {x::r8, x::rcx, x::rdx, x::rsi, x::rdi};
  for (const Gp& r : args) a_.push(r);
  a_.sub(x::rsp, 8);  // six slots keep rsp 16-byte aligned
  a_.mov(x::rcx, x::rdx);
  a_.mov(x::rdx, x::rsi);
  a_.mov(x::rsi, x::rdi);
  a_.mov(x::rdi, kState);
  a_.mov(x::qword_ptr(kState, hot::kCurR10), x::rbp);
  call_abs(reinterpret_cast<const void*>(&glue::tail_call));
  stop_check();  // keeps rax:rdx
  a_.mov(kTmp1, x::rdx);
  a_.add(x::rsp, 8);
  for (int i = 4; i >= 0; --i) a_.pop(args[i]);
  a_.cmp(kTmp1.r32(), 1);
  a_.je(cur_func_->epilogue);  // the target's r0 is this function's result
  a_.cmp(kTmp1.r32(), 2);
  a_.je(fault(ErrorCode::ExecHelperFault));
}

// ld_abs / ld_ind: a call of ld_packet (runtime/ld_packet.hpp) with r6,
// the offset as a 32-bit signed sum and the width; r1-r5 are clobbered, as
// by the kernel's rewrite into a helper call. A miss returns 0 from the
// current function (gen_ld_abs).
void Lowerer::ld_abs(const Insn& in) {
  if (in.info().sem == Sem::LdInd) {
    a_.mov(x::esi, reg32(in.src));
    if (in.imm) a_.add(x::esi, in.imm);
  } else {
    a_.mov(x::esi, in.imm);
  }
  a_.movsxd(x::rsi, x::esi);
  a_.mov(x::rdi, reg64(6));
  a_.mov(x::edx, in.info().width / 8);
  call_abs(reinterpret_cast<const void*>(&decade::ld_packet));
  fault_check();
  Label hit = cb_.new_label();
  a_.cmp(x::rax, -1);
  a_.jne(hit);
  a_.xor_(x::eax, x::eax);
  a_.jmp(cur_func_->epilogue);
  a_.bind(hit);
}

void Lowerer::exit_insn(const Insn& in) {
  if (in.pc + 1 == cur_func_->end) return;  // falls into the epilogue
  a_.jmp(cur_func_->epilogue);
}

}  // namespace decade::jit::x64
