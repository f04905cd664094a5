// SPDX-License-Identifier: Apache-2.0
#include "verifier/stored_state.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace decade::verifier {
namespace {

const RegState kNotInit{};

// Bit masks below `i` (rank of an element in a sparse array).
size_t rank16(RegMask m, size_t i) { return static_cast<size_t>(std::popcount(static_cast<unsigned>(m & ((1u << i) - 1)))); }
size_t rank64(uint64_t m, size_t i) { return static_cast<size_t>(std::popcount(m & ((uint64_t{1} << i) - 1))); }

bool slot_has(const Frame& f, size_t k, SlotByte b) {
  for (size_t i = k * 8; i < k * 8 + 8; ++i)
    if (f.bytes[i] == b) return true;
  return false;
}

}  // namespace

const RegState& StoredFrame::reg(size_t r) const {
  if (!(reg_mask & (1u << r))) return kNotInit;
  return regs[rank16(reg_mask, r)];
}

// Slots below kMasked are kept when they hold a spill (an iterator), found
// by their mask; every slot past it (a host-raised stack size) is kept,
// after them in slot order, whatever it holds.
const RegState& StoredFrame::spill(size_t k) const {
  if (k >= kMasked) return k < nbytes / 8 ? spills[std::popcount(spill_mask) + (k - kMasked)] : kNotInit;
  if (!(spill_mask & (uint64_t{1} << k))) return kNotInit;
  return spills[rank64(spill_mask, k)];
}

const IterSlot& StoredFrame::iter(size_t k) const {
  static const IterSlot kNone{};
  if (k >= kMasked) return k < nbytes / 8 ? iters[std::popcount(iter_mask) + (k - kMasked)] : kNone;
  if (!(iter_mask & (uint64_t{1} << k))) return kNone;
  return iters[rank64(iter_mask, k)];
}

namespace {

// Frames, res locks, registers, iterator slots, references and bytes of one
// block, in that order (each type's alignment divides the sizes before it).
static_assert(alignof(ResLockState) <= 8 && alignof(RegState) <= 8 && alignof(IterSlot) <= alignof(RegState) &&
              alignof(RefState) <= alignof(IterSlot));

size_t kept_regs(const State& st, RegMask live) {
  const size_t n = static_cast<size_t>(std::popcount(static_cast<unsigned>(live & 0x7ff)));
  return st.frames.empty() ? 0 : n + 5 * (st.frames.size() - 1);  // outer frames: r6-r10
}

}  // namespace

