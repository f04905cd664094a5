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
    case RegType::MapKey: return "map_key";
  }
  return "?";
}

bool is_pointer(RegType t) { return t != RegType::NotInit && t != RegType::Scalar; }

std::string RegState::to_string() const {
  if (type == RegType::NotInit) return "uninit";
  if (type == RegType::Scalar) return val.is_const() ? val.to_string() : "scalar" + val.to_string();
  std::string s = reg_type_name(type);
  if (maybe_null) s += "_or_null";
  if (read_only) s += "_rdonly";
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
  if (type == RegType::Stack && range) add(fmt::format("alloca=fp-{},sz={}", range, mem_size));
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
  for (const ResLockState& l : s.res_locks) out += fmt::format(" res_lock@{}", l.pc);
  return out;
}

}  // namespace decade::verifier
