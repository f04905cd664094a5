// SPDX-License-Identifier: Apache-2.0
// bpf_fastcall patterns: found before exploration, removed after it when
// the exploration saw no other use of their stack slots (fastcall.hpp).
#include "verifier/fastcall.hpp"

#include <algorithm>

#include "verifier/cfg.hpp"

namespace decade::verifier {
namespace {

constexpr uint8_t kPatternRegs = 0x3e;  // r1-r5; r0 is left to the call (see docs)

const FuncProto* callee(const Env& env, const Insn& in) {
  const Sem s = in.info().sem;
  if (s == Sem::Call) return in.imm == 12 ? nullptr : env.in.platform->helper(static_cast<uint32_t>(in.imm));
  if (s == Sem::CallKfunc) {
    const auto idx = static_cast<size_t>(static_cast<uint32_t>(in.imm));
    return idx < env.in.kfuncs.size() ? env.in.kfuncs[idx] : nullptr;
  }
  return nullptr;
}

bool removable(const FuncProto& p) {
  // A callee that runs BPF code or never returns leaves the engines no
  // single native call to keep registers across.
  return (p.flags & kHelperFastcall) && !(p.flags & (kHelperCallback | kHelperThrows));
}

bool is_spill(const Insn& in, int64_t off) {
  return in.info().sem == Sem::Stx && in.info().width == 64 && in.dst == 10 && in.off == off;
}
bool is_fill(const Insn& in, int64_t off) {
  return in.info().sem == Sem::Ldx && in.info().width == 64 && in.src == 10 && in.off == off;
}

// The pattern around insns[call] in function `sub`, or pairs == 0.
FastcallPattern find_pattern(const Env& env, size_t call, int32_t sub, int64_t lowest) {
  FastcallPattern p;
  p.call = static_cast<uint32_t>(call);
  const FuncProto* f = callee(env, env.prog.insns[call]);
  if (!f) return p;
  const uint8_t clobbers = (f->flags & kHelperFastcall) ? f->fastcall_clobbers : argument_clobbers(*f);
  uint8_t expected = static_cast<uint8_t>(kPatternRegs & ~clobbers);
  const auto& insns = env.prog.insns;
  for (size_t j = 1; j <= 5 && j <= call && call + j < insns.size(); ++j) {
    const Insn& st = insns[call - j];
    const Insn& ld = insns[call + j];
    const int64_t off = lowest + 8 * static_cast<int64_t>(j - 1);
    if (env.sub_of_pc[st.pc] != sub || env.sub_of_pc[ld.pc] != sub) break;
    if (!is_spill(st, off) || !is_fill(ld, off) || st.src != ld.dst) break;
    if (st.src > 5 || !(expected & (1u << st.src))) break;
    expected = static_cast<uint8_t>(expected & ~(1u << st.src));
    p.regs = static_cast<uint8_t>(p.regs | (1u << st.src));
    p.pairs = static_cast<uint32_t>(j);
  }
  p.removable = removable(*f);
  return p;
}

// Slots control may reach other than by falling through from the slot before.
std::vector<uint8_t> entry_points(const Env& env) {
  std::vector<uint8_t> entered(env.prog.slot_count + 1, 0);
  std::vector<uint32_t> succ;
  for (const Insn& in : env.prog.insns) {
    successors(env, in, succ);
    for (uint32_t s : succ)
      if (s != in.pc + in.slots() && s < entered.size()) entered[s] = 1;
  }
  for (const SubprogInfo& s : env.subs) entered[s.start] = 1;
  if (env.prog.exception_cb >= 0 && static_cast<uint32_t>(env.prog.exception_cb) < entered.size())
    entered[static_cast<size_t>(env.prog.exception_cb)] = 1;
  return entered;
}

}  // namespace

void mark_fastcall_patterns(Env& env) {
  const auto& insns = env.prog.insns;
  env.fastcall_insn.assign(env.prog.slot_count, 0);
  std::vector<int64_t> lowest(env.subs.size(), 0);
  for (const Insn& in : insns)
    if (in.info().sem == Sem::Stx && in.info().width == 64 && in.dst == 10) {
      int64_t& l = lowest[static_cast<size_t>(env.sub_of_pc[in.pc])];
      l = std::min<int64_t>(l, in.off);
    }
  const std::vector<uint8_t> entered = entry_points(env);
  for (size_t i = 0; i < insns.size(); ++i) {
    const int32_t sub = env.sub_of_pc[insns[i].pc];
    if (sub < 0) continue;
    const FastcallPattern p = find_pattern(env, i, sub, lowest[static_cast<size_t>(sub)]);
    if (p.pairs == 0) continue;
    SubprogInfo& s = env.subs[static_cast<size_t>(sub)];
    s.fastcall_droppable = (s.fastcall_area_end == INT64_MIN || s.fastcall_droppable) && p.removable && env.opts.fastcall;
    for (size_t j = i - p.pairs; j <= i + p.pairs; ++j) {
      if (j != i) env.fastcall_insn[insns[j].pc] = 1;
      if (j != i - p.pairs && entered[insns[j].pc]) s.fastcall_kept = true;
    }
    s.fastcall_area_end = std::max(s.fastcall_area_end, lowest[static_cast<size_t>(sub)] + 8 * int64_t{p.pairs});
    env.fastcall.push_back(p);
  }
}

void fastcall_facts(const Env& env, std::vector<InsnFacts>& facts) {
  if (!env.opts.fastcall) return;
  for (const FastcallPattern& p : env.fastcall) {
    if (!p.removable || env.subs[static_cast<size_t>(env.sub_of_pc[env.prog.insns[p.call].pc])].fastcall_kept) continue;
    for (uint32_t j = 1; j <= p.pairs; ++j) facts[p.call - j].fastcall_dropped = facts[p.call + j].fastcall_dropped = true;
    facts[p.call].fastcall_keep = p.regs;
  }
}

}  // namespace decade::verifier
