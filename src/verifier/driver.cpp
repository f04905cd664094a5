// SPDX-License-Identifier: Apache-2.0
#include "verifier/driver.hpp"

#include <fmt/format.h>

#include "verifier/cfg.hpp"
#include "verifier/frames.hpp"
#include "verifier/indirect.hpp"
#include "verifier/transfer.hpp"

namespace decade::verifier {
namespace {

constexpr size_t kMaxStatesPerPc = 64;
constexpr size_t kExactIterations = 8;
constexpr size_t kMaxLogBytes = 16u << 20;

void widen_reg(RegState& c, const RegState& o) {
  if (c.is_scalar() && o.is_scalar() && !(c.val == o.val)) c = RegState::unknown();
}

}  // namespace

void widen(State& cur, const State& old) {
  if (cur.frames.size() != old.frames.size()) return;
  for (size_t f = 0; f < cur.frames.size(); ++f) {
    Frame& c = cur.frames[f];
    const Frame& o = old.frames[f];
    for (size_t r = 0; r < c.regs.size(); ++r) widen_reg(c.regs[r], o.regs[r]);
    const size_t n = std::min(c.spills.size(), o.spills.size());
    for (size_t k = 0; k < n; ++k)
      if (c.spilled(k) && o.spilled(k)) widen_reg(c.spills[k], o.spills[k]);
  }
}

Driver::Driver(Env& env) : env_(env), loop_point_(env.prog.slot_count, 0), at_(env.prog.slot_count) {
  for (const Insn& insn : env.prog.insns) {
    const Sem s = insn.info().sem;
    if (s == Sem::MayGoto) loop_point_[insn.pc] = 1;
    if (s == Sem::LdFunc) {
      loop_point_[static_cast<size_t>(insn.target)] = 1;
      env.prune_point[static_cast<size_t>(insn.target)] = 1;
    }
    if (s == Sem::CallKfunc) {
      const auto idx = static_cast<uint32_t>(insn.imm);
      if (idx < env.in.kfuncs.size() && env.in.kfuncs[idx] && (env.in.kfuncs[idx]->flags & kHelperIterNext)) {
        loop_point_[insn.pc] = 1;
        env.prune_point[insn.pc] = 1;
      }
    }
  }
}

void Driver::fork(Path& p, State s) {
  if (p.parent) ++p.parent->branches;
  work_.push_back(Path{std::move(s), p.parent});
}

void Driver::finish(Checkpoint* c) {
  while (c) {
    if (--c->branches > 0) return;
    c = c->parent;
  }
}

Result<bool> Driver::checkpoint(Path& p) {
  const uint32_t pc = p.st.pc;
  const RegMask live = env_.live_in[pc];
  const bool loop = loop_point_[pc] != 0;
  Checkpoint* in_progress = nullptr;
  size_t n_in_progress = 0;
  for (const auto& c : at_[pc]) {
    if (c->branches > 0 && !loop) {
      if (covers(c->st, p.st, live, true))
        return std::unexpected(verr(env_, ErrorCode::VerifierInfiniteLoop, pc, "infinite loop: the state repeats exactly",
                                    "make sure the loop's condition changes on every iteration"));
      continue;
    }
    if (covers(c->st, p.st, live, false)) {
      finish(p.parent);
      return true;
    }
    if (c->branches > 0) {
      in_progress = c.get();
      ++n_in_progress;
    }
  }
  // Explore the first iterations exactly; then give up precision on the
  // scalars that keep changing so the loop converges.
  if (in_progress && n_in_progress >= kExactIterations) widen(p.st, in_progress->st);
  if (at_[pc].size() < kMaxStatesPerPc) {
    auto c = std::make_unique<Checkpoint>(Checkpoint{p.st, 1, p.parent});
    p.parent = c.get();
    at_[pc].push_back(std::move(c));
    ++stored_;
    ++env_.stats.states_stored;
    env_.stats.peak_states = std::max(env_.stats.peak_states, stored_);
  }
  return false;
}

void Driver::log_insn(const State& st, const Insn& insn) {
  if (env_.opts.log_level <= 0 || env_.log.size() > kMaxLogBytes) return;
  env_.log += fmt::format("{}: ({:02x}) {} dst=r{} src=r{} off={} imm={}", insn.pc, insn.info().opcode, insn.info().name,
                          insn.dst, insn.src, insn.off, insn.imm);
  if (env_.opts.log_level >= 2) env_.log += " ;" + dump_state(st);
  env_.log += "\n";
}

Result<bool> Driver::exec(Path& p, const Insn& insn) {
  State& st = p.st;
  const Sem sem = insn.info().sem;
  std::vector<State> spawned;
  if (is_alu(sem)) {
    if (auto s = do_alu(env_, st, insn); !s) return std::unexpected(s.error());
    st.pc = insn.pc + 1;
    return true;
  }
  if (is_cond_jump(sem)) {
    State taken;
    auto sides = do_branch(env_, st, taken, insn);
    if (!sides) return std::unexpected(sides.error());
    if (sides->fall && sides->taken) {
      taken.pc = static_cast<uint32_t>(insn.target);
      fork(p, std::move(taken));
      st.pc = insn.pc + 1;
    } else if (sides->taken) {
      st = std::move(taken);
      st.pc = static_cast<uint32_t>(insn.target);
    } else if (sides->fall) {
      st.pc = insn.pc + 1;
    } else {
      finish(p.parent);
      return false;
    }
    return true;
  }
  if (sem == Sem::Ja) {
    st.pc = static_cast<uint32_t>(insn.target);
    return true;
  }
  if (sem == Sem::MayGoto) {
    State out = st;
    out.pc = static_cast<uint32_t>(insn.target);
    fork(p, std::move(out));
    st.pc = insn.pc + 1;
    ++st.loop_depth;
    return true;
  }
  if (sem == Sem::Call || sem == Sem::CallKfunc) {
    if (auto s = do_call(env_, st, insn, spawned); !s) return std::unexpected(s.error());
    for (State& s : spawned) fork(p, std::move(s));
    st.pc = insn.pc + 1;
    return true;
  }
  if (sem == Sem::CallLocal) {
    if (auto s = do_local_call(env_, st, insn); !s) return std::unexpected(s.error());
    return true;
  }
  if (sem == Sem::Exit) {
    auto done = do_exit(env_, st, insn, spawned);
    if (!done) return std::unexpected(done.error());
    for (State& s : spawned) fork(p, std::move(s));
    if (*done) {
      finish(p.parent);
      return false;
    }
    return true;
  }
  if (sem == Sem::GotoX) {
    auto live = do_gotox(env_, st, insn, spawned);
    if (!live) return std::unexpected(live.error());
    for (State& s : spawned) fork(p, std::move(s));
    if (!*live) finish(p.parent);
    return *live;
  }
  if (sem == Sem::CallX) {
    if (auto s = do_callx(env_, st, insn); !s) return std::unexpected(s.error());
    return true;
  }
  if (auto s = do_mem(env_, st, insn); !s) return std::unexpected(s.error());
  st.pc = insn.pc + insn.slots();
  return true;
}

Result<bool> Driver::step(Path& p) {
  const uint32_t pc = p.st.pc;
  if (++env_.stats.insns_processed > env_.opts.max_insns_processed)
    return std::unexpected(verr(env_, ErrorCode::VerifierBudget, pc,
                                fmt::format("verification budget of {} processed instructions exhausted", env_.opts.max_insns_processed),
                                "simplify the program: fewer paths, smaller loop bounds, or bpf_loop / open-coded iterators"));
  const Insn* insn = env_.prog.at_pc(pc);
  if (!insn) return std::unexpected(verr(env_, ErrorCode::VerifierFallThrough, pc, "control reaches past the end of the program"));
  if (env_.prune_point[pc]) {
    auto pruned = checkpoint(p);
    if (!pruned) return std::unexpected(pruned.error());
    if (*pruned) return false;
  }
  env_.visited[pc] = 1;
  log_insn(p.st, *insn);
  if (insn_defs(*insn) & (1u << kFramePointer))
    return std::unexpected(verr(env_, ErrorCode::VerifierReadOnly, pc, "r10 (the frame pointer) is read-only"));
  auto r = exec(p, *insn);
  if (!r) {
    Error e = r.error();
    e.message += "\nstate:" + dump_state(p.st);
    return std::unexpected(std::move(e));
  }
  return *r;
}

Status Driver::explore(State entry) {
  work_.push_back(Path{std::move(entry), nullptr});
  while (!work_.empty()) {
    Path p = std::move(work_.back());
    work_.pop_back();
    if (env_.opts.log_level > 0 && env_.log.size() <= kMaxLogBytes)
      env_.log += fmt::format("from path at insn {}\n", p.st.pc);
    for (;;) {
      auto more = step(p);
      if (!more) return std::unexpected(more.error());
      if (!*more) break;
    }
  }
  return ok();
}

}  // namespace decade::verifier
