// SPDX-License-Identifier: Apache-2.0
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <iterator>

#include "verifier/frames.hpp"
#include "verifier/indirect.hpp"
#include "verifier/transfer.hpp"

namespace decade::verifier {

bool is_jump_table(const MapDef& m) {
  return m.frozen && m.section == ".jumptables" && m.type == MapType::Array && m.max_entries == 1 && m.value_size > 0 &&
         m.value_size % 8 == 0 && m.initial_value.size() == m.value_size;
}

uint64_t jump_table_entry(const MapDef& m, size_t k) {
  uint64_t v = 0;
  std::memcpy(&v, m.initial_value.data() + 8 * k, 8);
  return v;
}

bool jump_table_load(const MapDef& m, int64_t lo, int64_t hi, const Scalar& var, uint32_t size, bool sign_extend,
                     RegState* loaded) {
  // Every possible offset must start an entry: the constant part aligned and
  // the variable part a known multiple of 8.
  if (!is_jump_table(m) || size != 8 || sign_extend || lo < 0 || lo % 8 != 0 || (var.var.mask & 7) != 0 ||
      (var.var.value & 7) != 0)
    return false;
  uint64_t min = UINT64_MAX, max = 0;
  for (int64_t o = lo; o <= hi && o + 8 <= static_cast<int64_t>(m.value_size); o += 8) {
    const uint64_t e = jump_table_entry(m, static_cast<size_t>(o / 8));
    min = std::min(min, e);
    max = std::max(max, e);
  }
  if (min > max) return false;
  RegState r = RegState::scalar(Scalar::urange(min, max));
  r.map = &m;
  *loaded = r;
  return true;
}

namespace {

// The function the slot belongs to.
int32_t sub_of(const Env& env, uint64_t slot) {
  return slot < env.sub_of_pc.size() ? env.sub_of_pc[static_cast<size_t>(slot)] : -1;
}

}  // namespace

Status collect_gotox_targets(Env& env) {
  const Program& p = env.prog;
  std::vector<std::vector<uint32_t>> per_sub(env.subs.size());
  for (const Insn& insn : p.insns) {
    const Sem s = insn.info().sem;
    if (s != Sem::LdMapIdxValue && s != Sem::LdMapValue) continue;
    const auto idx = static_cast<uint32_t>(insn.imm);
    if (idx >= env.in.maps.size() || !env.in.maps[idx] || !is_jump_table(*env.in.maps[idx])) continue;
    const MapDef& m = *env.in.maps[idx];
    const int32_t sub = sub_of(env, insn.pc);
    for (size_t k = 0; k < m.value_size / 8; ++k) {
      const uint64_t e = jump_table_entry(m, k);
      if (sub_of(env, e) != sub || !p.at_pc(static_cast<uint32_t>(e)))
        return fail(env, ErrorCode::VerifierIndirectJump, insn.pc,
                    fmt::format("entry {} of jump table {} ({}) is not an instruction of this function", k, m.name, e),
                    "a jump table may only hold targets inside the function that loads it");
      per_sub[static_cast<size_t>(sub)].push_back(static_cast<uint32_t>(e));
    }
  }
  for (auto& v : per_sub) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  }
  for (const Insn& insn : p.insns) {
    if (insn.info().sem != Sem::GotoX) continue;
    const auto& targets = per_sub[static_cast<size_t>(sub_of(env, insn.pc))];
    if (targets.empty())
      return fail(env, ErrorCode::VerifierIndirectJump, insn.pc, "gotox in a function that loads no jump table",
                  "gotox may only jump through a jump table (a switch compiled by clang-22 -mcpu=v4)");
    env.gotox_targets.emplace(insn.pc, targets);
  }
  return ok();
}

Result<bool> do_gotox(Env& env, State& st, const Insn& insn, std::vector<State>& spawned) {
  if (auto s = check_readable(env, st, insn.dst, insn.pc); !s) return std::unexpected(s.error());
  const RegState r = st.reg(insn.dst);
  if (!r.is_scalar() || !r.map || !is_jump_table(*r.map))
    return std::unexpected(verr(env, ErrorCode::VerifierIndirectJump, insn.pc,
                                fmt::format("gotox through R{} ({}), which is not an entry loaded from a jump table",
                                            insn.dst, r.to_string()),
                                "gotox must use the value of an 8-byte load from a jump table, unchanged"));
  const int32_t sub = sub_of(env, insn.pc);
  std::vector<uint32_t> targets;
  for (size_t k = 0; k < r.map->value_size / 8; ++k) {
    const uint64_t e = jump_table_entry(*r.map, k);
    if (!r.val.contains(Scalar::constant(e))) continue;
    if (sub_of(env, e) != sub || !env.prog.at_pc(static_cast<uint32_t>(e)))
      return std::unexpected(verr(env, ErrorCode::VerifierIndirectJump, insn.pc,
                                  fmt::format("jump table {} entry {} ({}) is not an instruction of this function",
                                              r.map->name, k, e)));
    targets.push_back(static_cast<uint32_t>(e));
  }
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
  if (targets.empty()) return false;
  for (size_t i = 1; i < targets.size(); ++i) {
    State s = st;
    s.pc = targets[i];
    s.reg(insn.dst).val = Scalar::constant(targets[i]);
    spawned.push_back(std::move(s));
  }
  st.pc = targets[0];
  st.reg(insn.dst).val = Scalar::constant(targets[0]);
  return true;
}

Status do_callx(Env& env, State& st, const Insn& insn) {
  if (auto s = check_readable(env, st, insn.dst, insn.pc); !s) return s;
  const RegState& r = st.reg(insn.dst);
  if (r.type != RegType::FuncPtr || r.func_pc < 0 || static_cast<size_t>(r.func_pc) >= env.sub_of_pc.size())
    return fail(env, ErrorCode::VerifierIndirectCall, insn.pc,
                fmt::format("callx through R{} ({}), which is not a function pointer", insn.dst, r.to_string()),
                "callx must call a function whose address the program took (a static function in the object)");
  const auto target = static_cast<uint32_t>(r.func_pc);
  const int32_t sub = env.sub_of_pc[target];
  for (const Frame& f : st.frames)
    if (static_cast<int32_t>(f.subprog) == sub)
      return fail(env, ErrorCode::VerifierCallDepth, insn.pc, "recursive call through a function pointer",
                  "BPF functions may not call themselves, directly or not");
  env.indirect_calls.emplace(insn.pc, target);
  // The resolved target when every path calls the same function: the
  // edges are ordered by call slot, so this is the only one from insn.pc.
  const auto first = env.indirect_calls.lower_bound({insn.pc, 0});
  const bool unique = std::next(first) == env.indirect_calls.end() || std::next(first)->first != insn.pc;
  env.call_target[insn.pc] = unique ? r.func_pc : -1;
  Insn call = insn;
  call.target = r.func_pc;
  return do_local_call(env, st, call);
}

}  // namespace decade::verifier
