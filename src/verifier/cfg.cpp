// SPDX-License-Identifier: Apache-2.0
#include "verifier/cfg.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "isa/semantics.hpp"
#include "verifier/indirect.hpp"

namespace decade::verifier {
namespace {

constexpr RegMask bit(unsigned r) { return static_cast<RegMask>(1u << r); }
constexpr RegMask kArgRegs = 0x3e;     // r1-r5
constexpr RegMask kCallerSaved = 0x3f; // r0-r5

bool is_fetching(const Insn& insn) {
  const int32_t imm = insn.imm;
  return (imm & decade::sem::kAtomicFetch) || imm == decade::sem::kAtomicXchg || imm == decade::sem::kAtomicCmpxchg;
}

Status find_subprograms(Env& env) {
  const Program& p = env.prog;
  std::vector<uint32_t> entries{0};
  for (const Subprogram& s : p.subprograms) entries.push_back(s.start_pc);
  if (p.exception_cb >= 0) {
    const auto cb = static_cast<uint32_t>(p.exception_cb);
    if (cb >= p.slot_count || !p.at_pc(cb))
      return fail(env, ErrorCode::VerifierException, 0, fmt::format("exception callback slot {} is not an instruction", cb));
    entries.push_back(cb);
  }
  for (const Insn& insn : p.insns) {
    const Sem s = insn.info().sem;
    if (s != Sem::CallLocal && s != Sem::LdFunc) continue;
    if (insn.target < 0 || static_cast<uint32_t>(insn.target) >= p.slot_count || !p.at_pc(static_cast<uint32_t>(insn.target)))
      return fail(env, ErrorCode::VerifierBadJump, insn.pc, fmt::format("call target {} is not an instruction", insn.target));
    entries.push_back(static_cast<uint32_t>(insn.target));
  }
  std::sort(entries.begin(), entries.end());
  entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
  env.sub_of_pc.assign(p.slot_count, 0);
  for (size_t k = 0; k < entries.size(); ++k) {
    SubprogInfo si;
    si.start = entries[k];
    si.end = k + 1 < entries.size() ? entries[k + 1] : p.slot_count;
    for (const Subprogram& s : p.subprograms)
      if (s.start_pc == si.start) si.name = s.name;
    for (uint32_t pc = si.start; pc < si.end; ++pc) env.sub_of_pc[pc] = static_cast<int32_t>(k);
    env.subs.push_back(std::move(si));
  }
  return ok();
}

Status check_jumps(Env& env) {
  const Program& p = env.prog;
  for (const Insn& insn : p.insns) {
    const Sem s = insn.info().sem;
    if (!is_jump(s)) continue;
    const int32_t t = insn.target;
    if (t < 0 || static_cast<uint32_t>(t) >= p.slot_count || !p.at_pc(static_cast<uint32_t>(t)))
      return fail(env, ErrorCode::VerifierBadJump, insn.pc, kernel_says("jump out of range from insn {} to {}", insn.pc, t),
                  fmt::format("jump target {} is not an instruction", t));
    if (env.sub_of_pc[static_cast<size_t>(t)] != env.sub_of_pc[insn.pc])
      return fail(env, ErrorCode::VerifierBadJump, insn.pc, kernel_says("jump out of range from insn {} to {}", insn.pc, t),
                  fmt::format("jump from function {} into function {}", env.sub_of_pc[insn.pc], env.sub_of_pc[static_cast<size_t>(t)]),
                  "jumps must stay inside their function; use a call to enter another one");
  }
  for (const SubprogInfo& s : env.subs) {
    // The last instruction of a function (an lddw's first slot when it ends one).
    uint32_t last = s.end - 1;
    if (!p.at_pc(last) && last > s.start) --last;
    const Insn* insn = p.at_pc(last);
    if (!insn) continue;
    const Sem sem = insn->info().sem;
    if (sem != Sem::Exit && sem != Sem::Ja && sem != Sem::GotoX && !is_throw(env, *insn))
      return fail(env, ErrorCode::VerifierFallThrough, last, kernel_says("last insn is not an exit or jmp"),
                  "the last instruction of a function is not an exit or a jump",
                  "end every function with 'exit', an unconditional jump back or bpf_throw");
  }
  return ok();
}

Status check_reachable(Env& env) {
  const Program& p = env.prog;
  std::vector<uint8_t> seen(p.slot_count, 0);
  std::vector<uint32_t> work{0}, succ;
  seen[0] = 1;
  if (p.exception_cb > 0) {  // an entry of its own, which nothing calls
    seen[static_cast<size_t>(p.exception_cb)] = 1;
    work.push_back(static_cast<uint32_t>(p.exception_cb));
  }
  auto push = [&](uint32_t pc) {
    if (pc < p.slot_count && !seen[pc]) { seen[pc] = 1; work.push_back(pc); }
  };
  while (!work.empty()) {
    const uint32_t pc = work.back();
    work.pop_back();
    const Insn* insn = p.at_pc(pc);
    if (!insn) continue;
    successors(env, *insn, succ);
    for (uint32_t s : succ) push(s);
    const Sem sem = insn->info().sem;
    if (sem == Sem::CallLocal || sem == Sem::LdFunc) push(static_cast<uint32_t>(insn->target));
  }
  for (const Insn& insn : p.insns)
    if (!seen[insn.pc])
      return fail(env, ErrorCode::VerifierUnreachable, insn.pc, kernel_says("unreachable insn {}", insn.pc), "unreachable instruction",
                  "remove dead code, or make sure a jump or call leads here");
  return ok();
}

// Recursion is rejected: the call graph must be acyclic.
Status check_recursion(Env& env) {
  const size_t n = env.subs.size();
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> calls(n);  // (callee, call pc)
  for (const Insn& insn : env.prog.insns)
    if (insn.info().sem == Sem::CallLocal)
      calls[static_cast<size_t>(env.sub_of_pc[insn.pc])].emplace_back(
          static_cast<uint32_t>(env.sub_of_pc[static_cast<size_t>(insn.target)]), insn.pc);
  std::vector<uint8_t> color(n, 0);  // 0 new, 1 on the path, 2 done
  std::vector<std::pair<uint32_t, size_t>> stack;
  for (uint32_t root = 0; root < n; ++root) {
    if (color[root]) continue;
    stack.emplace_back(root, 0);
    color[root] = 1;
    while (!stack.empty()) {
      auto& [s, i] = stack.back();
      if (i == calls[s].size()) { color[s] = 2; stack.pop_back(); continue; }
      const auto [callee, pc] = calls[s][i++];
      if (color[callee] == 1)
        return fail(env, ErrorCode::VerifierCallDepth, pc, kernel_says("back-edge from insn {} to {}", pc, env.subs[callee].start),
                    "recursive call", "BPF functions may not call themselves, directly or not");
      if (color[callee] == 0) { color[callee] = 1; stack.emplace_back(callee, 0); }
    }
  }
  return ok();
}

void compute_liveness(Env& env) {
  const Program& p = env.prog;
  env.live_in.assign(p.slot_count, 0);
  std::vector<RegMask> uses(p.slot_count), defs(p.slot_count);
  for (const Insn& insn : p.insns) {
    uses[insn.pc] = insn_uses(env, insn);
    defs[insn.pc] = insn_defs(insn);
  }
  std::vector<uint32_t> succ;
  for (bool changed = true; changed;) {
    changed = false;
    for (auto it = p.insns.rbegin(); it != p.insns.rend(); ++it) {
      RegMask out = 0;
      successors(env, *it, succ);
      for (uint32_t s : succ)
        if (s < p.slot_count) out |= env.live_in[s];
      const RegMask in = static_cast<RegMask>(uses[it->pc] | (out & ~defs[it->pc]) | bit(10));
      if (in != env.live_in[it->pc]) { env.live_in[it->pc] = in; changed = true; }
    }
  }
}

}  // namespace

void successors(const Env& env, const Insn& insn, std::vector<uint32_t>& out) {
  out.clear();
  const Sem s = insn.info().sem;
  if (s == Sem::Exit) return;
  if (s == Sem::GotoX) {
    if (auto it = env.gotox_targets.find(insn.pc); it != env.gotox_targets.end()) out = it->second;
    return;
  }
  if (s == Sem::Ja) {
    out.push_back(static_cast<uint32_t>(insn.target));
    return;
  }
  // After bpf_throw nothing runs; what follows it in its function counts as
  // reached (dead code, as in the kernel's CFG), but never the next function.
  if (is_throw(env, insn) &&
      (insn.pc + 1 >= env.prog.slot_count || env.sub_of_pc[insn.pc + 1] != env.sub_of_pc[insn.pc]))
    return;
  out.push_back(insn.pc + insn.slots());
  if (is_jump(s)) out.push_back(static_cast<uint32_t>(insn.target));
}

bool is_throw(const Env& env, const Insn& insn) {
  if (insn.info().sem != Sem::CallKfunc) return false;
  const auto idx = static_cast<uint32_t>(insn.imm);
  return idx < env.in.kfuncs.size() && env.in.kfuncs[idx] && (env.in.kfuncs[idx]->flags & kHelperThrows);
}

RegMask insn_uses(const Env& env, const Insn& insn) {
  const Shape shape = insn.info().shape;
  const Sem sem = insn.info().sem;
  switch (shape) {
    case Shape::AluImm: return sem == Sem::Mov ? 0 : bit(insn.dst);
    case Shape::AluReg: return static_cast<RegMask>(bit(insn.src) | (sem == Sem::Mov || sem == Sem::MovSx ? 0 : bit(insn.dst)));
    case Shape::Unary: return bit(insn.dst);
    case Shape::AddrSpaceCast: return bit(insn.src);
    case Shape::Load: return bit(insn.src);
    case Shape::LoadArg: case Shape::StoreImmArg: return 0;  // r11 is no register
    case Shape::StoreArg: return bit(insn.src);
    case Shape::StoreImm: return bit(insn.dst);
    case Shape::StoreReg: return static_cast<RegMask>(bit(insn.dst) | bit(insn.src));
    case Shape::LdImm64: return 0;
    case Shape::LdAbs: return bit(6);
    case Shape::LdInd: return static_cast<RegMask>(bit(6) | bit(insn.src));
    case Shape::AtomicRmw:
      return static_cast<RegMask>(bit(insn.dst) | bit(insn.src) | (insn.imm == decade::sem::kAtomicCmpxchg ? bit(0) : 0));
    case Shape::AtomicLoad: return bit(insn.src);
    case Shape::AtomicStore: return static_cast<RegMask>(bit(insn.dst) | bit(insn.src));
    case Shape::JmpImm: return bit(insn.dst);
    case Shape::JmpReg: return static_cast<RegMask>(bit(insn.dst) | bit(insn.src));
    case Shape::Ja: case Shape::Ja32: case Shape::MayGoto: return 0;
    case Shape::GotoX: return bit(insn.dst);
    case Shape::CallX: return static_cast<RegMask>(bit(insn.dst) | kArgRegs);
    case Shape::CallHelper: {
      const FuncProto* proto = env.in.platform ? env.in.platform->helper(static_cast<uint32_t>(insn.imm)) : nullptr;
      if (!proto) return kArgRegs;
      RegMask m = 0;
      for (unsigned i = 0; i < 5; ++i)
        if (proto->args[i] != ArgKind::None) m |= bit(i + 1);
      return m;
    }
    case Shape::CallLocal: case Shape::CallKfunc: return kArgRegs;
    case Shape::Exit: return bit(0);
  }
  return 0;
}

RegMask insn_defs(const Insn& insn) {
  switch (insn.info().shape) {
    case Shape::AluImm: case Shape::AluReg: case Shape::Unary: case Shape::AddrSpaceCast: case Shape::Load:
    case Shape::LdImm64: case Shape::AtomicLoad: case Shape::LoadArg:
      return bit(insn.dst);
    case Shape::AtomicRmw:
      if (insn.imm == decade::sem::kAtomicCmpxchg) return bit(0);
      return is_fetching(insn) ? bit(insn.src) : 0;
    case Shape::LdAbs: case Shape::LdInd: case Shape::CallHelper: case Shape::CallLocal: case Shape::CallKfunc:
    case Shape::CallX:
      return kCallerSaved;
    case Shape::StoreImm: case Shape::StoreReg: case Shape::AtomicStore: case Shape::JmpImm: case Shape::JmpReg:
    case Shape::StoreArg: case Shape::StoreImmArg:
    case Shape::Ja: case Shape::Ja32: case Shape::GotoX: case Shape::MayGoto: case Shape::Exit:
      return 0;
  }
  return 0;
}

Status analyze_cfg(Env& env) {
  const Program& p = env.prog;
  if (auto s = find_subprograms(env); !s) return s;
  if (auto s = check_jumps(env); !s) return s;
  if (auto s = collect_gotox_targets(env); !s) return s;
  if (auto s = check_recursion(env); !s) return s;
  if (auto s = check_reachable(env); !s) return s;
  env.prune_point.assign(p.slot_count, 0);
  env.call_target.assign(p.slot_count, -1);
  for (const Insn& insn : p.insns) {
    const Sem s = insn.info().sem;
    if (is_jump(s)) {
      env.prune_point[static_cast<size_t>(insn.target)] = 1;
      if (s != Sem::Ja && insn.pc + 1 < p.slot_count) env.prune_point[insn.pc + 1] = 1;
    }
    if (s == Sem::MayGoto) env.prune_point[insn.pc] = 1;
    if (s == Sem::GotoX)
      for (uint32_t t : env.gotox_targets.at(insn.pc)) env.prune_point[t] = 1;
    if ((s == Sem::Call || s == Sem::CallLocal || s == Sem::CallKfunc || s == Sem::CallX) && insn.pc + 1 < p.slot_count)
      env.prune_point[insn.pc + 1] = 1;
    if (s == Sem::CallLocal) env.call_target[insn.pc] = insn.target;
  }
  compute_liveness(env);
  return ok();
}

}  // namespace decade::verifier