StoredState::StoredState(const State& st, RegMask live, std::pmr::memory_resource* mr)
    : nframes_(static_cast<uint32_t>(st.frames.size())), nrefs_(static_cast<uint32_t>(st.refs.size())),
      nres_(static_cast<uint32_t>(st.res_locks.size())), lock_(st.lock), loop_depth_(st.loop_depth) {
  // Exact sizes first: one block, no slack.
  size_t nvals = kept_regs(st, live), nbytes = 0, niters = 0;
  for (const Frame& f : st.frames) {
    const size_t n = f.bytes.size();  // bounded by VerifyOptions::max_stack
    nbytes += n;
    nvals += f.in_args.size() + f.out_args.size();
    for (size_t k = 0; k < n / 8; ++k) {
      const bool deep = k >= StoredFrame::kMasked;  // kept whatever it holds (StoredFrame::spill)
      nvals += deep || slot_has(f, k, SlotByte::Spill);
      niters += deep || slot_has(f, k, SlotByte::Iter);
    }
  }
  const size_t frames_size = nframes_ * sizeof(FrameRec) + nres_ * sizeof(ResLockState);
  const size_t vals_size = nvals * sizeof(RegState);
  const size_t iters_size = niters * sizeof(IterSlot), refs_size = nrefs_ * sizeof(RefState);
  block_size_ = frames_size + vals_size + iters_size + refs_size + nbytes;
  auto* base = static_cast<std::byte*>(mr->allocate(block_size_, alignof(FrameRec)));
  block_ = base;
  auto* frames = reinterpret_cast<FrameRec*>(base);
  auto* vals = reinterpret_cast<RegState*>(base + frames_size);
  auto* iters = reinterpret_cast<IterSlot*>(base + frames_size + vals_size);
  auto* refs = reinterpret_cast<RefState*>(base + frames_size + vals_size + iters_size);
  auto* bytes = reinterpret_cast<SlotByte*>(base + frames_size + vals_size + iters_size + refs_size);
  frames_ = frames;
  auto* res = reinterpret_cast<ResLockState*>(base + nframes_ * sizeof(FrameRec));
  std::uninitialized_copy(st.res_locks.begin(), st.res_locks.end(), res);
  res_ = res;
  vals_ = vals;
  iters_ = iters;
  refs_ = refs;
  bytes_ = bytes;
  std::uninitialized_copy(st.refs.begin(), st.refs.end(), refs);
  uint32_t v = 0, it = 0, b = 0;
  for (size_t fi = 0; fi < st.frames.size(); ++fi) {
    const Frame& f = st.frames[fi];
    FrameRec rec;
    rec.callsite = f.callsite;
    rec.alloc_top = f.alloc_top;
    rec.callback = f.callback;
    rec.cb_runs_left = f.cb_runs_left;
    // Outer frames: r0-r5 are overwritten when the callee returns.
    rec.reg_mask = fi + 1 == st.frames.size() ? static_cast<RegMask>(live & 0x7ff) : RegMask{0x7c0};
    rec.regs_at = v;
    for (size_t r = 0; r < f.regs.size(); ++r)
      if (rec.reg_mask & (1u << r)) new (vals + v++) RegState(f.regs[r]);
    const size_t n = f.bytes.size();  // bounded by VerifyOptions::max_stack
    rec.bytes_at = b;
    rec.nbytes = static_cast<uint32_t>(n);
    std::uninitialized_copy(f.bytes.begin(), f.bytes.begin() + static_cast<std::ptrdiff_t>(n), bytes + b);
    b += static_cast<uint32_t>(n);
    rec.spills_at = v;
    rec.iters_at = it;
    for (size_t k = 0; k < n / 8; ++k) {
      if (k >= StoredFrame::kMasked) {
        new (vals + v++) RegState(slot_has(f, k, SlotByte::Spill) ? f.spills[k] : RegState{});
        new (iters + it++) IterSlot(slot_has(f, k, SlotByte::Iter) ? f.iters[k] : IterSlot{});
        continue;
      }
      if (slot_has(f, k, SlotByte::Spill)) {
        rec.spill_mask |= uint64_t{1} << k;
        new (vals + v++) RegState(f.spills[k]);
      }
      if (slot_has(f, k, SlotByte::Iter)) {
        rec.iter_mask |= uint64_t{1} << k;
        new (iters + it++) IterSlot(f.iters[k]);
      }
    }
    rec.args_at = v;
    rec.nin = static_cast<uint8_t>(f.in_args.size());
    rec.nout = static_cast<uint8_t>(f.out_args.size());
    for (const RegState& a : f.in_args) new (vals + v++) RegState(a);
    for (const RegState& a : f.out_args) new (vals + v++) RegState(a);
    new (frames + fi) FrameRec(rec);
  }
}

void StoredState::release(std::pmr::memory_resource* mr) {
  if (block_) mr->deallocate(block_, block_size_, alignof(FrameRec));
  block_ = nullptr;
}

StoredFrame StoredState::frame(size_t f) const {
  const FrameRec& r = frames_[f];
  StoredFrame v;
  v.regs = vals_ + r.regs_at;
  v.spills = vals_ + r.spills_at;
  v.bytes = bytes_ + r.bytes_at;
  v.iters = iters_ + r.iters_at;
  v.args = vals_ + r.args_at;
  v.nin = r.nin;
  v.nout = r.nout;
  v.nbytes = r.nbytes;
  v.reg_mask = r.reg_mask;
  v.spill_mask = r.spill_mask;
  v.iter_mask = r.iter_mask;
  v.callsite = r.callsite;
  v.alloc_top = r.alloc_top;
  v.callback = r.callback;
  v.cb_runs_left = r.cb_runs_left;
  return v;
}

