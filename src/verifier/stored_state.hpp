// SPDX-License-Identifier: Apache-2.0
// Stored states: what the driver keeps at a prune point to compare later
// states with. Only what covers() looks at is kept: the innermost frame's
// live registers, r6-r10 of outer frames, stack bytes, spilled registers and
// iterator slots, stack arguments (stackargs), references and the lock, in a few flat arrays from the
// driver's pool. A full State is about 1.3 KB per frame (plus 104 bytes per
// stack slot), and loop-heavy programs store hundreds of thousands of
// states: copying and paging that memory in dominated verification time.
#pragma once

#include <bit>
#include <cstdint>
#include <memory_resource>
#include <span>

#include "verifier/state.hpp"

namespace decade::verifier {

// A read-only view of one frame of a StoredState, with the accessors of
// Frame that the comparison uses. Registers that were not kept read as
// NotInit (the comparison never looks at them).
struct StoredFrame {
  // Slots with a bit in spill_mask / iter_mask; slots past them (frames a
  // host-raised stack size allows) are all kept, after the masked ones.
  static constexpr size_t kMasked = 64;
  const RegState* regs = nullptr;  // kept registers, in register order
  const RegState* spills = nullptr;  // kept spilled slots, in slot order
  const SlotByte* bytes = nullptr;
  const IterSlot* iters = nullptr;  // kept iterator slots, in slot order
  const RegState* args = nullptr;   // stack arguments: the nin incoming, then the nout outgoing
  size_t nbytes = 0;
  uint8_t nin = 0, nout = 0;
  RegMask reg_mask = 0;
  uint64_t spill_mask = 0, iter_mask = 0;
  int32_t callsite = -1;
  uint32_t alloc_top = 0;
  uint32_t cb_runs_left = 0;
  bool callback = false;

  const RegState& reg(size_t r) const;
  SlotByte byte(size_t i) const { return bytes[i]; }
  bool spilled(size_t k) const { return k * 8 + 7 < nbytes && bytes[k * 8 + 7] == SlotByte::Spill; }
  const RegState& spill(size_t k) const;
  const IterSlot& iter(size_t k) const;
};

// A stored state lives in one block from the driver's pool. It owns
// nothing: the pool frees every block when the driver goes, and release()
// returns one early (an evicted state).
class StoredState {
 public:
  // Keeps the registers of the innermost frame in `live`; the block comes from `mr`.
  StoredState(const State& st, RegMask live, std::pmr::memory_resource* mr);
  StoredState(const StoredState&) = delete;
  StoredState& operator=(const StoredState&) = delete;
  void release(std::pmr::memory_resource* mr);

  size_t frame_count() const { return nframes_; }
  StoredFrame frame(size_t f) const;
  std::span<const RefState> refs() const { return {refs_, nrefs_}; }
  const LockState& lock() const { return lock_; }
  std::span<const ResLockState> res_locks() const { return {res_, nres_}; }
  uint32_t loop_depth() const { return loop_depth_; }

 private:
  struct FrameRec {
    uint32_t regs_at = 0, spills_at = 0, bytes_at = 0, nbytes = 0, iters_at = 0, args_at = 0;
    uint8_t nin = 0, nout = 0;
    RegMask reg_mask = 0;
    uint64_t spill_mask = 0, iter_mask = 0;
    int32_t callsite = -1;
    uint32_t alloc_top = 0;
    uint32_t cb_runs_left = 0;
    bool callback = false;
  };
  // The block: frames, held res locks, registers (per frame: kept
  // registers, then spilled slots), iterator slots, references, stack bytes.
  void* block_ = nullptr;
  size_t block_size_ = 0;
  const FrameRec* frames_ = nullptr;
  const ResLockState* res_ = nullptr;
  const RegState* vals_ = nullptr;
  const IterSlot* iters_ = nullptr;
  const RefState* refs_ = nullptr;
  const SlotByte* bytes_ = nullptr;
  uint32_t nframes_ = 0, nrefs_ = 0, nres_ = 0;
  LockState lock_;
  uint32_t loop_depth_ = 0;
};

// Does `old` (a state already proven safe from this instruction) cover `cur`?
// Registers outside `live` in the innermost frame are ignored. `exact` asks
// for equality (loop detection) rather than inclusion. Scalars of the
// innermost frame outside `precise` (registers) and `precise_slots` (bit k:
// stack slot k) only need to be scalars in `cur`: their values influence no
// safety decision from here (see precision.hpp). `live` must be the mask
// `old` was stored with.
bool covers(const StoredState& old, const State& cur, RegMask live, bool exact, RegMask precise = 0xffff,
            uint64_t precise_slots = ~uint64_t{0});

// Widen scalars of `cur` that differ from `old` to unknown (loop convergence).
void widen(State& cur, const StoredState& old);

}  // namespace decade::verifier
