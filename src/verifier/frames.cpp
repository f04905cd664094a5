// SPDX-License-Identifier: Apache-2.0
#include "verifier/frames.hpp"

#include <fmt/format.h>

#include "runtime/helpers/helpers.hpp"
#include "verifier/stack_args.hpp"
#include "verifier/transfer.hpp"

namespace decade::verifier {
namespace {

// kArgMemNonNull: memory the caller must pass (bpf_helpers.h's __arg_nonnull),
// so the function may use it without a NULL check.
enum ArgClass : uint8_t { kArgScalar = 0, kArgCtx = 1, kArgMem = 2, kArgMemNonNull = 3 };

// Whether parameter `idx` of BTF function `fid` carries the decl tag `tag`
// (bpf_helpers.h's __arg_ctx is "arg:ctx", __arg_nonnull "arg:nonnull").
bool has_arg_tag(const Btf& btf, uint32_t fid, size_t idx, std::string_view tag) {
  for (uint32_t id = 1; id < btf.count(); ++id) {
    const BtfType* t = btf.type(id);
    if (t->kind == BtfKind::DeclTag && t->type == fid && t->component_idx == static_cast<int32_t>(idx) && t->name == tag)
      return true;
  }
  return false;
}

bool is_ctx_struct(const std::string& name) {
  return name == "__sk_buff" || name == "xdp_md" || name == "pt_regs" || name == "bpf_user_pt_regs_t" ||
         name == "user_pt_regs" || name == "bpf_sock_ops" || name == "sk_msg_md";
}

// SubprogInfo::changes_packet: the function calls a helper that may move or
// resize the packet, tail-calls (the target may), or calls or names (as a
// callback) a function that does. Static calls are followed path by path
// while exploring; this summary is for global functions, which are verified
// on their own and so cannot see that an argument points into the packet.
void mark_packet_changers(Env& env) {
  std::vector<std::vector<uint32_t>> callees(env.subs.size());
  for (const Insn& insn : env.prog.insns) {
    const auto sub = static_cast<size_t>(env.sub_of_pc[insn.pc]);
    const Sem s = insn.info().sem;
    const auto helper = static_cast<uint32_t>(insn.imm);
    if (s == Sem::Call && (changes_packet(env.in.platform->helper(helper)) || helper == kHelperTailCall)) env.subs[sub].changes_packet = true;
    if (s == Sem::CallLocal || s == Sem::LdFunc)
      callees[sub].push_back(static_cast<uint32_t>(env.sub_of_pc[static_cast<size_t>(insn.target)]));
  }
  for (bool grew = true; grew;) {
    grew = false;
    for (size_t s = 0; s < callees.size(); ++s)
      for (uint32_t c : callees[s])
        if (env.subs[c].changes_packet && !env.subs[s].changes_packet) env.subs[s].changes_packet = grew = true;
  }
}

// Argument i (0-based) of a global function, in register `reg`.
Status check_global_arg(Env& env, State& st, const Insn& insn, const SubprogInfo& callee, size_t i, uint8_t reg) {
  if (auto s = check_readable(env, st, reg, insn.pc); !s) return s;
  const RegState& r = st.reg(reg);
  switch (callee.arg_kinds[i]) {
    case kArgScalar:
      if (!r.is_scalar())
        return fail(env, ErrorCode::VerifierPointerLeak, insn.pc, fmt::format("argument {} passes a pointer to {} where it expects a number", i + 1, callee.name));
      break;
    case kArgCtx:
      if (r.type != RegType::Ctx || r.off != 0)
        return fail(env, ErrorCode::VerifierBadHelperArg, insn.pc, fmt::format("argument {} must be the context for {}", i + 1, callee.name));
      break;
    default:
      if (r.is_const() && r.val.value() == 0) {
        if (callee.arg_kinds[i] != kArgMemNonNull) break;
        return fail(env, ErrorCode::VerifierBadHelperArg, insn.pc,
                    fmt::format("argument {} of {} is tagged non-null and is NULL", i + 1, callee.name));
      }
      // The function sees sized memory, not a packet pointer: a packet
      // change inside it would leave the argument pointing at stale bytes.
      if ((r.type == RegType::Packet || r.type == RegType::PacketMeta) && callee.changes_packet)
        return fail(env, ErrorCode::VerifierBadHelperArg, insn.pc,
                    fmt::format("argument {} points into the packet, and {} may move or resize it", i + 1, callee.name),
                    "copy the bytes to the stack first, or keep packet-changing calls out of the function");
      if (auto s = check_mem_range(env, st, reg, Scalar::constant(callee.arg_sizes[i]), Access::ReadWrite, insn.pc, false); !s)
        return s;
      break;
  }
  return ok();
}

// r1-r5, then the stack arguments (stackargs), checked like registers.
Status check_global_args(Env& env, State& st, const Insn& insn, const SubprogInfo& callee) {
  const size_t n = callee.arg_kinds.size();
  for (size_t i = 0; i < std::min<size_t>(n, 5); ++i)
    if (auto s = check_global_arg(env, st, insn, callee, i, static_cast<uint8_t>(i + 1)); !s) return s;
  auto extra = take_stack_args(env, st, insn, n > 5 ? static_cast<int32_t>(n - 5) : 0, callee.name);
  if (!extra) return std::unexpected(extra.error());
  for (size_t k = 0; k < extra->size(); ++k)
    if (auto s = check_stack_arg_as_r0(st, (*extra)[k], [&](uint8_t r) { return check_global_arg(env, st, insn, callee, 5 + k, r); }); !s)
      return s;
  return ok();
}

// The entry state of argument i of a global function, from its kind.
RegState global_arg_state(Env& env, const SubprogInfo& si, size_t i) {
  if (si.arg_kinds[i] == kArgScalar) return RegState::unknown();
  if (si.arg_kinds[i] == kArgCtx) return RegState::pointer(RegType::Ctx);
  RegState r = RegState::pointer(RegType::Mem);
  r.mem_size = si.arg_sizes[i];
  r.maybe_null = si.arg_kinds[i] != kArgMemNonNull;
  r.id = env.new_id();
  return r;
}

}  // namespace

Status do_local_call(Env& env, State& st, const Insn& insn) {
  const auto target = static_cast<uint32_t>(insn.target);
  const auto sub = static_cast<uint32_t>(env.sub_of_pc[target]);
  const SubprogInfo& callee = env.subs[sub];
  if (callee.global) {
    if (st.holds_lock()) return fail(env, ErrorCode::VerifierLock, insn.pc, "call to a global function while holding a lock");
    if (auto s = check_global_args(env, st, insn, callee); !s) return s;
    for (uint8_t r = 1; r <= 5; ++r) st.reg(r) = RegState{};
    st.reg(0) = RegState::unknown();
    invalidate_packet(st);
    st.pc = insn.pc + 1;
    return ok();
  }
  if (st.frames.size() >= env.opts.max_call_depth)
    return fail(env, ErrorCode::VerifierCallDepth, insn.pc, kernel_says("the call stack of {} frames is too deep !", st.frames.size() + 1),
                fmt::format("call depth over {} frames", env.opts.max_call_depth),
                "flatten the call chain or mark functions inline");
  auto extra = take_stack_args(env, st, insn, callee.stack_args, callee.name.empty() ? "the callee" : callee.name);
  if (!extra) return std::unexpected(extra.error());
  Frame f;
  f.callsite = static_cast<int32_t>(insn.pc);
  f.subprog = sub;
  f.in_args = std::move(*extra);
  for (uint8_t r = 1; r <= 5; ++r) f.regs[r] = st.reg(r);
  f.regs[10] = RegState::pointer(RegType::Stack);
  f.regs[10].frame = static_cast<uint16_t>(st.frames.size());
  st.frames.push_back(std::move(f));
  st.pc = target;
  return ok();
}

namespace {

// Leave the innermost (not the main) frame with `r0` as its result: the
// caller continues after the call, a callback's helper may run it again
// (`spawned`).
Status pop_frame(Env& env, State& st, const RegState& r0, const Insn& insn, std::vector<State>& spawned) {
  if (r0.type == RegType::Stack && size_t{r0.frame} + 1 == st.frames.size())
    return fail(env, ErrorCode::VerifierBadReturn, insn.pc, "returning a pointer to the function's own stack");
  const Frame done = std::move(st.frames.back());
  st.frames.pop_back();
  // Nothing the caller keeps may point into the frame that is gone.
  bool escapes = false;
  st.for_each_reg([&](RegState& x) { escapes |= x.type == RegType::Stack && x.frame >= st.frames.size(); });
  if (escapes)
    return fail(env, ErrorCode::VerifierBadReturn, insn.pc, "a pointer to the returning function's stack is left in its caller",
                "do not store addresses of a function's locals where the caller can see them");
  if (done.callback && done.cb_runs_left > 0) {
    // Run the callback again from the state it left, while its helper may.
    State again = st;
    Frame f;
    f.callsite = done.callsite;
    f.subprog = done.subprog;
    f.callback = true;
    f.cb_runs_left = done.cb_runs_left == kUnboundedRuns ? kUnboundedRuns : done.cb_runs_left - 1;
    f.cb_args = done.cb_args;
    for (int r = 0; r < 5; ++r) f.regs[static_cast<size_t>(r) + 1] = (*done.cb_args)[static_cast<size_t>(r)];
    f.regs[10] = RegState::pointer(RegType::Stack);
    f.regs[10].frame = static_cast<uint16_t>(again.frames.size());
    again.frames.push_back(std::move(f));
    again.pc = env.subs[done.subprog].start;
    ++again.loop_depth;
    spawned.push_back(std::move(again));
  }
  for (uint8_t r = 1; r <= 5; ++r) st.reg(r) = RegState{};
  st.reg(0) = done.callback ? RegState::unknown() : r0;
  st.pc = static_cast<uint32_t>(done.callsite) + 1;
  return ok();
}

// The kernel's words for a return value outside its range: the bounds it
// knows ("smin=0 smax=255"), or "unknown scalar value".
KernelPhrase return_range_phrase(const char* where, const RegState& r0, int64_t min, int64_t max) {
  std::string has;
  if (r0.val.smin > INT64_MIN) has += fmt::format(" smin={}", r0.val.smin);
  if (r0.val.smax < INT64_MAX) has += fmt::format(" smax={}", r0.val.smax);
  if (has.empty()) has = " unknown scalar value";
  return kernel_says("{} the register R0 has{} should have been in [{}, {}]", where, has, min, max);
}

// A pointer returned where a number is due: a type with a return range (or
// a callback) names the pointer's type, others refuse the leak itself.
KernelPhrase pointer_return_phrase(const Env& env, const RegState& r0, bool callback) {
  const ProgramType* t = env.in.type;
  if (callback) return kernel_says("At callback return the register R0 is not a known value ({})", kernel_type(r0));
  if (t && (t->ret_min != INT64_MIN || t->ret_max != INT64_MAX))
    return kernel_says("At program exit the register R0 is not a known value ({})", kernel_type(r0));
  return kernel_says("R0 leaks addr as return value");
}

}  // namespace

Result<bool> do_exit(Env& env, State& st, const Insn& insn, std::vector<State>& spawned) {
  Frame& fr = st.cur();
  for (size_t k = 0; k < fr.iters.size(); ++k)
    if (fr.bytes[k * 8] == SlotByte::Iter)
      return fail(env, ErrorCode::VerifierRefLeak, fr.iters[k].new_pc,
                  kernel_says("Unreleased reference id={} alloc_insn={}", fr.iters[k].id, fr.iters[k].new_pc),
                  "iterator is not destroyed before the function returns", "call the iterator's destroy kfunc on every path");
  const RegState r0 = fr.regs[0];
  const bool main_frame = st.frames.size() == 1;
  const SubprogInfo& sub = env.subs[fr.subprog];
  if (main_frame || fr.callback || sub.global) {
    if (auto s = check_readable(env, st, 0, insn.pc); !s) return std::unexpected(s.error());
    // Root may return a pointer from a program whose type checks no
    // return range (allow_ptr_leaks): the host gets a number.
    const ProgramType* t = env.in.type;
    const bool leak_ok = env.privileged && main_frame && !fr.callback && !sub.global && t &&
                         t->ret_min == INT64_MIN && t->ret_max == INT64_MAX;
    if (!r0.is_scalar() && !leak_ok)
      return fail(env, ErrorCode::VerifierPointerLeak, insn.pc, pointer_return_phrase(env, r0, fr.callback),
                  fmt::format("R0 returns a pointer ({})", r0.to_string()), "return a number");
  }
  // Timer callbacks return 0 (the kernel's async callbacks).
  if (fr.callback && sub.async_callback && (r0.val.smin != 0 || r0.val.smax != 0))
    return fail(env, ErrorCode::VerifierBadCallback, insn.pc, return_range_phrase("At async callback return", r0, 0, 0),
                fmt::format("timer callback returns {} (must be 0)", r0.to_string()), "return 0");
  if (fr.callback && (r0.val.smin < 0 || r0.val.smax > 1))
    return fail(env, ErrorCode::VerifierBadCallback, insn.pc, return_range_phrase("At callback return", r0, 0, 1),
                fmt::format("callback returns {} (must be 0 or 1)", r0.to_string()), "return 0 to continue or 1 to stop");
  if (!main_frame) {
    if (auto s = pop_frame(env, st, r0, insn, spawned); !s) return std::unexpected(s.error());
    return false;
  }
  if (st.lock.held)
    return fail(env, ErrorCode::VerifierLock, insn.pc, kernel_says("bpf_spin_unlock is missing"),
                fmt::format("exit while holding the lock taken at insn {}", st.lock.pc),
                "call bpf_spin_unlock on every path before returning");
  if (!st.res_locks.empty())
    return std::unexpected(verr(env, ErrorCode::VerifierLock, insn.pc,
                                fmt::format("exit while holding the bpf_res_spin_lock taken at insn {}", st.res_locks.back().pc),
                                "call bpf_res_spin_unlock on every path where the lock call returned 0"));
  if (!st.refs.empty()) {
    const RefState& r = st.refs.front();
    return fail(env, ErrorCode::VerifierRefLeak, r.acquire_pc, kernel_says("Unreleased reference id={} alloc_insn={}", r.id, r.acquire_pc),
                fmt::format("reference acquired at insn {} is not released (exit at insn {})", r.acquire_pc, insn.pc),
                "submit or discard the reserved record (or release the reference) on every path");
  }
  if ((!sub.global || sub.exception_cb) && env.in.type) {  // its r0 is the program's result
    const ProgramType& t = *env.in.type;
    if (r0.val.smin < t.ret_min || r0.val.smax > t.ret_max)
      return fail(env, ErrorCode::VerifierBadReturn, insn.pc, return_range_phrase("At program exit", r0, t.ret_min, t.ret_max),
                  fmt::format("R0 = {} is outside [{}, {}] allowed for {} programs", r0.to_string(), t.ret_min, t.ret_max, t.name),
                  "return one of the program type's result codes");
  }
  return true;
}

Status tail_call_taken(Env& env, const State& st, const Insn& insn, std::vector<State>& spawned) {
  if (st.frames.size() == 1) return ok();  // the program ends with the target's result
  State taken = st;
  // The target may have moved or resized the packet (bpf_xdp_adjust_*, its
  // own tail calls): no packet pointer of any frame survives.
  invalidate_packet(taken);
  // The target's r0 is the function's result: any number (a callback's
  // helper treats every non-zero result as "stop").
  if (auto s = pop_frame(env, taken, RegState::unknown(), insn, spawned); !s) return s;
  spawned.push_back(std::move(taken));
  return ok();
}

State global_entry_state(Env& env, uint32_t sub) {
  const SubprogInfo& si = env.subs[sub];
  State st;
  Frame f;
  f.subprog = sub;
  for (size_t i = 0; i < si.arg_kinds.size(); ++i) {
    if (i < 5) f.regs[i + 1] = global_arg_state(env, si, i);
    else f.in_args.push_back(global_arg_state(env, si, i));
  }
  f.regs[10] = RegState::pointer(RegType::Stack);
  st.frames.push_back(std::move(f));
  st.pc = si.start;
  return st;
}

// A legacy packet load whose packet misses returns 0 from the function
// that runs it, and a tail call that succeeds leaves it with the callee's
// result: the kernel allows either only in functions whose BTF prototype
// returns a scalar (an int of at most 64 bits or an enum), and so does
// Decade, although it explores the miss's return whatever the type.
Status scalar_return_needed(Env& env, const Btf& btf, const BtfType& proto, const SubprogInfo& si) {
  const BtfType* ret = proto.type ? btf.type(btf.resolve(proto.type)) : nullptr;
  const bool scalar = ret && ((ret->kind == BtfKind::Int && ret->int_bits <= 64) || ret->kind == BtfKind::Enum ||
                              ret->kind == BtfKind::Enum64);
  if (scalar) return ok();
  for (uint32_t pc = si.start; pc < si.end; ++pc) {
    const Insn* in = env.prog.at_pc(pc);
    if (!in) continue;
    const Shape sh = in->info().shape;
    if (sh == Shape::LdAbs || sh == Shape::LdInd)
      return fail(env, ErrorCode::VerifierBadGlobalFunc, pc, kernel_says("LD_ABS is only allowed in functions that return 'int'."),
                  fmt::format("function {} uses a legacy packet load, which returns 0 from it on a miss, but does not return a scalar", si.name),
                  "declare the function to return int");
    if (sh == Shape::CallHelper && in->imm == kHelperTailCall)
      return fail(env, ErrorCode::VerifierBadGlobalFunc, pc, kernel_says("tail_call is only allowed in functions that return 'int'."),
                  fmt::format("function {} makes a tail call, which leaves it with the callee's result, but does not return a scalar", si.name),
                  "declare the function to return int");
  }
  return ok();
}

Status classify_functions(Env& env) {
  const Btf* btf = env.in.btf;
  if (!btf) return ok();
  for (size_t s = 1; s < env.subs.size(); ++s) {
    SubprogInfo& si = env.subs[s];
    if (si.name.empty()) continue;
    const uint32_t fid = btf->find(si.name, BtfKind::Func);
    const BtfType* fn = fid ? btf->type(fid) : nullptr;
    const BtfType* proto = fn ? btf->type(fn->type) : nullptr;
    if (!proto || proto->kind != BtfKind::FuncProto) continue;
    if (auto r = scalar_return_needed(env, *btf, *proto, si); !r) return r;
    if (proto->params.size() > kMaxArgs)
      return fail(env, ErrorCode::VerifierStackArg, si.start,
                  fmt::format("function {} has {} arguments; at most {} are passed", si.name, proto->params.size(), kMaxArgs));
    // Arguments past r5 travel as stack arguments (stackargs).
    si.stack_args = static_cast<int32_t>(proto->params.size() > 5 ? proto->params.size() - 5 : 0);
    if (fn->linkage != 1) continue;
    si.global = true;
    for (size_t idx = 0; idx < proto->params.size(); ++idx) {
      const BtfParam& prm = proto->params[idx];
      const BtfType* t = btf->type(btf->resolve(prm.type));
      uint8_t kind = kArgScalar;
      uint32_t size = 0;
      // __arg_ctx makes any pointer parameter (void * included) the
      // caller's context, whatever type it names: the function's accesses
      // are checked against the program type's context as the caller's are.
      const bool ctx_tag = has_arg_tag(*btf, fid, idx, "arg:ctx");
      if (ctx_tag && (!t || t->kind != BtfKind::Ptr))
        return fail(env, ErrorCode::VerifierBadGlobalFunc, si.start,
                    fmt::format("global function {}: argument {} is tagged arg:ctx but is not a pointer", si.name, prm.name));
      if (t && t->kind == BtfKind::Ptr) {
        const uint32_t pointee = btf->resolve(t->type);
        const BtfType* pt = btf->type(pointee);
        if (ctx_tag || (pt && (pt->kind == BtfKind::Struct || pt->kind == BtfKind::Union) && is_ctx_struct(pt->name))) {
          kind = kArgCtx;
        } else if (auto sz = btf->size_of(pointee); sz && *sz > 0) {
          kind = has_arg_tag(*btf, fid, idx, "arg:nonnull") ? kArgMemNonNull : kArgMem;
          size = *sz;
        } else {
          return fail(env, ErrorCode::VerifierBadGlobalFunc, si.start,
                      fmt::format("global function {}: argument {} is a pointer to an unsized type", si.name, prm.name));
        }
      } else if (!t || (t->kind != BtfKind::Int && t->kind != BtfKind::Enum && t->kind != BtfKind::Enum64)) {
        return fail(env, ErrorCode::VerifierBadGlobalFunc, si.start,
                    fmt::format("global function {}: argument {} has an unsupported type", si.name, prm.name));
      }
      si.arg_kinds.push_back(kind);
      si.arg_sizes.push_back(size);
    }
  }
  mark_packet_changers(env);
  return ok();
}

}  // namespace decade::verifier