namespace {

// uint32 -> uint32 by open addressing (keys and values are never 0: ids
// start at 1), for the ids past IdMap's inline pairs: one allocation per
// doubling rather than one per id.
class FlatIdTable {
 public:
  uint32_t get(uint32_t key) const {
    if (slots_.empty()) return 0;
    for (size_t i = slot_of(key);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].first == key) return slots_[i].second;
      if (slots_[i].first == 0) return 0;
    }
  }
  void put(uint32_t key, uint32_t val) {  // key must be absent
    if (2 * (size_ + 1) > slots_.size()) grow();
    size_t i = slot_of(key);
    while (slots_[i].first != 0) i = (i + 1) & (slots_.size() - 1);
    slots_[i] = {key, val};
    ++size_;
  }

 private:
  static constexpr size_t kFirst = 128;  // 64 ids before the first doubling
  size_t slot_of(uint32_t key) const { return (key * 0x9e3779b1u) & (slots_.size() - 1); }
  void grow() {
    std::vector<std::pair<uint32_t, uint32_t>> old(std::max<size_t>(kFirst, 2 * slots_.size()));
    old.swap(slots_);
    size_ = 0;
    for (const auto& [k, v] : old)
      if (k) put(k, v);
  }
  std::vector<std::pair<uint32_t, uint32_t>> slots_;
  size_t size_ = 0;
};

// Consistent renaming of ids between the old and the current state. Most
// states hold few ids, so the first pairs live inline in a flat list (this
// runs at every prune point and allocates nothing then); beyond them, hash
// tables keep every check constant-time: a state being explored may hold
// hundreds of ids (eight frames of 512 stack bytes of spilled linked
// scalars), and a list scanned on every check made one comparison
// quadratic in them.
class IdMap {
 public:
  bool check(uint32_t old_id, uint32_t cur_id) {
    if (old_id == 0 && cur_id == 0) return true;
    if (old_id == 0 || cur_id == 0) return false;
    if (n_ <= kInline) {
      for (size_t i = 0; i < n_; ++i) {
        const auto& [o, c] = inline_[i];
        if (o == old_id) return c == cur_id;
        if (c == cur_id) return false;
      }
      if (n_ < kInline) {
        inline_[n_++] = {old_id, cur_id};
        return true;
      }
      for (const auto& [o, c] : inline_) add(o, c);  // from now on only the tables
      ++n_;
    }
    if (const uint32_t c = to_cur_.get(old_id)) return c == cur_id;
    if (to_old_.get(cur_id)) return false;  // cur_id already stands for another old id
    add(old_id, cur_id);
    return true;
  }

 private:
  void add(uint32_t old_id, uint32_t cur_id) {
    to_cur_.put(old_id, cur_id);
    to_old_.put(cur_id, old_id);
  }

  static constexpr size_t kInline = 16;
  std::array<std::pair<uint32_t, uint32_t>, kInline> inline_{};
  size_t n_ = 0;                 // inline pairs; kInline + 1 once the tables hold them all
  FlatIdTable to_cur_, to_old_;  // every pair past kInline of them, both ways
};

bool reg_covers(const RegState& o, const RegState& c, IdMap& ids, bool exact) {
  if (exact) {
    if (o.type != c.type) return false;
    if (o.type == RegType::NotInit) return true;
  }
  if (o.type == RegType::NotInit) return true;
  if (o.type != c.type) return false;
  if (o.type == RegType::Scalar) {
    if (!(exact ? o.val == c.val : o.val.contains(c.val))) return false;
    // A jump-table entry (verifier/indirect.hpp) only covers one from the same table.
    if (o.map != c.map && (o.map || exact)) return false;
    // A link between scalars (a copy refined together) the old state relied
    // on must exist in the current state too, with the same delta
    // (RegState::add_const): a bound learnt later moves by it.
    if (o.id == 0) return true;
    if (o.add_const != c.add_const || (o.add_const != AddConst::None && o.off != c.off)) return false;
    return ids.check(o.id, c.id);
  }
  if (o.off != c.off || o.frame != c.frame || o.map != c.map || o.mem_size != c.mem_size || o.func_pc != c.func_pc)
    return false;
  if (o.maybe_null != c.maybe_null) return false;
  // A path explored with writable memory may have written it; one explored
  // with read-only memory also covers a writable pointer it never wrote.
  if (exact ? o.read_only != c.read_only : c.read_only && !o.read_only) return false;
  if (!(exact ? o.val == c.val : o.val.contains(c.val))) return false;
  // A stack pointer's range is its alloca area's place: never inclusion.
  if (exact || o.type == RegType::Stack ? o.range != c.range : c.range < o.range) return false;
  return ids.check(o.id, c.id) && ids.check(o.ref_id, c.ref_id);
}

