// SPDX-License-Identifier: Apache-2.0
#include "verifier/state.hpp"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace decade::verifier {

const char* reg_type_name(RegType t) {
  switch (t) {
    case RegType::NotInit: return "uninit";
    case RegType::Scalar: return "scalar";
    case RegType::Ctx: return "ctx";
    case RegType::Stack: return "fp";
    case RegType::MapPtr: return "map_ptr";
    case RegType::MapValue: return "map_value";
    case RegType::PacketMeta: return "pkt_meta";
    case RegType::Packet: return "pkt";
    case RegType::PacketEnd: return "pkt_end";
    case RegType::Mem: return "mem";
    case RegType::Arena: return "arena";
    case RegType::BtfPtr: return "ptr_btf";
    case RegType::FuncPtr: return "func";
  }
  return "?";
}

bool is_pointer(RegType t) { return t != RegType::NotInit && t != RegType::Scalar; }

std::string RegState::to_string() const {
  if (type == RegType::NotInit) return "uninit";
  if (type == RegType::Scalar) return val.is_const() ? val.to_string() : "scalar" + val.to_string();
  std::string s = reg_type_name(type);
  if (maybe_null) s += "_or_null";
  s += "(";
  std::string sep;
  auto add = [&](const std::string& x) { s += sep + x; sep = ","; };
  if (type == RegType::Stack && frame) add(fmt::format("frame={}", frame));
  if (id) add(fmt::format("id={}", id));
  if (ref_id) add(fmt::format("ref_obj_id={}", ref_id));
  if (off) add(fmt::format("off={}", off));
  if (!val.is_const() || val.value()) add("var=" + val.to_string());
  if (type == RegType::Packet || type == RegType::PacketMeta) add(fmt::format("r={}", range));
  if (map) add(fmt::format("map={},ks={},vs={}", map->name, map->key_size, map->value_size));
  if (type == RegType::Mem) add(fmt::format("sz={}", mem_size));
  if (type == RegType::FuncPtr) add(fmt::format("pc={}", func_pc));
  return s + ")";
}

void Frame::grow(size_t nbytes) {
  nbytes = (nbytes + 7) / 8 * 8;
  if (bytes.size() >= nbytes) return;
  bytes.resize(nbytes, SlotByte::Invalid);
  spills.resize(nbytes / 8);
  iters.resize(nbytes / 8);
}

bool State::has_ref(uint32_t id) const {
  for (const RefState& r : refs)
    if (r.id == id) return true;
  return false;
}

void State::drop_ref(uint32_t id) {
  std::erase_if(refs, [&](const RefState& r) { return r.id == id; });
}

namespace {

// Consistent renaming of ids between the old and the current state. States
// hold few ids, so a flat list beats a map (this runs at every prune point);
// the first pairs live inline so most comparisons allocate nothing.
class IdMap {
 public:
  bool check(uint32_t old_id, uint32_t cur_id) {
    if (old_id == 0 && cur_id == 0) return true;
    if (old_id == 0 || cur_id == 0) return false;
    for (size_t i = 0; i < n_; ++i) {
      const auto& [o, c] = i < kInline ? inline_[i] : more_[i - kInline];
      if (o == old_id) return c == cur_id;
      if (c == cur_id) return false;
    }
    if (n_ < kInline) inline_[n_] = {old_id, cur_id};
    else more_.emplace_back(old_id, cur_id);
    ++n_;
    return true;
  }

 private:
  static constexpr size_t kInline = 16;
  std::array<std::pair<uint32_t, uint32_t>, kInline> inline_{};
  std::vector<std::pair<uint32_t, uint32_t>> more_;
  size_t n_ = 0;
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
    // on must exist in the current state too.
    return o.id == 0 || ids.check(o.id, c.id);
  }
  if (o.off != c.off || o.frame != c.frame || o.map != c.map || o.mem_size != c.mem_size || o.func_pc != c.func_pc)
    return false;
  if (o.maybe_null != c.maybe_null) return false;
  if (!(exact ? o.val == c.val : o.val.contains(c.val))) return false;
  if (exact ? o.range != c.range : c.range < o.range) return false;
  return ids.check(o.id, c.id) && ids.check(o.ref_id, c.ref_id);
}

// Every initialised byte of old's slot k holds scalar data, and so does the
// same byte of cur's: the slot holds some scalar value in both.
bool scalar_slot(const Frame& o, const Frame& c, size_t k) {
  auto scalar_byte = [](const Frame& f, size_t i) {
    const SlotByte b = f.bytes[i];
    return b == SlotByte::Misc || b == SlotByte::Zero || (b == SlotByte::Spill && f.spills[i / 8].is_scalar());
  };
  for (size_t i = k * 8; i < k * 8 + 8; ++i) {
    if (o.bytes[i] == SlotByte::Invalid) continue;
    if (!scalar_byte(o, i) || i >= c.bytes.size() || !scalar_byte(c, i)) return false;
  }
  return true;
}

