// SPDX-License-Identifier: Apache-2.0
// The driver owns path exploration: a depth-first walk with a work stack,
// both sides of every undecided branch, states stored at prune points and
// compared (inclusion for finished states, equality for states still being
// explored, which means an endless loop), liveness so dead registers do not
// block pruning, widening at loops the runtime bounds (may_goto, iterators,
// callbacks), and the budgets: processed instructions, and memory (stored
// states, the pool, the work stack, the log; VerifierMemoryLimit).
#pragma once

#include <memory>
#include <memory_resource>
#include <unordered_map>
#include <vector>

#include "verifier/env.hpp"
#include "verifier/huge_chunks.hpp"
#include "verifier/precision.hpp"
#include "verifier/stored_state.hpp"

namespace decade::verifier {

class Driver {
 public:
  explicit Driver(Env& env);
  // Every path from `entry` (its pc and frames set) must reach an exit safely.
  Status explore(State entry);

 private:
  struct Checkpoint {
    Checkpoint(const State& s, RegMask live, Checkpoint* p, std::pmr::memory_resource* mr)
        : st(s, live, mr), parent(p) {}
    StoredState st;
    int branches = 1;              // paths from here still being explored
    Checkpoint* parent = nullptr;  // the previous checkpoint on the path
    uint32_t hits = 0, misses = 0; // comparisons that pruned / did not
    RegMask key_mask = 0;          // registers its bucket key is made of
    uint64_t key = 0;
    size_t index = 0;              // position in PcStates::all
    uint32_t depth = 0;            // checkpoints above it on its path
    // Runtime-bounded loops (the kernel's loop_entry): a path pruned at a
    // loop point against a state still being explored is safe only if
    // that state turns out safe, so every checkpoint of the path since it
    // is safe on that condition. Until the entry (and any entry it has in
    // turn) is finished, such a checkpoint prunes only an exact repeat
    // (same registers, same runtime-loop depth): an inclusion could prune
    // the very path that would show the loop never ends.
    Checkpoint* loop_entry = nullptr;
    bool pinned = false;           // some checkpoint's loop_entry: never evicted
  };
  // The states stored at one instruction. Loop points (runtime-bounded
  // loops) are scanned in full; elsewhere states are bucketed by the
  // constant values of the live registers they compare precisely, so a
  // lookup only looks at states that can possibly cover the current one.
  // Checkpoints and their states live in pool_ (trivially destructible:
  // the pool frees them all with the driver).
  // Everything here grows with exploration, so it lives in pool_ (counted
  // against the memory budget).
  struct PcStates {
    explicit PcStates(std::pmr::memory_resource* mr) : all(mr), masks(mr), buckets(mr) {}
    std::pmr::vector<Checkpoint*> all;
    std::pmr::vector<RegMask> masks;  // distinct key masks in use
    std::pmr::unordered_map<uint64_t, std::pmr::vector<Checkpoint*>> buckets;
  };
  struct Path {
    State st;
    Checkpoint* parent = nullptr;
    // The path starts a callback's run (its first call, or the next one
    // after it returned): only such an arrival at a callback's first
    // instruction is an iteration the runtime bounds. A jump, call or callx
    // reaching the same instruction is an ordinary loop.
    bool callback_entry = false;
    // The instruction that forked this path (the log's "from X to Y:"),
    // kNoFork for the entry.
    uint32_t from = kNoFork;
  };
  static constexpr uint32_t kNoFork = UINT32_MAX;

  Result<bool> step(Path& p);                 // false: the path ended
  Result<bool> checkpoint(Path& p);           // true: pruned
  Result<bool> lookup_loop_point(Path& p, RegMask live, const Precision::Need& precise);
  Result<bool> lookup(Path& p, RegMask live, const Precision::Need& precise);
  void store(Path& p, RegMask live, const Precision::Need& precise);
  void evict(PcStates& at, Checkpoint* c);
  Result<bool> exec(Path& p, const Insn& insn);
  void fork(Path& p, State s, bool callback_entry = false);
  void fork_spawned(Path& p, std::vector<State>& spawned);  // states a call or exit made
  void finish(Checkpoint* c);
  // The first of c's loop entries not finished: c is safe only if it is.
  static Checkpoint* unfinished_entry(const Checkpoint* c);
  void mark_loop(Path& p, Checkpoint* entry);  // p's checkpoints since `entry` depend on it
  bool pruned_by(Path& p, Checkpoint* c);      // counts the hit, finishes the path; true
  void log_insn(const State& st, const Insn& insn);
  void log_path_start(const Path& p);
  size_t memory_in_use() const;
  Status check_memory(uint32_t pc);
  Status check_stack_chain(const State& st, uint32_t pc);
  Status explore_paths();

  Env& env_;
  // Memory of stored states (declared before at_, which holds them).
  HugeChunks chunks_;
  std::pmr::unsynchronized_pool_resource pool_;
  Precision prec_;
  // Where exploration may prune against states still being explored
  // (runtime-bounded loops): kRuntimeLoop always (may_goto, iterator next),
  // kCallbackEntry only for Path::callback_entry arrivals.
  enum LoopPoint : uint8_t { kNoLoop = 0, kRuntimeLoop = 1, kCallbackEntry = 2 };
  std::vector<uint8_t> loop_point_;
  std::vector<PcStates> at_;
  std::vector<Path> work_;
  size_t work_bytes_ = 0;   // heap memory of the states in work_
  size_t fixed_bytes_ = 0;  // per-program tables (at_, precision, flags), set once
  uint32_t pc_ = 0;         // the instruction being explored (named when the host refuses memory)
  uint64_t stored_ = 0;
};

}  // namespace decade::verifier