// Every initialised byte of old's slot k holds scalar data, and so does the
// same byte of cur's: the slot holds some scalar value in both.
bool scalar_slot(const StoredFrame& o, const Frame& c, size_t k) {
  for (size_t i = k * 8; i < k * 8 + 8; ++i) {
    const SlotByte ob = o.byte(i);
    if (ob == SlotByte::Invalid) continue;
    if (!(ob == SlotByte::Misc || ob == SlotByte::Zero || (ob == SlotByte::Spill && o.spill(k).is_scalar()))) return false;
    if (i >= c.bytes.size()) return false;
    const SlotByte cb = c.bytes[i];
    if (!(cb == SlotByte::Misc || cb == SlotByte::Zero || (cb == SlotByte::Spill && c.spills[k].is_scalar()))) return false;
  }
  return true;
}

bool byte_covers(const StoredFrame& o, const Frame& c, size_t i, IdMap& ids, bool exact) {
  const SlotByte ob = o.byte(i);
  const SlotByte cb = i < c.bytes.size() ? c.bytes[i] : SlotByte::Invalid;
  if (exact && ob != cb) return false;
  switch (ob) {
    case SlotByte::Invalid: return true;
    case SlotByte::Misc:
      return cb == SlotByte::Misc || cb == SlotByte::Zero || (cb == SlotByte::Spill && c.spills[i / 8].type == RegType::Scalar);
    case SlotByte::Zero:
      return cb == SlotByte::Zero || (cb == SlotByte::Spill && c.spills[i / 8].is_const() && c.spills[i / 8].val.value() == 0);
    case SlotByte::Spill:
      if (cb != SlotByte::Spill) {
        // A spilled unknown scalar is as good as misc bytes.
        const RegState& s = o.spill(i / 8);
        return s.type == RegType::Scalar && s.val == Scalar::unknown() && (cb == SlotByte::Misc || cb == SlotByte::Zero);
      }
      return i % 8 != 7 || reg_covers(o.spill(i / 8), c.spills[i / 8], ids, exact);
    case SlotByte::Iter:
      if (cb != SlotByte::Iter) return false;
      if (i % 8 == 0) {
        const IterSlot &oi = o.iter(i / 8), &ci = c.iters[i / 8];
        if (oi.state != ci.state || !ids.check(oi.id, ci.id)) return false;
      }
      return true;
  }
  return false;
}

bool stack_covers(const StoredFrame& o, const Frame& c, IdMap& ids, bool exact, uint64_t precise_slots) {
  for (size_t i = 0; i < o.nbytes; ++i) {
    if (i % 8 == 0 && !exact && i / 8 < kMaskedStack / 8 && !(precise_slots & (uint64_t{1} << (i / 8))) && scalar_slot(o, c, i / 8)) {
      i += 7;
      continue;
    }
    if (!byte_covers(o, c, i, ids, exact)) return false;
  }
  if (exact) {
    for (size_t i = o.nbytes; i < c.bytes.size(); ++i)
      if (c.bytes[i] != SlotByte::Invalid) return false;
  }
  return true;
}

// Stack arguments: the same slots, each covered as a register is (a call
// takes every outgoing slot, so the counts must agree).
bool args_cover(const StoredFrame& o, const Frame& c, IdMap& ids, bool exact) {
  if (o.nin != c.in_args.size() || o.nout != c.out_args.size()) return false;
  for (size_t k = 0; k < o.nin; ++k)
    if (!reg_covers(o.args[k], c.in_args[k], ids, exact)) return false;
  for (size_t k = 0; k < o.nout; ++k)
    if (!reg_covers(o.args[o.nin + k], c.out_args[k], ids, exact)) return false;
  return true;
}

