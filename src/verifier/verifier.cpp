// SPDX-License-Identifier: Apache-2.0
// verify(): the pipeline of the verifier as one readable list.
//   require: a decoded Program, a Platform, a ProgramType
//   1. control flow (cfg.cpp)        subprograms, jumps, reachability, recursion, liveness
//      bpf_fastcall patterns (fastcall.cpp), whose slots exploration watches
//      the fixed stack of functions with alloca (alloca.cpp)
//   2. function kinds (frames.cpp)   global functions from BTF
//   3. exploration (driver.cpp)      main program, then each global function on its own
//      (the exception callback among them: exceptions.cpp checks its signature first)
//   4. bpf_throw sites (exceptions.cpp) and stack along call chains
//   5. the VerifiedProgram with its facts (fastcall pairs removed where proven)
#include "verifier/verifier.hpp"

#include <fmt/format.h>

#include <chrono>
#include <functional>

#include "verifier/alloca.hpp"
#include "verifier/cfg.hpp"
#include "verifier/driver.hpp"
#include "verifier/env.hpp"
#include "verifier/exceptions.hpp"
#include "verifier/fastcall.hpp"
#include "verifier/frames.hpp"
#include "verifier/kernel_log.hpp"

namespace decade {

class VerifierAccess {
 public:
  static std::shared_ptr<VerifiedProgram> make(Program prog, std::vector<InsnFacts> facts, std::vector<uint32_t> depth,
                                               VerifierStats stats, bool zero_stack) {
    std::shared_ptr<VerifiedProgram> vp(new VerifiedProgram());
    vp->zero_stack_ = zero_stack;
    vp->prog_ = std::move(prog);
    vp->facts_ = std::move(facts);
    vp->stack_depth_ = std::move(depth);
    vp->stats_ = stats;
    return vp;
  }
};

namespace verifier {

Error verr(const Env& env, ErrorCode code, uint32_t pc, std::string message, std::string hint) {
  Error e{code, pc, std::move(message), {}, std::move(hint)};
  if (const LineInfo* li = env.prog.line_for(pc)) {
    e.where.file = li->file;
    e.where.line = li->line;
    e.where.column = li->column;
    e.where.text = li->text;
  }
  return e;
}

void Env::note_stack(const State& st, uint32_t frame, int64_t lowest_off, uint32_t pc) {
  if (frame >= st.frames.size()) return;
  SubprogInfo& s = subs[st.frames[frame].subprog];
  // Only the pattern spills and fills may touch the pattern slots (and
  // through any frame: a callee writing its caller's slot counts too).
  if (lowest_off < s.fastcall_area_end && (pc >= fastcall_insn.size() || !fastcall_insn[pc])) s.fastcall_kept = true;
  if (lowest_off >= 0) return;
  if (static_cast<uint32_t>(-lowest_off) <= s.stack_depth) return;
  s.stack_depth = static_cast<uint32_t>(-lowest_off);
  stack_grew = true;
}

namespace {

uint32_t round32(uint32_t v) { return (v + 31) / 32 * 32; }

// The deepest stack along any call chain must fit opts.max_stack; with
// the divided stack each frame is bounded alone (stack_access) and the
// call depth bounds the chain.
Status check_stack_chains(Env& env) {
  if (env.opts.divided_stack) return ok();
  const size_t n = env.subs.size();
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> callees(n);  // (sub, call pc)
  for (const Insn& insn : env.prog.insns) {
    const Sem s = insn.info().sem;
    if (s == Sem::CallLocal || s == Sem::LdFunc)
      callees[static_cast<size_t>(env.sub_of_pc[insn.pc])].emplace_back(
          static_cast<uint32_t>(env.sub_of_pc[static_cast<size_t>(insn.target)]), insn.pc);
  }
  for (const auto& [pc, target] : env.indirect_calls)  // callx edges found while exploring
    callees[static_cast<size_t>(env.sub_of_pc[pc])].emplace_back(static_cast<uint32_t>(env.sub_of_pc[target]), pc);
  std::vector<int64_t> memo(n, -1);
  std::function<uint32_t(uint32_t)> deepest = [&](uint32_t s) -> uint32_t {
    if (memo[s] >= 0) return static_cast<uint32_t>(memo[s]);
    memo[s] = 0;  // the call graph is acyclic (checked by the CFG pass)
    uint32_t best = 0;
    for (const auto& [c, pc] : callees[s]) best = std::max(best, deepest(c));
    memo[s] = round32(env.subs[s].chain_depth()) + best;
    return static_cast<uint32_t>(memo[s]);
  };
  for (uint32_t root = 0; root < n; ++root) {
    if (root != 0 && !env.subs[root].global) continue;
    uint32_t total = deepest(root);
    if (total <= env.opts.max_stack) continue;
    // Name the first call on the deepest chain.
    uint32_t at = env.subs[root].start;
    uint32_t best = 0;
    for (const auto& [c, pc] : callees[root])
      if (deepest(c) >= best) { best = deepest(c); at = pc; }
    return fail(env, ErrorCode::VerifierStackLimit, at,
                fmt::format("combined stack of the call chain from {} is {} bytes, over the limit of {}",
                            env.subs[root].name.empty() ? "the program" : env.subs[root].name, total, env.opts.max_stack),
                "use less stack in nested functions, or move large buffers into a per-CPU array map");
  }
  return ok();
}

State main_entry(const Env& env) {
  State st;
  Frame f;
  f.regs[1] = verifier::RegState::pointer(RegType::Ctx);
  if (env.in.type->raw_ctx) {
    f.regs[2] = RegState::unknown();
    f.regs[2].id = kRawLengthId;
  }
  f.regs[10] = RegState::pointer(RegType::Stack);
  st.frames.push_back(std::move(f));
  return st;
}

// A program's runs get one storage of each kind (shared, per-CPU), bound
// when they start: it may name at most one cgroup storage map of each
// kind, counted over every map reference, reachable or not (as the
// kernel's count as it resolves map references before verifying).
Status check_cgroup_storage_maps(Env& env) {
  const MapDef* used[2] = {nullptr, nullptr};
  for (const Insn& insn : env.in.program->insns) {
    const Sem sem = insn.info().sem;
    if (sem != Sem::LdMapFd && sem != Sem::LdMapIdx && sem != Sem::LdMapValue && sem != Sem::LdMapIdxValue) continue;
    if (env.prog.raw_map_fd(insn)) continue;  // refused where reached
    const auto idx = static_cast<uint32_t>(insn.imm);
    const MapDef* m = idx < env.in.maps.size() ? env.in.maps[idx] : nullptr;
    if (!m || (m->type != MapType::CgroupStorage && m->type != MapType::PercpuCgroupStorage)) continue;
    const MapDef*& slot = used[m->type == MapType::PercpuCgroupStorage ? 1 : 0];
    if (slot && slot != m)
      return fail(env, ErrorCode::VerifierBadMap, insn.pc, kernel_says("only one cgroup storage of each type is allowed"),
                  fmt::format("maps {} and {} are both {} maps: a program has one storage of each kind", slot->name,
                              m->name, map_type_name(static_cast<uint32_t>(m->type))),
                  "use one cgroup storage map (and one per-CPU one) per program");
    slot = m;
  }
  return ok();
}

Status run(Env& env) {
  if (auto s = check_cgroup_storage_maps(env); !s) return s;
  if (auto s = analyze_cfg(env); !s) return s;
  mark_fastcall_patterns(env);
  plan_alloca_frames(env);
  if (auto s = classify_functions(env); !s) return s;
  if (auto s = check_exception_callback(env); !s) return s;
  {
    Driver d(env);
    if (auto s = d.explore(main_entry(env)); !s) return s;
  }
  for (uint32_t s = 1; s < env.subs.size(); ++s) {
    if (!env.subs[s].global) continue;
    if (env.opts.log_level > 0) env.log += fmt::format("Validating {}() func#{}...\n", env.subs[s].name, s);
    Driver d(env);
    if (auto r = d.explore(global_entry_state(env, s)); !r) return r;
  }
  if (auto s = check_throw_sites(env); !s) return s;
  return check_stack_chains(env);
}

}  // namespace
}  // namespace verifier

Result<VerifyResult> verify(const VerifyInput& in, const VerifyOptions& opts) {
  using namespace verifier;
  if (!in.program || !in.platform || !in.type)
    return make_error(ErrorCode::InvalidArgument, "verify needs a program, a platform and a program type");
  if (in.program->insns.empty() || in.program->slot_index.size() != in.program->slot_count)
    return make_error(ErrorCode::InvalidArgument, "verify needs a decoded, non-empty program");
  if (opts.max_stack < kDefaultStackSize || opts.max_stack > kMaxStackSize || opts.max_stack % 8 != 0)
    return make_error(ErrorCode::InvalidArgument,
                      fmt::format("stack size {} is not a multiple of 8 in [{}, {}]", opts.max_stack, kDefaultStackSize, kMaxStackSize));
  const auto t0 = std::chrono::steady_clock::now();
  Env env(in, opts);
  const uint32_t n = in.program->slot_count;
  env.visited.assign(n, 0);
  env.mem_safe.assign(n, Fact::Unseen);
  env.access_kind.assign(n, 0);
  env.div_nonzero.assign(n, Fact::Unseen);
  env.alloca_offset.assign(n, -1);
  if (auto s = run(env); !s) {
    Error e = s.error();
    if (opts.log_level > 0) {
      // The kernel's log ends with the rule's phrase and the statistics.
      env.log += (e.kernel.empty() ? e.message.substr(0, e.message.find('\n')) : e.kernel) + "\n" + kernel_summary(env);
    }
    if (!env.log.empty()) e.message += "\n" + env.log;
    return std::unexpected(std::move(e));
  }
  env.stats.time_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
  std::vector<InsnFacts> facts(in.program->insns.size());
  for (size_t i = 0; i < facts.size(); ++i) {
    const uint32_t pc = in.program->insns[i].pc;
    facts[i].mem_access_safe = env.mem_safe[pc] == Fact::Yes;
    facts[i].div_nonzero = env.div_nonzero[pc] == Fact::Yes;
    facts[i].call_target = env.call_target[pc];
    facts[i].alloca_offset = env.alloca_offset[pc];
  }
  fastcall_facts(env, facts);
  std::vector<uint32_t> depth;
  for (const SubprogInfo& s : env.subs) depth.push_back(s.stack_depth);
  if (opts.log_level > 0) env.log += kernel_summary(env);
  VerifyResult out;
  out.program = VerifierAccess::make(*in.program, std::move(facts), std::move(depth), env.stats, env.reads_uninit_stack);
  out.log = std::move(env.log);
  return out;
}

}  // namespace decade