bool stack_covers(const Frame& o, const Frame& c, IdMap& ids, bool exact, uint64_t precise_slots) {
  for (size_t i = 0; i < o.bytes.size(); ++i) {
    if (i % 8 == 0 && !exact && i / 8 < 64 && !(precise_slots & (uint64_t{1} << (i / 8))) && scalar_slot(o, c, i / 8)) {
      i += 7;
      continue;
    }
    const SlotByte ob = o.bytes[i];
    const SlotByte cb = i < c.bytes.size() ? c.bytes[i] : SlotByte::Invalid;
    if (exact && ob != cb) return false;
    switch (ob) {
      case SlotByte::Invalid: break;
      case SlotByte::Misc:
        if (cb == SlotByte::Misc || cb == SlotByte::Zero) break;
        if (cb == SlotByte::Spill && c.spills[i / 8].type == RegType::Scalar) break;
        return false;
      case SlotByte::Zero:
        if (cb == SlotByte::Zero) break;
        if (cb == SlotByte::Spill && c.spills[i / 8].is_const() && c.spills[i / 8].val.value() == 0) break;
        return false;
      case SlotByte::Spill:
        if (cb != SlotByte::Spill) {
          // A spilled unknown scalar is as good as misc bytes.
          const RegState& s = o.spills[i / 8];
          if (s.type == RegType::Scalar && s.val == Scalar::unknown() && (cb == SlotByte::Misc || cb == SlotByte::Zero))
            break;
          return false;
        }
        if (i % 8 == 7 && !reg_covers(o.spills[i / 8], c.spills[i / 8], ids, exact)) return false;
        break;
      case SlotByte::Iter:
        if (cb != SlotByte::Iter) return false;
        if (i % 8 == 0) {
          const IterSlot &oi = o.iters[i / 8], &ci = c.iters[i / 8];
          if (oi.state != ci.state || !ids.check(oi.id, ci.id)) return false;
        }
        break;
    }
  }
  if (exact) {
    for (size_t i = o.bytes.size(); i < c.bytes.size(); ++i)
      if (c.bytes[i] != SlotByte::Invalid) return false;
  }
  return true;
}

}  // namespace

bool covers(const State& old, const State& cur, RegMask live, bool exact, RegMask precise, uint64_t precise_slots) {
  if (old.frames.size() != cur.frames.size() || old.refs.size() != cur.refs.size()) return false;
  if (exact && old.loop_depth != cur.loop_depth) return false;
  if (old.lock.held != cur.lock.held || old.lock.map != cur.lock.map) return false;
  // Cheap early exit: live scalars of the innermost frame (loop counters differ most often).
  {
    const Frame &o = old.frames.back(), &c = cur.frames.back();
    for (uint8_t r = 0; r < 10; ++r) {
      if (!(live & precise & (1u << r))) continue;
      const RegState &a = o.regs[r], &b = c.regs[r];
      if (a.type == RegType::Scalar && b.type == RegType::Scalar && !(exact ? a.val == b.val : a.val.contains(b.val)))
        return false;
    }
  }
  IdMap ids;
  if (old.lock.held && !ids.check(old.lock.ptr_id, cur.lock.ptr_id)) return false;
  for (size_t f = 0; f < old.frames.size(); ++f) {
    const Frame &o = old.frames[f], &c = cur.frames[f];
    if (o.callsite != c.callsite || o.callback != c.callback) return false;
    const bool innermost = f + 1 == old.frames.size();
    for (uint8_t r = 0; r < 11; ++r) {
      // Outer frames: r0-r5 are overwritten when the callee returns.
      if (innermost ? !(live & (1u << r)) : r < 6) continue;
      // An imprecise scalar stands for any scalar (exact comparisons, which
      // look for endless loops, pass every register as precise).
      if (innermost && !(precise & (1u << r)) && o.regs[r].is_scalar() && c.regs[r].is_scalar()) continue;
      if (!reg_covers(o.regs[r], c.regs[r], ids, exact)) return false;
    }
    if (!stack_covers(o, c, ids, exact, innermost ? precise_slots : ~uint64_t{0})) return false;
  }
  for (size_t i = 0; i < old.refs.size(); ++i)
    if (!ids.check(old.refs[i].id, cur.refs[i].id)) return false;
  return true;
}

std::string dump_state(const State& s) {
  std::string out;
  for (size_t f = 0; f < s.frames.size(); ++f) {
    const Frame& fr = s.frames[f];
    if (s.frames.size() > 1) out += fmt::format("frame{}:", f);
    for (uint8_t r = 0; r < 11; ++r) {
      if (fr.regs[r].type == RegType::NotInit) continue;
      out += fmt::format(" R{}={}", r, fr.regs[r].to_string());
    }
    for (size_t k = 0; k < fr.spills.size(); ++k) {
      const int off = -static_cast<int>(k * 8 + 8);
      std::string kinds;
      bool any = false;
      for (int b = 7; b >= 0; --b) {
        const SlotByte sb = fr.bytes[k * 8 + static_cast<size_t>(b)];
        any |= sb != SlotByte::Invalid;
        kinds += "?mzsi"[static_cast<int>(sb)];
      }
      if (!any) continue;
      if (fr.spilled(k)) out += fmt::format(" fp{}={}", off, fr.spills[k].to_string());
      else out += fmt::format(" fp{}={}", off, kinds);
    }
    if (f + 1 < s.frames.size()) out += "\n";
  }
  for (const RefState& r : s.refs) out += fmt::format(" refs={}@{}", r.id, r.acquire_pc);
  if (s.lock.held) out += fmt::format(" lock@{}", s.lock.pc);
  return out;
}

}  // namespace decade::verifier