void widen_reg(RegState& c, const RegState& o) {
  if (c.is_scalar() && o.is_scalar() && !(c.val == o.val)) c = RegState::unknown();
}

}  // namespace

bool covers(const StoredState& old, const State& cur, RegMask live, bool exact, RegMask precise, uint64_t precise_slots) {
  const size_t nframes = old.frame_count();
  if (nframes != cur.frames.size() || old.refs().size() != cur.refs.size()) return false;
  if (exact && old.loop_depth() != cur.loop_depth) return false;
  if (old.lock().held != cur.lock.held || old.lock().map != cur.lock.map) return false;
  if (old.res_locks().size() != cur.res_locks.size()) return false;
  // Cheap early exit: live scalars of the innermost frame (loop counters differ most often).
  {
    const StoredFrame o = old.frame(nframes - 1);
    const Frame& c = cur.frames.back();
    for (uint8_t r = 0; r < 10; ++r) {
      if (!(live & precise & (1u << r))) continue;
      const RegState &a = o.reg(r), &b = c.regs[r];
      if (a.type == RegType::Scalar && b.type == RegType::Scalar && !(exact ? a.val == b.val : a.val.contains(b.val)))
        return false;
    }
  }
  IdMap ids;
  if (old.lock().held && !ids.check(old.lock().ptr_id, cur.lock.ptr_id)) return false;
  for (size_t i = 0; i < cur.res_locks.size(); ++i) {
    const ResLockState &o = old.res_locks()[i], &c = cur.res_locks[i];
    if (o.map != c.map || o.flag_frame != c.flag_frame || o.flag_off != c.flag_off || !ids.check(o.ptr_id, c.ptr_id))
      return false;
  }
  for (size_t f = 0; f < nframes; ++f) {
    const StoredFrame o = old.frame(f);
    const Frame& c = cur.frames[f];
    // The allocation top decides where the frame's next alloca lands.
    if (o.callsite != c.callsite || o.callback != c.callback || o.alloc_top != c.alloc_top) return false;
    // A callback that may run more times covers one that may run fewer.
    if (exact ? o.cb_runs_left != c.cb_runs_left : o.cb_runs_left < c.cb_runs_left) return false;
    const bool innermost = f + 1 == nframes;
    for (uint8_t r = 0; r < 11; ++r) {
      // Outer frames: r0-r5 are overwritten when the callee returns.
      if (innermost ? !(live & (1u << r)) : r < 6) continue;
      // An imprecise scalar stands for any scalar (exact comparisons, which
      // look for endless loops, pass every register as precise).
      if (innermost && !(precise & (1u << r)) && o.reg(r).is_scalar() && c.regs[r].is_scalar()) continue;
      if (!reg_covers(o.reg(r), c.regs[r], ids, exact)) return false;
    }
    if (!stack_covers(o, c, ids, exact, innermost ? precise_slots : ~uint64_t{0})) return false;
    if (!args_cover(o, c, ids, exact)) return false;
  }
  for (size_t i = 0; i < old.refs().size(); ++i)
    if (!ids.check(old.refs()[i].id, cur.refs[i].id)) return false;
  return true;
}

void widen(State& cur, const StoredState& old) {
  if (cur.frames.size() != old.frame_count()) return;
  for (size_t f = 0; f < cur.frames.size(); ++f) {
    Frame& c = cur.frames[f];
    const StoredFrame o = old.frame(f);
    for (size_t r = 0; r < c.regs.size(); ++r) widen_reg(c.regs[r], o.reg(r));
    const size_t n = std::min(c.spills.size(), o.nbytes / 8);
    for (size_t k = 0; k < n; ++k)
      if (c.spilled(k) && o.spilled(k)) widen_reg(c.spills[k], o.spill(k));
  }
}

}  // namespace decade::verifier
