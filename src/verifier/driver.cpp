// SPDX-License-Identifier: Apache-2.0
#include "verifier/driver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <new>
#include <type_traits>

#include "verifier/alloca.hpp"
#include "verifier/cfg.hpp"
#include "verifier/frames.hpp"
#include "verifier/indirect.hpp"
#include "verifier/insn_text.hpp"
#include "verifier/kernel_log.hpp"
#include "verifier/transfer.hpp"

namespace decade::verifier {
namespace {

constexpr size_t kExactIterations = 8;
// States compared per bucket and per lookup (newest first; a lookup visits
// one bucket per key mask in use, and there may be up to 2^10 masks), and
// kept per bucket: fewer comparisons only prune less, so the bounds keep
// lookups constant-time.
constexpr size_t kMaxCompare = 64;
constexpr size_t kMaxComparePerLookup = 2 * kMaxCompare;
constexpr size_t kMaxBucket = 256;
constexpr size_t kMaxLogBytes = 16u << 20;

// Heap bytes of a working state (what a path on the work stack holds);
// each allocation is counted with a malloc header.
size_t footprint(const State& st) {
  constexpr size_t kHeader = 16;
  size_t n = st.frames.capacity() * sizeof(Frame) + st.refs.capacity() * sizeof(RefState) + 2 * kHeader;
  for (const Frame& f : st.frames) {
    n += f.bytes.capacity() + f.spills.capacity() * sizeof(RegState) + f.iters.capacity() * sizeof(IterSlot) + 3 * kHeader;
    if (f.cb_args) n += sizeof(*f.cb_args) + 2 * kHeader;  // shared by copies: counted once per copy, an upper bound
  }
  return n;
}

}  // namespace

Driver::Driver(Env& env)
    : env_(env), pool_(std::pmr::pool_options{0, 64u << 10}, &chunks_), prec_(env), loop_point_(env.prog.slot_count, 0) {
  at_.reserve(env.prog.slot_count);
  for (size_t i = 0; i < env.prog.slot_count; ++i) at_.emplace_back(&pool_);
  for (const Insn& insn : env.prog.insns) {
    const Sem s = insn.info().sem;
    if (s == Sem::MayGoto) loop_point_[insn.pc] = kRuntimeLoop;
    if (s == Sem::LdFunc) {
      if (loop_point_[static_cast<size_t>(insn.target)] == kNoLoop) loop_point_[static_cast<size_t>(insn.target)] = kCallbackEntry;
      env.prune_point[static_cast<size_t>(insn.target)] = 1;
    }
    if (s == Sem::CallKfunc) {
      const auto idx = static_cast<uint32_t>(insn.imm);
      if (idx < env.in.kfuncs.size() && env.in.kfuncs[idx] && (env.in.kfuncs[idx]->flags & kHelperIterNext)) {
        loop_point_[insn.pc] = kRuntimeLoop;
        env.prune_point[insn.pc] = 1;
      }
    }
  }
  fixed_bytes_ = at_.capacity() * sizeof(PcStates) + loop_point_.capacity() + prec_.footprint() +
                 env.prog.slot_count * (sizeof(RegMask) + 3 * sizeof(uint8_t) + 2 * sizeof(Fact) + sizeof(int32_t));
}

void Driver::fork(Path& p, State s, bool callback_entry) {
  if (p.parent) ++p.parent->branches;
  work_bytes_ += footprint(s);
  work_.push_back(Path{std::move(s), p.parent, callback_entry, p.st.pc});
}

void Driver::fork_spawned(Path& p, std::vector<State>& spawned) {
  for (State& s : spawned) {
    const Frame& f = s.frames.back();
    const bool entry = f.callback && s.pc == env_.subs[f.subprog].start;
    fork(p, std::move(s), entry);
  }
}

size_t Driver::memory_in_use() const {
  return fixed_bytes_ + chunks_.in_use() + work_bytes_ + work_.capacity() * sizeof(Path) + env_.log.capacity();
}

// Everything that grows while exploring is counted: stored states and their
// index (the pool), the work stack of pending paths, the log; the path being
// explored is one state and the per-instruction tables are fixed.
Status Driver::check_memory(uint32_t pc) {
  const size_t used = memory_in_use();
  env_.stats.peak_memory = std::max<uint64_t>(env_.stats.peak_memory, used);
  if (used <= env_.opts.max_memory) return ok();
  return fail(env_, ErrorCode::VerifierMemoryLimit, pc,
              fmt::format("verifier memory budget of {} bytes exhausted ({} bytes in use: {} states stored, {} paths pending)",
                          env_.opts.max_memory, used, stored_, work_.size()),
              "simplify the program: fewer paths, smaller loop bounds, or bpf_loop / open-coded iterators");
}

Driver::Checkpoint* Driver::unfinished_entry(const Checkpoint* c) {
  for (Checkpoint* e = c->loop_entry; e; e = e->loop_entry)
    if (e->branches > 0) return e;
  return nullptr;
}

// `c` covers the path's state: the path ends here.
bool Driver::pruned_by(Path& p, Checkpoint* c) {
  ++c->hits;
  finish(p.parent);
  return true;
}

// The outermost (fewest checkpoints above it) entry wins, as the kernel's
// update_loop_entry keeps the outer loop's head.
void Driver::mark_loop(Path& p, Checkpoint* entry) {
  entry->pinned = true;
  for (Checkpoint* x = p.parent; x && x != entry; x = x->parent)
    if (!x->loop_entry || entry->depth < x->loop_entry->depth) x->loop_entry = entry;
}

void Driver::finish(Checkpoint* c) {
  while (c) {
    if (--c->branches > 0) return;
    c = c->parent;
  }
}

namespace {

// Evict a finished state that keeps failing to prune (the kernel's miss/hit
// heuristic) so lookups stay short. Nothing follows a finished state's
// parent link again, so it may go.
bool worth_evicting(uint32_t hits, uint32_t misses) { return misses > 64 + 8u * hits; }

uint64_t mix64(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdull;
  return h ^ (h >> 33);
}

// Bucket key of `st` over the registers in `mask` (all constant scalars in
// the innermost frame); false when one of them is not a constant.
bool bucket_key(const State& st, RegMask mask, uint64_t& key) {
  uint64_t h = mask;
  const Frame& f = st.frames.back();
  for (uint8_t r = 0; r < 10; ++r) {
    if (!(mask & (1u << r))) continue;
    const RegState& x = f.regs[r];
    if (!x.is_const()) return false;
    h = mix64(h, x.val.value());
  }
  key = mix64(h, st.frames.size());
  return true;
}

}  // namespace

void Driver::evict(PcStates& at, Checkpoint* c) {
  auto& b = at.buckets[c->key];
  std::erase(b, c);
  if (b.empty()) at.buckets.erase(c->key);
  const size_t i = c->index;
  if (i + 1 != at.all.size()) {
    std::swap(at.all[i], at.all.back());
    at.all[i]->index = i;
  }
  at.all.pop_back();
  c->st.release(&pool_);
  std::pmr::polymorphic_allocator<>(&pool_).delete_object(c);
  --stored_;
}

Result<bool> Driver::lookup_loop_point(Path& p, RegMask live, const Precision::Need& precise) {
  // Runtime-bounded loops: inclusion also against states still being
  // explored, with every scalar compared (their subtrees are incomplete).
  Checkpoint* in_progress = nullptr;
  size_t n_in_progress = 0;
  const auto& all = at_[p.st.pc].all;
  const size_t first = all.size() > 2 * kMaxCompare ? all.size() - 2 * kMaxCompare : 0;
  for (size_t i = all.size(); i-- > first;) {
    Checkpoint* c = all[i];
    const bool done = c->branches == 0;
    // A state still being explored with the same runtime-loop depth: no
    // iteration was consumed since (the path came back through a
    // may_goto's jump, which an expired count takes every time), so the
    // runtime bounds nothing here. As anywhere else, an exact repeat is an
    // endless loop, and anything else is explored on.
    if (!done && c->st.loop_depth() == p.st.loop_depth) {
      if (covers(c->st, p.st, live, true))
        return fail(env_, ErrorCode::VerifierInfiniteLoop, p.st.pc, kernel_says("infinite loop detected at insn {}", p.st.pc),
                    "infinite loop: the state repeats exactly without a runtime-bounded iteration (a may_goto's jump "
                    "is taken every time once its count runs out)",
                    "make the loop's back edge go through the may_goto's fall-through");
      continue;
    }
    if (Checkpoint* entry = done ? unfinished_entry(c) : nullptr) {
      if (!covers(c->st, p.st, live, true)) continue;
      mark_loop(p, entry);
      return pruned_by(p, c);
    }
    if (covers(c->st, p.st, live, false, done ? precise.regs : RegMask{0xffff}, done ? precise.slots : ~uint64_t{0})) {
      if (!done) mark_loop(p, c);
      return pruned_by(p, c);
    }
    if (c->branches > 0) {
      if (!in_progress) in_progress = c;
      ++n_in_progress;
    }
  }
  // Explore the first iterations exactly; then give up precision on the
  // scalars that keep changing so the loop converges.
  if (in_progress && n_in_progress >= kExactIterations) widen(p.st, in_progress->st);
  return false;
}

Result<bool> Driver::lookup(Path& p, RegMask live, const Precision::Need& precise) {
  const uint32_t pc = p.st.pc;
  PcStates& at = at_[pc];
  std::vector<Checkpoint*> stale;
  size_t total = kMaxComparePerLookup;
  for (const RegMask m : at.masks) {
    if (total == 0) break;
    uint64_t key = 0;
    if (!bucket_key(p.st, m, key)) continue;
    auto it = at.buckets.find(key);
    if (it == at.buckets.end()) continue;
    // Newest first (the previous iteration of a loop is the likeliest
    // match), and a bounded number of comparisons per lookup.
    const auto& b = it->second;
    size_t budget = kMaxCompare;
    for (size_t i = b.size(); i-- > 0 && budget > 0 && total > 0;) {
      Checkpoint* c = b[i];
      if (c->key_mask != m) continue;
      --budget;
      --total;
      if (c->branches > 0) {
        if (covers(c->st, p.st, live, true))
          return fail(env_, ErrorCode::VerifierInfiniteLoop, pc, kernel_says("infinite loop detected at insn {}", pc),
                      "infinite loop: the state repeats exactly", "make sure the loop's condition changes on every iteration");
        continue;
      }
      if (Checkpoint* entry = unfinished_entry(c)) {
        if (!covers(c->st, p.st, live, true)) continue;
        mark_loop(p, entry);
        return pruned_by(p, c);
      }
      if (covers(c->st, p.st, live, false, precise.regs, precise.slots)) return pruned_by(p, c);
      if (!c->pinned && worth_evicting(c->hits, ++c->misses)) stale.push_back(c);
    }
  }
  for (Checkpoint* c : stale) evict(at, c);
  return false;
}

void Driver::store(Path& p, RegMask live, const Precision::Need& precise) {
  PcStates& at = at_[p.st.pc];
  RegMask m = 0;
  const Frame& f = p.st.frames.back();
  for (uint8_t r = 0; r < 10; ++r)
    if ((live & precise.regs & (1u << r)) && f.regs[r].is_const()) m = static_cast<RegMask>(m | (1u << r));
  uint64_t key = 0;
  bucket_key(p.st, m, key);
  auto& b = at.buckets[key];
  if (b.size() >= kMaxBucket) {
    // Beyond what lookups compare: the oldest state goes when it is
    // finished; when it is still being explored (a long chain of
    // iterations with the same constants), the new state is not stored.
    if (b.front()->branches > 0 || b.front()->pinned) return;
    evict(at, b.front());
  }
  if (std::find(at.masks.begin(), at.masks.end(), m) == at.masks.end()) at.masks.push_back(m);
  static_assert(std::is_trivially_destructible_v<Checkpoint>, "the pool frees checkpoints without destroying them");
  Checkpoint* c = std::pmr::polymorphic_allocator<>(&pool_).new_object<Checkpoint>(p.st, live, p.parent, &pool_);
  c->key_mask = m;
  c->key = key;
  c->index = at.all.size();
  c->depth = p.parent ? p.parent->depth + 1 : 0;
  at.buckets[key].push_back(c);
  p.parent = c;
  at.all.push_back(c);
  env_.max_states_per_insn = std::max<uint64_t>(env_.max_states_per_insn, at.all.size());
  ++stored_;
  ++env_.stats.states_stored;
  env_.stats.peak_states = std::max(env_.stats.peak_states, stored_);
}

Result<bool> Driver::checkpoint(Path& p) {
  const uint32_t pc = p.st.pc;
  const RegMask live = env_.live_in[pc];
  const Precision::Need precise = prec_.need(pc);
  const bool runtime_bounded =
      loop_point_[pc] == kRuntimeLoop || (loop_point_[pc] == kCallbackEntry && p.callback_entry);
  p.callback_entry = false;
  auto pruned = runtime_bounded ? lookup_loop_point(p, live, precise) : lookup(p, live, precise);
  if (pruned && *pruned && env_.opts.log_level > 0 && env_.log.size() <= kMaxLogBytes) env_.log += fmt::format("{}: safe\n", pc);
  if (!pruned || *pruned) return pruned;
  store(p, live, precise);
  return false;
}

// Each processed instruction as the kernel's log prints it: its source
// line when one starts there, "pc: (opcode) text", and at -vv the
// registers after it (Decade's full state dump).
void Driver::log_insn(const State& st, const Insn& insn) {
  if (env_.opts.log_level <= 0 || env_.log.size() > kMaxLogBytes) return;
  if (const LineInfo* li = env_.prog.line_for(insn.pc); li && li->pc == insn.pc && !li->text.empty())
    env_.log += fmt::format("; {}\n", li->text.substr(std::min(li->text.find_first_not_of(" \t"), li->text.size())));
  env_.log += fmt::format("{}: ({:02x}) {}", insn.pc, insn.info().opcode,
                          kernel_insn_text(insn, *env_.in.platform, env_.in.kfuncs));
  if (env_.opts.log_level >= 2) env_.log += " ;" + dump_state(st);
  env_.log += "\n";
}

// A path starts: the entry's registers ("0: R1=ctx() R10=fp0"), or the
// other side of a branch or call ("from 4 to 11: R0=... R10=fp0").
void Driver::log_path_start(const Path& p) {
  if (env_.opts.log_level <= 0 || env_.log.size() > kMaxLogBytes) return;
  if (p.from == kNoFork) env_.log += fmt::format("{}:{}\n", p.st.pc, kernel_frame_text(p.st));
  else env_.log += fmt::format("from {} to {}:{}\n", p.from, p.st.pc, kernel_frame_text(p.st));
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
  if (sem == Sem::Alloca) {
    if (auto s = do_alloca(env_, st, insn); !s) return std::unexpected(s.error());
    st.pc = insn.pc + 1;
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
    if (is_throw(env_, insn)) {  // bpf_throw: every frame unwinds, the path is finished
      finish(p.parent);
      return false;
    }
    fork_spawned(p, spawned);
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
    fork_spawned(p, spawned);
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
  if (sem == Sem::LdAbs || sem == Sem::LdInd) {
    // A load outside the packet returns 0 from the function running it (the
    // engines' gen_ld_abs): that path is explored as an exit with r0 = 0, so
    // a caller that goes on reads only what it had set.
    State miss = st;
    miss.reg(0) = RegState::scalar(Scalar::constant(0));
    auto done = do_exit(env_, miss, insn, spawned);
    if (!done) return std::unexpected(done.error());
    fork_spawned(p, spawned);
    if (!*done) fork(p, std::move(miss));
  }
  st.pc = insn.pc + insn.slots();
  return true;
}

// The combined stack of the frames on this path, each function at the
// deepest it has reached so far, already passes the limit that the static
// check of every call chain (verifier.cpp) would enforce after exploring:
// reject now, at the first call of the chain, rather than keep exploring
// (and comparing) states of up to eight full 512-byte frames.
Status Driver::check_stack_chain(const State& st, uint32_t pc) {
  if (env_.opts.divided_stack) return ok();  // each frame is bounded alone (stack_access)
  uint64_t total = 0;
  for (const Frame& f : st.frames) total += (env_.subs[f.subprog].chain_depth() + 31) / 32 * 32;
  if (total <= env_.opts.max_stack) return ok();
  const uint32_t at = st.frames.size() > 1 ? static_cast<uint32_t>(st.frames[1].callsite) : pc;
  return fail(env_, ErrorCode::VerifierStackLimit, at,
              fmt::format("combined stack of the {} frames at insn {} is {} bytes, over the limit of {}", st.frames.size(), pc,
                          total, env_.opts.max_stack),
              "use less stack in nested functions, or move large buffers into a per-CPU array map");
}

Result<bool> Driver::step(Path& p) {
  const uint32_t pc = p.st.pc;
  pc_ = pc;
  if (++env_.stats.insns_processed > env_.opts.max_insns_processed)
    return fail(env_, ErrorCode::VerifierBudget, pc,
                kernel_says("BPF program is too large. Processed {} insn", env_.opts.max_insns_processed + 1),
                fmt::format("verification budget of {} processed instructions exhausted", env_.opts.max_insns_processed),
                "simplify the program: fewer paths, smaller loop bounds, or bpf_loop / open-coded iterators");
  const Insn* insn = env_.prog.at_pc(pc);
  if (!insn) return std::unexpected(verr(env_, ErrorCode::VerifierFallThrough, pc, "control reaches past the end of the program"));
  if (env_.prune_point[pc]) {
    auto pruned = checkpoint(p);
    if (!pruned) return std::unexpected(pruned.error());
    if (*pruned) return false;
  }
  env_.visited[pc] = 1;
  prec_.observe(p.st, *insn);
  log_insn(p.st, *insn);
  if (insn_defs(*insn) & (1u << kFramePointer))
    return fail(env_, ErrorCode::VerifierReadOnly, pc, kernel_says("frame pointer is read only"), "r10 (the frame pointer) is read-only");
  auto r = exec(p, *insn);
  if (!r) {
    Error e = r.error();
    e.message += "\nstate:" + dump_state(p.st);
    return std::unexpected(std::move(e));
  }
  if (env_.stack_grew) {
    env_.stack_grew = false;
    if (auto s = check_stack_chain(p.st, pc); !s) return std::unexpected(s.error());
  }
  if (auto s = check_memory(pc); !s) return std::unexpected(s.error());
  return *r;
}

Status Driver::explore_paths() {
  while (!work_.empty()) {
    Path p = std::move(work_.back());
    work_.pop_back();
    work_bytes_ -= footprint(p.st);
    log_path_start(p);
    for (;;) {
      auto more = step(p);
      if (!more) return std::unexpected(more.error());
      if (!*more) break;
    }
  }
  return ok();
}

Status Driver::explore(State entry) {
  pc_ = entry.pc;
  work_bytes_ += footprint(entry);
  work_.push_back(Path{std::move(entry), nullptr});
  // The budget is meant to stop exploration before the host runs out; if
  // the host has less memory than the budget, its refusal is the same error.
  try {
    return explore_paths();
  } catch (const std::bad_alloc&) {
    return fail(env_, ErrorCode::VerifierMemoryLimit, pc_,
                fmt::format("the host refused memory to the verifier ({} bytes in use, budget {})", memory_in_use(),
                            env_.opts.max_memory),
                "simplify the program, or verify it where more memory is available");
  }
}

}  // namespace decade::verifier
